/**
 * `playbooks/etcd-backup.yaml` through the real CLI against the real cluster, whose hosts carry no etcd tool
 * (etcd runs from kubeadm's static pod): the snapshot is taken over drydock's SSH connection to etcd's client
 * port with kubeadm's healthcheck-client certificate, verified on the controller (SHA-256 trailer, bbolt read:
 * revision and keys equal to the real etcdutl's), kept with /etc/kubernetes/pki, all files 0600; nothing is
 * written on the host; retention keeps whole sets; a missing certificate fails clearly.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { etcdBinaryDir } from '../../../src/lab/kube/binaries.js';
import { sshRun } from '../../../src/lab/sshcmd.js';
import { latestVerifiedSnapshot } from '../../../src/modules/etcd/index.js';
import { sleep, type RealLab } from '../helpers/real-lab.js';

const exec = promisify(execFile);
const PLAYBOOK = join(resolve(import.meta.dirname, '../../..'), 'playbooks/etcd-backup.yaml');
const SET = ['.db', '.db.sha256', '.db.json', '.pki.tar.gz'];

export function etcdBackupScenarios(lab: RealLab): void {
  describe('etcd-backup.yaml: a verified snapshot with no etcd tool on the hosts', function () {
    this.timeout(120_000);
    let backupDir = '';
    const play = (...extra: string[]) => lab.drydock(['play', PLAYBOOK, '-i', lab.inventory(), '-e', `backup_dir=${backupDir}`, ...extra]);
    const snapshots = () => readdirSync(backupDir).filter((n) => /^kubernetes-cp1-\d{8}T\d{6}Z\.db$/.test(n)).sort();
    const hostFiles = () => lab.on('cp1', 'find / -xdev -newer /tmp/drydock-backup-marker -type f \\( -name "*.db" -o -name "*.pki.tar.gz" \\) 2>/dev/null | grep -v "^/proc" || true');

    before(async () => {
      backupDir = mkdtempSync(join(tmpdir(), 'drydock-lab-etcd-backups-'));
      await lab.on('cp1', 'touch /tmp/drydock-backup-marker');
    });
    after(() => rmSync(backupDir, { recursive: true, force: true }));

    it('the lab hosts carry no etcd client (etcdctl, etcdutl): the backup cannot lean on one', async () => {
      for (const host of lab.hostNames()) {
        const found = await sshRun(lab.target(host), 'command -v etcdctl etcdutl etcd', 10_000);
        expect(found.code, `${host}: ${found.stdout}`).to.not.equal(0);
        expect(found.stdout.trim(), host).to.equal('');
      }
    });

    it('check mode says what it would do and takes no snapshot', async () => {
      const result = await play('--check');
      expect(result.code, result.output).to.equal(0);
      expect(readdirSync(backupDir)).to.deep.equal([]);
    });

    it('saves a verified snapshot with the pki beside it, every file 0600, etcdutl agreeing on revision and keys, nothing left on the host', async () => {
      const result = await play();
      expect(result.code, result.output).to.equal(0);
      const [name] = snapshots();
      expect(name).to.be.a('string');
      const base = name!.replace(/\.db$/, '');
      for (const suffix of SET) expect(statSync(join(backupDir, `${base}${suffix}`)).mode & 0o777, suffix).to.equal(0o600);
      const sidecar = JSON.parse(readFileSync(join(backupDir, `${name}.json`), 'utf8')) as Record<string, unknown>;
      expect(sidecar).to.include({ cluster: 'kubernetes', host: 'cp1', verified: true, verified_with: 'drydock', pki_file: `${base}.pki.tar.gz` });
      const status = JSON.parse((await exec(join(etcdBinaryDir(), 'etcdutl'), ['snapshot', 'status', join(backupDir, name!), '-w', 'json'])).stdout) as { revision: number; totalKey: number };
      expect(sidecar['revision']).to.equal(status.revision);
      expect(sidecar['total_keys']).to.equal(status.totalKey);
      const listing = (await exec('tar', ['tzf', join(backupDir, `${base}.pki.tar.gz`)])).stdout;
      expect(listing).to.include('pki/ca.key').and.include('pki/etcd/ca.key');
      expect(await hostFiles(), 'nothing written on cp1').to.equal('');
      expect((await latestVerifiedSnapshot(backupDir, 'kubernetes', Date.now(), 3_600_000))?.path).to.equal(join(backupDir, name!));
    });

    it('keeps the newest `retention` sets of four files', async () => {
      const first = snapshots()[0]!;
      for (let run = 0; run < 2; run++) {
        await sleep(1100); // names carry the second
        const result = await play('-e', 'retention=2');
        expect(result.code, result.output).to.equal(0);
      }
      const kept = snapshots();
      expect(kept).to.have.length(2);
      expect(kept).to.not.include(first);
      expect(readdirSync(backupDir).sort()).to.deep.equal(kept.flatMap((n) => SET.map((s) => `${n.replace(/\.db$/, '')}${s}`)).sort());
    });

    it('fails clearly, keeping nothing, when the client certificate is missing', async () => {
      const before = readdirSync(backupDir).sort();
      const result = await play('-e', 'etcd_cert=/etc/kubernetes/pki/etcd/missing.crt');
      expect(result.code, result.output).to.equal(2);
      expect(result.output).to.match(/the etcd client certificate .*missing\.crt.* is not on cp1/);
      expect(readdirSync(backupDir).sort()).to.deep.equal(before);
    });
  });
}
