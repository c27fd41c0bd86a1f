/**
 * The cluster lock through the real CLI: `drydock play` with a playbook that cordons takes the Lease before it
 * contacts a host, a second run is refused with who holds it, a stale lease is taken over, --break-lock is
 * logged in the journal, and --check never takes it. Real sshd fleet, API simulator over HTTPS.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { REPO_ROOT, runDrydock, type CliResult } from '../../helpers/cli.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import type { KubeObject } from '../../../src/lab/apiserver/types.js';
import { LOCK_NAME, LOCK_NAMESPACE } from '../../../src/lock/cluster-lock.js';

describe('drydock play takes the cluster lock', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;
  let stateDir: string;
  let playbook: string;
  let nodes: string;

  const env = (): Record<string, string> => ({ KUBECONFIG: '', DRYDOCK_STATE_DIR: stateDir });
  const play = (extra: string[] = []): Promise<CliResult> =>
    runDrydock(['play', playbook, '-i', fleet.inventoryFile, '-i', nodes, '--kubeconfig', server.kubeconfigPath, ...extra], { env: env() });
  const lease = (): KubeObject | undefined => server.store.find('leases', LOCK_NAMESPACE, LOCK_NAME);
  const holdLease = (holder: string, renewedMsAgo: number): void => {
    const existing = lease();
    const spec = { holderIdentity: holder, leaseDurationSeconds: 60, acquireTime: new Date(Date.now() - renewedMsAgo).toISOString(), renewTime: new Date(Date.now() - renewedMsAgo).toISOString() };
    const metadata = { name: LOCK_NAME, namespace: LOCK_NAMESPACE, annotations: { 'drydock.io/command': 'drydock upgrade --to 1.29.4', 'drydock.io/started': '2026-11-25T01:00:00Z' } };
    if (existing) server.store.update('leases', { ...existing, metadata: { ...existing.metadata, ...metadata }, spec } as KubeObject);
    else server.store.create('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec } as unknown as KubeObject);
  };
  const journals = (): string[] => readdirSync(join(stateDir, 'runs')).map((f) => readFileSync(join(stateDir, 'runs', f), 'utf8'));

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.49.1' });
    server = await startApiServer({ seed: join(REPO_ROOT, 'test/fixtures/apiserver/drain-reschedule.yaml') });
    dir = mkdtempSync(join(tmpdir(), 'drydock-play-lock-'));
    stateDir = join(dir, 'state');
    nodes = join(dir, 'nodes.yaml');
    playbook = join(dir, 'cordon.yaml');
    writeFileSync(nodes, `all:\n  hosts:\n    ${fleet.hosts[0]!.name}: { node_name: node-1 }\n`);
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: cordon
      kube_cordon: {}
    - name: hold the cluster until the test lets go
      shell: "while [ -n '{{ release_file | default('') }}' ] && [ ! -e '{{ release_file | default('') }}' ]; do sleep 0.2; done"
      timeout: 90
    - name: uncordon
      kube_uncordon: {}
`,
    );
  });

  after(async () => {
    await server?.stop();
    await fleet?.stop();
  });

  it('refuses a second run while the first holds the lock, naming the holder and its command', async () => {
    const first = spawn(process.execPath, ['bin/drydock.js', 'play', playbook, '-i', fleet.inventoryFile, '-i', nodes, '--kubeconfig', server.kubeconfigPath, '-e', `release_file=${join(dir, 'release')}`], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env() },
    });
    let firstOut = '';
    const firstDone = new Promise<number | null>((done) => first.on('close', done));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`the first run never took the lock:\n${firstOut}`)), 60_000);
      first.stdout.on('data', (chunk: Buffer) => {
        firstOut += chunk.toString();
        if (firstOut.includes('cluster lock taken')) {
          clearTimeout(timer);
          ready();
        }
      });
    });
    const second = await play();
    writeFileSync(join(dir, 'release'), '');
    expect(second.code, second.stdout + second.stderr).to.equal(1);
    expect(second.stderr).to.match(/the cluster is locked by \S+ \(running "drydock play [^"]*cordon\.yaml[^"]*"\) since /);
    expect(second.stderr).to.contain('--break-lock');
    expect(second.stdout + second.stderr).to.not.match(/\n\s+at .*\.ts:\d+/);
    expect(await firstDone, firstOut).to.equal(0);
    expect((lease()?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', 'released at the end').to.equal('');
  });

  it('takes over a lease whose holder stopped renewing, and says whose it was', async () => {
    holdLease('ghost@old-laptop/4242/run-x', 5 * 60_000);
    const result = await play();
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('took over the expired cluster lock of ghost@old-laptop/4242/run-x');
  });

  it('refuses a live holder unless --break-lock, which the journal records', async () => {
    holdLease('alice@bastion/77/run-y', 0);
    const refused = await play();
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain('the cluster is locked by alice@bastion/77/run-y (running "drydock upgrade --to 1.29.4")');
    expect(server.store.get('nodes', undefined, 'node-1').spec.unschedulable ?? false, 'nothing cordoned by a refused run').to.equal(false);

    const broke = await play(['--break-lock']);
    expect(broke.code, broke.stdout + broke.stderr).to.equal(0);
    expect(broke.stdout).to.contain('broke the cluster lock held by alice@bastion/77/run-y').and.contain('(--break-lock)');
    expect(journals().some((text) => text.includes('broke the cluster lock held by alice@bastion/77/run-y'))).to.equal(true);
  });

  it('does not take the lock for --check', async () => {
    holdLease('alice@bastion/77/run-y', 0);
    const result = await play(['--check']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect((lease()?.spec as { holderIdentity?: string } | undefined)?.holderIdentity).to.equal('alice@bastion/77/run-y');
  });
});
