/**
 * Value parsing for ssh options that can come from ~/.ssh/config, `-o` in ansible_ssh_common_args or
 * inventory vars, so each source accepts exactly the same spellings (ssh_config(5)).
 */
import type { HostKeyPolicy } from './types.js';

/** A TCP port 1-65535 from a number or a decimal string, else undefined. */
export function parsePort(value: unknown): number | undefined {
  const number = parseWholeNumber(value);
  return number !== undefined && number >= 1 && number <= 65535 ? number : undefined;
}

/** A non-negative integer from a number or a decimal string (seconds, counts), else undefined. */
export function parseWholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

/** yes/no as ssh_config spells booleans, plus the true/false spellings inventories use. */
export function parseYesNo(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (['yes', 'true', 'on', '1', 'y'].includes(word)) return true;
  if (['no', 'false', 'off', '0', 'n'].includes(word)) return false;
  return undefined;
}

/**
 * StrictHostKeyChecking → drydock policy. `ask` (OpenSSH's default) cannot prompt across parallel
 * connections, so it is strict: unknown hosts are refused with instructions.
 */
export function parseStrictHostKeyChecking(value: unknown): HostKeyPolicy | undefined {
  if (typeof value === 'boolean') return value ? 'strict' : 'off';
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (word === 'yes' || word === 'ask' || word === 'true') return 'strict';
  if (word === 'accept-new') return 'accept-new';
  if (word === 'no' || word === 'off' || word === 'false') return 'off';
  return undefined;
}
