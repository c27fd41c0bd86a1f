/**
 * The upgrade's backup rule with --backup-max-age, through the real command with the real inventory loader
 * and snapshot reader: without a verified snapshot young enough it refuses (exit 1) before any host is
 * contacted — the inventory's hosts point at a listener that counts connections — and a good one lets it
 * go on to read the cluster.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upgradeCommand, type UpgradeOptions } from '../../../src/cli/commands/upgrade.js';
import { snapshotFileName } from '../../../src/modules/etcd/naming.js';

class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('upgrade: the backup guard (--backup-max-age) refuses before any host is contacted', function () {
  this.timeout(30_000);
  let dir = '';
  let server: Server;
  let connections = 0;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-upgrade-guard-'));
    server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'inventory.ini'),
      [
        '[control_plane]',
        `cp1 ansible_host=127.0.0.1 ansible_port=${port}`,
        '[etcd]',
        'cp1',
        '[workers]',
        `w1 ansible_host=127.0.0.1 ansible_port=${port}`,
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (backupDir: string, maxAgeMs: number): UpgradeOptions => ({
    to: '1.29.4',
    workersOnly: false,
    controlPlaneOnly: false,
    check: false,
    backupMaxAge: maxAgeMs,
    inventory: [join(dir, 'inventory.ini')],
    forks: 5,
    extraVars: { backup_dir: backupDir },
    become: false,
    json: false,
    yes: true,
    breakLock: false,
    kubeconfig: join(dir, 'no-such-kubeconfig'),
    knownHosts: join(dir, 'known_hosts'),
  });

  function writeSnapshot(backupDir: string, takenAtMs: number, verified = true): void {
    const name = snapshotFileName('kubernetes', 'cp1', takenAtMs);
    const data = Buffer.from(`snapshot taken at ${takenAtMs}`);
    const sha256 = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(backupDir, name), data);
    writeFileSync(join(backupDir, `${name}.sha256`), `${sha256}  ${name}\n`);
    writeFileSync(join(backupDir, `${name.slice(0, -3)}.db.json`), JSON.stringify({ cluster: 'kubernetes', host: 'cp1', file: name, sha256, verified }));
  }

  it('no snapshot at all: exit 1, says how to get one, no connection', async () => {
    const backupDir = mkdtempSync(join(dir, 'empty-'));
    const out = new Capture();
    const err = new Capture();
    const code = await upgradeCommand(options(backupDir, 3_600_000), { stdout: out, stderr: err });
    expect(code).to.equal(1);
    expect(err.text).to.include(`drydock: refusing to upgrade: no verified etcd snapshot of cluster "kubernetes" younger than 1h in ${backupDir}`);
    expect(err.text).to.include('take one (drydock play playbooks/etcd-backup.yaml), or leave out --backup-max-age');
    expect(out.text).to.equal('');
    expect(connections).to.equal(0);
  });

  it('only a snapshot that is too old, or not verified: still refused', async () => {
    const backupDir = mkdtempSync(join(dir, 'old-'));
    writeSnapshot(backupDir, Date.now() - 2 * 3_600_000);
    writeSnapshot(backupDir, Date.now() - 60_000, false);
    const err = new Capture();
    expect(await upgradeCommand(options(backupDir, 3_600_000), { stdout: new Capture(), stderr: err })).to.equal(1);
    expect(err.text).to.include('refusing to upgrade: no verified etcd snapshot');
    expect(connections).to.equal(0);
  });

  it('a verified snapshot young enough: the guard lets the upgrade go on to read the cluster', async () => {
    const backupDir = mkdtempSync(join(dir, 'good-'));
    writeSnapshot(backupDir, Date.now() - 10 * 60_000);
    const err = new Capture();
    let failure: unknown;
    await upgradeCommand(options(backupDir, 3_600_000), { stdout: new Capture(), stderr: err }).catch((e: unknown) => (failure = e));
    // Past the guard, the next step is the cluster's API: this kubeconfig does not exist.
    expect(err.text).to.not.include('refusing to upgrade');
    expect(String(failure)).to.include('no-such-kubeconfig');
  });
});
