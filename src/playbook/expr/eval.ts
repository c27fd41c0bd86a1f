/**
 * Evaluates a parsed expression against variables. The sandbox is structural: values are plain data, only
 * own keys of plain objects/Maps are readable, calls go only to a fixed list of string/dict/list methods and
 * the `range` global, so no JavaScript prototype, constructor or function is ever reachable.
 */
import type { Node } from './parser.js';
import {
  ExprError,
  OMIT,
  Undefined,
  failIfUndefined,
  isMapping,
  isPyFloat,
  pyFloat,
  makeDict,
  mappingGet,
  pyCompare,
  pyContains,
  pyEquals,
  pyRepr,
  pyStr,
  toInt,
  toNumber,
  truthy,
  typeName,
  type Mapping,
} from './values.js';
import { FILTERS } from './filters.js';
import { TESTS } from './tests.js';
import { knownFilter, knownTest } from './names.js';
import { methodFor, percentFormat, range } from './methods.js';

export interface Env {
  vars: Mapping;
  /**
   * Called for every value read from the variables: by name (`parent` undefined) or from inside a value
   * (`parent` is the container). Ansible templates variable values lazily, so `a: "{{ b }}"` reads as b's
   * value; `path` names where the value came from, for loop detection.
   */
  read(path: string, value: unknown, parent: unknown): unknown;
  /** Renders the templates nested inside a container read from the variables, before it is used whole. */
  deep(value: unknown): unknown;
  filter(name: string, input: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown;
  test(name: string, input: unknown, args: unknown[], kwargs: Record<string, unknown>): boolean;
}

export function makeEnv(vars: Mapping, hooks: Pick<Env, 'read' | 'deep'> = { read: (_p, v) => v, deep: (v) => v }): Env {
  const env: Env = {
    vars,
    read: hooks.read,
    deep: hooks.deep,
    filter(name, input, args, kwargs) {
      const fn = FILTERS[name];
      if (!fn || !Object.hasOwn(FILTERS, name)) throw new ExprError(knownFilter(name) ?? `unknown filter '${name}'`);
      if (name !== 'default' && name !== 'd' && name !== 'mandatory') failIfUndefined(input);
      return fn(input, args, kwargs, env);
    },
    test(name, input, args, kwargs) {
      const fn = TESTS[name];
      if (!fn || !Object.hasOwn(TESTS, name)) throw new ExprError(knownTest(name) ?? `unknown test '${name}'`);
      if (name !== 'defined' && name !== 'undefined') failIfUndefined(input);
      return fn(input, args, kwargs, env);
    },
  };
  return env;
}

/** Source-like text of a variable path, for error messages ("hostvars['web1'].ansible_host"). */
export function pathText(node: Node): string {
  switch (node.t) {
    case 'name':
      return node.name;
    case 'lit':
      return pyRepr(node.v);
    case 'attr':
      return `${pathText(node.obj)}.${node.name}`;
    case 'item':
      return node.index.t === 'lit' ? `${pathText(node.obj)}[${JSON.stringify(node.index.v)}]` : `${pathText(node.obj)}[…]`;
    case 'filter':
      return `${pathText(node.input)} | ${node.name}`;
    case 'call':
      return `${pathText(node.callee)}(…)`;
    default:
      return 'expression';
  }
}

export function evaluate(node: Node, env: Env): unknown {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'name': {
      const hit = mappingGet(env.vars, node.name);
      if (hit.found) return hit.value === undefined ? null : env.read(node.name, hit.value, undefined);
      if (node.name === 'omit') return OMIT;
      return new Undefined(node.name, `'${node.name}' is undefined`);
    }
    case 'list':
      return node.items.map((n) => defined(evaluate(n, env)));
    case 'dict':
      return makeDict(node.entries.map(([k, v]) => [pyStr(defined(evaluate(k, env))), defined(evaluate(v, env))]));
    case 'attr':
      return lookup(evaluate(node.obj, env), node.name, node, env);
    case 'item': {
      const index = defined(evaluate(node.index, env));
      return lookup(evaluate(node.obj, env), index, node, env);
    }
    case 'slice':
      return slice(env.deep(defined(evaluate(node.obj, env))), [node.start, node.stop, node.step].map((n) => (n ? defined(evaluate(n, env)) : null)));
    case 'call':
      return call(node, env);
    case 'filter':
      return env.filter(node.name, env.deep(evaluate(node.input, env)), node.args.map((a) => env.deep(evaluate(a, env))), kwargsOf(node.kwargs, env));
    case 'test': {
      const result = env.test(node.name, env.deep(evaluate(node.input, env)), node.args.map((a) => env.deep(defined(evaluate(a, env)))), kwargsOf(node.kwargs, env));
      return node.negate ? !result : result;
    }
    case 'not':
      return !truthy(evaluate(node.operand, env));
    case 'neg': {
      const operand = evaluate(node.operand, env);
      const v = toNumber(operand, `unary ${node.op}`);
      const out = node.op === '-' ? -v : v;
      return isPyFloat(operand) ? pyFloat(out) : out;
    }
    case 'and': {
      const left = evaluate(node.left, env);
      return truthy(left) ? evaluate(node.right, env) : left;
    }
    case 'or': {
      const left = evaluate(node.left, env);
      return truthy(left) ? left : evaluate(node.right, env);
    }
    case 'compare': {
      let left = env.deep(evaluate(node.first, env));
      for (const [op, rightNode] of node.rest) {
        const right = env.deep(evaluate(rightNode, env));
        if (!compare(op, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'bin':
      return binary(node.op, env.deep(defined(evaluate(node.left, env))), env.deep(defined(evaluate(node.right, env))));
    case 'cond':
      if (truthy(evaluate(node.test, env))) return evaluate(node.then, env);
      return node.otherwise ? evaluate(node.otherwise, env) : new Undefined('', 'the inline if-expression is false and has no else');
  }
}

function defined<T>(v: T): T {
  failIfUndefined(v);
  return v;
}

function kwargsOf(pairs: [string, Node][], env: Env): Record<string, unknown> {
  return makeDict(pairs.map(([k, n]) => [k, env.deep(evaluate(n, env))]));
}

function lookup(obj: unknown, key: unknown, node: Node, env: Env): unknown {
  // Like Ansible's undefined: attributes of an undefined value stay undefined, so `a.b is defined` is false.
  if (obj instanceof Undefined) return obj;
  const owner = node.t === 'attr' || node.t === 'item' ? pathText(node.obj) : 'value';
  const missing = () =>
    new Undefined(pathText(node), `'${owner}' (${typeName(obj)}) has no attribute ${typeof key === 'string' ? `'${key}'` : pyStr(key)}`);
  if (isMapping(obj)) {
    if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') return missing();
    const hit = mappingGet(obj, typeof key === 'string' ? key : pyStr(key));
    if (!hit.found) return missing();
    return hit.value === undefined ? null : env.read(pathText(node), hit.value, obj);
  }
  if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && Number.isInteger(key)) {
    const i = key < 0 ? obj.length + key : key;
    if (i < 0 || i >= obj.length) return missing();
    return typeof obj === 'string' ? obj[i] : env.read(pathText(node), obj[i], obj);
  }
  return missing();
}

function slice(obj: unknown, [start, stop, step]: unknown[]): unknown {
  if (!Array.isArray(obj) && typeof obj !== 'string') throw new ExprError(`cannot slice a ${typeName(obj)}`);
  const items = typeof obj === 'string' ? [...obj] : obj;
  const n = items.length;
  const s = step === null ? 1 : toInt(step, 'slice step');
  if (s === 0) throw new ExprError('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    let i = toInt(v, 'slice index');
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (s > 0) for (let i = clamp(start, 0, 0, n); i < clamp(stop, n, 0, n); i += s) out.push(items[i]);
  else for (let i = clamp(start, n - 1, -1, n - 1); i > clamp(stop, -1, -1, n - 1); i += s) out.push(items[i]);
  return typeof obj === 'string' ? out.join('') : out;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(a, b) < 0;
    case '<=':
      return pyCompare(a, b) <= 0;
    case '>':
      return pyCompare(a, b) > 0;
    case '>=':
      return pyCompare(a, b) >= 0;
    case 'in':
      return pyContains(b, a);
    case 'not in':
      return !pyContains(b, a);
  }
  throw new ExprError(`unknown comparison ${op}`);
}

function binary(op: string, a: unknown, b: unknown): unknown {
  if (op === '~') return pyStr(a) + pyStr(b);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (op === '*' && (typeof a === 'string' || Array.isArray(a)) && typeof b === 'number') {
    const times = Math.max(0, toInt(b, 'repeat count'));
    if (a.length * times > MAX_REPEAT) throw new ExprError(`repetition would build ${a.length * times} items; the limit is ${MAX_REPEAT}`);
    return typeof a === 'string' ? a.repeat(times) : Array.from({ length: times }, () => a).flat();
  }
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  if (typeof a === 'string' || typeof b === 'string') {
    throw new ExprError(`unsupported operand types for ${op}: ${typeName(a)} and ${typeName(b)} (use ~ to join strings)`);
  }
  const x = toNumber(a, `operator ${op}`);
  const y = toNumber(b, `operator ${op}`);
  // Python: int op int is an int (except /, and ** with a negative exponent); anything with a float is a float.
  const float = isPyFloat(a) || isPyFloat(b) || op === '/' || (op === '**' && y < 0);
  const out = arithmetic(op, x, y);
  return float ? pyFloat(out) : out;
}

function arithmetic(op: string, x: number, y: number): number {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new ExprError('division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new ExprError('division by zero');
      return Math.floor(x / y);
    case '%':
      if (y === 0) throw new ExprError('modulo by zero');
      return x - y * Math.floor(x / y);
    case '**':
      return x ** y;
  }
  throw new ExprError(`unknown operator ${op}`);
}

const MAX_REPEAT = 1_000_000;

function call(node: Extract<Node, { t: 'call' }>, env: Env): unknown {
  const args = node.args.map((a) => env.deep(defined(evaluate(a, env))));
  const kwargs = kwargsOf(node.kwargs, env);
  if (node.callee.t === 'name' && node.callee.name === 'range' && !mappingGet(env.vars, 'range').found) return range(args);
  if (node.callee.t === 'name' && (node.callee.name === 'lookup' || node.callee.name === 'query' || node.callee.name === 'q')) {
    throw new ExprError(`${node.callee.name}() plugins are not supported; pass the value as a variable (-e or vars:)`);
  }
  if (node.callee.t !== 'attr') throw new ExprError(`'${pathText(node.callee)}' is not a function that templates may call`);
  const target = env.deep(defined(evaluate(node.callee.obj, env)));
  const method = node.callee.name;
  const fn = methodFor(target, method);
  if (!fn) throw new ExprError(`${typeName(target)} has no method '${method}' that templates may call`);
  return fn(target as never, args, kwargs);
}
