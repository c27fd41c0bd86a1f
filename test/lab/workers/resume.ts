/**
 * drydock resume after the controller dies, on the workers lab after the failure scenarios (control plane and
 * worker1 at the target, worker2 and worker3 not): the cluster upgrade runs as a child process with worker batches
 * [1, 2] and is killed with SIGKILL while the second worker batch drains (its nodes cordoned). `drydock resume
 * RUN_ID --yes` must finish the upgrade: every node Ready at the target, none cordoned, no cordon record left;
 * and, from the two journals, no host ran any task twice and the hosts that had finished were not contacted again.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunEvent } from '../../../src/events/events.js';
import { CORDONED_BY_ANNOTATION } from '../../../src/kube/nodes.js';
import type { RealLab } from '../helpers/real-lab.js';

const REPO = resolve(import.meta.dirname, '../../..');
const TARGET = 'v1.37.2';
const WORKERS = ['worker1', 'worker2', 'worker3'];

interface JournalEvent {
  kind: string;
  event?: RunEvent;
  runId?: string;
  resumes?: string;
}

export function resumeScenario(lab: RealLab): void {
  describe('drydock resume after the controller was killed mid-batch', function () {
    this.timeout(600_000);
    const journal = (runId: string): JournalEvent[] =>
      readFileSync(join(lab.runsDir(), 'runs', `${runId}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEvent);

    it('SIGKILL while the second worker batch drains, then drydock resume: done, nothing twice, nothing left cordoned', async () => {
      const args = ['play', 'playbooks/upgrade-cluster.yaml', '-i', lab.inventory(), '--kubeconfig', lab.kubeconfig(),
        '-e', 'kube_target_version=1.37.2', '-e', 'worker_first_batch=1', '-e', 'worker_batch_size=2', '-e', 'drain_force=true', '-e', 'drain_timeout=120'];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', DRYDOCK_STATE_DIR: lab.runsDir() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let killedWhile = '';
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
      const cordonedNow = async (): Promise<string[]> =>
        (await lab.api().listNodes().catch(() => [])).filter((n) => n.spec.unschedulable === true).map((n) => n.metadata.name);
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

      const resumed = await lab.drydock(['resume', runA!, '--yes']);
      const resumeOutput = resumed.stdout + resumed.stderr;
      expect(resumed.code, resumeOutput.slice(-4000)).to.equal(0);
      expect(resumeOutput).to.contain(`resuming run ${runA}`).and.to.match(/done, left out: .*worker1/);
      const runB = /run id: ([0-9a-f-]{36})/.exec(resumed.stdout)?.[1];
      expect(runB, resumeOutput.slice(0, 2000)).to.be.a('string');

      // The cluster: every node Ready at the target, schedulable, no cordon record left behind.
      for (const node of await lab.api().listNodes()) {
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
      // worker2 and worker3 were upgraded across the two runs, each step once; worker1 was already at the target
      // (the failure scenarios left it there), so the run only confirmed it and changed nothing on it.
      for (const worker of WORKERS.filter((w) => w !== 'worker1')) {
        for (const task of ['kubeadm upgrade node (rewrites the local kubelet configuration)', 'install kubelet and kubectl at the target version (unheld for the install, held again after)']) {
          expect([...ran].filter(([k]) => k.startsWith(`${worker} `) && k.endsWith(` ${task}`)), `${worker}: ${task}`).to.have.length(1);
        }
      }
      const worker1Changed = a.filter((l) => l.event?.type === 'task.result' && l.event.result.host === 'worker1' && l.event.result.status === 'changed');
      expect(worker1Changed.map((l) => (l.event as { result: { task: string } }).result.task), 'worker1 changed only by its uncordon').to.satisfy((tasks: string[]) => tasks.every((t) => /uncordon/.test(t)));
      // Hosts that finished were left out of the resumed run entirely: no task started on them.
      const startedInB = new Set(b.flatMap((l) => (l.event?.type === 'task.start' || l.event?.type === 'handler.start' ? l.event.hosts : [])));
      expect(startedInB.has('worker1'), 'worker1 (first batch, done) contacted again').to.equal(false);
      expect(startedInB.has('cp1'), 'cp1 (control plane plays, done) contacted again').to.equal(false);

      const listed = await lab.drydock(['runs', '--json']);
      const runs = JSON.parse(listed.stdout) as Array<{ id: string; outcome: string; resumes: string | null; resumedBy: string | null }>;
      expect(runs.find((r) => r.id === runA)).to.include({ outcome: 'interrupted', resumedBy: runB });
      expect(runs.find((r) => r.id === runB)).to.include({ outcome: 'ok', resumes: runA });
    });
  });
}
