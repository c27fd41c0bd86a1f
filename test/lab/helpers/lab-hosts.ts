/** What lab tests share: starting a TypeScript entry point as a child process, and commands on lab hosts. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { sshRun, type SshTarget } from '../../../src/lab/sshcmd.js';
import { readLabRecord, type LabRecord } from '../../../src/lab/state.js';

const REPO = resolve(import.meta.dirname, '../../..');

export interface NodeRun {
  code: number | null;
  /** stdout and stderr as they interleaved. */
  output: string;
}

/** `node --import tsx ARGS` from the repository root (the lab CLI, or drydock's sources). */
export function runTsx(args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

export interface LabHosts {
  record(): LabRecord;
  target(name: string): SshTarget;
  /** Runs a command on a lab host as root; a non-zero exit throws with the output. Returns trimmed stdout. */
  on(host: string, command: string): Promise<string>;
}

/** The hosts of the lab whose state folder `stateDir()` names (read when called: it is set in before()). */
export function labHosts(stateDir: () => string, timeoutMs = 30_000): LabHosts {
  const record = (): LabRecord => readLabRecord(join(stateDir(), 'lab.json'))!;
  const target = (name: string): SshTarget => {
    const r = record();
    return { address: r.hosts.find((h) => h.name === name)!.address, clientKey: r.paths.clientKey, knownHosts: r.paths.knownHosts };
  };
  return {
    record,
    target,
    async on(host, command) {
      const result = await sshRun(target(host), command, timeoutMs);
      if (result.code !== 0) throw new Error(`${host}: ${command}: exit ${result.code}: ${result.stdout}${result.stderr}`);
      return result.stdout.trim();
    },
  };
}
