import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockHeldError } from '../../../src/errors.js';
import { acquireHostLocks, claimResume, currentHolder, lockFileName, type LockHolder } from '../../../src/lock/run-lock.js';

describe('local run locks', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-run-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const holder = (runId: string, pid = process.pid): LockHolder => ({ ...currentHolder(runId, `drydock play ${runId}.yml`), pid });
  const targets = (...hosts: string[]) => hosts.map((host) => ({ host, key: `10.0.0.${host.slice(1)}:22` }));
  const alive = (pids: number[]) => (pid: number) => pids.includes(pid);

  it('takes every host or none, and names the holder of the first one held', () => {
    const first = acquireHostLocks(dir, targets('n1', 'n2'), holder('run-a'));
    const err = (() => {
      try {
        acquireHostLocks(dir, targets('n3', 'n2'), holder('run-b', 4242), { isAlive: alive([process.pid, 4242]) });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(LockHeldError);
    expect((err as Error).message).to.contain('n2 (10.0.0.2:22) is in use by another drydock run: pid').and.contain('run run-a').and.contain('drydock play run-a.yml');
    expect(readdirSync(dir).sort(), 'n3 was given back').to.deep.equal([lockFileName('10.0.0.1:22'), lockFileName('10.0.0.2:22')].sort());
    first.release();
    expect(readdirSync(dir)).to.deep.equal([]);
    acquireHostLocks(dir, targets('n3', 'n2'), holder('run-b')).release();
  });

  it('takes over the lock of a process gone from this machine, not of one alive or elsewhere', () => {
    const path = join(dir, lockFileName('10.0.0.1:22'));
    writeFileSync(path, JSON.stringify({ ...holder('dead'), pid: 999_999_0, startTime: undefined }));
    const taken = acquireHostLocks(dir, targets('n1'), holder('run-c'), { isAlive: alive([process.pid]) });
    expect(JSON.parse(readFileSync(path, 'utf8'))).to.include({ runId: 'run-c' });
    taken.release();
    writeFileSync(path, JSON.stringify({ ...holder('elsewhere'), machine: `not-${hostname()}`, pid: 1 }));
    expect(() => acquireHostLocks(dir, targets('n1'), holder('run-d'), { isAlive: () => false })).to.throw(LockHeldError, /run elsewhere/);
  });

  it('a reused pid (same pid, other start time) is a gone holder', () => {
    const path = join(dir, lockFileName('10.0.0.1:22'));
    writeFileSync(path, JSON.stringify({ ...holder('old'), pid: process.pid, startTime: 'not-this-one' }));
    acquireHostLocks(dir, targets('n1'), holder('run-e'), { isAlive: () => true }).release();
  });

  it('one claim per resumed run; released, it can be claimed again', () => {
    const path = join(dir, 'x.resume-claim');
    const claim = claimResume(path, 'x', holder('run-f'));
    expect(() => claimResume(path, 'x', holder('run-g'))).to.throw(LockHeldError, /run x is already being resumed by pid \d+ .*run run-f/);
    claim.release();
    claimResume(path, 'x', holder('run-g')).release();
  });

  it('lock file names are readable and keep keys that read alike apart', () => {
    expect(lockFileName('10.0.0.1:22')).to.match(/^10.0.0.1_22-[0-9a-f]{8}\.lock$/);
    expect(lockFileName('a:22')).to.not.equal(lockFileName('a_22'));
  });
});
