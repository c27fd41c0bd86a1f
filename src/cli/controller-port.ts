/**
 * The controller side of lookup()/query() and the exists/file/directory/link tests (src/playbook/expr/lookups.ts):
 * files, environment, globs and shell commands of the machine drydock runs on, as Ansible's lookups read them.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, basename, resolve } from 'node:path';
import { globToRegExp } from '../inventory/glob.js';
import { useControllerPort, type ControllerPort } from '../playbook/expr/lookups.js';

export const nodeControllerPort: ControllerPort = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  kind(path, followLinks) {
    try {
      const st = followLinks ? statSync(path) : lstatSync(path);
      return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : undefined;
    } catch {
      return undefined;
    }
  },
  env: (name) => process.env[name],
  glob(pattern) {
    const dir = dirname(pattern);
    const re = globToRegExp(basename(pattern));
    // Ansible's fileglob globs the file name only and returns files, not directories.
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => re.test(n) && (!n.startsWith('.') || basename(pattern).startsWith('.')))
      .map((n) => resolve(dir, n))
      .filter((p) => nodeControllerPort.kind(p, true) === 'file')
      .sort();
  },
  run(command, cwd) {
    try {
      const stdout = execFileSync('/bin/sh', ['-c', command], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
      return { rc: 0, stdout, stderr: '' };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { rc: err.status ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  },
};

/** Installs the port for this process (called once at program start). */
export function installControllerPort(): void {
  useControllerPort(nodeControllerPort);
}
