/**
 * The per-lab supervisor: a detached process that boots the lab's hosts, watches each host's init, boots a
 * host again when its init ends (a `reboot` inside it), keeps hosts that were put down by a fault down, and
 * stops everything when `lab down` asks. It is the only writer of lab.json while it runs.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { bootArgv, waitForInitPid } from './boot.js';
import { ensureCgroup, killCgroup, removeCgroupTree } from './cgroup.js';
import { serveControl, type ControlReply, type ControlRequest } from './control.js';
import { readLabRecord, writeLabRecord, type HostRecord, type LabRecord } from './state.js';
import { SIGRTMIN_PLUS_3, signalProcess, spawnWatched, systemEnv } from './sys.js';
import { labPaths } from './layout.js';

const HALT_GRACE_MS = 15000;
const KILL_GRACE_MS = 5000;
/** A host whose init ends this many times within CRASH_WINDOW_MS, each soon after boot, is left failed. */
const CRASH_LIMIT = 5;
const CRASH_WINDOW_MS = 60000;
const SHORT_BOOT_MS = 10000;

export class LabSupervisor {
  private record!: LabRecord;
  private server: Server | null = null;
  private readonly children = new Map<string, ChildProcess>();
  private readonly bootedAt = new Map<string, number>();
  private readonly shortRuns = new Map<string, number[]>();
  private readonly exitWaiters = new Map<string, Array<() => void>>();
  private saving: Promise<void> = Promise.resolve();
  private stopping = false;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly labJson: string,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    const record = readLabRecord(this.labJson);
    if (!record) throw new Error(`no lab record at ${this.labJson}`);
    this.record = record;
    this.record.supervisorPid = process.pid;
    for (const host of this.record.hosts) {
      host.initPid = null;
      host.unsharePid = null;
      host.state = 'down';
    }
    await this.save();
    this.server = await serveControl(labPaths(record.paths.stateDir, record.id).controlSocket, (r) => this.handle(r));
    await Promise.all(this.record.hosts.filter((h) => !h.heldDown).map((h) => this.boot(h)));
    this.log(`supervising ${this.record.hosts.length} hosts`);
  }

  private host(name: string): HostRecord {
    const host = this.record.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host "${name}" in this lab (hosts: ${this.record.hosts.map((h) => h.name).join(', ')})`);
    return host;
  }

  private async handle(request: ControlRequest): Promise<ControlReply> {
    switch (request.op) {
      case 'ping':
        return { ok: true };
      case 'stop':
        await this.shutdown();
        return { ok: true };
      case 'host-down': {
        const host = this.host(request.host);
        await this.stopHost(host, true);
        return { ok: true };
      }
      case 'host-up': {
        const host = this.host(request.host);
        host.heldDown = false;
        if (this.children.has(host.name)) return { ok: true, detail: 'already running' };
        this.shortRuns.delete(host.name);
        await this.boot(host);
        return { ok: true };
      }
      default:
        return { ok: false, error: `unknown request ${JSON.stringify(request)}` };
    }
  }

  private async boot(host: HostRecord): Promise<void> {
    const bootId = randomUUID();
    await writeFile(host.paths.bootId, `${bootId}\n`);
    await ensureCgroup(host.cgroup);
    const { command, args } = bootArgv({
      hostname: host.name,
      lowerDir: this.record.rootfs,
      paths: host.paths,
      netnsPath: `/run/netns/${host.netns}`,
      cgroup: host.cgroup,
      imagesDir: this.record.kube?.imagesDir,
    });
    const child = spawnWatched(command, args, host.paths.bootLog, systemEnv());
    let exited = false;
    this.children.set(host.name, child);
    this.bootedAt.set(host.name, Date.now());
    child.on('exit', (code, signal) => {
      exited = true;
      void this.onExit(host, child, code, signal);
    });
    host.state = 'booting';
    host.bootId = bootId;
    host.boots += 1;
    host.unsharePid = child.pid ?? null;
    const initPid = child.pid ? await waitForInitPid(child.pid, 10000, () => exited) : null;
    if (!exited && this.children.get(host.name) === child) {
      host.initPid = initPid;
      host.state = 'running';
      this.log(`${host.name}: booted (init pid ${initPid}, boot ${host.boots}, boot id ${bootId})`);
    }
    await this.save();
  }

  private async onExit(host: HostRecord, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (this.children.get(host.name) !== child) return;
    this.children.delete(host.name);
    const how = signal === 'SIGHUP' ? 'rebooted' : signal === 'SIGINT' ? 'halted' : signal ? `killed by ${signal}` : `exited with status ${code}`;
    host.lastExit = `${new Date().toISOString()} ${how}`;
    host.initPid = null;
    host.unsharePid = null;
    this.log(`${host.name}: init ${how}`);
    // Whatever the init left (it is the PID namespace's init, so normally nothing) goes with its cgroup.
    await killCgroup(host.cgroup);
    await removeCgroupTree(host.cgroup).catch((err: Error) => this.log(`${host.name}: ${err.message}`));
    // Whoever waits for this exit (a stop request) is told only once lab.json says how the host ended.
    const wakeWaiters = () => {
      for (const wake of this.exitWaiters.get(host.name) ?? []) wake();
      this.exitWaiters.delete(host.name);
    };
    if (this.stopping || host.heldDown || host.state === 'stopping') {
      host.state = 'down';
      await this.save();
      wakeWaiters();
      return;
    }
    wakeWaiters();
    if (signal === 'SIGINT') {
      // Powered off or halted from inside: stays down like a real machine, until `lab fault HOST up`.
      host.state = 'down';
      host.heldDown = true;
      await this.save();
      return;
    }
    const ranFor = Date.now() - (this.bootedAt.get(host.name) ?? 0);
    const runs = (this.shortRuns.get(host.name) ?? []).filter((t) => Date.now() - t < CRASH_WINDOW_MS);
    if (ranFor < SHORT_BOOT_MS) runs.push(Date.now());
    this.shortRuns.set(host.name, runs);
    if (runs.length >= CRASH_LIMIT) {
      host.state = 'failed';
      this.log(`${host.name}: init ended ${runs.length} times within a minute of booting; leaving it down (see ${host.paths.bootLog})`);
      await this.save();
      return;
    }
    host.state = 'rebooting';
    await this.save();
    await this.boot(host);
  }

  private waitForExit(host: HostRecord, timeoutMs: number): Promise<boolean> {
    if (!this.children.has(host.name)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const waiters = this.exitWaiters.get(host.name) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.exitWaiters.set(host.name, waiters);
    });
  }

  /** Halts the host's systemd (SIGRTMIN+3), then kills its PID namespace if it does not end in time. */
  async stopHost(host: HostRecord, hold: boolean): Promise<void> {
    if (hold) host.heldDown = true;
    if (!this.children.has(host.name)) {
      host.state = host.state === 'failed' ? 'failed' : 'down';
      await this.save();
      return;
    }
    host.state = 'stopping';
    await this.save();
    if (host.initPid) signalProcess(host.initPid, SIGRTMIN_PLUS_3);
    if (await this.waitForExit(host, HALT_GRACE_MS)) return;
    this.log(`${host.name}: did not halt within ${HALT_GRACE_MS / 1000}s; killing it`);
    if (host.initPid) signalProcess(host.initPid, 'SIGKILL');
    await killCgroup(host.cgroup);
    await this.waitForExit(host, KILL_GRACE_MS);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    await Promise.all(this.record.hosts.map((h) => this.stopHost(h, false)));
    this.record.supervisorPid = null;
    await this.save();
    this.server?.close();
    await rm(labPaths(this.record.paths.stateDir, this.record.id).controlSocket, { force: true });
    this.log('stopped');
    this.finished();
  }

  private save(): Promise<void> {
    this.saving = this.saving.then(() => writeLabRecord(this.labJson, this.record)).catch((err: Error) => this.log(`cannot write lab.json: ${err.message}`));
    return this.saving;
  }
}
