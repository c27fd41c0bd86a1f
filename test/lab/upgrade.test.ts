/**
 * The shipped upgrade playbooks, proven on a lab cluster (2 control planes, 2 workers) at 1.28.14: refusals
 * before any change (a skipped minor, a version the repository lacks), `drydock plan upgrade` (reads the
 * cluster and every host, changes nothing), the full upgrade to 1.29.4 through `drydock upgrade --yes` (a
 * verified etcd snapshot first, then the playbooks as one run) while the API is sampled every 100 ms for the
 * order of operations and the skew policy, then a rerun that drains nothing. (The backup rule's refusal is
 * proven without a lab: test/integration/upgrade/backup-guard.test.ts.)
 */
import { expect } from 'chai';
import semver from 'semver';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { labDown } from '../../src/lab/ops.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { labHosts, runTsx, type NodeRun, STANDIN_KUBE_VERSION } from './helpers/lab-hosts.js';

// mocha runs from the repository root (.mocharc.json); the CLI is started from there.
const REPO = resolve('.');
const START = 'v1.28.14';
const TARGET = 'v1.29.4';
const CONTROL_PLANES = ['cp1', 'cp2'];
const WORKERS = ['worker1', 'worker2'];

interface Sample {
  at: number;
  kubelets: Record<string, string>;
  cordoned: string[];
  /** kube-apiserver mirror pod image tag per node. */
  apiservers: Record<string, string>;
}

const runNode = (args: string[]): Promise<NodeRun> => runTsx(args);

const minorOf = (v: string): number => Number(/^v?1\.(\d+)\./.exec(v)?.[1] ?? NaN);
const plain = (v: string): string => v.replace(/^v/, '');

describe('upgrade playbooks on a lab cluster (2 control planes, 2 workers, 1.28.14 → 1.29.4)', function () {
  this.timeout(300000);
  let stateDir = '';

  const { target, on } = labHosts(() => stateDir, 60000);
  const api = () => loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') });
  const play = (version: string, extra: string[] = []) =>
    runNode(['src/cli/main.ts', 'play', 'playbooks/upgrade-cluster.yaml', '-i', join(stateDir, 'inventory.yaml'), '--kubeconfig', join(stateDir, 'kubeconfig'),
      '-e', `kube_target_version=${version}`, '-e', 'drain_force=true', '-e', 'drain_timeout=120', ...extra]);
  const backupDir = () => join(stateDir, 'etcd-backups');
  /** `drydock <command> upgrade --to VERSION` against the lab, its snapshots kept in the lab's state folder. */
  const upgradeCli = (command: 'upgrade' | 'plan', version: string, extra: string[] = []) =>
    runNode(['src/cli/main.ts', ...(command === 'plan' ? ['plan', 'upgrade'] : ['upgrade']), '--to', version, '-i', join(stateDir, 'inventory.yaml'),
      '--kubeconfig', join(stateDir, 'kubeconfig'), '-e', 'drain_force=true', '-e', `backup_dir=${backupDir()}`, ...extra]);

  async function sample(): Promise<Sample> {
    const client = api();
    const [nodes, pods] = await Promise.all([client.listNodes(), client.listKubeSystemPods('tier=control-plane')]);
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
    };
  }

  /** Runs the play while sampling the cluster every 100 ms. */
  function playWatched(version: string, extra: string[] = []): Promise<{ run: NodeRun; samples: Sample[] }> {
    return watched(() => play(version, extra));
  }

  async function watched(start: () => Promise<NodeRun>): Promise<{ run: NodeRun; samples: Sample[] }> {
    const samples: Sample[] = [await sample()];
    let running = true;
    const sampler = (async () => {
      while (running) {
        samples.push(await sample().catch(() => samples[samples.length - 1]!));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const run = await start();
    running = false;
    await sampler;
    samples.push(await sample());
    return { run, samples };
  }

  const firstAt = (samples: Sample[], pred: (s: Sample) => boolean): number => samples.find(pred)?.at ?? Infinity;
  const lastNotAt = (samples: Sample[], pred: (s: Sample) => boolean): number => [...samples].reverse().find((s) => !pred(s))?.at ?? -Infinity;

  async function expectUntouched(): Promise<void> {
    for (const host of [...CONTROL_PLANES, ...WORKERS]) {
      expect(await on(host, 'cat /etc/apt/sources.list.d/kubernetes.list'), host).to.include('/core:/stable:/v1.28/deb/');
      expect(await on(host, "dpkg-query -W -f '${Version} ' kubeadm kubelet kubectl"), host).to.equal('1.28.14-1.1 1.28.14-1.1 1.28.14-1.1');
      expect((await on(host, 'apt-mark showhold')).split('\n').sort(), host).to.deep.equal(['kubeadm', 'kubectl', 'kubelet']);
    }
    const now = await sample();
    expect(now.cordoned).to.deep.equal([]);
    expect(Object.values(now.apiservers)).to.deep.equal([START, START]);
  }

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the upgrade playbook tests cannot run here: ${reason}`);
    if (!existsSync(join(REPO, 'src/cli/main.ts'))) throw new Error(`run mocha from the repository root (cwd is ${REPO})`);
    this.timeout(600000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-upgrade-test-'));
    // Through the lab CLI in its own process: the lab starts its services with import.meta.resolve, which
    // mocha's CommonJS loading of test files does not provide.
    const up = await runNode(['test/lab/helpers/lab-cli.ts', 'up', '--kube-version', STANDIN_KUBE_VERSION, '--state-dir', stateDir,
      '--control-planes', String(CONTROL_PLANES.length), '--workers', String(WORKERS.length)]);
    if (up.code !== 0) throw new Error(`lab up failed (exit ${up.code}):\n${up.output}`);
    const deadline = Date.now() + 60000;
    for (;;) {
      const s = await sample().catch(() => undefined);
      if (s && Object.keys(s.kubelets).length === 4 && Object.keys(s.apiservers).length === 2) break;
      if (Date.now() > deadline) throw new Error('lab nodes and kube-apiserver mirror pods did not appear within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async function () {
    this.timeout(60000);
    if (stateDir) await labDown({ stateDir, purge: true, out: () => undefined });
  });

  it('refuses a target that skips a minor (1.28 → 1.30.2) before changing anything', async () => {
    const run = await play('1.30.2');
    expect(run.code, run.output).to.equal(2);
    expect(run.output).to.match(/skew policy forbids moving the control plane to 1\.30\.2/);
    expect(run.output).to.include('1.29.x → 1.30.2');
    await expectUntouched();
  });

  it('refuses a version the package repository lacks (1.29.9) before changing anything', async () => {
    const run = await play('1.29.9');
    expect(run.code, run.output).to.equal(2);
    expect(run.output).to.include('kubeadm 1.29.9 is not in the repository').and.include('1.29.4-1.1');
    await expectUntouched();
  });

  it('plan upgrade: reads the cluster and every host, prints hops, backup, each control plane, worker batches; changes nothing', async () => {
    const marker = '/tmp/drydock-plan-marker';
    await Promise.all([...CONTROL_PLANES, ...WORKERS].map((host) => on(host, `touch ${marker}`)));
    const run = await upgradeCli('plan', '1.29.4');
    expect(run.code, run.output).to.equal(0);
    const lines = run.output.split('\n');
    const at = (text: string): number => lines.findIndex((l) => l.includes(text));
    expect(run.output).to.include('hops: 1.28.14 → 1.29.4 (one step)');
    for (const host of [...CONTROL_PLANES, ...WORKERS]) {
      expect(run.output).to.match(new RegExp(`\\n  ${host} +(control plane|worker) +kubeadm 1\\.28\\.14-1\\.1 \\(held\\) → 1\\.29\\.4-1\\.1, kubelet 1\\.28\\.14-1\\.1 \\(held\\) → 1\\.29\\.4-1\\.1`));
    }
    // The steps in kubeadm order, with the batches the run will use.
    const order = [
      at(`1. etcd backup on cp1: a verified snapshot copied to ${backupDir()}`),
      at('2. first control plane: kubeadm upgrade apply'),
      at('cp1: repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade plan, kubeadm upgrade apply v1.29.4'),
      at('3. other control planes, one at a time: kubeadm upgrade node'),
      at('cp2: repository v1.28 → v1.29, kubeadm 1.28.14-1.1 → 1.29.4-1.1, kubeadm upgrade node'),
      at("4. each control plane's kubelet, one at a time"),
      at('5. workers in 2 batch(es): a canary of 1, then 20% at a time'),
      at('batch 1 (1): worker1'),
      at('batch 2 (1): worker2'),
      at('nothing has changed yet'),
    ];
    expect(order.every((i) => i >= 0), run.output).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
    await expectUntouched();
    // apt read the next minor's repository in a temporary folder it removed; nothing of the host's apt or dpkg state changed.
    const changed = await Promise.all([...CONTROL_PLANES, ...WORKERS].map((host) =>
      on(host, `find /etc/apt /var/lib/apt /var/cache/apt /var/lib/dpkg -newer ${marker}; ls -d /tmp/tmp.* 2>/dev/null || true`)));
    expect(changed).to.deep.equal(['', '', '', '']);
  });

  it('upgrade --check: walks every stage (backup, control planes, workers) and changes nothing', async () => {
    const { run, samples } = await watched(() => upgradeCli('upgrade', '1.29.4', ['--yes', '--check']));
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include('would install kubeadm 1.29.4-1.1 from the v1.29 repository');
    expect(run.output).to.include('TASK [drain the node]');
    expect(run.output).to.not.match(/failed=[1-9]/);
    expect(run.output).to.not.include('NODES LEFT CORDONED');
    expect(samples.every((s) => s.cordoned.length === 0), 'nothing cordoned under --check').to.equal(true);
    await expectUntouched();
  });

  it('upgrades the whole cluster in kubeadm order, within the skew policy, one node out at a time', async () => {
    const { run, samples } = await watched(() => upgradeCli('upgrade', '1.29.4', ['--yes', '--drain-timeout', '120']));
    expect(run.code, run.output.slice(-3000)).to.equal(0);
    // drydock upgrade: the plan was shown, then one run that took a verified snapshot before anything else.
    expect(run.output).to.include('upgrade plan: 1.28.14 → 1.29.4 (control plane, then workers)');
    expect(run.output.indexOf('PLAY [etcd backup]')).to.be.greaterThan(run.output.indexOf('nothing has changed yet'));
    expect(run.output.indexOf('PLAY [etcd backup]')).to.be.lessThan(run.output.indexOf('PLAY [upgrade preflight'));
    expect(run.output.match(/^run id: /gm)).to.have.length(1);
    expect(readdirSync(backupDir()).filter((n) => /^kubernetes-cp1-\d{8}T\d{6}Z\.db$/.test(n))).to.have.length(1);
    console.log(`      ${samples.length} samples over ${((samples.at(-1)!.at - samples[0]!.at) / 1000).toFixed(1)} s`);

    // At every sample: only the known releases, no kubelet past the oldest API server, no minor skipped.
    for (const s of samples) {
      const versions = [...Object.values(s.kubelets), ...Object.values(s.apiservers)];
      for (const v of versions) expect([START, TARGET], JSON.stringify(s)).to.include(v);
      const apiservers = Object.values(s.apiservers).map(plain);
      const oldestApi = apiservers.sort(semver.compare)[0]!;
      for (const v of Object.values(s.kubelets)) expect(semver.lte(plain(v), oldestApi), JSON.stringify(s)).to.equal(true);
      expect(Math.max(...apiservers.map(minorOf)) - Math.min(...apiservers.map(minorOf)), JSON.stringify(s)).to.be.at.most(1);
      // batches of one worker, control planes one at a time: never two nodes out at once
      expect(s.cordoned.length, JSON.stringify(s)).to.be.at.most(1);
    }

    // The first control plane's apply comes before any other node's change.
    const cp1Applied = firstAt(samples, (s) => s.apiservers.cp1 === TARGET);
    const otherChanges = [
      firstAt(samples, (s) => s.apiservers.cp2 === TARGET),
      firstAt(samples, (s) => s.cordoned.length > 0),
      firstAt(samples, (s) => Object.values(s.kubelets).some((v) => v === TARGET)),
    ];
    expect(cp1Applied).to.be.finite;
    for (const t of otherChanges) expect(t).to.be.greaterThan(cp1Applied);

    // Every control plane (API server and kubelet) before any worker is touched.
    const workerFirstTouched = firstAt(samples, (s) => s.cordoned.some((n) => WORKERS.includes(n)) || WORKERS.some((w) => s.kubelets[w] === TARGET));
    const controlPlanesDone = lastNotAt(samples, (s) =>
      CONTROL_PLANES.every((cp) => s.apiservers[cp] === TARGET && s.kubelets[cp] === TARGET && !s.cordoned.includes(cp)));
    expect(workerFirstTouched).to.be.finite;
    expect(controlPlanesDone).to.be.lessThan(workerFirstTouched);
    // Every node was drained on the way (the sampler saw each cordoned).
    for (const node of [...CONTROL_PLANES, ...WORKERS]) expect(samples.some((s) => s.cordoned.includes(node)), node).to.equal(true);

    const client = api();
    for (const node of await client.listNodes()) {
      expect(node.status.nodeInfo?.kubeletVersion, node.metadata.name).to.equal(TARGET);
      expect(node.spec.unschedulable ?? false, node.metadata.name).to.equal(false);
      expect(node.status.conditions?.find((c) => c.type === 'Ready')?.status, node.metadata.name).to.equal('True');
    }
    for (const host of [...CONTROL_PLANES, ...WORKERS]) {
      expect(await on(host, 'cat /etc/apt/sources.list.d/kubernetes.list'), host).to.include('/core:/stable:/v1.29/deb/');
      expect(await on(host, "dpkg-query -W -f '${Version} ' kubeadm kubelet kubectl"), host).to.equal('1.29.4-1.1 1.29.4-1.1 1.29.4-1.1');
      expect((await on(host, 'apt-mark showhold')).split('\n').sort(), host).to.deep.equal(['kubeadm', 'kubectl', 'kubelet']);
    }
  });

  it('reruns cleanly: exit 0, nothing drained or restarted again', async () => {
    const { run, samples } = await playWatched('1.29.4');
    expect(run.code, run.output.slice(-3000)).to.equal(0);
    expect(samples.every((s) => s.cordoned.length === 0)).to.equal(true);
    expect(run.output).to.not.match(/TASK \[kubeadm upgrade apply\][^\n]*\n(changed|ok):/);
    for (const host of [...CONTROL_PLANES, ...WORKERS]) expect(run.output).to.match(new RegExp(`${host}\\s+: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0`));
  });
});

describe('upgrade playbooks: plan with kubespray group names (no hosts contacted)', function () {
  this.timeout(60000);

  it('passes the syntax check, each playbook on its own', async () => {
    for (const playbook of ['upgrade-cluster', 'upgrade-control-plane', 'upgrade-workers']) {
      const run = await runNode(['src/cli/main.ts', 'play', `playbooks/${playbook}.yaml`, '-i', 'test/fixtures/upgrade/kubespray.ini',
        '-e', 'kube_target_version=1.29.4', '--syntax-check']);
      expect(run.code, `${playbook}: ${run.output}`).to.equal(0);
    }
  });

  it('takes the first control plane alone, the others one by one, workers (not control planes in kube_node) in a ramp', async () => {
    const run = await runNode(['src/cli/main.ts', 'play', 'playbooks/upgrade-cluster.yaml', '-i', 'test/fixtures/upgrade/kubespray.ini',
      '-e', 'worker_batch_size=30%', '--list-hosts']);
    expect(run.code, run.output).to.equal(0);
    const plays = run.output.split(/\n(?=\s*play #)/).filter((p) => /play #\d+/.test(p));
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
