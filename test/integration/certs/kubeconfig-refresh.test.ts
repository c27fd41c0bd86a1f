/**
 * `certs renew`'s admin.conf refresh for real: certsRenewCommand over SSH (sudo) to a loopback control plane,
 * the cluster access opened against the API simulator from a kubeconfig that is a copy of admin.conf. The
 * playbook cannot run on the loopback fleet (it would need kubeadm and static pods), so the run is a stand-in
 * that does what `kubeadm certs renew all` does to admin.conf: over the run's SSH connection, with sudo, it
 * writes a new admin.conf (same subject and CA, new serial) into the control plane's root-only folder.
 */
import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certsRenewCommand, type CertsRenewOptions, type RenewSeams } from '../../../src/cli/commands/certs.js';
import { refreshAfterRenew } from '../../../src/cli/certs-kubeconfig.js';
import { livePlanPorts } from '../../../src/cli/run-setup.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { certificateIdentity } from '../../../src/pki/kubeconfig-credentials.js';
import { shellQuote } from '../../../src/util/shell.js';
import { parse } from '../../../src/util/yaml.js';
import { skipUnlessSudo, sshdLogins, startFleet, type Fleet } from '../../helpers/fleet.js';
import { adminConf, b64, kubeconfigText } from '../../unit/certs/helpers/admin-copies.js';
import { makeCa, makeLeaf } from '../../unit/certs/helpers/openssl-certs.js';

interface Users {
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string }[];
}

describe('certs renew: refreshing the admin.conf copy drydock used (loopback fleet, API simulator)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;
  let kubeconfigDir: string;
  let inventory: string;
  let oldCert: string;
  let oldKey: string;
  let newCert: string;
  let newKey: string;
  let caPem: string;
  let renewedStaging: string;
  let aliceCert: string;

  before(async function () {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.57.1' });
    skipUnlessSudo(this, fleet);
    server = await startApiServer();
    dir = mkdtempSync(join(tmpdir(), 'drydock-admin-refresh-'));
    const pki = join(dir, 'certs');
    mkdirSync(pki);
    caPem = makeCa(pki, 'ca', 'kubernetes', 3650);
    oldCert = makeLeaf(pki, 'admin-old', 'kubernetes-admin', 'ca', 20);
    newCert = makeLeaf(pki, 'admin-new', 'kubernetes-admin', 'ca', 365);
    aliceCert = makeLeaf(pki, 'alice', 'alice', 'ca', 365);
    oldKey = readFileSync(join(pki, 'admin-old.key'), 'utf8');
    newKey = readFileSync(join(pki, 'admin-new.key'), 'utf8');
    // The control plane's folder and the renewed admin.conf the stand-in installs: root-only, read through sudo.
    kubeconfigDir = join(dir, 'kubernetes');
    mkdirSync(join(kubeconfigDir, 'pki'), { recursive: true });
    renewedStaging = join(dir, 'renewed.conf');
    writeFileSync(renewedStaging, adminConf(caPem, newCert, newKey), { mode: 0o600 });
    chmodSync(dir, 0o700);
    const host = fleet.hosts[0]!;
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, [
      'all:',
      '  vars:',
      `    ansible_port: ${fleet.port}`,
      `    ansible_user: ${fleet.sudoUser}`,
      `    ansible_become_password: ${JSON.stringify(fleet.sudoPassword)}`,
      `    ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}`,
      `    ansible_ssh_common_args: ${JSON.stringify(`-o UserKnownHostsFile=${fleet.knownHostsFile}`)}`,
      '  children:',
      '    control_plane:',
      '      hosts:',
      `        ${host.name}: { ansible_host: ${host.address} }`,
      '',
    ].join('\n'));
  });
  after(async () => {
    await server?.stop();
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A kubeconfig as the admin keeps it: the simulator's address and CA, admin.conf's user, and alice. */
  function userKubeconfig(file: string): string {
    const text = kubeconfigText({
      caPem: server.caPem,
      users: [{ name: 'alice', certPem: aliceCert, key: 'alice-key' }, { name: 'kubernetes-admin', certPem: oldCert, key: oldKey }],
      current: 'kubernetes-admin@kubernetes',
    }).replace('https://10.0.0.10:6443', server.url);
    writeFileSync(file, text, { mode: 0o644 });
    return text;
  }

  /** Before each run the control plane holds the old admin.conf again. */
  function resetControlPlane(): void {
    writeFileSync(join(kubeconfigDir, 'admin.conf'), adminConf(caPem, oldCert, oldKey), { mode: 0o600 });
  }

  /** The run's stand-in: opens the cluster access as the real run does (for its lock), then "kubeadm certs renew all" on each host. */
  const standInRun: RenewSeams['run'] = async (session, run, options) => {
    if (options.check) return 0;
    await session.kube({ kubeconfig: join(dir, 'in-use.conf'), inventory: run.plan.inventory, specFor: run.plan.resolveSpec })();
    for (const host of run.plan.playHosts[0]!) {
      const connection = await session.pool.connect(run.plan.resolveSpec(host));
      const result = await connection.exec(`cp ${shellQuote(renewedStaging)} ${shellQuote(join(kubeconfigDir, 'admin.conf'))}`, { become: { enabled: true } });
      if (result.code !== 0) throw new Error(result.stderr);
    }
    return 0;
  };

  async function renew(extra: Partial<CertsRenewOptions>): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const options: CertsRenewOptions = {
      inventory: [inventory], forks: 5, extraVars: {}, become: false, json: false, warnDays: 30, yes: true, breakLock: false,
      kubeconfig: join(dir, 'in-use.conf'), ...extra,
    };
    const seams: RenewSeams = {
      planPorts: livePlanPorts, interactive: () => false, run: standInRun, afterRenew: refreshAfterRenew,
      locations: { pkiDir: join(kubeconfigDir, 'pki'), kubeconfigDir, kubeletCert: join(dir, 'none.pem') },
    };
    const streams = { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: (t: string) => ((err += t), true) } };
    const code = await certsRenewCommand(undefined, options, streams, seams);
    return { code, out, err };
  }

  const secrets = () => [oldKey, newKey, b64(oldKey), b64(newKey), b64(oldCert), b64(newCert), oldCert, newCert];

  it('rewrites only the admin.conf user of the kubeconfig drydock used (0600), and names the copy left behind', async () => {
    resetControlPlane();
    const inUse = join(dir, 'in-use.conf');
    const original = parse(userKubeconfig(inUse)) as Users;
    const copy = join(dir, 'laptop-copy.conf');
    writeFileSync(copy, adminConf(caPem, oldCert, oldKey));
    const logins = sshdLogins(fleet);
    const res = await renew({ kubeconfigCopy: [copy] });
    expect(res.code, res.err).to.equal(0);
    // admin.conf was read over the run's own connection: the reads, the stand-in and the refresh made one login.
    await new Promise((done) => setTimeout(done, 200));
    expect(sshdLogins(fleet) - logins).to.equal(1);
    const now = parse(readFileSync(inUse, 'utf8')) as Users;
    expect(now.users.find((u) => u.name === 'kubernetes-admin')!.user).to.deep.equal({ 'client-certificate-data': b64(newCert), 'client-key-data': b64(newKey) });
    expect(now.users.find((u) => u.name === 'alice')).to.deep.equal(original.users.find((u) => u.name === 'alice'));
    expect(now.contexts).to.deep.equal(original.contexts);
    expect(statSync(inUse).mode & 0o777).to.equal(0o600);
    expect(res.out).to.include(`kubeconfig: refreshed ${inUse} (user kubernetes-admin) with the renewed ${kubeconfigDir}/admin.conf on ${fleet.hosts[0]!.name}`);
    expect(res.err).to.include('1 kubeconfig user still carries').and.include(`  ${copy}: user kubernetes-admin (admin.conf of ${fleet.hosts[0]!.name}`);
    expect(res.err).to.not.include(`${inUse}: user`);
    for (const secret of secrets()) expect(res.out + res.err).to.not.include(secret.trim());
    expect(certificateIdentity(oldCert).serial).to.not.equal(certificateIdentity(newCert).serial);
  });

  it('--no-refresh-kubeconfig leaves the file as it was and lists it among the stale copies', async () => {
    resetControlPlane();
    const inUse = join(dir, 'in-use.conf');
    const text = userKubeconfig(inUse);
    const res = await renew({ refreshKubeconfig: false });
    expect(res.code, res.err).to.equal(0);
    expect(readFileSync(inUse, 'utf8')).to.equal(text);
    expect(res.err).to.include(`  ${inUse}: user kubernetes-admin (admin.conf of ${fleet.hosts[0]!.name}`);
    for (const secret of secrets()) expect(res.out + res.err).to.not.include(secret.trim());
  });

  it('--check writes nothing and says what it would refresh', async () => {
    resetControlPlane();
    const inUse = join(dir, 'in-use.conf');
    const text = userKubeconfig(inUse);
    const res = await renew({ check: true, yes: false });
    expect(res.code, res.err).to.equal(0);
    expect(readFileSync(inUse, 'utf8')).to.equal(text);
    expect(res.out).to.include(`kubeconfig: would refresh ${inUse} (user kubernetes-admin)`);
    expect(readFileSync(join(kubeconfigDir, 'admin.conf'), 'utf8')).to.equal(adminConf(caPem, oldCert, oldKey));
  });
});
