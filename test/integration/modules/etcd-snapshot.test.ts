/**
 * etcd_snapshot against a REAL etcd 3.6.16 (the build cache's, built first when missing) serving TLS with
 * client-certificate auth on a loopback address, reached only through a real sshd on loopback: the host has
 * no etcd tool in PATH, and the module runs none. Certificates are made by openssl in kubeadm's layout.
 * The cached etcdctl writes the keys and etcdutl judges the result — in this test only.
 *
 * Through the real CLI (playbooks/etcd-backup.yaml, become, one sshd login): the snapshot verifies, etcdutl
 * agrees on its revision and key count and restores it, the PKI archive is 0600 and holds the folder, and
 * the upgrade's finder takes it. Then the ways it must fail: a client certificate etcd does not trust,
 * nothing listening at the endpoint.
 */
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureKubeBinaries, etcdBinaryDir } from '../../../src/lab/kube/binaries.js';
import { latestVerifiedSnapshot } from '../../../src/modules/etcd/index.js';
import { REPO_ROOT, runDrydock, type CliResult } from '../../helpers/cli.js';
import { sshdLogins, startFleet, type Fleet } from '../../helpers/fleet.js';

const run = promisify(execFile);
const PLAYBOOK = join(REPO_ROOT, 'playbooks/etcd-backup.yaml');
const KEYS = 40;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** kubeadm's etcd certificates, made by openssl: the CA, etcd's serving certificate, the health-check client. */
async function makePki(pki: string, caName = 'etcd-ca'): Promise<void> {
  const etcd = join(pki, 'etcd');
  mkdirSync(etcd, { recursive: true });
  const openssl = (args: string[]) => run('openssl', args, { cwd: etcd });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${caName}`]);
  const leaf = async (name: string, cn: string, ext: string) => {
    writeFileSync(join(etcd, `${name}.ext`), ext);
    await openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', cn]);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  };
  await leaf('server', '/CN=etcd-server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await leaf('healthcheck-client', '/CN=kube-etcd-healthcheck-client', 'extendedKeyUsage=clientAuth\n');
  writeFileSync(join(pki, 'ca.crt'), readFileSync(join(etcd, 'ca.crt'))); // stands in for the cluster CA
}

describe('etcd_snapshot: a real etcd over TLS, reached only through the SSH connection', function () {
  this.timeout(120_000);
  let dir = '';
  let fleet: Fleet;
  let etcd: ChildProcess | undefined;
  let endpoint = '';
  let bin = '';
  let inventory = '';

  const etcdctl = (args: string[]) =>
    run(join(bin, 'etcdctl'), [`--endpoints=${endpoint}`, `--cacert=${dir}/pki/etcd/ca.crt`, `--cert=${dir}/pki/etcd/server.crt`, `--key=${dir}/pki/etcd/server.key`, ...args]);
  const backups = () => join(dir, 'backups');
  const play = (...extra: string[]): Promise<CliResult> =>
    runDrydock(['play', PLAYBOOK, '-i', fleet.inventoryFile, '-i', inventory, '-e', `backup_dir=${backups()}`, '-e', `etcd_endpoint=${endpoint}`,
      '-e', `etcd_cacert=${dir}/pki/etcd/ca.crt`, '-e', `etcd_cert=${dir}/pki/etcd/healthcheck-client.crt`, '-e', `etcd_key=${dir}/pki/etcd/healthcheck-client.key`,
      '-e', `pki_dir=${dir}/pki`, ...extra], { stateDir: join(dir, 'state'), env: { KUBECONFIG: '' } });

  before(async function () {
    this.timeout(3_600_000); // a fresh machine builds etcd first (tens of minutes on 2 cores)
    await ensureKubeBinaries((line) => console.log(`      ${line}`));
    bin = etcdBinaryDir('3.6.16');
    dir = await mkdtemp(join(tmpdir(), 'drydock-etcd-snapshot-'));
    await makePki(join(dir, 'pki'));
    const [client, peer] = [await freePort(), await freePort()];
    endpoint = `https://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const pki = join(dir, 'pki/etcd');
    etcd = spawn(join(bin, 'etcd'), [
      '--name', 'snap', '--data-dir', join(dir, 'etcd-data'), '--log-level', 'warn', '--unsafe-no-fsync',
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `snap=${peerUrl}`,
      '--client-cert-auth', `--trusted-ca-file=${pki}/ca.crt`, `--cert-file=${pki}/server.crt`, `--key-file=${pki}/server.key`,
    ], { stdio: 'ignore' });
    for (let tries = 0; ; tries++) {
      if ((await etcdctl(['endpoint', 'health']).then(() => true, () => false))) break;
      if (tries > 100) throw new Error('etcd did not become healthy');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; i < KEYS; i++) await etcdctl(['put', `/registry/test/key-${i}`, `value ${i}`]);
    await etcdctl(['del', '/registry/test/key-0']);

    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.24.1' });
    inventory = join(dir, 'groups.yaml');
    writeFileSync(inventory, `all:\n  children:\n    etcd:\n      hosts:\n        ${fleet.hosts[0]!.name}: {}\n`);
  });

  after(async () => {
    etcd?.kill('SIGKILL');
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the host has no etcd tool: the snapshot cannot have come from one', async () => {
    const probe = await run('ssh', ['-F', fleet.sshConfigFile, fleet.hosts[0]!.name, 'command -v etcdctl etcdutl etcd || echo none']).catch((err: { stdout: string }) => err);
    expect(probe.stdout.trim()).to.equal('none');
  });

  it('check mode says what it would do and writes nothing', async () => {
    const result = await play('--check');
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include(`would save a snapshot of ${endpoint} on ${fleet.hosts[0]!.name}`);
    expect(readdirSync(dir)).to.not.include('backups');
  });

  it('takes a snapshot etcdutl agrees with and restores, keeps the PKI folder 0600 beside it, with one login', async () => {
    const logins = sshdLogins(fleet);
    const result = await play();
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    await new Promise((r) => setTimeout(r, 200)); // sshd's log line
    expect(sshdLogins(fleet) - logins).to.equal(1);

    const names = readdirSync(backups()).sort();
    const db = names.find((n) => n.endsWith('.db'))!;
    const base = db.slice(0, -3);
    expect(names).to.deep.equal([db, `${db}.json`, `${db}.sha256`, `${base}.pki.tar.gz`].sort());
    for (const n of names) expect(statSync(join(backups(), n)).mode & 0o777, n).to.equal(0o600);

    const data = readFileSync(join(backups(), db));
    const sidecar = JSON.parse(readFileSync(join(backups(), `${db}.json`), 'utf8'));
    const { stdout } = await run(join(bin, 'etcdutl'), ['snapshot', 'status', join(backups(), db), '-w', 'json']);
    const etcdutl = JSON.parse(stdout);
    expect(etcdutl.totalKey).to.be.at.least(KEYS - 1);
    expect(sidecar).to.include({ verified: true, verified_with: 'drydock', revision: etcdutl.revision, total_keys: etcdutl.totalKey, hash: etcdutl.hash, db_size: etcdutl.totalSize, etcd_version: '3.6.16' });
    expect(sidecar.sha256).to.equal(createHash('sha256').update(data).digest('hex'));
    expect(result.stdout).to.include(join(backups(), db)).and.include(sidecar.sha256);

    // The README's restore: etcdutl checks the hash etcd appended; an etcd started on the result has the keys.
    const [client, peer] = [await freePort(), await freePort()];
    const peerUrl = `http://127.0.0.1:${peer}`;
    await run(join(bin, 'etcdutl'), ['snapshot', 'restore', join(backups(), db), '--data-dir', join(dir, 'restored'), '--name', 'cp1',
      '--initial-cluster', `cp1=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl, '--bump-revision', '1000000000', '--mark-compacted']);
    const restored = spawn(join(bin, 'etcd'), ['--name', 'cp1', '--data-dir', join(dir, 'restored'), '--log-level', 'warn', '--unsafe-no-fsync',
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`, '--listen-peer-urls', peerUrl], { stdio: 'ignore' });
    try {
      const get = (key: string) => run(join(bin, 'etcdctl'), [`--endpoints=http://127.0.0.1:${client}`, '--command-timeout=2s', 'get', key, '--print-value-only']);
      let value = '';
      for (let tries = 0; tries < 50 && value === ''; tries++) {
        value = await get('/registry/test/key-7').then((r) => r.stdout.trim(), () => '');
        if (value === '') await new Promise((r) => setTimeout(r, 200));
      }
      expect(value).to.equal('value 7');
      expect((await get('/registry/test/key-0')).stdout).to.equal('');
    } finally {
      restored.kill('SIGKILL');
    }

    const archive = readFileSync(join(backups(), `${base}.pki.tar.gz`));
    expect(sidecar).to.include({ pki_file: `${base}.pki.tar.gz`, pki_sha256: createHash('sha256').update(archive).digest('hex') });
    const listing = (await run('tar', ['tzf', join(backups(), `${base}.pki.tar.gz`)])).stdout.split('\n');
    expect(listing).to.include.members(['pki/ca.crt', 'pki/etcd/ca.crt', 'pki/etcd/ca.key', 'pki/etcd/healthcheck-client.key', 'pki/etcd/server.key']);

    const latest = await latestVerifiedSnapshot(backups(), 'kubernetes', Date.now(), 3_600_000);
    expect(latest?.path).to.equal(join(backups(), db));
    // Nothing in the journal or the output carries the client key.
    const keyFile = readFileSync(join(dir, 'pki/etcd/healthcheck-client.key'));
    // The key as PEM and as the base64 it crosses the exec channel in.
    const secrets = [keyFile.toString('utf8').split('\n')[1]!.slice(0, 40), keyFile.toString('base64').slice(60, 100)];
    const journals = readdirSync(join(dir, 'state'), { recursive: true }).map(String).filter((n) => statSync(join(dir, 'state', n)).isFile());
    expect(journals).to.not.be.empty;
    for (const secret of secrets) {
      for (const j of journals) expect(readFileSync(join(dir, 'state', j), 'utf8'), j).to.not.include(secret);
      expect(result.stdout + result.stderr).to.not.include(secret);
    }
  });

  it('fails, keeping nothing new, with a client certificate etcd does not trust, or a CA that does not trust etcd', async () => {
    await makePki(join(dir, 'other'), 'another-ca');
    const before = readdirSync(backups()).length;
    await new Promise((r) => setTimeout(r, 1100)); // a new second, a new name
    const result = await play('-e', `etcd_cert=${dir}/other/etcd/healthcheck-client.crt`, '-e', `etcd_key=${dir}/other/etcd/healthcheck-client.key`);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include(`etcd at ${endpoint} on ${fleet.hosts[0]!.name} did not give a snapshot: etcd refused the TLS handshake (alert: unknown ca)`);
    expect(readdirSync(backups())).to.have.length(before);
    const untrusting = await play('-e', `etcd_cacert=${dir}/other/etcd/ca.crt`);
    expect(untrusting.code).to.equal(2);
    expect(untrusting.stdout).to.include("did not give a snapshot: etcd's serving certificate is not trusted with cacert");
    expect(readdirSync(backups())).to.have.length(before);
  });

  it('fails as a task, not an unreachable host, when nothing listens at the endpoint', async () => {
    const closed = await freePort();
    const result = await play('-e', `etcd_endpoint=https://127.0.0.1:${closed}`);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include(`cannot reach etcd at 127.0.0.1:${closed} from ${fleet.hosts[0]!.name} through its SSH connection`);
  });
});
