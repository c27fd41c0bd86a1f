/**
 * Measuring helpers for the fan-out benchmark: run a child under GNU time (wall, user+sys CPU of the whole
 * process tree, peak RSS of its largest process), take medians, and measure the machine's floor: the CPU
 * one loopback host costs (client handshake + exec + sshd's side), which bounds any tool on this machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Sample {
  wallS: number;
  cpuS: number;
  maxRssMb: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` under /usr/bin/time; stdout/stderr are captured for validation. */
export function timed(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'time');
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...argv], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const line = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const [, user, sys, rssKb] = line.split(' ').map(Number);
        resolve({ wallS, cpuS: (user ?? 0) + (sys ?? 0), maxRssMb: (rssKb ?? 0) / 1024, exitCode: code ?? -1, stdout, stderr });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Accumulated CPU (seconds) of these processes' reaped children: sshd's per-connection processes. */
export function reapedChildCpuS(pids: number[]): number {
  const ticks = 100; // USER_HZ is 100 on every Linux ABI node runs on
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After "pid (comm) ", field 3 is index 0: cutime is field 16, cstime field 17.
      total += (Number(fields[13]) + Number(fields[14])) / ticks;
    } catch {
      // an sshd that is gone adds nothing
    }
  }
  return total;
}

export interface HostCost {
  /** Controller CPU per host (handshake, exec, close). */
  clientCpuMs: number;
  /** sshd CPU per host on the same machine. */
  serverCpuMs: number;
  /** Serial wall time per host. */
  wallMs: number;
}

/** Runs `once` n times serially and attributes client and sshd CPU per iteration. */
export async function measureHostCost(n: number, sshdPids: number[], once: (i: number) => Promise<void>): Promise<HostCost> {
  await once(0); // warm-up: module loading and key parsing are not per-host costs
  const server0 = reapedChildCpuS(sshdPids);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= n; i++) await once(i);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  const cpu = process.cpuUsage(cpu0);
  // sshd reaps its per-connection children asynchronously; give it a moment before reading their CPU.
  await new Promise((r) => setTimeout(r, 500));
  const serverCpuMs = ((reapedChildCpuS(sshdPids) - server0) * 1000) / n;
  return { clientCpuMs: (cpu.user + cpu.system) / 1000 / n, serverCpuMs, wallMs };
}
