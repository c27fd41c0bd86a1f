import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import { CommandTimeoutError, HostUnreachableError } from '../../../src/errors.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection } from '../../../src/transport/ssh.js';
import type { SshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, sessionProcesses, startFleet } from '../../helpers/fleet.js';
import type { Fleet } from '../../helpers/fleet.js';

const run = promisify(execFile);

/** Processes on this machine (the fleet is loopback) whose command line matches `pattern` (pgrep skips itself). */
async function processesMatching(pattern: string): Promise<string[]> {
  try {
    const { stdout } = await run('pgrep', ['-af', pattern]);
    return stdout.trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

async function settle<T>(promise: Promise<T>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('ssh exec against a real sshd', function () {
  this.timeout(20_000);
  let fleet: Fleet;
  let conn: SshConnection;

  before(async () => {
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.21.1' });
    const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
    conn = await openSshConnection(fleetSpec(fleet), { knownHosts, killGraceMs: 500 });
  });
  after(async () => {
    await conn?.close();
    await fleet?.stop();
  });

  it('runs a command and separates stdout from stderr', async () => {
    const result = await conn.exec('echo out; echo err >&2');
    expect(result).to.include({ code: 0, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
    expect(result.stdoutBytes).to.equal(4);
    expect(conn.hostKeyFingerprint).to.match(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('reports a non-zero exit as a code, and 255 as a code too (not unreachable)', async () => {
    expect((await conn.exec('exit 3')).code).to.equal(3);
    const result = await conn.exec('echo before; exit 255');
    expect(result.code).to.equal(255);
    expect(result.stdout).to.equal('before\n');
  });

  it('captures the signal that killed the command, without the SIG prefix', async () => {
    const result = await conn.exec('kill -TERM $$');
    expect(result).to.include({ code: null, signal: 'TERM' });
  });

  it('feeds stdin and then closes it', async () => {
    const result = await conn.exec('cat; echo done', { stdin: 'line one\n' });
    expect(result.stdout).to.equal('line one\ndone\n');
    expect((await conn.exec('cat')).stdout).to.equal('');
  });

  it('exports env values with hostile quoting intact', async () => {
    const value = `it's "$HOME" \`id\` $(id) \\ ;`;
    const result = await conn.exec('printf %s "$TRICKY"', { env: { TRICKY: value } });
    expect(result.stdout).to.equal(value);
  });

  it('streams 50 MB to onStdout while keeping only the tail in memory', async function () {
    this.timeout(30_000);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = (): number => {
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers;
    };
    // Warm up first: the first large transfer grows V8's young generation and ssh2's buffers once.
    await conn.exec('head -c 20971520 /dev/zero');
    const retainedBefore = retained();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let retainedPeak = retainedBefore;
    let streamed = 0;
    let nextSample = 0;
    const result = await conn.exec('head -c 52428800 /dev/zero', {
      onStdout: (chunk) => {
        streamed += chunk.length;
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        if (streamed >= nextSample) {
          nextSample += 5 * 1024 * 1024;
          retainedPeak = Math.max(retainedPeak, retained());
        }
      },
    });
    expect(result.code).to.equal(0);
    expect(result.stdoutBytes).to.equal(52428800);
    expect(streamed).to.equal(52428800);
    expect(result.truncated).to.equal(true);
    expect(result.stdout.length).to.equal(1024 * 1024);
    expect(retainedPeak - retainedBefore, 'live memory while streaming 50 MB').to.be.below(20 * 1024 * 1024);
    expect(rssPeak - rssBefore, 'RSS growth while streaming 50 MB').to.be.below(35 * 1024 * 1024);
  });

  it('keeps the last maxOutputBytes of output', async () => {
    const result = await conn.exec('seq 1 1000', { maxOutputBytes: 9 });
    expect(result.stdout).to.equal('999\n1000\n');
    expect(result.truncated).to.equal(true);
    expect(result.stdoutBytes).to.equal(3893);
  });

  it('ends the remote command and everything it started on timeout', async () => {
    const marker = `drydock-timeout-${process.pid}-${Date.now()}`;
    // Unusual durations, so only this test's sleeps match.
    const background = `60.${process.pid}1`;
    const foreground = `60.${process.pid}2`;
    const started = Date.now();
    const err = await settle(conn.exec(`sleep ${background} & sleep ${foreground}; echo ${marker}`, { timeoutMs: 400 }));
    expect(err).to.be.instanceOf(CommandTimeoutError);
    expect((err as Error).message).to.include('timed out after 0.4s').and.include(`; echo ${marker}`);
    expect((err as Error).message).not.to.include('DRYDOCK');
    expect((err as { result: { timedOut: boolean } }).result.timedOut).to.equal(true);
    expect(Date.now() - started).to.be.below(3000);
    expect(await processesMatching(marker)).to.deep.equal([]);
    expect(await processesMatching(`sleep ${background}`)).to.deep.equal([]);
    expect(await processesMatching(`sleep ${foreground}`)).to.deep.equal([]);
  });

  it('kills a command that ignores TERM after the grace period', async () => {
    const marker = `drydock-stubborn-${Date.now()}`;
    const err = await settle(conn.exec(`trap '' TERM; while :; do sleep 0.05; done # ${marker}`, { timeoutMs: 300 }));
    expect(err).to.be.instanceOf(CommandTimeoutError);
    expect((err as { result: { signal: string } }).result.signal).to.equal('KILL');
    expect(await processesMatching(marker)).to.deep.equal([]);
  });

  it('ends the remote command when aborted', async () => {
    const marker = `drydock-abort-${Date.now()}`;
    const controller = new AbortController();
    const pending = conn.exec(`sleep 59; echo ${marker}`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const err = await settle(pending);
    expect((err as Error).name).to.equal('AbortError');
    expect(await processesMatching(marker)).to.deep.equal([]);
  });

  it('runs commands on the shared connection after all of that', async () => {
    expect((await conn.exec('echo still here')).stdout).to.equal('still here\n');
  });
});

describe('ssh exec channel back-pressure (MaxSessions 2)', function () {
  this.timeout(20_000);
  let fleet: Fleet;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.22.1', maxSessions: 2 });
  });
  after(async () => fleet?.stop());

  it('runs 10 concurrent commands on one connection though sshd allows 2 sessions at a time', async () => {
    const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
    const conn = await openSshConnection(fleetSpec(fleet), { knownHosts });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => conn.exec(`sleep 0.2; echo ${i}`)),
      );
      expect(results.map((r) => r.stdout)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `${i}\n`));
      expect(sessionProcesses(fleet)).to.have.length(1);
    } finally {
      await conn.close();
    }
  });

  it('reports a connection lost mid-command as unreachable (lost), never as success', async () => {
    const knownHosts = await KnownHostsStore.load([fleet.knownHostsFile], []);
    const conn = await openSshConnection(fleetSpec(fleet), { knownHosts });
    try {
      const pending = conn.exec('sleep 30');
      await new Promise((done) => setTimeout(done, 300));
      for (const pid of sessionProcesses(fleet)) process.kill(pid, 'SIGKILL');
      const err = await settle(pending);
      expect(err).to.be.instanceOf(HostUnreachableError);
      expect(err).to.include({ phase: 'lost' });
      expect((err as Error).message).to.include('sleep 30');
      expect(await conn.whenClosed).to.be.instanceOf(HostUnreachableError);
      const next = await settle(conn.exec('true'));
      expect(next).to.include({ phase: 'lost' });
    } finally {
      await conn.close();
    }
  });
});
