/** Typed reads of Ansible connection variables for `resolve.ts`. */
import type { Vars } from '../inventory/types.js';
import { parsePort, parseWholeNumber, parseYesNo } from './ssh-option-values.js';

/**
 * INI inventories give strings, YAML gives numbers and booleans: both are accepted. The first name present
 * wins (new spelling, then the legacy `ansible_ssh_*` one). Bad values go to `issue`; values are never shown
 * for anything that could be a secret.
 */
export class VarReader {
  constructor(
    private readonly vars: Vars,
    private readonly issue: (message: string) => void,
  ) {}

  private first(names: string[]): [string, unknown] | undefined {
    for (const name of names) {
      const value = this.vars[name];
      if (value !== undefined && value !== null) return [name, value];
    }
    return undefined;
  }

  string(...names: string[]): string | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const [name, value] = found;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.issue(`${name} must be a string, not ${Array.isArray(value) ? 'a list' : typeof value}`);
    return undefined;
  }

  port(...names: string[]): number | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const port = parsePort(found[1]);
    if (port === undefined) this.issue(`${found[0]} "${String(found[1])}" is not a port number (1-65535)`);
    return port;
  }

  seconds(...names: string[]): number | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const seconds = parseWholeNumber(found[1]);
    if (seconds === undefined) this.issue(`${found[0]} "${String(found[1])}" is not a whole number of seconds`);
    return seconds;
  }

  boolean(...names: string[]): boolean | undefined {
    const found = this.first(names);
    if (!found) return undefined;
    const flag = parseYesNo(found[1]);
    if (flag === undefined) this.issue(`${found[0]} "${String(found[1])}" is not true or false`);
    return flag;
  }
}
