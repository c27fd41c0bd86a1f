/**
 * `drydock reboot` on the workers lab, before any upgrade: a closed window contacts no host; without a terminal
 * and without --yes nothing happens; with --only-if-required and a blocking-pod selector exactly the worker that
 * has /var/run/reboot-required and no blocking pod reboots (new boot id, back Ready through a fresh heartbeat),
 * the blocked one is postponed, the others are untouched, while the API, sampled every 150 ms, never shows two
 * nodes cordoned at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { sshRun } from '../../../src/lab/sshcmd.js';
import { describeAt, nextOpening, parseWindow } from '../../../src/policy/window.js';
import type { RealLab } from '../helpers/real-lab.js';

const SENTINEL = '/var/run/reboot-required';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function rebootScenarios(lab: RealLab): void {
  describe('drydock reboot (at the starting release)', () => {
    const hosts = () => lab.hostNames();
    const bootIds = async (): Promise<Record<string, string>> =>
      Object.fromEntries(await Promise.all(hosts().map(async (h) => [h, await lab.on(h, 'cat /proc/sys/kernel/random/boot_id')] as const)));
    const hasSentinel = async (host: string): Promise<boolean> => (await sshRun(lab.target(host), `test -e ${SENTINEL}`, 30_000)).code === 0;
    /** sshd's count of accepted logins on every host this boot, this probe's own login included. */
    const logins = async (): Promise<Record<string, number>> =>
      Object.fromEntries(await Promise.all(hosts().map(async (h) => [h, Number(await lab.on(h, "journalctl -b -u ssh -q --no-pager | grep -c 'Accepted publickey' || true"))] as const)));
    const cordoned = async (): Promise<string[]> => (await lab.api().listNodes()).filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name).sort();
    const reboot = (args: string[]) => lab.drydock(['reboot', '-i', lab.inventory(), '--kubeconfig', lab.kubeconfig(), ...args]);

    before(async function () {
      this.timeout(120_000);
      await lab.on('worker1', `touch ${SENTINEL}`);
      await lab.on('worker2', `touch ${SENTINEL}`);
      const podFile = join(lab.stateDir(), 'blocking-pod.json');
      writeFileSync(podFile, JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'nightly-batch', namespace: 'default', labels: { app: 'batch' } },
        spec: { nodeName: 'worker2', containers: [{ name: 'job', image: 'busybox:1.36' }] },
      }));
      await lab.kubectl('apply', '-f', podFile);
    });

    it('outside the window: exit 0, names the next opening, contacts no host', async () => {
      // A window on the weekday three days from now is closed now, whatever the time of day.
      const day = DAYS[new Date(Date.now() + 3 * 86_400_000).getUTCDay()]!;
      const window = parseWindow(`${day} 00:00-01:00`, 'Asia/Tokyo');
      const before = await logins();
      const result = await reboot(['--only-if-required', '--yes', '--window', window.text, '--time-zone', 'Asia/Tokyo']);
      expect(result.code, result.output).to.equal(0);
      expect(result.stdout).to.include(`outside the maintenance window ${window.text} (Asia/Tokyo); it opens at ${describeAt(nextOpening(window, Date.now()), 'Asia/Tokyo').replace(/\)$/, '')}, in `);
      // One more login per host: the probe's own. drydock logged in nowhere.
      expect(await logins()).to.deep.equal(Object.fromEntries(hosts().map((h) => [h, before[h]! + 1])));
    });

    it('without a terminal and without --yes: refuses, changes nothing', async () => {
      const ids = await bootIds();
      const result = await reboot(['--only-if-required']);
      expect(result.code, result.output).to.equal(64);
      expect(result.stderr).to.include('refusing to make changes without confirmation: pass --yes');
      expect(await bootIds()).to.deep.equal(ids);
      expect(await cordoned()).to.deep.equal([]);
    });

    it('--only-if-required --blocking-pod-selector: reboots only the sentinel host without a blocker, back Ready with a new boot, one node out at a time', async function () {
      this.timeout(300_000);
      const before = await bootIds();
      const samples: string[][] = [];
      let running = true;
      const sampler = (async () => {
        while (running) {
          samples.push(await cordoned().catch(() => samples.at(-1) ?? []));
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const result = await reboot(['--only-if-required', '--blocking-pod-selector', 'app=batch', '--yes', '--drain-timeout', '120', '--reboot-timeout', '180', '-e', 'drain_force=true']);
      running = false;
      await sampler;
      expect(result.code, result.output.slice(-3000)).to.equal(0);
      expect(result.output).to.include('  1. worker1  node worker1  worker  /var/run/reboot-required present\n  2. worker2  node worker2  worker  /var/run/reboot-required present');
      expect(result.output).to.include('not rebooted (no /var/run/reboot-required): cp1, worker3');
      expect(result.output).to.include('postponed: pods default/nightly-batch match app=batch; worker2 is not rebooted');

      const after = await bootIds();
      expect(after.worker1, 'worker1 rebooted').to.not.equal(before.worker1);
      for (const host of ['worker2', 'cp1', 'worker3']) expect(after[host], host).to.equal(before[host]);
      // /var/run is /run, a tmpfs: the reboot removed worker1's sentinel; the postponed worker2 keeps its own.
      expect(await hasSentinel('worker1')).to.equal(false);
      expect(await hasSentinel('worker2')).to.equal(true);
      // Ready through the new boot: the node's bootID is the host's new one.
      const node = await lab.json<{ status: { nodeInfo: { bootID: string }; conditions: Array<{ type: string; status: string }> } }>('get', 'node', 'worker1');
      expect(node.status.nodeInfo.bootID, 'the Ready status comes from the new boot').to.equal(after.worker1);
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).to.equal('True');

      console.log(`      ${samples.length} samples of the cordoned nodes`);
      for (const sample of samples) expect(sample.length, JSON.stringify(sample)).to.be.at.most(1);
      expect(samples.some((s) => s.includes('worker1')), 'the sampler saw worker1 cordoned').to.equal(true);
      expect(samples.some((s) => s.includes('worker2') || s.includes('cp1') || s.includes('worker3'))).to.equal(false);
      expect(await cordoned()).to.deep.equal([]);
      await lab.kubectl('delete', 'pod', 'nightly-batch', '--grace-period', '0', '--force', '--ignore-not-found');
      await lab.on('worker2', `rm -f ${SENTINEL}`);
    });
  });
}
