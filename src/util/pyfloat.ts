/**
 * Python's float where JavaScript cannot tell it from an int. Ansible users see the difference: `2.0` prints
 * "2.0", `10 / 2` is 5.0, an apt pin `pkg={{ v }}*` changes meaning if 2.0 prints as "2".
 *
 * Representation (the least invasive one): ints and non-integral floats stay plain JS numbers (1, 1.28, NaN,
 * Infinity are unambiguous); only a float whose value is integral (2.0, 1e16, -0.0) is a frozen `PyFloat` box.
 * Always build floats with `pyFloat(n)`, which keeps that rule; read any number with `numberValue(v)`.
 * Consumers outside the expression engine that expect a JS number can call `plainNumbers` or `numberValue`;
 * JSON.stringify writes a box as its number (toJSON).
 */
export class PyFloat {
  constructor(readonly value: number) {
    Object.freeze(this);
  }
  toJSON(): number {
    return this.value;
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return formatPyFloat(this.value);
  }
}

/** A Python float with value `n`: a plain number unless that would read back as an int. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) || Object.is(n, -0) ? new PyFloat(n) : n;
}

/** Whether `v` is a Python float (a box, or a plain number that is not integral). */
export function isPyFloat(v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Whether `v` is a Python int (a plain integral number). */
export function isPyInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Whether `v` is a number of either kind (not a boolean). */
export function isPyNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

/** The JS number behind an int or float; undefined for anything else. */
export function numberValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
export function formatPyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0.0';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 16) {
    const fixed = String(n);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const digits = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
  return `${mantissa}e${e < 0 ? '-' : '+'}${digits}`;
}

/** Python's str() of an int (arbitrary precision in Python: no exponent form). */
export function formatPyInt(n: number): string {
  return Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n);
}

/** A copy of data with every PyFloat replaced by its JS number (for consumers that only know numbers). */
export function plainNumbers(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.some(hasBox) ? v.map(plainNumbers) : v;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && hasBox(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: plainNumbers(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function hasBox(v: unknown): boolean {
  if (v instanceof PyFloat) return true;
  if (Array.isArray(v)) return v.some(hasBox);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).some(hasBox);
  return false;
}
