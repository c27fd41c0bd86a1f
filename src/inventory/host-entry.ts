/**
 * One host entry as written in a source (`web[01:03]:2222`): parsed into names and port, with range and
 * address errors recorded against the entry's position. Shared by the INI, YAML and literal-list sources.
 */
import { parseHostAddress } from './address.js';
import type { InventoryBuilder } from './model.js';
import { expandHostRange, hasHostRange } from './ranges.js';
import type { SourceRef } from './types.js';

export interface HostEntry {
  names: string[];
  port?: number;
}

export function parseHostEntry(builder: InventoryBuilder, token: string, ref: SourceRef): HostEntry | undefined {
  const address = parseHostAddress(token);
  if (!address.ok) {
    builder.error(ref, address.error);
    return undefined;
  }
  let names = [address.host];
  if (hasHostRange(address.host) || address.host.includes(']')) {
    const expanded = expandHostRange(address.host);
    if (!expanded.ok) {
      builder.error(ref, expanded.error);
      return undefined;
    }
    names = expanded.hosts;
  }
  return address.port === undefined ? { names } : { names, port: address.port };
}

/** Adds every name of the entry to `group`, with the port as `ansible_port` and the given variables. */
export function addHostEntry(
  builder: InventoryBuilder,
  entry: HostEntry,
  group: string,
  ref: SourceRef,
  vars: { key: string; value: unknown; ref: SourceRef }[],
): void {
  for (const name of entry.names) {
    builder.addHost(name, group, ref);
    if (entry.port !== undefined) builder.setHostVar(name, 'ansible_port', entry.port, ref);
    for (const v of vars) builder.setHostVar(name, v.key, v.value, v.ref);
  }
}
