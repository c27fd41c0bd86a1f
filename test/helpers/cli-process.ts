/**
 * The real drydock CLI as a process a test holds on to while it runs (to signal it, to start a second run
 * beside it), and a playbook that holds every host until the test lets go.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export interface Started {
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startDrydock(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['bin/drydock.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout };
}

export async function waitFor(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A play whose first task holds each host (its shell's pid written down) until the gate file goes. */
export function holdPlaybook(dir: string): string {
  const file = join(dir, 'hold.yaml');
  writeFileSync(
    file,
    `- hosts: all
  gather_facts: false
  tasks:
    - name: hold
      shell: "echo $$ > ${dir}/{{ inventory_hostname }}.pid; while [ -e ${dir}/gate ]; do sleep 0.1; done"
    - name: after
      shell: "touch ${dir}/{{ inventory_hostname }}.after"
`,
  );
  return file;
}
