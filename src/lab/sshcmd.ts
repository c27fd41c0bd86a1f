/**
 * The machine's OpenSSH tools as the lab uses them: ssh-keygen for the lab's client key, and `ssh` with the
 * lab's key and known_hosts under strict checking (never the user's own config or known hosts).
 */
import { existsSync } from 'node:fs';
import { run, runChecked, runInteractive, systemEnv, type RunResult } from './sys.js';

export interface SshTarget {
  address: string;
  clientKey: string;
  knownHosts: string;
}

export async function ensureClientKey(privateKey: string): Promise<void> {
  if (existsSync(privateKey) && existsSync(`${privateKey}.pub`)) return;
  await runChecked('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'drydock-lab', '-f', privateKey], { env: systemEnv() });
}

export function sshArgs(target: SshTarget, options: { batch: boolean; connectTimeoutS?: number }): string[] {
  return [
    '-F', '/dev/null',
    '-i', target.clientKey,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${target.knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `ConnectTimeout=${options.connectTimeoutS ?? 5}`,
    '-o', 'LogLevel=ERROR',
    ...(options.batch ? ['-o', 'BatchMode=yes'] : []),
    '-l', 'root',
    target.address,
  ];
}

/** Runs one command on a host, capturing output. Exit 255 means ssh itself failed. */
export function sshRun(target: SshTarget, command: string, timeoutMs = 30000): Promise<RunResult> {
  return run('ssh', [...sshArgs(target, { batch: true }), '--', command], { timeoutMs, env: systemEnv() });
}

/** Hands the terminal to ssh (for `lab ssh HOST [-- cmd]`). */
export function sshInteractive(target: SshTarget, command: string[]): Promise<number> {
  return runInteractive('ssh', [...sshArgs(target, { batch: false }), ...(command.length ? ['--', ...command] : [])]);
}
