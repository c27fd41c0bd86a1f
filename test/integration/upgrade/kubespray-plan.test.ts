/**
 * The upgrade playbooks planned against kubespray's group names: the syntax check of each playbook, and the hosts
 * and batches of every play (--list-hosts). No host is contacted.
 */
import { expect } from 'chai';
import { runDrydock, type CliResult } from '../../helpers/cli.js';

const drydock = (args: string[]): Promise<CliResult> => runDrydock(args);

describe('upgrade playbooks: plan with kubespray group names (no hosts contacted)', function () {
  this.timeout(60000);

  it('passes the syntax check, each playbook on its own', async () => {
    for (const playbook of ['upgrade-cluster', 'upgrade-control-plane', 'upgrade-workers']) {
      const run = await drydock(['play', `playbooks/${playbook}.yaml`, '-i', 'test/fixtures/upgrade/kubespray.ini',
        '-e', 'kube_target_version=1.29.4', '--syntax-check']);
      expect(run.code, `${playbook}: ${run.stdout}${run.stderr}`).to.equal(0);
    }
  });

  it('takes the first control plane alone, the others one by one, workers (not control planes in kube_node) in a ramp', async () => {
    const run = await drydock(['play', 'playbooks/upgrade-cluster.yaml', '-i', 'test/fixtures/upgrade/kubespray.ini',
      '-e', 'worker_batch_size=30%', '--list-hosts']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const plays = run.stdout.split(/\n(?=\s*play #)/).filter((p) => /play #\d+/.test(p));
    const batchesOf = (name: string): string[][] => {
      const text = plays.filter((p) => p.includes(name)).pop() ?? '';
      return [...text.matchAll(/batch \d+ \(\d+\): (.*)/g)].map((m) => m[1]!.split(', '));
    };
    expect(batchesOf('first control plane: kubeadm upgrade apply')).to.deep.equal([['cp-a']]);
    expect(batchesOf('other control planes')).to.deep.equal([['cp-b'], ['cp-c']]);
    expect(batchesOf('control planes, one at a time: kubelet')).to.deep.equal([['cp-a'], ['cp-b'], ['cp-c']]);
    expect(batchesOf('workers in batches')).to.deep.equal([['w01'], ['w02', 'w03', 'w04'], ['w05', 'w06', 'w07'], ['w08', 'w09', 'w10']]);
    const order = plays.map((p) => /play #\d+ \([^)]*\): ([^\t\n]*)/.exec(p)?.[1] ?? '');
    expect(order.findIndex((n) => n.startsWith('first control plane'))).to.be.lessThan(order.findIndex((n) => n.startsWith('other control planes')));
    expect(order.findIndex((n) => n.startsWith('control planes, one at a time'))).to.be.lessThan(order.findIndex((n) => n.startsWith('workers in batches')));
    // Every change is preceded by the no-change preflight.
    expect(order[0]).to.match(/^upgrade preflight/);
  });
});
