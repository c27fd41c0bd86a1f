import { expect } from 'chai';
import { CommandTimeoutError, HostUnreachableError } from '../../../src/errors.js';
import type { HostResult, RunEvent } from '../../../src/events/events.js';
import { classifyExec, runFanout, type Clock, type FanoutPorts, type FanoutRequest } from '../../../src/run/fanout.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../../../src/transport/types.js';

function spec(name: string): ConnectionSpec {
  return {
    name, hostname: name, port: 22, user: 'u', identityFiles: [], identitiesOnly: false, proxyJump: [],
    userKnownHostsFiles: [], globalKnownHostsFiles: [], hostKeyPolicy: 'strict', connectTimeoutMs: 1000,
    keepaliveIntervalMs: 0, keepaliveCountMax: 3, become: { enabled: false, user: 'root', method: 'sudo', password: 'hunter2' },
  };
}

const execResult = (over: Partial<ExecResult> = {}): ExecResult => ({
  code: 0, signal: null, stdout: 'up 3 days\n', stderr: '', stdoutBytes: 10, stderrBytes: 0, truncated: false, timedOut: false, ms: 5, ...over,
});

type Behaviour = (name: string, options: ExecOptions | undefined) => Promise<ExecResult>;

class FakeClock implements Clock {
  t = 1_000_000;
  ticks: Array<() => void> = [];
  now(): number {
    return this.t;
  }
  every(_ms: number, tick: () => void): () => void {
    this.ticks.push(tick);
    return () => (this.ticks = this.ticks.filter((t) => t !== tick));
  }
}

interface Harness {
  ports: FanoutPorts;
  events: RunEvent[];
  clock: FakeClock;
  maxRunning: () => number;
  released: string[];
  execOptions: Map<string, ExecOptions | undefined>;
}

function harness(behaviour: Behaviour, unreachable: Record<string, Error> = {}): Harness {
  const events: RunEvent[] = [];
  const clock = new FakeClock();
  let running = 0;
  let max = 0;
  const released: string[] = [];
  const execOptions = new Map<string, ExecOptions | undefined>();
  const ports: FanoutPorts = {
    clock,
    emit: (e) => events.push(e),
    async connect(s) {
      await new Promise((r) => setTimeout(r, 1));
      if (unreachable[s.name]) throw unreachable[s.name];
      const conn: Connection = {
        name: s.name,
        async exec(_cmd, options) {
          execOptions.set(s.name, options);
          running += 1;
          max = Math.max(max, running);
          try {
            return await behaviour(s.name, options);
          } finally {
            running -= 1;
          }
        },
        async put() {},
        async get() { return Buffer.alloc(0); },
        async forwardOut() { throw new Error('no tunnels in this fake'); },
        async close() {},
      };
      return conn;
    },
    async release(name) {
      released.push(name);
    },
  };
  return { ports, events, clock, maxRunning: () => max, released, execOptions };
}

const request = (n: number, over: Partial<FanoutRequest> = {}): FanoutRequest => ({
  runId: 'r1', command: 'uptime', targets: Array.from({ length: n }, (_, i) => ({ name: `h${String(i).padStart(2, '0')}`, spec: spec(`h${String(i).padStart(2, '0')}`) })),
  forks: 5, statusIntervalMs: 1000, ...over,
});

const sleepThen = (ms: number, r: ExecResult = execResult()) => async () => {
  await new Promise((res) => setTimeout(res, ms));
  return r;
};

describe('run fan-out', () => {
  it('never runs more than forks hosts at once, and does reach forks', async () => {
    const h = harness(sleepThen(5));
    const outcome = await runFanout(request(23, { forks: 4 }), h.ports);
    expect(h.maxRunning()).to.equal(4);
    expect(outcome.results).to.have.length(23);
    expect(outcome.exitCode).to.equal(0);
    expect(h.released).to.have.length(23);
  });

  it('reports exit 0 as changed, non-zero as failed with rc and stderr, connect failures as unreachable', async () => {
    const h = harness(async (name) =>
      name === 'h01' ? execResult({ code: 2, stderr: 'ls: cannot access\n', stdout: '' }) : execResult(),
    { h02: new HostUnreachableError('h02', 'tcp', 'connect ECONNREFUSED 127.0.0.1:2') });
    const outcome = await runFanout(request(3), h.ports);
    const byHost = Object.fromEntries(outcome.results.map((r) => [r.host, r])) as Record<string, HostResult>;
    expect(byHost.h00).to.include({ status: 'changed', rc: 0, stdout: 'up 3 days\n' });
    expect(byHost.h01).to.include({ status: 'failed', rc: 2, stderr: 'ls: cannot access\n', msg: 'non-zero return code 2' });
    expect(byHost.h02).to.include({ status: 'unreachable', phase: 'tcp', msg: 'connect ECONNREFUSED 127.0.0.1:2' });
    expect(outcome.exitCode).to.equal(4);
    expect(outcome.stats.h00).to.include({ ok: 1, changed: 1 });
    expect(outcome.stats.h01).to.include({ failed: 1 });
    expect(outcome.stats.h02).to.include({ unreachable: 1 });
  });

  it('exit code matrix: all fine 0, failed only 2, unreachable 4', async () => {
    const fails = harness(async (n) => execResult({ code: n === 'h00' ? 1 : 0 }));
    expect((await runFanout(request(3), fails.ports)).exitCode).to.equal(2);
    const ok = harness(async () => execResult());
    expect((await runFanout(request(3), ok.ports)).exitCode).to.equal(0);
    const dark = harness(async () => execResult(), { h01: new HostUnreachableError('h01', 'auth', 'denied') });
    expect((await runFanout(request(3), dark.ports)).exitCode).to.equal(4);
  });

  it('marks a timed-out command failed with timedOut, whether the transport reports it or throws', async () => {
    const h = harness(async (n) => {
      if (n === 'h00') return execResult({ code: null, timedOut: true, stdout: 'partial' });
      throw new CommandTimeoutError(n, 'uptime', 2000);
    });
    const outcome = await runFanout(request(2, { timeoutMs: 2000 }), h.ports);
    for (const r of outcome.results) expect(r).to.include({ status: 'failed', timedOut: true, msg: 'command timed out after 2s' });
    expect(h.execOptions.get('h00')?.timeoutMs).to.equal(2000);
    expect(outcome.exitCode).to.equal(2);
  });

  it('a connection lost mid-command makes the host unreachable, not failed', async () => {
    const h = harness(async (n) => {
      throw new HostUnreachableError(n, 'lost', 'connection closed while the command ran');
    });
    const outcome = await runFanout(request(1), h.ports);
    expect(outcome.results[0]).to.include({ status: 'unreachable', phase: 'lost' });
  });

  it('classifies signals and missing exit statuses as failures', () => {
    expect(classifyExec('h', 'x', execResult({ code: null, signal: 'KILL' }))).to.include({ status: 'failed', msg: 'killed by SIGKILL' });
    expect(classifyExec('h', 'x', execResult({ code: null })).msg).to.contain('without an exit status');
    expect(classifyExec('h', 'x', execResult({ code: 255 }))).to.include({ status: 'failed', rc: 255 });
  });

  it('emits run.start, connecting/result per host, recap and run.end in order, and no secrets', async () => {
    const h = harness(async () => execResult());
    await runFanout(request(2, { become: true }), h.ports);
    const types = h.events.map((e) => e.type);
    expect(types[0]).to.equal('run.start');
    expect(types.slice(-2)).to.deep.equal(['recap', 'run.end']);
    expect(types.filter((t) => t === 'host.result')).to.have.length(2);
    expect(types.filter((t) => t === 'host.connecting')).to.have.length(2);
    expect(JSON.stringify(h.events)).not.to.contain('hunter2');
    expect(h.execOptions.get('h00')?.become).to.deep.equal({ enabled: true });
  });

  it('streams output chunks as host.output events when asked', async () => {
    const h = harness(async (_n, options) => {
      options?.onStdout?.(Buffer.from('hel'));
      options?.onStdout?.(Buffer.from([0xc3]));
      options?.onStdout?.(Buffer.from([0xa9, 0x0a]));
      return execResult();
    });
    await runFanout(request(1, { streamOutput: true }), h.ports);
    const text = h.events.flatMap((e) => (e.type === 'host.output' ? [e.text] : [])).join('');
    expect(text).to.equal('helé\n');
  });

  it('status events name the hosts still running', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness(async (n) => {
      if (n === 'h01') await gate;
      return execResult();
    });
    const done = runFanout(request(3), h.ports);
    await new Promise((r) => setTimeout(r, 20));
    h.clock.t += 10_000;
    h.clock.ticks.forEach((t) => t());
    release();
    await done;
    const status = h.events.find((e) => e.type === 'status');
    expect(status).to.deep.equal({ type: 'status', waitingOn: ['h01'], task: 'uptime', elapsedMs: 10_000 });
    expect(h.clock.ticks).to.have.length(0);
  });

  it('on stop, starts no new hosts, lets running ones finish, reports the rest skipped, exit 130', async () => {
    const stop = new AbortController();
    const h = harness(async (n) => {
      if (n === 'h00') stop.abort();
      await new Promise((r) => setTimeout(r, 5));
      return execResult();
    });
    const outcome = await runFanout(request(6, { forks: 2 }), h.ports, { stop: stop.signal });
    const statuses = outcome.results.map((r) => r.status);
    expect(statuses.slice(0, 2)).to.deep.equal(['changed', 'changed']);
    expect(statuses.slice(2)).to.deep.equal(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(outcome.exitCode).to.equal(130);
    expect(outcome.interrupted).to.equal(true);
    expect(h.events.filter((e) => e.type === 'host.result')).to.have.length(6);
  });

  it('passes the abort signal to running commands and reports them as aborted', async () => {
    const abort = new AbortController();
    const h = harness(async (_n, options) => {
      await new Promise<void>((r) => options?.signal?.addEventListener('abort', () => r()));
      return execResult({ code: null, timedOut: true });
    });
    const done = runFanout(request(2), h.ports, { stop: abort.signal, abort: abort.signal });
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    const outcome = await done;
    expect(outcome.results.map((r) => r.msg)).to.deep.equal(['aborted by a second interrupt (Ctrl-C)', 'aborted by a second interrupt (Ctrl-C)']);
  });
});
