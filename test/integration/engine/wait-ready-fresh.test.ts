/**
 * kube_wait_ready after a restart, end to end: the real CLI on a real sshd host, the API simulator as the
 * cluster. kube_heartbeat reads the node just before "the restart" (a task the test holds open); a node that
 * still shows that Ready=True (same boot id, same heartbeat) fails the wait, one whose kubelet restarted
 * (a fresh status post, as a starting kubelet makes) or whose host rebooted (a new boot id) passes it.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { REPO_ROOT, runDrydock, type CliResult } from '../../helpers/cli.js';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';

describe('kube_wait_ready after: against the API simulator', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;
  let playbook: string;
  let nodes: string;
  let round = 0;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.51.1' });
    server = await startApiServer({ seed: join(REPO_ROOT, 'test/fixtures/apiserver/drain-reschedule.yaml') });
    dir = mkdtempSync(join(tmpdir(), 'drydock-wait-fresh-'));
    nodes = join(dir, 'nodes.yaml');
    playbook = join(dir, 'restart.yaml');
    writeFileSync(nodes, `all:\n  hosts:\n    ${fleet.hosts[0]!.name}: { node_name: node-1 }\n`);
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: note the node before the restart
      kube_heartbeat: {}
      register: before_restart
    - name: the restart (the test plays the kubelet)
      shell: "touch {{ marker }}; while [ ! -e {{ release }} ]; do sleep 0.1; done"
      timeout: 60
    - name: wait until the node is Ready
      kube_wait_ready: { after: "{{ before_restart }}", timeout: 4, poll: 1 }
`,
    );
  });

  after(async () => {
    await server?.stop();
    await fleet?.stop();
  });

  const node = () => server.store.get('nodes', undefined, 'node-1');
  const readyCondition = () => (node().status.conditions as Array<{ type: string; status: string; lastHeartbeatTime?: string }>).find((c) => c.type === 'Ready')!;

  /** Runs the playbook; when the restart task is reached, `kubelet` acts (or not), then the task ends. */
  async function runWith(kubelet: () => void): Promise<CliResult> {
    round += 1;
    // The node's last status post was a minute ago, as a running kubelet's may be (it reports every 5 min).
    const stale = node();
    const ready = (stale.status.conditions as Array<{ type: string; lastHeartbeatTime?: string }>).find((c) => c.type === 'Ready')!;
    ready.lastHeartbeatTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    server.store.update('nodes', stale);
    const marker = join(dir, `restarting-${round}`);
    const release = join(dir, `restarted-${round}`);
    const run = runDrydock(['play', playbook, '-i', fleet.inventoryFile, '-i', nodes, '--kubeconfig', server.kubeconfigPath, '-e', `marker=${marker}`, '-e', `release=${release}`], {
      env: { KUBECONFIG: '', DRYDOCK_STATE_DIR: join(dir, 'state') },
    });
    const deadline = Date.now() + 60_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    kubelet();
    writeFileSync(release, '');
    return run;
  }

  it('fails the wait while the node only shows the Ready=True from before the restart', async () => {
    const result = await runWith(() => undefined);
    expect(readyCondition().status).to.equal('True');
    expect(result.code, result.stdout + result.stderr).to.equal(2);
    expect(result.stdout).to.contain('no status from the kubelet since the restart');
  });

  it('passes once the restarted kubelet posts its status', async () => {
    const bootId = node().status.nodeInfo.bootID as string;
    expect(bootId).to.match(/^[0-9a-f-]{36}$/);
    const result = await runWith(() => server.sim.restartKubelet('node-1'));
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(node().status.nodeInfo.bootID).to.equal(bootId);
  });

  it('passes after a reboot: a new boot id', async () => {
    const bootId = node().status.nodeInfo.bootID as string;
    const result = await runWith(() => server.sim.restartKubelet('node-1', { reboot: true }));
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(node().status.nodeInfo.bootID).to.not.equal(bootId);
  });
});
