/**
 * The control plane moves to the target with real `kubeadm upgrade apply`, and kubeadm is never killed: with a
 * 15-second wait drydock stops waiting and fails the task naming the unit, while kubeadm goes on as its own
 * systemd unit and finishes the apply (the API server restarts meanwhile: the outage is measured); a rerun
 * then completes the control plane without applying again.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { kubeBinary } from '../../../src/lab/kube/binaries.js';
import { sleep, type RealLab } from '../helpers/real-lab.js';

const exec = promisify(execFile);

export interface ApiOutage {
  /** The longest stretch with no answer from /readyz, in ms. */
  longestMs: number;
  samples: number;
  failures: number;
}

/** Samples /readyz through the real kubectl until `stop()`; the longest gap between two good answers. */
export function watchApi(lab: RealLab): { stop(): Promise<ApiOutage> } {
  let running = true;
  const outage: ApiOutage = { longestMs: 0, samples: 0, failures: 0 };
  const loop = (async () => {
    let lastGood = Date.now();
    while (running) {
      const ok = await exec(kubeBinary(lab.version, 'kubectl'), ['--kubeconfig', lab.kubeconfig(), 'get', '--raw', '/readyz', '--request-timeout=2s'], { timeout: 5000 })
        .then(() => true, () => false);
      outage.samples++;
      if (ok) {
        outage.longestMs = Math.max(outage.longestMs, Date.now() - lastGood);
        lastGood = Date.now();
      } else {
        outage.failures++;
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return outage;
    },
  };
}

export function controlPlaneScenarios(lab: RealLab, target: string): void {
  describe('the control plane at the target through real kubeadm, which drydock never kills', () => {
    const play = (extra: string[]) => lab.drydock(['play', 'playbooks/upgrade-control-plane.yaml', '-i', lab.inventory(), '--kubeconfig', lab.kubeconfig(),
      '-e', `kube_target_version=${target}`, '-e', 'drain_force=true', ...extra]);
    const units = () => lab.on('cp1', "systemctl list-units --plain --no-legend 'drydock-kubeadm-*' | awk '{print $1}'");

    it('with the API server down when the run starts: a clear error, exit 1, no host changed; the run works once it is back', async function () {
      this.timeout(300_000);
      const readyz = () => exec(kubeBinary(lab.version, 'kubectl'), ['--kubeconfig', lab.kubeconfig(), 'get', '--raw', '/readyz', '--request-timeout=2s'], { timeout: 5000 }).then(() => true, () => false);
      await lab.on('cp1', 'mv /etc/kubernetes/manifests/kube-apiserver.yaml /root/kube-apiserver.yaml');
      try {
        await lab.eventually('the API server gone', 60_000, async () => !(await readyz()));
        const result = await lab.drydock(['upgrade', '--to', target, '--yes', '-i', lab.inventory(), '--kubeconfig', lab.kubeconfig(), '-e', 'drain_force=true']);
        expect(result.code, result.output).to.equal(1);
        expect(result.stderr).to.match(/^drydock: .*(6443|API server|apiserver)/im);
        expect(result.stderr, 'no stack trace').to.not.match(/\n\s+at .*\.(ts|js):\d+/);
        expect(await lab.on('cp1', 'cat /etc/apt/sources.list.d/kubernetes.list')).to.include('/core:/stable:/v1.36/deb/');
        expect(await lab.on('cp1', "systemctl list-units --plain --no-legend 'drydock-kubeadm-*' | wc -l")).to.equal('0');
      } finally {
        await lab.on('cp1', 'mv /root/kube-apiserver.yaml /etc/kubernetes/manifests/kube-apiserver.yaml');
      }
      await lab.eventually('the API server back', 120_000, readyz);
    });

    it('stops waiting at its own timeout while kubeadm upgrade apply goes on as its own unit and finishes; a rerun completes', async function () {
      this.timeout(900_000);
      const api = watchApi(lab);
      const first = await play(['-e', 'kubeadm_wait_timeout=15']);
      expect(first.code, first.output.slice(-4000)).to.equal(2);
      expect(first.output).to.include('kubeadm was NOT stopped').and.include('journalctl -u drydock-kubeadm-');
      // kubeadm's own progress was streamed while drydock waited.
      expect(first.output).to.match(/ {2}cp1 \| \[upgrade/);
      const unit = (await units()).split('\n')[0] ?? '';
      expect(unit, 'kubeadm still running after drydock gave up waiting').to.match(/^drydock-kubeadm-.*\.service$/);
      await lab.eventually('kubeadm upgrade apply to finish on its own', 600_000, async () => (await units()) === '');
      const status = await lab.on('cp1', `cat /var/log/drydock/${unit.replace(/\.service$/, '')}.status`);
      const outage = await api.stop();
      console.log(`      kubeadm upgrade apply finished on its own (exit ${status}); the API server was away for at most ${(outage.longestMs / 1000).toFixed(1)} s (${outage.failures} of ${outage.samples} /readyz samples failed)`);
      expect(status).to.equal('0');
      expect(outage.failures, 'the API server restarted during the apply').to.be.greaterThan(0);

      const again = await play([]);
      expect(again.code, again.output.slice(-4000)).to.equal(0);
      expect(again.output, 'not applied a second time').to.not.match(/TASK \[kubeadm upgrade apply\][^\n]*\n(changed|ok):/);
      const pods = await lab.json<{ items: Array<{ metadata: { name: string }; spec: { containers: Array<{ image: string }> } }> }>('get', 'pods', '-n', 'kube-system', '-l', 'tier=control-plane');
      for (const component of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
        const pod = pods.items.find((p) => p.metadata.name === `${component}-cp1`);
        expect(pod?.spec.containers[0]?.image, component).to.equal(`registry.k8s.io/${component}:v${target}`);
        expect(await lab.on('cp1', `readlink /proc/$(systemctl show -p MainPID --value kube-static-${component}.service)/exe`), component).to.equal(`/var/lib/drydock-images/kube/v${target}/${component}`);
      }
      const cp1 = (await lab.nodes()).get('cp1')!;
      expect(cp1.status.nodeInfo?.kubeletVersion).to.equal(`v${target}`);
      expect(cp1.spec.unschedulable ?? false).to.equal(false);
    });
  });
}
