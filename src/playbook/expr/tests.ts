/**
 * Jinja2 tests (`x is defined`, `result is failed`, `v is version('1.28', '>=')`), also usable by name in
 * select/reject/selectattr/rejectattr. Result tests follow Ansible: they expect a registered result dict.
 */
import type { Env } from './eval.js';
import { ExprError, Undefined, isPyFloat, isPyInt, isPyNumber, numberValue, isMapping, mappingGet, pyCompare, pyContains, pyEquals, pyStr, truthy, typeName } from './values.js';
import { pyRegex, versionCompare } from './text.js';
import { convertBool } from './data.js';

export type Test = (input: unknown, args: unknown[], kwargs: Record<string, unknown>, env: Env) => boolean;

function resultFlag(input: unknown, test: string, key: string): boolean {
  if (!isMapping(input)) throw new ExprError(`the '${test}' test expects a registered result (a dictionary), got ${typeName(input)}`);
  const hit = mappingGet(input, key);
  if (hit.found && hit.value !== undefined) return truthy(hit.value);
  if (key !== 'failed') {
    const results = mappingGet(input, 'results');
    if (results.found && Array.isArray(results.value) && results.value.length) {
      const flags = results.value.map((r) => isMapping(r) && truthy(mappingGet(r, key).value ?? false));
      // A loop counts as changed if any item changed, and as skipped only if every item was skipped.
      return key === 'skipped' ? flags.every(Boolean) : flags.some(Boolean);
    }
  }
  return false;
}

function regexTest(kind: 'match' | 'search' | 'fullmatch') {
  return (input: unknown, args: unknown[], kwargs: Record<string, unknown>): boolean => {
    const pattern = pyStr(args[0] ?? kwargs.pattern);
    const source = kind === 'match' ? `^(?:${pattern})` : kind === 'fullmatch' ? `^(?:${pattern})$` : pattern;
    const re = pyRegex(source, { ignorecase: truthy(args[1] ?? kwargs.ignorecase ?? false), multiline: truthy(args[2] ?? kwargs.multiline ?? false) });
    return re.test(pyStr(input));
  };
}

const compareTest = (pred: (c: number) => boolean): Test => (input, args) => pred(pyCompare(input, args[0]));

export const TESTS: Record<string, Test> = {
  defined: (input) => !(input instanceof Undefined),
  undefined: (input) => input instanceof Undefined,
  none: (input) => input === null || input === undefined,
  // convert_bool=True reads boolean words first ('off' is falsy), as Ansible's truthy/falsy tests do.
  truthy: (input, args, kwargs) => (truthy(args[0] ?? kwargs.convert_bool ?? false) ? (convertBool(input) ?? truthy(input)) : truthy(input)),
  falsy: (input, args, kwargs) => !(truthy(args[0] ?? kwargs.convert_bool ?? false) ? (convertBool(input) ?? truthy(input)) : truthy(input)),
  true: (input) => input === true,
  false: (input) => input === false,
  boolean: (input) => typeof input === 'boolean',
  string: (input) => typeof input === 'string',
  // Jinja: a bool is a Number but not an integer.
  number: (input) => isPyNumber(input) || typeof input === 'boolean',
  integer: (input) => isPyInt(input),
  float: (input) => isPyFloat(input),
  mapping: (input) => isMapping(input),
  sequence: (input) => Array.isArray(input) || typeof input === 'string' || isMapping(input),
  iterable: (input) => Array.isArray(input) || typeof input === 'string' || isMapping(input),
  list: (input) => Array.isArray(input),
  lower: (input) => typeof input === 'string' && input === input.toLowerCase(),
  upper: (input) => typeof input === 'string' && input === input.toUpperCase(),
  even: (input) => (numberValue(input) ?? NaN) % 2 === 0,
  odd: (input) => Math.abs((numberValue(input) ?? NaN) % 2) === 1,
  divisibleby: (input, args) => (numberValue(input) ?? NaN) % (numberValue(args[0]) ?? NaN) === 0,
  equalto: (input, args) => pyEquals(input, args[0]),
  sameas: (input, args) => input === args[0],
  ne: (input, args) => !pyEquals(input, args[0]),
  lt: compareTest((c) => c < 0),
  le: compareTest((c) => c <= 0),
  gt: compareTest((c) => c > 0),
  ge: compareTest((c) => c >= 0),
  in: (input, args) => pyContains(args[0], input),
  contains: (input, args) => pyContains(input, args[0]),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: (input, args, kwargs) => {
    const kind = String(kwargs.match_type ?? 'search');
    return regexTest(kind === 'match' ? 'match' : kind === 'fullmatch' ? 'fullmatch' : 'search')(input, args, kwargs);
  },
  succeeded: (input) => !resultFlag(input, 'succeeded', 'failed'),
  failed: (input) => resultFlag(input, 'failed', 'failed'),
  changed: (input) => resultFlag(input, 'changed', 'changed'),
  skipped: (input) => resultFlag(input, 'skipped', 'skipped'),
  version: (input, args, kwargs) => {
    const other = args[0] ?? kwargs.version;
    const op = args[1] ?? kwargs.operator ?? 'eq';
    if (kwargs.strict || (kwargs.version_type !== undefined && kwargs.version_type !== 'loose')) {
      throw new ExprError("version: only the default loose comparison is supported (drop 'strict'/'version_type')");
    }
    return versionCompare(pyStr(input), pyStr(other), pyStr(op));
  },
};
TESTS.success = TESTS.succeeded!;
TESTS.failure = TESTS.failed!;
TESTS.change = TESTS.changed!;
TESTS.skip = TESTS.skipped!;
TESTS.version_compare = TESTS.version!;
TESTS.eq = TESTS.equalto!;
TESTS['=='] = TESTS.equalto!;
TESTS['!='] = TESTS.ne!;
TESTS['<'] = TESTS.lt!;
TESTS['<='] = TESTS.le!;
TESTS['>'] = TESTS.gt!;
TESTS['>='] = TESTS.ge!;
TESTS.greaterthan = TESTS.gt!;
TESTS.lessthan = TESTS.lt!;
