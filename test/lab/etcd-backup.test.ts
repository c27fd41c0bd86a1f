/**
 * `playbooks/etcd-backup.yaml` through the real CLI against a lab (1 control plane with Debian's etcd and
 * kubeadm's certificate paths, 1 worker): the snapshot reaches the controller with the host's SHA-256,
 * its sidecars say verified with a revision and keys, and retention prunes on both sides.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { sshRun, type SshTarget } from '../../src/lab/sshcmd.js';
import { readLabRecord } from '../../src/lab/state.js';
import { latestVerifiedSnapshot } from '../../src/modules/etcd/index.js';
import { runDrydock, type CliResult } from '../helpers/cli.js';

const REPO = resolve(import.meta.dirname, '../..');
const PLAYBOOK = join(REPO, 'playbooks/etcd-backup.yaml');
const REMOTE_DIR = '/var/lib/drydock/etcd-backups';
const ETCD_FLAGS = '--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt ' +
  '--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lab goes up and down through its CLI in a child process: under mocha's tsx hook its services entry cannot resolve its loader. */
const LAB_CLI = join(import.meta.dirname, 'helpers/lab-cli.ts');
const labCli = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', LAB_CLI, ...args], { timeout: 600_000 });

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args, { env: { KUBECONFIG: '' } });

describe('lab: etcd-backup playbook (etcd_snapshot) end to end', function () {
  this.timeout(60_000);
  let stateDir = '';
  let backupDir = '';

  const inventory = () => join(stateDir, 'inventory.yaml');
  const target = (): SshTarget => {
    const r = readLabRecord(join(stateDir, 'lab.json'))!;
    return { address: r.hosts.find((h) => h.name === 'cp1')!.address, clientKey: r.paths.clientKey, knownHosts: r.paths.knownHosts };
  };
  const onCp1 = async (command: string): Promise<string> => {
    const result = await sshRun(target(), command, 30_000);
    if (result.code !== 0) throw new Error(`cp1: ${command}: exit ${result.code}: ${result.stdout}${result.stderr}`);
    return result.stdout.trim();
  };
  const play = (...extra: string[]) => drydock(['play', PLAYBOOK, '-i', inventory(), '-e', `backup_dir=${backupDir}`, ...extra]);
  const snapshotsOnController = () => readdirSync(backupDir).filter((n) => /^kubernetes-cp1-\d{8}T\d{6}Z\.db$/.test(n)).sort();
  const snapshotsOnHost = async () => (await onCp1(`ls -1 ${REMOTE_DIR}`)).split('\n').filter((n) => n.startsWith('kubernetes-cp1-')).sort();

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the lab etcd-backup tests cannot run here: ${reason}`);
    this.timeout(600_000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-etcd-test-'));
    backupDir = mkdtempSync(join(tmpdir(), 'drydock-etcd-backups-'));
    const started = Date.now();
    await labCli(['up', '--state-dir', stateDir, '--control-planes', '1', '--workers', '1']);
    console.log(`      lab up: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    // The bootstrap unit starts etcd and writes a few keys at first boot; back up only once they are there.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const keys = await sshRun(target(), `ETCDCTL_API=3 etcdctl ${ETCD_FLAGS} get "" --prefix --keys-only --limit 1`, 10_000).catch(() => undefined);
      if (keys?.code === 0 && keys.stdout.trim() !== '') break;
      if (Date.now() > deadline) throw new Error(`etcd on cp1 never held a key: ${keys?.stderr ?? 'no answer'}`);
      await sleep(1000);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (stateDir) await labCli(['down', '--purge', '--state-dir', stateDir]).catch((err) => console.log(`      lab down failed: ${String(err)}`));
    if (backupDir) rmSync(backupDir, { recursive: true, force: true });
  });

  it('check mode says what it would do and takes no snapshot', async () => {
    const result = await play('--check');
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include('would save a snapshot of https://127.0.0.1:2379');
    expect(readdirSync(backupDir)).to.deep.equal([]);
    expect(await onCp1(`ls -A ${REMOTE_DIR} 2>/dev/null || true`)).to.equal('');
  });

  it('saves a verified snapshot on the first control plane and copies it with the same SHA-256', async () => {
    const result = await play();
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const [name] = snapshotsOnController();
    expect(name).to.be.a('string');
    const data = readFileSync(join(backupDir, name!));
    const sha = createHash('sha256').update(data).digest('hex');
    expect(result.stdout).to.include(join(backupDir, name!)).and.include(sha);
    expect(await onCp1(`sha256sum < ${REMOTE_DIR}/${name} | cut -c1-64`)).to.equal(sha);
    expect(readFileSync(join(backupDir, `${name}.sha256`), 'utf8')).to.equal(`${sha}  ${name}\n`);
    const sidecar = JSON.parse(readFileSync(join(backupDir, `${name}.json`), 'utf8'));
    expect(sidecar).to.include({ cluster: 'kubernetes', host: 'cp1', sha256: sha, verified: true, verified_with: 'etcdctl', size: data.length });
    expect(sidecar.revision).to.be.greaterThan(0);
    expect(sidecar.total_keys).to.be.greaterThan(0);
    // Root-only on the host: the folder is 0700 and the snapshot 0600.
    expect(await onCp1(`stat -c %a ${REMOTE_DIR} ${REMOTE_DIR}/${name}`)).to.equal('700\n600');
    const latest = await latestVerifiedSnapshot(backupDir, 'kubernetes', Date.now(), 3_600_000);
    expect(latest?.path).to.equal(join(backupDir, name!));
  });

  it('keeps the newest `retention` snapshots on both sides and leaves other files alone', async () => {
    const foreign = 'other-cp1-20200101T000000Z.db';
    writeFileSync(join(backupDir, foreign), 'not ours');
    await onCp1(`touch ${REMOTE_DIR}/${foreign}`);
    const first = snapshotsOnController()[0]!;
    for (let run = 0; run < 2; run++) {
      await sleep(1100); // names carry the second; two runs in one second would collide
      const result = await play('-e', 'retention=2');
      expect(result.code, result.stdout + result.stderr).to.equal(0);
    }
    const kept = snapshotsOnController();
    expect(kept).to.have.length(2);
    expect(kept).to.not.include(first);
    expect(await snapshotsOnHost()).to.deep.equal(kept);
    const sidecars = readdirSync(backupDir).filter((n) => n.endsWith('.sha256') || n.endsWith('.json')).sort();
    expect(sidecars).to.deep.equal(kept.flatMap((n) => [`${n}.json`, `${n}.sha256`]).sort());
    expect(readdirSync(backupDir)).to.include(foreign);
    expect(await onCp1(`ls ${REMOTE_DIR}`)).to.include(foreign);
    expect((await latestVerifiedSnapshot(backupDir, 'kubernetes', Date.now(), 3_600_000))?.path).to.equal(join(backupDir, kept[1]!));
  });

  it('fails without keeping anything when etcdctl cannot take the snapshot', async () => {
    const before = await snapshotsOnHost();
    const result = await play('-e', 'etcd_cert=/etc/kubernetes/pki/etcd/missing.crt');
    expect(result.code).to.not.equal(0);
    expect(result.stdout + result.stderr).to.include('etcdctl snapshot save against https://127.0.0.1:2379 on cp1 failed');
    expect(await snapshotsOnHost()).to.deep.equal(before);
    expect(await onCp1(`ls -A ${REMOTE_DIR} | grep -c part || true`)).to.equal('0');
  });
});
