/**
 * The worker upgrade's failure behaviour on a lab cluster (1 control plane, 3 workers, 1.28.14; the control
 * plane upgraded to 1.29.4 first), through the real CLI, one scenario after the other on the same lab:
 *   1. a PodDisruptionBudget blocks the canary's drain until --drain-timeout: exit 2, the pods and the PDB
 *      named, the node stays cordoned, no later batch starts, the recap's FAILED and NODES sections;
 *   2. a kubelet that never reports Ready at the target: the wait ends at ready_timeout naming the node's state;
 *   3. a worker that goes down while its batch runs: unreachable, exit 4, no later batch starts;
 *   4. with the faults healed and the PDB gone, a rerun completes: every worker Ready at v1.29.4, none cordoned,
 *      a worker finished earlier is not drained again.
 * The refusals before any change (a target that skips a minor, a version the repository lacks) are proven in
 * upgrade.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { loadKubeConfig } from '../../src/kube/client.js';
import type { KubeNode } from '../../src/kube/port.js';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { labDown, labFault } from '../../src/lab/ops.js';
import { REPO_ROOT, type CliResult } from '../helpers/cli.js';
import { labHosts, STANDIN_KUBE_VERSION } from './helpers/lab-hosts.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TARGET = 'v1.29.4';
const WORKERS = ['worker1', 'worker2', 'worker3'];
const WORKER_PLAY = 'workers in batches: kubeadm upgrade node, kubelet and kubectl';
const LEDGER = `apiVersion: apps/v1
kind: Deployment
metadata: { name: ledger, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: ledger } }
  template:
    metadata: { labels: { app: ledger } }
    spec:
      nodeSelector: { kubernetes.io/hostname: worker1 }
      containers: [{ name: ledger, image: ledger:1 }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: ledger-pdb, namespace: default }
spec:
  minAvailable: 2
  selector: { matchLabels: { app: ledger } }
`;

/**
 * The CLI in a child process; `onOutput` sees the whole output so far (stdout and stderr) on every chunk, so a
 * test can act on the hosts while a batch runs.
 */
function drydock(args: string[], env: Record<string, string>, onOutput?: (output: string) => void): Promise<CliResult & { output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    let output = '';
    const seen = (c: Buffer, to: 'out' | 'err'): void => {
      const text = c.toString();
      if (to === 'out') stdout += text;
      else stderr += text;
      output += text;
      onOutput?.(output);
    };
    child.stdout.on('data', (c: Buffer) => seen(c, 'out'));
    child.stderr.on('data', (c: Buffer) => seen(c, 'err'));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, output }));
  });
}

/** The section of the output from `title`'s banner to the next blank line. */
function section(output: string, title: string): string {
  const start = output.lastIndexOf(`\n${title} ***`);
  if (start < 0) return '';
  const end = output.indexOf('\n\n', start + 1);
  return output.slice(start + 1, end < 0 ? undefined : end);
}

describe('upgrade-workers failure behaviour on a lab cluster (1 control plane, 3 workers, 1.28.14 → 1.29.4)', function () {
  this.timeout(120_000);
  let stateDir = '';
  let drydockState = '';

  const { target, on } = labHosts(() => stateDir, 30_000);
  const kubeconfig = () => join(stateDir, 'kubeconfig');
  const api = () => loadKubeConfig({ kubeconfigPath: kubeconfig() });
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig(), ...args], { timeout: 30_000 });
  const fault = (host: string, action: string) => labFault({ stateDir, host, action });
  const nodes = async (): Promise<Map<string, KubeNode>> => new Map((await api().listNodes()).map((n) => [n.metadata.name, n]));
  const isReady = (n: KubeNode | undefined) => n?.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const eventually = async (what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      await sleep(500);
    }
  };
  const playWorkers = (extra: string[], onOutput?: (output: string) => void) =>
    drydock(['play', 'playbooks/upgrade-workers.yaml', '-i', join(stateDir, 'inventory.yaml'), '--kubeconfig', kubeconfig(),
      '-e', 'kube_target_version=1.29.4', '-e', 'drain_force=true', '-e', 'worker_first_batch=1', '-e', 'worker_batch_size=2', ...extra],
    { DRYDOCK_STATE_DIR: drydockState }, onOutput);
  /** The workers the run did not touch: repository line, packages and kubelet still at 1.28. */
  async function expectUntouched(worker: string): Promise<void> {
    expect(await on(worker, 'cat /etc/apt/sources.list.d/kubernetes.list'), worker).to.include('/core:/stable:/v1.28/deb/');
    expect(await on(worker, "dpkg-query -W -f '${Version} ' kubeadm kubelet"), worker).to.equal('1.28.14-1.1 1.28.14-1.1');
    const node = (await nodes()).get(worker)!;
    expect(node.spec.unschedulable ?? false, `${worker} cordoned`).to.equal(false);
    expect(node.status.nodeInfo?.kubeletVersion, worker).to.equal('v1.28.14');
  }

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the upgrade failure tests cannot run here: ${reason}`);
    this.timeout(300_000);
    const started = Date.now();
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-upgrade-failures-'));
    drydockState = mkdtempSync(join(tmpdir(), 'drydock-upgrade-failures-state-'));
    // The lab's services start through import.meta.resolve, which mocha's loading does not provide: a child process.
    await run(process.execPath, ['--import', 'tsx', 'test/lab/helpers/lab-cli.ts', 'up', '--kube-version', STANDIN_KUBE_VERSION, '--state-dir', stateDir, '--control-planes', '1', '--workers', '3'],
      { cwd: REPO_ROOT, timeout: 300_000 });
    await eventually('every node Ready', async () => {
      const all = await nodes();
      return all.size === 4 && [...all.values()].every(isReady);
    }, 60_000);
    const cp = await drydock(['play', 'playbooks/upgrade-control-plane.yaml', '-i', join(stateDir, 'inventory.yaml'), '--kubeconfig', kubeconfig(),
      '-e', 'kube_target_version=1.29.4', '-e', 'drain_force=true'], { DRYDOCK_STATE_DIR: drydockState });
    if (cp.code !== 0) throw new Error(`the control plane upgrade failed (exit ${cp.code}):\n${cp.output.slice(-3000)}`);
    console.log(`      lab up and the control plane at v1.29.4 in ${Math.round((Date.now() - started) / 1000)} s`);
  });

  after(async function () {
    this.timeout(60_000);
    if (stateDir) await labDown({ stateDir, purge: true, out: () => undefined });
    if (drydockState) rmSync(drydockState, { recursive: true, force: true });
  });

  it('a PodDisruptionBudget that blocks the canary drain: fails at drain_timeout naming the pods and the PDB; cordoned; no later batch', async () => {
    // Two replicas pinned to the canary, and a budget that allows no disruption at all.
    const manifest = join(stateDir, 'ledger.yaml');
    writeFileSync(manifest, LEDGER);
    await kubectl('apply', '-f', manifest);
    let pods: string[] = [];
    await eventually('two ledger pods Running on worker1', async () => {
      const listed = (await api().listPodsOnNode('worker1')).filter((p) => p.metadata.labels?.['app'] === 'ledger' && p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
      pods = listed.map((p) => p.metadata.name);
      return pods.length === 2;
    }, 30_000);

    const started = Date.now();
    const result = await playWorkers(['-e', 'drain_timeout=5', '--json']);
    expect(result.code, result.output.slice(-4000)).to.equal(2);
    const human = result.stderr;
    const fatal = human.slice(human.indexOf('TASK [drain the node]'));
    for (const pod of pods) expect(fatal).to.include(`default/${pod} (held by PodDisruptionBudget default/ledger-pdb`);
    expect(fatal).to.match(/global timeout reached: 5s/);
    // Ended at the drain timeout, not at some later one.
    expect(Date.now() - started).to.be.below(60_000);

    const failed = section(human, 'FAILED');
    expect(failed, human.slice(-3000)).to.include(`worker1: FAILED at task "drain the node", batch 1 of play "${WORKER_PLAY}"`);
    expect(failed).to.include('default/ledger-pdb').and.include('node worker1 stays cordoned');
    expect(failed).to.include(`hosts not started: worker2, worker3 (play "${WORKER_PLAY}")`);
    expect(failed).to.match(/stopped \(max_fail_percentage\)/);

    // The same facts in the JSON report on stdout.
    const report = JSON.parse(result.stdout) as { failedHosts: string[]; stopped?: { play: string; message: string }; plays: Array<{ name: string; tasks: Array<{ task: string; batch: number; results: Array<{ host: string; status: string; msg?: string }> }> }> };
    expect(report.failedHosts).to.deep.equal(['worker1']);
    expect(report.stopped?.play).to.equal(WORKER_PLAY);
    const drain = report.plays.find((p) => p.name === WORKER_PLAY)!.tasks.find((t) => t.task === 'drain the node')!;
    expect(drain.batch).to.equal(1);
    expect(drain.results[0]).to.include({ host: 'worker1', status: 'failed' });
    expect(drain.results[0]!.msg).to.include('default/ledger-pdb').and.include(pods[0]!);

    expect((await nodes()).get('worker1')!.spec.unschedulable).to.equal(true);
    for (const pod of pods) expect(await api().getPod('default', pod), pod).to.not.equal(null);
    for (const worker of ['worker2', 'worker3']) await expectUntouched(worker);
    // The node states read from the API after the run (the NODES section under the recap).
    expect(section(human, 'NODES'), human.slice(-3000)).to.match(/\n {2}worker1 +kubelet v1\.28\.14 +Ready +cordoned \(node worker1 stays cordoned\)/);
    const nodesInReport = (report as { nodes?: Array<{ name: string; cordoned: boolean; ready: boolean; kubeletVersion: string }> }).nodes;
    expect(nodesInReport?.find((n) => n.name === 'worker1'), 'the JSON report\'s nodes').to.deep.include({ cordoned: true, ready: true, kubeletVersion: 'v1.28.14' });
  });

  it("a kubelet that never reports Ready at the target: fails at ready_timeout naming the node's state; stays cordoned", async () => {
    await kubectl('delete', 'poddisruptionbudget', 'ledger-pdb');
    // The hung kubelet stops posting status; set at the drain (before the kubelet moves), so the node is still
    // inside the 40 s grace, Ready=True at the old version, when the wait ends.
    let hung: Promise<unknown> | undefined;
    try {
      const result = await playWorkers(['-e', 'ready_timeout=8'], (output) => {
        if (!hung && output.includes('TASK [drain the node]')) hung = fault('worker1', 'hang-kubelet');
      });
      await hung;
      expect(hung, 'the drain started').to.not.equal(undefined);
      expect(result.code, result.output.slice(-4000)).to.equal(2);
      const failed = section(result.output, 'FAILED');
      expect(failed, result.output.slice(-3000)).to.include('worker1: FAILED at task "wait until the node is Ready at the target", batch 1');
      // The message names the Ready condition either way: Unknown once the grace ran out, else still True.
      expect(failed).to.match(/node worker1 not ready after 8s: (Ready=Unknown [^\n]*; kubelet v1\.28\.14 \(want v1\.29\.4\)|kubelet v1\.28\.14 \(want v1\.29\.4\); the node still reports Ready=True)\n/);
      expect(failed).to.include(`hosts not started: worker2, worker3 (play "${WORKER_PLAY}")`);
      // kubelet 1.29.4 installed, the node cordoned: left for a human, not uncordoned by a rescue.
      expect(await on('worker1', "dpkg-query -W -f '${Version}' kubelet")).to.equal('1.29.4-1.1');
      expect((await nodes()).get('worker1')!.spec.unschedulable).to.equal(true);
      for (const worker of ['worker2', 'worker3']) await expectUntouched(worker);
      expect(section(result.output, 'NODES'), result.output.slice(-3000)).to.match(/\n {2}worker1 +kubelet v1\.28\.14 +(Ready|NotReady) +cordoned \(/);
    } finally {
      await hung?.catch(() => undefined);
      await fault('worker1', 'heal-kubelet');
    }
    await eventually('worker1 Ready at v1.29.4 after heal-kubelet', async () => {
      const n = (await nodes()).get('worker1');
      return isReady(n) && n?.status.nodeInfo?.kubeletVersion === TARGET;
    }, 30_000);
  });

  it('a worker that goes down mid-batch: reported unreachable, exit 4, no later batch starts', async () => {
    // worker2's apt requests are held once the workers' play runs, so its batch waits in the kubeadm install
    // (after the preflight, whose own apt lookup must answer) while the host is taken down.
    let phase = 'wait-play' as 'wait-play' | 'wait-batch' | 'done';
    const actions: Promise<unknown>[] = [];
    try {
      const result = await playWorkers(['-e', 'worker_batch_size=1'], (output) => {
        const first = output.indexOf(`PLAY [${WORKER_PLAY}]`);
        if (phase === 'wait-play' && first >= 0) {
          phase = 'wait-batch';
          actions.push(fault('worker2', 'slow-apt'));
        }
        const second = first >= 0 ? output.indexOf(`PLAY [${WORKER_PLAY}]`, first + 1) : -1;
        if (phase === 'wait-batch' && second > 0 && output.indexOf('TASK [install kubeadm', second) > 0) {
          phase = 'done';
          actions.push(sleep(1000).then(() => fault('worker2', 'down')));
        }
      });
      await Promise.all(actions);
      expect(phase, result.output.slice(-3000)).to.equal('done');
      expect(result.code, result.output.slice(-4000)).to.equal(4);
      expect(result.output).to.match(/fatal: \[worker2\]: UNREACHABLE! => .*"phase":"lost"/);
      const failed = section(result.output, 'FAILED');
      expect(failed, result.output.slice(-3000)).to.include(`worker2: UNREACHABLE at task "install kubeadm at the target version (unheld for the install, held again after)", batch 2 of play "${WORKER_PLAY}"`);
      expect(failed).to.include('the connection was lost while running');
      expect(failed).to.include(`hosts not started: worker3 (play "${WORKER_PLAY}")`);
      // worker1's kubelet came back at the target after scenario 2: not drained again, and drydock's cordon undone.
      expect(result.output).to.match(/TASK \[already at the target\][^\n]*\nok: \[worker1\]/);
      expect(result.output).to.match(/TASK \[uncordon a node already at the target[^\n]*\nchanged: \[worker1\]/);
      expect((await nodes()).get('worker1')!.spec.unschedulable ?? false, 'worker1 cordoned').to.equal(false);
      await expectUntouched('worker3');
    } finally {
      await Promise.allSettled(actions);
      await fault('worker2', 'fast-apt');
      if (phase === 'done') await fault('worker2', 'up');
    }
    await eventually('worker2 Ready again', async () => isReady((await nodes()).get('worker2')), 60_000);
  });

  it('once the faults are gone a rerun completes: every worker Ready at v1.29.4, none cordoned, finished ones not drained again', async function () {
    // Two workers drained at once, their pods waiting on the seed workloads' budgets for replacements on worker1.
    this.timeout(240_000);
    const result = await playWorkers(['-e', 'drain_timeout=120']);
    expect(result.code, result.output.slice(-4000)).to.equal(0);
    expect(result.output).to.not.include('FAILED ***');
    expect(result.output).to.match(/TASK \[already at the target\][^\n]*\nok: \[worker1\]/);
    const drains = result.output.split('\nTASK [').filter((t) => t.startsWith('drain the node]')).join('\n');
    expect(drains).to.not.include('[worker1]');
    expect(drains).to.include('[worker2]').and.include('[worker3]');
    const all = await nodes();
    for (const worker of WORKERS) {
      const node = all.get(worker)!;
      expect(node.status.nodeInfo?.kubeletVersion, worker).to.equal(TARGET);
      expect(isReady(node), `${worker} Ready`).to.equal(true);
      expect(node.spec.unschedulable ?? false, `${worker} cordoned`).to.equal(false);
      expect(await on(worker, "dpkg-query -W -f '${Version} ' kubeadm kubelet kubectl"), worker).to.equal('1.29.4-1.1 1.29.4-1.1 1.29.4-1.1');
    }
  });
});
