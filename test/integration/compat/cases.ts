/**
 * The Ansible compatibility suite's cases: each folder of test/fixtures/ansible-compat/ holds a playbook that
 * people wrote for Ansible (`site.yml`, with the files it uses), where it comes from and its licence
 * (`SOURCE.md`), optionally an inventory of groups over the fleet's hosts (`inventory.ini`) and `case.json`
 * (extra command-line arguments; paths to remove before each run), and `ansible.json`: what ansible-playbook
 * 2.14 did with it against the same kind of loopback fleet, recorded by scripts/record-ansible-compat.ts.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Fleet } from '../../helpers/fleet.js';
import type { CompatRun } from './outcome.js';

export const CASES_DIR = resolve(import.meta.dirname, '../../fixtures/ansible-compat');

export interface CompatCase {
  name: string;
  dir: string;
  playbook: string;
  /** The case's own inventory of groups (inventory.ini or inventory.yml), added after the fleet's. */
  inventory?: string;
  args: string[];
  /** Paths on the hosts (this machine: the fleet is loopback sshd) removed before each run. */
  clean: string[];
  /** The names the case's inventory gives the fleet's three hosts (default node01..node03). */
  hostNames: string[];
  /**
   * A deliberate difference: drydock refuses the case before any host (exit code, and a pattern its error
   * names), where Ansible goes on; `why` says what Ansible does instead. No recording then.
   */
  refused?: { exitCode: number; message: string; why: string };
}

export interface Recorded {
  ansible: string;
  command: string[];
  run: CompatRun;
}

export function listCases(): CompatCase[] {
  return readdirSync(CASES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(CASES_DIR, d.name);
      const extra = existsSync(join(dir, 'case.json'))
        ? (JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { args?: string[]; clean?: string[]; hosts?: string[]; refused?: CompatCase['refused'] })
        : {};
      const inventory = ['inventory.ini', 'inventory.yml'].map((f) => join(dir, f)).find((f) => existsSync(f));
      return {
        name: d.name,
        dir,
        playbook: join(dir, 'site.yml'),
        ...(inventory ? { inventory } : {}),
        args: extra.args ?? [],
        clean: extra.clean ?? [],
        hostNames: extra.hosts ?? ['node01', 'node02', 'node03'],
        ...(extra.refused ? { refused: extra.refused } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The inventory arguments: the fleet's hosts under the case's names (connection settings only, written to
 * `workDir`), then the case's own inventory of groups.
 */
export function inventoryArgs(c: CompatCase, fleet: Fleet, workDir: string): string[] {
  const file = join(workDir, `${c.name}-hosts.yaml`);
  const hosts = c.hostNames.map((name, i) => {
    const h = fleet.hosts[i]!;
    return `    ${name}: { ansible_host: ${h.address}, ansible_port: ${h.port}, ansible_user: ${fleet.user}, ansible_ssh_private_key_file: "${fleet.clientKey}" }`;
  });
  const common = `-o UserKnownHostsFile=${fleet.knownHostsFile} -o StrictHostKeyChecking=yes`;
  writeFileSync(file, `all:\n  hosts:\n${hosts.join('\n')}\n  vars:\n    ansible_ssh_common_args: "${common}"\n`);
  return ['-i', file, ...(c.inventory ? ['-i', c.inventory] : [])];
}

export function cleanCase(c: CompatCase): void {
  for (const path of c.clean) rmSync(path, { recursive: true, force: true });
}

export function readRecorded(c: CompatCase): Recorded | undefined {
  const file = join(c.dir, 'ansible.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Recorded) : undefined;
}
