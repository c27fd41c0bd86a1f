/** Test helpers for inventory tests: an in-memory file system and compact inventory summaries. */
import { dirname } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import type { ConfigIssue } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import type { InventoryFs, LoadedInventory } from '../../../src/inventory/index.js';
import type { Inventory } from '../../../src/inventory/types.js';

/** Files by path; directories are implied by the paths. */
export function memoryFs(files: Record<string, string>): InventoryFs {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    for (let d = dirname(path); d !== '.' && d !== '/' && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  return {
    async readText(path) {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    async kind(path) {
      if (files[path] !== undefined) return 'file';
      return dirs.has(path) ? 'dir' : undefined;
    },
    async list(dir) {
      const names = new Set<string>();
      for (const path of [...Object.keys(files), ...dirs]) {
        if (dirname(path) === dir) names.add(path.slice(dir.length + 1));
      }
      // Deliberately reversed, so tests prove the loader sorts.
      return [...names].sort().reverse();
    },
  };
}

export function loadMemory(files: Record<string, string>, sources: string[] = Object.keys(files).slice(0, 1)): Promise<LoadedInventory> {
  return loadInventory(sources, { fs: memoryFs(files) });
}

/** The ConfigError's issues, failing the test if loading succeeds or throws something else. */
export async function loadIssues(files: Record<string, string>, sources?: string[]): Promise<ConfigIssue[]> {
  try {
    await loadMemory(files, sources);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  expect.fail('expected a ConfigError');
}

export interface Summary {
  groups: Record<string, { hosts: string[]; children: string[]; vars: Record<string, unknown> }>;
  hosts: Record<string, { groups: string[]; vars: Record<string, unknown> }>;
}

export function summarize(inv: Inventory): Summary {
  const out: Summary = { groups: {}, hosts: {} };
  for (const g of inv.groups.values()) out.groups[g.name] = { hosts: g.hosts, children: g.children, vars: g.vars };
  for (const h of inv.hosts.values()) out.hosts[h.name] = { groups: h.groups, vars: h.vars };
  return out;
}
