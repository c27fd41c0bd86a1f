/**
 * drydock's upgrade on the upgrade lab (3 control planes, 2 workers) from 1.36.3 to 1.37.2 with real kubeadm:
 * refusals before any change (a skipped minor, a version the repository lacks), `drydock plan upgrade` (reads the
 * cluster and every host, changes nothing), `upgrade --check`, then the upgrade itself through `drydock upgrade
 * --yes` (a verified etcd snapshot first, then the playbooks as one run) while the API is sampled for the order of
 * operations, the skew policy, the cluster lock's holder and the API server's outages; then a rerun that drains
 * nothing.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import semver from 'semver';
import { LOCK_NAME, LOCK_NAMESPACE } from '../../../src/lock/cluster-lock.js';
import { browserMissing, launchBrowser, pngSize } from '../../helpers/browser.js';
import { sleep, type DrydockRun, type RealLab } from '../helpers/real-lab.js';

const START = 'v1.36.3';
const TARGET = 'v1.37.2';

interface Sample {
  at: number;
  kubelets: Record<string, string>;
  cordoned: string[];
  /** kube-apiserver mirror pod image tag per node. */
  apiservers: Record<string, string>;
  /** The cluster lock's holder ('' when free). */
  holder: string;
}

const minorOf = (v: string): number => Number(/^v?1\.(\d+)\./.exec(v)?.[1] ?? NaN);
const plain = (v: string): string => v.replace(/^v/, '');

export function upgradeScenarios(lab: RealLab): void {
  describe('drydock upgrade 1.36.3 → 1.37.2 (3 control planes)', function () {
    this.timeout(300_000);
    const controlPlanes = () => lab.controlPlanes();
    const all = () => lab.hostNames();
    const backupDir = () => join(lab.stateDir(), 'etcd-backups');
    const reportFile = () => join(lab.stateDir(), 'upgrade-report.html');
    const play = (version: string, extra: string[] = []) =>
      lab.drydock(['play', 'playbooks/upgrade-cluster.yaml', '-i', lab.inventory(), '--kubeconfig', lab.kubeconfig(),
        '-e', `kube_target_version=${version}`, '-e', 'drain_force=true', '-e', 'drain_timeout=120', ...extra]);
    const upgradeCli = (command: 'upgrade' | 'plan', version: string, extra: string[] = []) =>
      lab.drydock([...(command === 'plan' ? ['plan', 'upgrade'] : ['upgrade']), '--to', version, '-i', lab.inventory(),
        '--kubeconfig', lab.kubeconfig(), '-e', 'drain_force=true', '-e', `backup_dir=${backupDir()}`, ...extra]);

    async function sample(): Promise<Sample> {
      const client = lab.api();
      const [nodes, pods, lease] = await Promise.all([client.listNodes(), client.listKubeSystemPods('tier=control-plane'), client.getLease(LOCK_NAMESPACE, LOCK_NAME)]);
      const apiservers: Record<string, string> = {};
      for (const pod of pods) {
        const image = pod.spec.containers?.[0]?.image ?? '';
        if (image.includes('/kube-apiserver:') && pod.spec.nodeName) apiservers[pod.spec.nodeName] = image.split(':').pop()!;
      }
      return {
        at: Date.now(),
        kubelets: Object.fromEntries(nodes.map((n) => [n.metadata.name, n.status.nodeInfo?.kubeletVersion ?? ''])),
        cordoned: nodes.filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name),
        apiservers,
        holder: lease?.spec.holderIdentity ?? '',
      };
    }

    /** Runs drydock while sampling the cluster every 200 ms; failed samples are the API's outages. */
    async function watched(start: () => Promise<DrydockRun>): Promise<{ run: DrydockRun; samples: Sample[]; longestOutageMs: number }> {
      const samples: Sample[] = [await sample()];
      let running = true;
      let longestOutageMs = 0;
      const sampler = (async () => {
        let lastGood = Date.now();
        while (running) {
          const s = await sample().catch(() => undefined);
          if (s) {
            longestOutageMs = Math.max(longestOutageMs, s.at - lastGood);
            lastGood = s.at;
            samples.push(s);
          }
          await sleep(200);
        }
      })();
      const run = await start();
      running = false;
      await sampler;
      samples.push(await sample());
      return { run, samples, longestOutageMs };
    }

    const firstAt = (samples: Sample[], pred: (s: Sample) => boolean): number => samples.find(pred)?.at ?? Infinity;
    const lastNotAt = (samples: Sample[], pred: (s: Sample) => boolean): number => [...samples].reverse().find((s) => !pred(s))?.at ?? -Infinity;

    async function expectUntouched(): Promise<void> {
      for (const host of all()) {
        expect(await lab.on(host, 'cat /etc/apt/sources.list.d/kubernetes.list'), host).to.include('/core:/stable:/v1.36/deb/');
        expect(await lab.on(host, "dpkg-query -W -f '${Version} ' kubeadm kubelet kubectl"), host).to.equal('1.36.3-1.1 1.36.3-1.1 1.36.3-1.1');
        expect((await lab.on(host, 'apt-mark showhold')).split('\n').sort(), host).to.deep.equal(['kubeadm', 'kubectl', 'kubelet']);
      }
      const now = await sample();
      expect(now.cordoned).to.deep.equal([]);
      expect(Object.values(now.apiservers)).to.deep.equal(controlPlanes().map(() => START));
    }

    it('refuses a target that skips a minor (1.36 → 1.38.0) before changing anything', async () => {
      const run = await play('1.38.0');
      expect(run.code, run.output).to.equal(2);
      expect(run.output).to.match(/skew policy forbids moving the control plane to 1\.38\.0/);
      await expectUntouched();
    });

    it('refuses a version the package repository lacks (1.37.9) before changing anything', async () => {
      const run = await play('1.37.9');
      expect(run.code, run.output).to.equal(2);
      expect(run.output).to.include('kubeadm 1.37.9 is not in the repository').and.include('1.37.2-1.1');
      await expectUntouched();
    });

    it('plan upgrade: reads the cluster and every host, prints hops, backup, each control plane, worker batches; changes nothing', async () => {
      const marker = '/tmp/drydock-plan-marker';
      await Promise.all(all().map((host) => lab.on(host, `touch ${marker}`)));
      const run = await upgradeCli('plan', '1.37.2');
      expect(run.code, run.output).to.equal(0);
      const lines = run.output.split('\n');
      const at = (text: string): number => lines.findIndex((l) => l.includes(text));
      expect(run.output).to.include('hops: 1.36.3 → 1.37.2 (one step)');
      for (const host of all()) {
        expect(run.output).to.match(new RegExp(`\\n  ${host} +(control plane|worker) +kubeadm 1\\.36\\.3-1\\.1 \\(held\\) → 1\\.37\\.2-1\\.1, kubelet 1\\.36\\.3-1\\.1 \\(held\\) → 1\\.37\\.2-1\\.1`));
      }
      const order = [
        at(`1. etcd backup on cp1: a verified snapshot copied to ${backupDir()}`),
        at('2. first control plane: kubeadm upgrade apply'),
        at('cp1: repository v1.36 → v1.37, kubeadm 1.36.3-1.1 → 1.37.2-1.1, kubeadm upgrade plan, kubeadm upgrade apply v1.37.2'),
        at('3. other control planes, one at a time: kubeadm upgrade node'),
        at('cp2: repository v1.36 → v1.37, kubeadm 1.36.3-1.1 → 1.37.2-1.1, kubeadm upgrade node'),
        at('cp3: repository v1.36 → v1.37, kubeadm 1.36.3-1.1 → 1.37.2-1.1, kubeadm upgrade node'),
        at("4. each control plane's kubelet, one at a time"),
        at('batch 1 (1): worker1'),
        at('batch 2 (1): worker2'),
        at('nothing has changed yet'),
      ];
      expect(order.every((i) => i >= 0), run.output).to.equal(true);
      expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
      await expectUntouched();
      const changed = await Promise.all(all().map((host) =>
        lab.on(host, `find /etc/apt /var/lib/apt /var/cache/apt /var/lib/dpkg -newer ${marker}; ls -d /tmp/tmp.* 2>/dev/null || true`)));
      expect(changed).to.deep.equal(all().map(() => ''));
    });

    it('upgrade --check: walks every stage (backup, control planes, workers) and changes nothing', async () => {
      const { run, samples } = await watched(() => upgradeCli('upgrade', '1.37.2', ['--yes', '--check']));
      expect(run.code, run.output.slice(-3000)).to.equal(0);
      expect(run.output).to.include('would install kubeadm 1.37.2-1.1 from the v1.37 repository');
      expect(run.output).to.include('TASK [drain the node]');
      expect(run.output).to.not.match(/failed=[1-9]/);
      expect(samples.every((s) => s.cordoned.length === 0), 'nothing cordoned under --check').to.equal(true);
      await expectUntouched();
    });

    it('upgrades the whole cluster in kubeadm order, within the skew policy, one node out at a time, the lock held through the API outages', async function () {
      this.timeout(1_800_000);
      const started = Date.now();
      const { run, samples, longestOutageMs } = await watched(() => upgradeCli('upgrade', '1.37.2', ['--yes', '--drain-timeout', '120', '--html', reportFile()]));
      console.log(`      drydock upgrade (3 control planes + 2 workers) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${samples.length} samples; the API was away for at most ${(longestOutageMs / 1000).toFixed(1)} s at a time`);
      expect(run.code, run.output.slice(-4000)).to.equal(0);
      expect(run.output).to.include('upgrade plan: 1.36.3 → 1.37.2 (control plane, then workers)');
      expect(run.output.indexOf('PLAY [etcd backup]')).to.be.greaterThan(run.output.indexOf('nothing has changed yet'));
      expect(run.output.indexOf('PLAY [etcd backup]')).to.be.lessThan(run.output.indexOf('PLAY [upgrade preflight'));
      expect(run.output.match(/^run id: /gm)).to.have.length(1);
      expect(run.output).to.not.include('the cluster lock was lost');
      expect(readdirSync(backupDir()).filter((n) => /^kubernetes-cp1-\d{8}T\d{6}Z\.db$/.test(n))).to.have.length(1);

      // The lock: held by this run at every sample taken while it ran (the first and last samples are outside it).
      const holders = new Set(samples.slice(1, -1).map((s) => s.holder));
      expect([...holders].filter((h) => h !== ''), 'one holder all along').to.have.length(1);
      const during = samples.slice(1, -1).filter((s) => s.at > samples[0]!.at + 15_000 && s.at < samples.at(-1)!.at - 15_000);
      expect(during.every((s) => s.holder !== ''), 'the lock was never free while the run went on').to.equal(true);

      for (const s of samples) {
        const versions = [...Object.values(s.kubelets), ...Object.values(s.apiservers)];
        for (const v of versions) expect([START, TARGET], JSON.stringify(s)).to.include(v);
        const apiservers = Object.values(s.apiservers).map(plain);
        const oldestApi = apiservers.sort(semver.compare)[0]!;
        for (const v of Object.values(s.kubelets)) expect(semver.lte(plain(v), oldestApi), JSON.stringify(s)).to.equal(true);
        expect(Math.max(...apiservers.map(minorOf)) - Math.min(...apiservers.map(minorOf)), JSON.stringify(s)).to.be.at.most(1);
        expect(s.cordoned.length, JSON.stringify(s)).to.be.at.most(1);
      }

      // The first control plane's apply before any other node's change; every control plane before the worker.
      const cp1Applied = firstAt(samples, (s) => s.apiservers['cp1'] === TARGET);
      expect(cp1Applied).to.be.finite;
      for (const t of [
        firstAt(samples, (s) => s.apiservers['cp2'] === TARGET),
        firstAt(samples, (s) => s.apiservers['cp3'] === TARGET),
        firstAt(samples, (s) => s.cordoned.length > 0),
        firstAt(samples, (s) => Object.values(s.kubelets).some((v) => v === TARGET)),
      ]) expect(t).to.be.greaterThan(cp1Applied);
      expect(firstAt(samples, (s) => s.apiservers['cp3'] === TARGET)).to.be.greaterThan(firstAt(samples, (s) => s.apiservers['cp2'] === TARGET));
      const workerFirstTouched = firstAt(samples, (s) => lab.workers().some((w) => s.cordoned.includes(w) || s.kubelets[w] === TARGET));
      const controlPlanesDone = lastNotAt(samples, (s) =>
        controlPlanes().every((cp) => s.apiservers[cp] === TARGET && s.kubelets[cp] === TARGET && !s.cordoned.includes(cp)));
      expect(workerFirstTouched).to.be.finite;
      expect(controlPlanesDone).to.be.lessThan(workerFirstTouched);

      const version = JSON.parse(await lab.kubectl('version', '-o', 'json')) as { serverVersion: { gitVersion: string } };
      expect(version.serverVersion.gitVersion).to.equal(TARGET);
      for (const node of await lab.api().listNodes()) {
        expect(node.status.nodeInfo?.kubeletVersion, node.metadata.name).to.equal(TARGET);
        expect(node.spec.unschedulable ?? false, node.metadata.name).to.equal(false);
        expect(node.status.conditions?.find((c) => c.type === 'Ready')?.status, node.metadata.name).to.equal('True');
      }
      for (const host of all()) {
        expect(await lab.on(host, 'cat /etc/apt/sources.list.d/kubernetes.list'), host).to.include('/core:/stable:/v1.37/deb/');
        expect(await lab.on(host, "dpkg-query -W -f '${Version} ' kubeadm kubelet kubectl"), host).to.equal('1.37.2-1.1 1.37.2-1.1 1.37.2-1.1');
        expect((await lab.on(host, 'apt-mark showhold')).split('\n').sort(), host).to.deep.equal(['kubeadm', 'kubectl', 'kubelet']);
      }
      for (const cp of controlPlanes()) {
        expect(await lab.on(cp, 'readlink /proc/$(systemctl show -p MainPID --value kube-static-kube-apiserver.service)/exe'), cp).to.equal('/var/lib/drydock-images/kube/v1.37.2/kube-apiserver');
      }
    });

    it("the upgrade's HTML report (--html), in Chromium: a lane per host, every worker drained, each kubelet restarted, versions 1.36.3 → 1.37.2", async function () {
      this.timeout(180_000);
      const missing = browserMissing();
      if (missing) throw new Error(missing);
      expect(existsSync(reportFile()), 'the report written when the upgrade ended').to.equal(true);
      expect(statSync(reportFile()).mode & 0o777).to.equal(0o600);
      const browser = await launchBrowser({ viewport: { width: 1440, height: 1000 } });
      try {
        const page = await browser.open(reportFile());
        await page.waitForSelector('body[data-ready]');
        const attrs = (selector: string, name: string): Promise<string[]> =>
          page.locator(selector).evaluateAll((els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);
        expect(await attrs('[data-field=outcome]', 'data-outcome')).to.deep.equal(['ok']);
        expect((await attrs('[data-lane][data-host]', 'data-host')).sort()).to.deep.equal([...all()].sort());
        expect(await attrs('[data-drain][data-node]', 'data-node')).to.include.members(lab.workers());
        const restarted = await attrs('[data-bar][data-mark=kubelet-restart]', 'data-host');
        for (const host of all()) expect(restarted, `${host}'s kubelet restart on the timeline`).to.include(host);
        expect(await attrs('[data-bar][data-mark=kubeadm]', 'data-host')).to.include.members(controlPlanes());
        const before = await attrs('[data-node-version-row]', 'data-before');
        const after = await attrs('[data-node-version-row]', 'data-after');
        expect(before.length).to.equal(all().length);
        for (const v of before) expect(v).to.match(/1\.36\.3$/);
        for (const v of after) expect(v).to.match(/1\.37\.2$/);
        expect(await page.locator('[data-failed-host]').count()).to.equal(0);
        expect(pngSize(await page.screenshot())).to.deep.equal({ width: 1440, height: 1000 });
        // The timeline as a person sees it: lanes, batch bands, kubeadm, drains and kubelet restarts.
        const shot = join(lab.stateDir(), 'upgrade-report.png');
        await page.locator('[data-section=timeline]').screenshot({ path: shot });
        expect(pngSize(readFileSync(shot))?.width).to.be.greaterThan(800);
        // The README's picture: DRYDOCK_REPORT_SCREENSHOT=docs/images/upgrade-report.png writes this one there.
        const out = process.env['DRYDOCK_REPORT_SCREENSHOT'];
        if (out) copyFileSync(shot, out);
        expect(browser.refused, 'the report asked the network for nothing').to.deep.equal([]);
      } finally {
        await browser.close();
      }
    });

    it('reruns cleanly: exit 0, nothing drained or restarted again', async () => {
      const { run, samples } = await watched(() => play('1.37.2'));
      expect(run.code, run.output.slice(-3000)).to.equal(0);
      expect(samples.every((s) => s.cordoned.length === 0)).to.equal(true);
      expect(run.output).to.not.match(/TASK \[kubeadm upgrade apply\][^\n]*\n(changed|ok):/);
      for (const host of all()) expect(run.output).to.match(new RegExp(`${host}\\s+: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0`));
    });
  });
}
