/**
 * `drydock play` with kube_* tasks end to end: the real CLI, a real sshd fleet for the hosts, the API simulator
 * for the cluster. A rolling drain, one node per batch, must leave every node schedulable again and never have
 * both nodes cordoned at once.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import { runDrydock, type CliResult } from '../../helpers/cli.js';

const REPO = resolve(import.meta.dirname, '../../..');

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args, { env: { KUBECONFIG: '' } });

describe('drydock play with kube_* tasks against the API simulator', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;
  const cordonedSeen: string[][] = [];
  let watcher: NodeJS.Timeout;

  before(async () => {
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.47.1' });
    server = await startApiServer({ seed: join(REPO, 'test/fixtures/apiserver/drain-reschedule.yaml'), replaceDelayMs: 300, podStartDelayMs: 200, podShutdownMs: 300 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-play-kube-'));
    const [a, b] = fleet.hosts;
    writeFileSync(join(dir, 'nodes.yaml'), `all:\n  hosts:\n    ${a!.name}: { node_name: node-1 }\n    ${b!.name}: { node_name: node-2 }\n`);
    writeFileSync(
      join(dir, 'rolling-drain.yaml'),
      `- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: survey versions
      kube_versions: {}
      register: versions
      run_once: true
    - name: drain
      kube_drain: { ignore_daemonsets: true, delete_emptydir_data: true, timeout: 60 }
    - name: maintenance on the host
      command: hostname
    - name: uncordon
      kube_uncordon: {}
    - name: wait ready
      kube_wait_ready: { timeout: 30 }
`,
    );
    watcher = setInterval(() => {
      const cordoned = server.store.list('nodes').filter((n) => n.spec?.unschedulable === true).map((n) => n.metadata.name as string);
      cordonedSeen.push(cordoned);
    }, 50);
  });

  after(async () => {
    clearInterval(watcher);
    await server?.stop();
    await fleet?.stop();
  });

  it('drains, works on and uncordons one node per batch', async () => {
    const result = await drydock(['play', join(dir, 'rolling-drain.yaml'), '-i', fleet.inventoryFile, '-i', join(dir, 'nodes.yaml'), '--kubeconfig', server.kubeconfigPath]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout + result.stderr).to.contain('cluster: ');
    for (const node of ['node-1', 'node-2']) expect(server.store.get('nodes', undefined, node).spec.unschedulable ?? false).to.equal(false);
    expect(cordonedSeen.some((c) => c.includes('node-1')), 'node-1 was cordoned at some point').to.equal(true);
    expect(cordonedSeen.some((c) => c.includes('node-2')), 'node-2 was cordoned at some point').to.equal(true);
    expect(cordonedSeen.every((c) => c.length <= 1), 'never two nodes cordoned at once').to.equal(true);
    expect(result.stdout).to.match(/changed=\d+\s+unreachable=0\s+failed=0/);
  });

  it('leaves a node cordoned before the run cordoned, and says so under the recap', async () => {
    const [, b] = fleet.hosts;
    const node = server.store.get('nodes', undefined, 'node-2');
    server.store.update('nodes', { ...node, spec: { ...node.spec, unschedulable: true } });
    const result = await drydock(['play', join(dir, 'rolling-drain.yaml'), '-i', fleet.inventoryFile, '-i', join(dir, 'nodes.yaml'), '--kubeconfig', server.kubeconfigPath, '--limit', b!.name]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(server.store.get('nodes', undefined, 'node-2').spec.unschedulable).to.equal(true);
    expect(result.stdout).to.contain('NODES LEFT CORDONED').and.contain('node-2: left cordoned: it was cordoned before this run');
  });

  it('refuses kube tasks clearly when no cluster access works', async () => {
    const result = await drydock(['play', join(dir, 'rolling-drain.yaml'), '-i', fleet.inventoryFile, '-i', join(dir, 'nodes.yaml'), '--kubeconfig', join(dir, 'missing.conf')]);
    expect(result.code).to.not.equal(0);
    expect(result.stdout + result.stderr).to.contain('missing.conf');
    expect(result.stdout + result.stderr).to.not.match(/\n\s+at .*\.ts:\d+/);
  });
});
