/**
 * The lab's faults on the real cluster: a host taken down and a kubelet that hangs (the node agent keeps running
 * but stops posting status) both turn their Nodes NotReady through the real node-lifecycle controller, and
 * come back Ready when healed; `slow-apt` holds one host's apt requests at the lab's repository.
 */
import { expect } from 'chai';
import { sshRun } from '../../../src/lab/sshcmd.js';
import { isReady, type RealLab } from '../helpers/real-lab.js';

export function clusterFaultScenarios(lab: RealLab): void {
  describe('lab faults on the real cluster', function () {
    this.timeout(240_000);
    const ready = async (node: string) => isReady((await lab.nodes()).get(node));
    const aptUpdate = async (host: string) => {
      const started = Date.now();
      const result = await sshRun(lab.target(host), 'timeout 5 apt-get update -q', 30_000);
      return { code: result.code, ms: Date.now() - started, output: result.stdout + result.stderr };
    };

    it('fault down (worker1) and hang-kubelet (worker2) turn the Nodes NotReady through the real controller; up and heal bring them back', async () => {
      const installed = await sshRun(lab.target('worker2'), 'grep -c drydock-fault-hang /usr/bin/kubelet', 10_000);
      expect(installed.stdout.trim(), 'the installed node agent predates the hang fault').to.not.equal('0');
      const started = Date.now();
      await Promise.all([lab.fault('worker1', 'down'), lab.fault('worker2', 'hang-kubelet')]);
      // The real node-lifecycle controller's grace is 50 s after the last Lease renewal (at most 10 s old).
      await lab.eventually('worker1 and worker2 NotReady', 90_000, async () => !(await ready('worker1')) && !(await ready('worker2')));
      console.log(`      worker1 (down) and worker2 (hung kubelet) NotReady ${((Date.now() - started) / 1000).toFixed(1)} s after the faults`);
      const kubelet = await sshRun(lab.target('worker2'), 'systemctl is-active kubelet', 10_000);
      expect(kubelet.stdout.trim(), 'the hung kubelet keeps running').to.equal('active');
      expect(await ready('cp1')).to.equal(true);
      await Promise.all([lab.fault('worker1', 'up'), lab.fault('worker2', 'heal-kubelet')]);
      await lab.eventually('worker1 and worker2 Ready again', 120_000, async () => (await ready('worker1')) && (await ready('worker2')));
    });

    it("slow-apt stalls only that host's apt-get update; fast-apt makes it fast again", async () => {
      await lab.fault('worker1', 'slow-apt');
      const slow = await aptUpdate('worker1');
      expect(slow.code, slow.output).to.not.equal(0);
      expect(slow.ms).to.be.at.least(4500);
      const other = await aptUpdate('cp1');
      expect(other.code, other.output).to.equal(0);
      expect(other.ms).to.be.below(4500);
      await lab.fault('worker1', 'fast-apt');
      const fast = await aptUpdate('worker1');
      expect(fast.code, fast.output).to.equal(0);
      expect(fast.ms).to.be.below(4500);
    });
  });
}
