/**
 * drydock resume after the controller dies: on a lab cluster (1 control plane, 3 workers, 1.28.14), the
 * cluster upgrade to 1.29.4 runs as a child process with worker batches [1, 2] and is killed with SIGKILL
 * while the second worker batch drains (its nodes cordoned). `drydock resume RUN_ID --yes` must finish the
 * upgrade: every node Ready at v1.29.4, none cordoned, no cordon record left; and, from the two journals, no
 * host ran any task twice (the host that was mid-task reruns only that task, which had no result before) and
 * the hosts that had finished were not contacted again.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunEvent } from '../../src/events/events.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { CORDONED_BY_ANNOTATION } from '../../src/kube/nodes.js';
import { labDown } from '../../src/lab/ops.js';
import { labUnsupportedReason } from '../../src/lab/platform.js';
import { runDrydock } from '../helpers/cli.js';
import { runTsx, type NodeRun, STANDIN_KUBE_VERSION } from './helpers/lab-hosts.js';

const REPO = resolve('.');
const TARGET = 'v1.29.4';
const WORKERS = ['worker1', 'worker2', 'worker3'];
const NODES = ['cp1', ...WORKERS];

interface JournalEvent {
  kind: string;
  event?: RunEvent;
  runId?: string;
  resumes?: string;
}

const runNode = (args: string[]): Promise<NodeRun> => runTsx(args);

describe('drydock resume on a lab cluster: the controller killed mid-batch (1 control plane, 3 workers)', function () {
  this.timeout(300_000);
  let stateDir = '';
  let journals = '';

  const api = () => loadKubeConfig({ kubeconfigPath: join(stateDir, 'kubeconfig') });
  const env = (): Record<string, string> => ({ DRYDOCK_STATE_DIR: journals, KUBECONFIG: '' });
  const journal = (runId: string): JournalEvent[] =>
    readFileSync(join(journals, 'runs', `${runId}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEvent);

  before(async function () {
    const reason = labUnsupportedReason();
    if (reason) throw new Error(`the resume lab test cannot run here: ${reason}`);
    if (!existsSync(join(REPO, 'src/cli/main.ts'))) throw new Error(`run mocha from the repository root (cwd is ${REPO})`);
    this.timeout(600_000);
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-lab-resume-test-'));
    journals = join(stateDir, 'journals');
    const up = await runNode(['test/lab/helpers/lab-cli.ts', 'up', '--kube-version', STANDIN_KUBE_VERSION, '--state-dir', stateDir, '--control-planes', '1', '--workers', String(WORKERS.length)]);
    if (up.code !== 0) throw new Error(`lab up failed (exit ${up.code}):\n${up.output}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const nodes = await api().listNodes().catch(() => []);
      const apiservers = await api().listKubeSystemPods('tier=control-plane').catch(() => []);
      if (nodes.length === NODES.length && apiservers.some((p) => p.spec.containers?.[0]?.image?.includes('/kube-apiserver:'))) break;
      if (Date.now() > deadline) throw new Error('lab nodes and the kube-apiserver mirror pod did not appear within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (stateDir) await labDown({ stateDir, purge: true, out: () => undefined });
  });

  it('SIGKILL while the second worker batch drains, then drydock resume: done, nothing twice, nothing left cordoned', async () => {
    const args = ['play', 'playbooks/upgrade-cluster.yaml', '-i', join(stateDir, 'inventory.yaml'), '--kubeconfig', join(stateDir, 'kubeconfig'),
      '-e', 'kube_target_version=1.29.4', '-e', 'worker_first_batch=1', '-e', 'worker_batch_size=2', '-e', 'drain_force=true', '-e', 'drain_timeout=120'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killedWhile = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
    const cordonedNow = async (): Promise<string[]> =>
      (await api().listNodes().catch(() => [])).filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name);
    const killer = new Promise<void>((done) => {
      let armed = false;
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const batches = output.split('PLAY [workers in batches');
        // The second worker batch has started draining: kill as soon as one of its nodes is cordoned.
        if (armed || batches.length < 3 || !batches[2]!.includes('TASK [drain the node]')) return;
        armed = true;
        void (async () => {
          const until = Date.now() + 20_000;
          let cordoned: string[] = [];
          while (Date.now() < until && !(cordoned = await cordonedNow()).some((n) => n === 'worker2' || n === 'worker3')) await new Promise((r) => setTimeout(r, 100));
          killedWhile = `cordoned: ${cordoned.join(', ')}`;
          child.kill('SIGKILL');
          done();
        })();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    });
    const first = await Promise.race([exited, killer.then(() => exited)]);
    expect(first.signal, `the play ended before its second worker batch drained:\n${output.slice(-3000)}`).to.equal('SIGKILL');
    const runA = /run id: ([0-9a-f-]{36})/.exec(output)?.[1];
    expect(runA, output.slice(0, 2000)).to.be.a('string');
    console.log(`      killed run ${runA} (${killedWhile})`);
    expect(killedWhile).to.match(/worker[23]/);

    const resumed = await runDrydock(['resume', runA!, '--yes'], { env: env() });
    const resumeOutput = resumed.stdout + resumed.stderr;
    expect(resumed.code, resumeOutput.slice(-4000)).to.equal(0);
    expect(resumeOutput).to.contain(`resuming run ${runA}`).and.to.match(/done, left out: .*worker1/);
    const runB = /run id: ([0-9a-f-]{36})/.exec(resumed.stdout)?.[1];
    expect(runB, resumeOutput.slice(0, 2000)).to.be.a('string');

    // The cluster: every node Ready at the target, schedulable, no cordon record left behind.
    for (const node of await api().listNodes()) {
      expect(node.status.nodeInfo?.kubeletVersion, node.metadata.name).to.equal(TARGET);
      expect(node.spec.unschedulable ?? false, node.metadata.name).to.equal(false);
      expect(node.status.conditions?.find((c) => c.type === 'Ready')?.status, node.metadata.name).to.equal('True');
      expect(node.metadata.annotations?.[CORDONED_BY_ANNOTATION], node.metadata.name).to.equal(undefined);
    }

    // The journals: the new run names the one it resumes; no host × task ran to a result twice across both.
    const a = journal(runA!);
    const b = journal(runB!);
    expect(b[0]).to.include({ kind: 'header', resumes: runA });
    expect(a.at(-1)!.kind, 'the killed run has no end line').to.equal('event');
    const ran = new Map<string, number>();
    for (const line of [...a, ...b]) {
      const e = line.event;
      if (e?.type !== 'task.result' || e.item !== undefined || e.replayedFrom !== undefined || e.taskId === undefined) continue;
      const key = `${e.result.host} ${e.taskId} ${e.result.task}`;
      ran.set(key, (ran.get(key) ?? 0) + 1);
    }
    const twice = [...ran].filter(([, n]) => n > 1).map(([k]) => k);
    expect(twice, 'host × task results recorded in both runs').to.deep.equal([]);
    for (const worker of WORKERS) {
      for (const task of ['kubeadm upgrade node (rewrites the local kubelet configuration)', 'install kubelet and kubectl at the target version (unheld for the install, held again after)']) {
        expect([...ran].filter(([k]) => k.startsWith(`${worker} `) && k.endsWith(` ${task}`)), `${worker}: ${task}`).to.have.length(1);
      }
    }
    // Hosts that finished were left out of the resumed run entirely: no task started on them.
    const startedInB = new Set(b.flatMap((l) => (l.event?.type === 'task.start' || l.event?.type === 'handler.start' ? l.event.hosts : [])));
    expect(startedInB.has('worker1'), 'worker1 (first batch, done) contacted again').to.equal(false);
    expect(startedInB.has('cp1'), 'cp1 (control plane plays, done) contacted again').to.equal(false);

    const listed = await runDrydock(['runs', '--json'], { env: env() });
    const runs = JSON.parse(listed.stdout) as Array<{ id: string; outcome: string; resumes: string | null; resumedBy: string | null }>;
    expect(runs.find((r) => r.id === runA)).to.include({ outcome: 'interrupted', resumedBy: runB });
    expect(runs.find((r) => r.id === runB)).to.include({ outcome: 'ok', resumes: runA });
  });
});
