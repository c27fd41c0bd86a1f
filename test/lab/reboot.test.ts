/**
 * `drydock reboot` on a lab cluster (1 control plane, 3 workers), through the real CLI: a closed window
 * contacts no host; without a terminal and without --yes nothing happens; with --only-if-required and a
 * blocking-pod selector exactly the worker that has /var/run/reboot-required and no blocking pod reboots
 * (new boot id), the blocked one is postponed, the others are untouched — while the API, sampled every
 * 150 ms, never shows two nodes cordoned at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { loadKubeConfig } from '../../src/kube/client.js';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { labDown } from '../../src/lab/ops.js';
import { sshRun } from '../../src/lab/sshcmd.js';
import { describeAt, nextOpening, parseWindow } from '../../src/policy/window.js';
import { runDrydock, type CliResult } from '../helpers/cli.js';
import { findKubectl, Kubectl } from '../integration/apiserver/kubectl-harness.js';
import { labHosts, runTsx, type NodeRun, STANDIN_KUBE_VERSION } from './helpers/lab-hosts.js';

const REPO = resolve('.');
const HOSTS = ['cp1', 'worker1', 'worker2', 'worker3'];
const SENTINEL = '/var/run/reboot-required';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const runNode = (args: string[]): Promise<NodeRun> => runTsx(args);

describe('drydock reboot on a lab cluster (1 control plane, 3 workers)', function () {
  this.timeout(120_000);
  let stateDir = '';
  let runsDir = '';

  const { target, on } = labHosts(() => stateDir, 30_000);
  const bootIds = async (): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await on(h, 'cat /proc/sys/kernel/random/boot_id')] as const)));
  const hasSentinel = async (host: string): Promise<boolean> => (await sshRun(target(host), `test -e ${SENTINEL}`, 30_000)).code === 0;
  /** sshd's count of accepted logins on every host, this probe's own login included. */
  const logins = async (): Promise<Record<string, number>> =>
    Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, Number(await on(h, "journalctl -u ssh -q --no-pager | grep -c 'Accepted publickey' || true"))] as const)));
  const api = () => loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') });
  const cordoned = async (): Promise<string[]> => (await api().listNodes()).filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name).sort();
  const reboot = (args: string[]): Promise<CliResult> =>
    runDrydock(['reboot', '-i', join(stateDir, 'inventory.yaml'), '--kubeconfig', join(stateDir, 'kubeconfig'), ...args], { env: { DRYDOCK_STATE_DIR: runsDir } });

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the reboot lab tests cannot run here: ${reason}`);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-reboot-test-'));
    runsDir = mkdtempSync(join(tmpdir(), 'drydock-lab-reboot-runs-'));
    const started = Date.now();
    const up = await runNode(['test/lab/helpers/lab-cli.ts', 'up', '--kube-version', STANDIN_KUBE_VERSION, '--state-dir', stateDir, '--control-planes', '1', '--workers', '3']);
    if (up.code !== 0) throw new Error(`lab up failed (exit ${up.code}):\n${up.output}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const nodes = await api().listNodes().catch(() => []);
      const ready = nodes.filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length === HOSTS.length) break;
      if (Date.now() > deadline) throw new Error('the lab nodes were not all Ready within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`      lab up and Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await on('worker1', `touch ${SENTINEL}`);
    await on('worker2', `touch ${SENTINEL}`);
    const kubectlPath = findKubectl();
    if (!kubectlPath.path) throw new Error(`no kubectl for the blocking pod: ${kubectlPath.note}`);
    const kubectl = new Kubectl(kubectlPath.path, join(stateDir, 'kubeconfig'));
    const podFile = join(stateDir, 'blocking-pod.json');
    writeFileSync(
      podFile,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'nightly-batch', namespace: 'default', labels: { app: 'batch' } },
        spec: { nodeName: 'worker2', containers: [{ name: 'job', image: 'busybox:1.36' }] },
      }),
    );
    const created = await kubectl.run(['apply', '-f', podFile]);
    if (created.code !== 0) throw new Error(`kubectl apply: ${created.stderr}`);
    // The lab's bare scratch pod would need a forced drain wherever it landed; draining is not what this tests.
    const removed = await kubectl.run(['delete', 'pod', 'scratch-job', '--ignore-not-found']);
    if (removed.code !== 0) throw new Error(`kubectl delete: ${removed.stderr}`);
  });

  after(async function () {
    this.timeout(60_000);
    if (stateDir) await labDown({ stateDir, purge: true, out: () => undefined });
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  it('outside the window: exit 0, names the next opening, contacts no host', async () => {
    // A window on the weekday three days from now is closed now, whatever the time of day.
    const day = DAYS[new Date(Date.now() + 3 * 86_400_000).getUTCDay()]!;
    const window = parseWindow(`${day} 00:00-01:00`, 'Asia/Tokyo');
    const before = await logins();
    const result = await reboot(['--only-if-required', '--yes', '--window', window.text, '--time-zone', 'Asia/Tokyo']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include(`outside the maintenance window ${window.text} (Asia/Tokyo); it opens at ${describeAt(nextOpening(window, Date.now()), 'Asia/Tokyo').replace(/\)$/, '')}, in `);
    // One more login per host: the probe's own. drydock logged in nowhere.
    expect(await logins()).to.deep.equal(Object.fromEntries(HOSTS.map((h) => [h, before[h]! + 1])));
  });

  it('without a terminal and without --yes: refuses, changes nothing', async () => {
    const ids = await bootIds();
    const result = await reboot(['--only-if-required']);
    expect(result.code, result.stdout + result.stderr).to.equal(64);
    expect(result.stderr).to.include('refusing to make changes without confirmation: pass --yes');
    expect(await bootIds()).to.deep.equal(ids);
    expect(await cordoned()).to.deep.equal([]);
  });

  it('--only-if-required --blocking-pod-selector: reboots only the sentinel host without a blocker, one node out at a time', async () => {
    const before = await bootIds();
    const samples: string[][] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        samples.push(await cordoned().catch(() => samples.at(-1) ?? []));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const result = await reboot(['--only-if-required', '--blocking-pod-selector', 'app=batch', '--yes', '--drain-timeout', '60', '--reboot-timeout', '90']);
    running = false;
    await sampler;
    const output = result.stdout + result.stderr;
    expect(result.code, output.slice(-3000)).to.equal(0);

    // The plan named the two sentinel hosts, in order, with their node names.
    expect(output).to.include('  1. worker1  node worker1  worker  /var/run/reboot-required present\n  2. worker2  node worker2  worker  /var/run/reboot-required present');
    expect(output).to.include('not rebooted (no /var/run/reboot-required): cp1, worker3');
    expect(output).to.include('postponed: pods default/nightly-batch match app=batch; worker2 is not rebooted');

    const after = await bootIds();
    expect(after.worker1, 'worker1 rebooted').to.not.equal(before.worker1);
    expect(after.worker2, 'worker2 postponed').to.equal(before.worker2);
    expect(after.cp1).to.equal(before.cp1);
    expect(after.worker3).to.equal(before.worker3);
    // /var/run is /run, a tmpfs: the reboot removed worker1's sentinel; the postponed worker2 keeps its own.
    expect(await hasSentinel('worker1')).to.equal(false);
    expect(await hasSentinel('worker2')).to.equal(true);

    console.log(`      ${samples.length} samples of the cordoned nodes`);
    for (const sample of samples) expect(sample.length, JSON.stringify(sample)).to.be.at.most(1);
    expect(samples.some((s) => s.includes('worker1')), 'the sampler saw worker1 cordoned').to.equal(true);
    expect(samples.some((s) => s.includes('worker2') || s.includes('cp1') || s.includes('worker3'))).to.equal(false);
    expect(await cordoned()).to.deep.equal([]);
  });
});
