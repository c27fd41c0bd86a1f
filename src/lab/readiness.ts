/**
 * Waiting until lab hosts are really usable: each has generated its SSH host keys (read from its upper
 * layer and written into the lab's known_hosts), its sshd accepts the lab's key under strict host key
 * checking, and its systemd has finished starting (running or degraded, with the failed units named).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostUnreachableError } from '../errors.js';
import { renderKnownHosts, type HostKeys } from './inventory.js';
import { sshRun, type SshTarget } from './sshcmd.js';
import type { HostRecord, LabRecord } from './state.js';
import { readLabRecord } from './state.js';

export interface HostReadiness {
  name: string;
  address: string;
  systemState: string;
  failedUnits: string[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The host's public host keys as its own files hold them; complete lines only. */
export function readHostPublicKeys(upperDir: string): string[] {
  const dir = join(upperDir, 'etc/ssh');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^ssh_host_\w+_key\.pub$/.test(name))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .filter((text) => text.endsWith('\n'));
}

export function sshTargetFor(record: LabRecord, host: HostRecord): SshTarget {
  return { address: host.address, clientKey: record.paths.clientKey, knownHosts: record.paths.knownHosts };
}

/** Waits for every host's ed25519 key, then writes known_hosts for the whole lab. */
export async function collectKnownHosts(record: LabRecord, deadline: number): Promise<void> {
  const keys: HostKeys[] = [];
  for (const host of record.hosts) {
    for (;;) {
      const publicKeys = readHostPublicKeys(host.paths.upper);
      if (publicKeys.some((k) => k.startsWith('ssh-ed25519 '))) {
        keys.push({ name: host.name, address: host.address, publicKeys });
        break;
      }
      assertNotFailed(record.paths.labJson, host.name);
      if (Date.now() > deadline) {
        throw new HostUnreachableError(host.name, 'hostkey', `no SSH host key generated within the boot timeout (see ${host.paths.bootLog})`);
      }
      await sleep(50);
    }
  }
  await writeFile(record.paths.knownHosts, renderKnownHosts(keys), { mode: 0o644 });
}

function bootLogTail(file: string): string {
  try {
    const tail = readFileSync(file, 'utf8').trim().split('\n').slice(-6).join('\n');
    return tail ? `; last lines of ${file}:\n${tail}` : '';
  } catch {
    return '';
  }
}

function assertNotFailed(labJson: string, name: string): void {
  const host = readLabRecord(labJson)?.hosts.find((h) => h.name === name);
  if (host?.state === 'failed') {
    throw new HostUnreachableError(name, 'lost', `its init keeps ending right after boot${bootLogTail(host.paths.bootLog)}`);
  }
}

/** Waits until the supervisor reports the host's init running (not booting, rebooting or failed). */
export async function waitForInit(labJson: string, name: string, deadline: number): Promise<void> {
  for (;;) {
    const host = readLabRecord(labJson)?.hosts.find((h) => h.name === name);
    if (host?.state === 'running' && host.initPid) return;
    assertNotFailed(labJson, name);
    if (Date.now() > deadline) throw new HostUnreachableError(name, 'lost', `not booted within the timeout (state ${host?.state ?? 'unknown'})`);
    await sleep(50);
  }
}

const STATE_PROBE = 'systemctl is-system-running --wait; systemctl --failed --plain --no-legend';

/** SSHes in with strict checking until sshd accepts, then waits for systemd to finish starting. */
export async function waitForHostReady(record: LabRecord, host: HostRecord, deadline: number): Promise<HostReadiness> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new HostUnreachableError(host.name, 'tcp', `sshd on ${host.address} did not accept the lab's key in time: ${lastError.trim() || 'no answer'}`);
    }
    const result = await sshRun(sshTargetFor(record, host), STATE_PROBE, Math.max(remaining, 1000));
    if (result.code !== 255 && result.code !== null) {
      const [state = 'unknown', ...failed] = result.stdout.trim().split('\n');
      const failedUnits = failed.map((line) => line.trim().split(/\s+/)[0] ?? '').filter(Boolean);
      return { name: host.name, address: host.address, systemState: state.trim(), failedUnits, seconds: (Date.now() - started) / 1000 };
    }
    lastError = result.stderr;
    assertNotFailed(record.paths.labJson, host.name);
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION/i.test(lastError)) {
      throw new HostUnreachableError(host.name, 'hostkey', `the host key does not match the one in its own files: ${lastError.trim()}`);
    }
    await sleep(100);
  }
}

/**
 * Whether lab hosts reach each other across the bridge (the first host dials the second's sshd). A machine
 * whose bridged traffic goes through a dropping FORWARD chain (br_netfilter) fails this while each host is
 * still reachable from the machine; `up` warns instead of letting cluster rehearsals fail mysteriously later.
 */
export async function hostsReachEachOther(record: LabRecord): Promise<boolean> {
  const [first, second] = record.hosts;
  if (!first || !second) return true;
  const probe = `timeout 3 bash -c 'echo > /dev/tcp/${second.address}/22'`;
  return (await sshRun(sshTargetFor(record, first), probe, 10000)).code === 0;
}
