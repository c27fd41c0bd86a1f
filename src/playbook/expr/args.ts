/** Python-style argument binding and coercions shared by the filter tables. */
import { ExprError, isPyFloat, iterate, pyStr, typeName } from './values.js';

/** Positional-or-keyword argument, as Python binds them. */
export function arg(args: unknown[], kwargs: Record<string, unknown>, index: number, name: string, dflt?: unknown): unknown {
  if (Object.hasOwn(kwargs, name)) return kwargs[name];
  return index < args.length ? args[index] : dflt;
}

export function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || isPyFloat(v)) return pyStr(v);
  throw new ExprError(`${what} expects a string, got ${typeName(v)}`);
}

export function list(v: unknown, what: string): unknown[] {
  return iterate(v, what);
}
