/**
 * `drydock certs check` for real: the CLI over SSH to a loopback sshd fleet, reading certificates that
 * openssl made in a root-only temp folder (the fleet shares this machine's disk, so /etc/kubernetes is never
 * touched; --pki-dir, --kubeconfig-dir and --kubelet-cert point there).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { kubeconfigWith, makeCa, makeLeaf } from '../../unit/certs/helpers/openssl-certs.js';
import { runDrydock } from '../../helpers/cli.js';

const REPO = resolve(import.meta.dirname, '../../..');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args);

describe('drydock certs check against a loopback fleet', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let dir: string;
  let inventory: string;
  let locationArgs: string[];

  before(async () => {
    fleet = await startFleet({ hosts: 3 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-certs-int-'));
    const root = join(dir, 'kubernetes');
    const pki = join(root, 'pki');
    mkdirSync(join(pki, 'etcd'), { recursive: true });
    const ca = makeCa(pki, 'ca', 'kubernetes', 3650);
    makeCa(pki, 'etcd/ca', 'etcd-ca', 3650);
    makeLeaf(pki, 'apiserver', 'kube-apiserver', 'ca', 10);
    makeLeaf(pki, 'etcd/server', 'node1', 'etcd/ca', 400);
    const admin = makeLeaf(pki, '../admin-client', 'kubernetes-admin', 'ca', 400);
    writeFileSync(join(root, 'admin.conf'), kubeconfigWith('kubernetes-admin', admin, ca));
    const kubelet = join(dir, 'kubelet');
    mkdirSync(kubelet);
    makeLeaf(kubelet, 'kubelet-client-current', 'system:node:node1', '../kubernetes/pki/ca', 400);
    // Root-only, as on a control plane: only a command run through sudo can read them.
    chmodSync(root, 0o700);
    chmodSync(kubelet, 0o700);
    locationArgs = ['--pki-dir', pki, '--kubeconfig-dir', root, '--kubelet-cert', join(kubelet, 'kubelet-client-current.crt')];

    const host = (i: number) => `        ${fleet.hosts[i]!.name}: { ansible_host: ${fleet.hosts[i]!.address} }`;
    inventory = join(dir, 'inventory.yaml');
    writeFileSync(inventory, [
      'all:',
      '  vars:',
      `    ansible_port: ${fleet.port}`,
      `    ansible_user: ${fleet.sudoUser || fleet.user}`,
      `    ansible_become_password: ${JSON.stringify(fleet.sudoPassword)}`,
      `    ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}`,
      `    ansible_ssh_common_args: ${JSON.stringify(`-o UserKnownHostsFile=${fleet.knownHostsFile}`)}`,
      '  children:',
      '    kube_control_plane:',
      '      hosts:',
      host(0),
      host(1),
      '    workers:',
      '      hosts:',
      host(2),
      '',
    ].join('\n'));
  });
  after(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints one table for the control planes, flags the 10-day apiserver certificate and exits 2 under --warn-days 30', async () => {
    const res = await drydock(['certs', 'check', '-i', inventory, ...locationArgs, '--warn-days', '30']);
    expect(res.code, res.stderr).to.equal(2);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^HOST +CERTIFICATE +EXPIRES +RESIDUAL TIME +SIGNING CA +WARNING$/);
    const [cp1, cp2] = [fleet.hosts[0]!.name, fleet.hosts[1]!.name];
    const names = lines.slice(1).map((l) => l.split(/ {3,}/).slice(0, 2).join(' '));
    const kubeletCert = locationArgs[5]!;
    const perHost = (h: string) => [`${h} admin.conf`, `${h} apiserver.crt`, `${h} ca.crt`, `${h} etcd/ca.crt`, `${h} etcd/server.crt`, `${h} ${kubeletCert}`];
    expect(names).to.deep.equal([...perHost(cp1), ...perHost(cp2)].sort((a, b) => (a < b ? -1 : 1)));
    expect(res.stdout).to.not.include(fleet.hosts[2]!.name);
    const apiserver = lines.find((l) => l.startsWith(`${cp1} `) && l.includes('apiserver.crt'))!;
    expect(apiserver).to.match(/ (9d|10d) +kubernetes +WARNING$/);
    expect(lines.slice(1).filter((l) => l.endsWith('WARNING'))).to.have.length(2);
    expect(lines.find((l) => l.includes('etcd/server.crt'))).to.match(/ 1y +etcd-ca$/);
    expect(res.stderr).to.include('2 certificates are expired or have fewer than 30 days left');
  });

  it('exits 0 with --warn-days 5, and --json prints one parsable object per certificate', async () => {
    const res = await drydock(['certs', 'check', '-i', inventory, ...locationArgs, '--warn-days', '5', '--json']);
    expect(res.code, res.stderr).to.equal(0);
    const records = res.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { host: string; certificate: string; status: string; residual: string; signingCa: string; isCa: boolean });
    expect(records).to.have.length(12);
    expect(records.every((r) => r.status === 'ok')).to.equal(true);
    const apiserver = records.find((r) => r.certificate === 'apiserver.crt')!;
    expect(apiserver).to.include({ signingCa: 'kubernetes', isCa: false });
    expect(apiserver.residual).to.match(/^(9d|10d)$/);
    expect(records.find((r) => r.certificate === 'etcd/ca.crt')).to.include({ isCa: true, signingCa: 'etcd-ca' });
  });

  it('reads the hosts a PATTERN names, and exits 4 when one of them is unreachable', async () => {
    const dead = join(dir, 'with-dead.yaml');
    writeFileSync(dead, [
      'all:',
      '  children:',
      '    control_plane:',
      '      hosts:',
      `        alive: { ansible_host: ${fleet.hosts[0]!.address} }`,
      '        deadhost: { ansible_host: 127.0.9.1 }',
      '  vars:',
      `    ansible_port: ${fleet.port}`,
      `    ansible_user: ${fleet.sudoUser || fleet.user}`,
      `    ansible_become_password: ${JSON.stringify(fleet.sudoPassword)}`,
      `    ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}`,
      `    ansible_ssh_common_args: ${JSON.stringify(`-o UserKnownHostsFile=${fleet.knownHostsFile}`)}`,
      '',
    ].join('\n'));
    const res = await drydock(['certs', 'check', 'control_plane', '-i', dead, ...locationArgs, '--warn-days', '5']);
    expect(res.code, res.stderr).to.equal(4);
    expect(res.stderr).to.match(/deadhost: UNREACHABLE: unreachable \(tcp\)/);
    expect(res.stdout).to.include('alive ').and.include('apiserver.crt');
  });

  it('cannot read the root-only files without sudo: the host fails, named, exit 2', async function () {
    if (!fleet.sudoUser) this.skip();
    const res = await drydock(['certs', 'check', fleet.hosts[0]!.name, '-i', inventory, ...locationArgs, '-e', 'ansible_become_password=wrong']);
    expect(res.code, res.stderr).to.equal(2);
    expect(res.stderr).to.include(`${fleet.hosts[0]!.name}: FAILED:`);
    expect(res.stderr).to.not.include('wrong');
  });
});
