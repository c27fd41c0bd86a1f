/**
 * Load-time check of the names a template uses: every filter, test and lookup must exist, so `--syntax-check`
 * and `play` refuse a misspelt `| defualt` before any host is touched, naming the closest known names.
 * Names given as literal strings to map/select/reject/selectattr/rejectattr and lookup/query/q count too.
 */
import type { Node } from './parser.js';
import { FILTERS } from './filters.js';
import { TESTS } from './tests.js';
import { LOOKUP_NAMES, REFUSED_FILTERS } from './refused.js';
import { editDistance } from '../suggest.js';

function nearest(word: string, candidates: string[]): string {
  const ranked = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(word.length / 3)))
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1))
    .slice(0, 3)
    .map((x) => x.c);
  return ranked.length ? ` (closest: ${ranked.join(', ')})` : '';
}

export function knownFilter(name: string): string | undefined {
  if (Object.hasOwn(REFUSED_FILTERS, name)) return `filter '${name}' is not supported: ${REFUSED_FILTERS[name]}`;
  if (Object.hasOwn(FILTERS, name)) return undefined;
  return `unknown filter '${name}'${nearest(name, Object.keys(FILTERS))}`;
}

export function knownTest(name: string): string | undefined {
  return Object.hasOwn(TESTS, name) ? undefined : `unknown test '${name}'${nearest(name, Object.keys(TESTS).filter((t) => /^\w+$/.test(t)))}`;
}

function knownLookup(name: string): string | undefined {
  return LOOKUP_NAMES.includes(name) ? undefined : `unknown or unsupported lookup '${name}'${nearest(name, LOOKUP_NAMES)} (supported: ${LOOKUP_NAMES.join(', ')})`;
}

const literal = (n: Node | undefined): string | undefined => (n?.t === 'lit' && typeof n.v === 'string' ? n.v : undefined);

/** The first unknown filter, test or lookup name in an expression tree, as a message; undefined when all are known. */
export function unknownName(node: Node): string | undefined {
  const children: (Node | undefined)[] = [];
  let problem: string | undefined;
  switch (node.t) {
    case 'filter': {
      problem = knownFilter(node.name);
      const first = literal(node.args[0]);
      if (!problem && first !== undefined && node.name === 'map' && !node.kwargs.some(([k]) => k === 'attribute')) problem = knownFilter(first);
      if (!problem && first !== undefined && (node.name === 'select' || node.name === 'reject')) problem = knownTest(first);
      const second = literal(node.args[1]);
      if (!problem && second !== undefined && (node.name === 'selectattr' || node.name === 'rejectattr')) problem = knownTest(second);
      children.push(node.input, ...node.args, ...node.kwargs.map(([, v]) => v));
      break;
    }
    case 'test':
      problem = knownTest(node.name);
      children.push(node.input, ...node.args, ...node.kwargs.map(([, v]) => v));
      break;
    case 'call': {
      const fn = node.callee.t === 'name' ? node.callee.name : undefined;
      const first = literal(node.args[0]);
      if ((fn === 'lookup' || fn === 'query' || fn === 'q') && first !== undefined) problem = knownLookup(first);
      children.push(node.callee, ...node.args, ...node.kwargs.map(([, v]) => v));
      break;
    }
    case 'list':
      children.push(...node.items);
      break;
    case 'dict':
      for (const [k, v] of node.entries) children.push(k, v);
      break;
    case 'attr':
      children.push(node.obj);
      break;
    case 'item':
      children.push(node.obj, node.index);
      break;
    case 'slice':
      children.push(node.obj, node.start, node.stop, node.step);
      break;
    case 'not':
    case 'neg':
      children.push(node.operand);
      break;
    case 'bin':
    case 'and':
    case 'or':
      children.push(node.left, node.right);
      break;
    case 'compare':
      children.push(node.first, ...node.rest.map(([, n]) => n));
      break;
    case 'cond':
      children.push(node.test, node.then, node.otherwise);
      break;
    default:
      break;
  }
  if (problem) return problem;
  for (const child of children) {
    const inner = child && unknownName(child);
    if (inner) return inner;
  }
  return undefined;
}
