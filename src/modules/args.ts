/**
 * Typed readers for `ctx.args`. The loader has validated and coerced the arguments already, so these only
 * narrow `unknown` for the compiler and give one clear message if a module is called outside the loader
 * (a caller bug, not user input).
 */
export function optString(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

export function reqString(args: Record<string, unknown>, key: string, module: string): string {
  const value = optString(args, key);
  if (value === undefined) throw new Error(`${module}: argument "${key}" is required`);
  return value;
}

export function optBool(args: Record<string, unknown>, key: string): boolean | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  return value === true || value === 'true' || value === 'yes';
}

export function optInt(args: Record<string, unknown>, key: string): number | undefined {
  const value = args[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export function optList(args: Record<string, unknown>, key: string): string[] | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => String(v));
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A `mode:` as given: an octal string ('0644', '644'), a number the YAML loader read as decimal 644
 * (Ansible's famous trap — we treat its digits as octal, as the user meant), or a symbolic mode (u+x),
 * which only chmod itself understands.
 */
export type ModeSpec = { octal: number } | { symbolic: string };

export function parseMode(value: unknown): ModeSpec | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : String(value).trim();
  if (/^0?[0-7]{3,4}$/.test(text)) return { octal: parseInt(text, 8) };
  if (/^0o[0-7]+$/i.test(text)) return { octal: parseInt(text.slice(2), 8) };
  if (/^[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*$/.test(text)) return { symbolic: text };
  throw new Error(`mode "${text}" is neither an octal mode (0644) nor a symbolic one (u+rwx,g-w)`);
}

export function modeArg(mode: ModeSpec): string {
  return 'octal' in mode ? mode.octal.toString(8).padStart(4, '0') : mode.symbolic;
}
