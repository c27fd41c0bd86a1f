import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import { FailureTracker, formatNodeStates, formatNodeStatesEvent, OUTPUT_TAIL_LINES } from '../../../src/events/failure-summary.js';
import { nodeStateRows, readNodeStates } from '../../../src/engine/node-states.js';
import { PlayRenderer } from '../../../src/events/play-output.js';
import { CORDONED_BY_ANNOTATION } from '../../../src/kube/nodes.js';
import type { KubeNode, KubePort } from '../../../src/kube/port.js';
import { KubeApiError } from '../../../src/errors.js';
import { inventory, play } from '../engine/harness.js';

function render(events: RunEvent[]): string {
  let text = '';
  const renderer = new PlayRenderer({ out: { write: (t: string) => (text += t) }, color: false });
  for (const e of events) renderer.handle(e);
  return text;
}

/** The text from the FAILED banner to the next blank line. */
function failedSection(text: string): string {
  const start = text.indexOf('FAILED ****');
  expect(start, text).to.be.greaterThan(text.indexOf('PLAY RECAP'));
  return text.slice(start, text.indexOf('\n\n', start));
}

const rolling = (extra = '') => `
- name: rolling
  hosts: nodes
  serial: [1, 2]
  max_fail_percentage: 0
  gather_facts: false
  tasks:
    - name: prepare
      command: prepare
    - name: upgrade
      command: upgrade
${extra}
    - name: finish
      command: finish
`;

const numbered = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`).join('\n');

describe('engine/failure-summary: the FAILED section under the recap', () => {
  it('names the failed host, play, batch, task, message and output tail; the host cut short; the hosts never started', async () => {
    const h = await play(rolling(), {
      inventory: inventory({ nodes: ['w1', 'w2', 'w3', 'w4'] }),
      respond: (host, cmd) => (host === 'w2' && cmd === 'upgrade' ? { code: 100, stdout: `${numbered(1, 15)}\n`, stderr: 'E: Version 1.29.9 not found' } : {}),
    });
    expect(h.outcome.exitCode).to.equal(2);
    const section = failedSection(render(h.events));
    expect(section).to.contain('w2: FAILED at task "upgrade", batch 2 of play "rolling"\n  non-zero return code\n');
    const tail = section.split('\n').filter((l) => l.startsWith('    stdout: '));
    expect(tail).to.have.length(OUTPUT_TAIL_LINES);
    expect(tail[0]).to.equal(`    stdout: line ${15 - OUTPUT_TAIL_LINES + 1}`);
    expect(section).to.not.contain('stdout: line 5\n');
    expect(section).to.contain('    stderr: E: Version 1.29.9 not found');
    expect(section).to.match(/play "rolling" stopped \(max_fail_percentage\): .*1 later batch\(es\) not started/);
    expect(section).to.contain('w3: stopped with the play in batch 2; its last task: "upgrade" (changed)');
    expect(section).to.contain('hosts not started: w4 (play "rolling")');
    expect(section).to.not.match(/^w1:/m);
  });

  it('reports a host that became unreachable mid-batch as UNREACHABLE, with the connection message', async () => {
    const h = await play(rolling(), {
      inventory: inventory({ nodes: ['w1', 'w2', 'w3', 'w4'] }),
      respond: (host, cmd) => {
        if (host === 'w1' && cmd === 'upgrade') throw new HostUnreachableError('w1', 'lost', 'connection lost');
        return {};
      },
    });
    expect(h.outcome.exitCode).to.equal(4);
    const section = failedSection(render(h.events));
    expect(section).to.match(/^w1: UNREACHABLE at task "upgrade", batch 1 of play "rolling"\n {2}.*connection lost/m);
    expect(section).to.contain('hosts not started: w2, w3, w4 (play "rolling")');
  });

  it('keeps no_log results censored: the message says so and no output is shown', async () => {
    const h = await play(rolling().replace('      command: upgrade', '      command: upgrade\n      no_log: true'), {
      inventory: inventory({ nodes: ['w1'] }),
      respond: (_host, cmd) => (cmd === 'upgrade' ? { code: 1, stdout: 'token=s3cr3t-value', stderr: 'password: hunter2' } : {}),
    });
    const text = render(h.events);
    const section = failedSection(text);
    expect(section).to.contain("w1: FAILED at task \"upgrade\"");
    expect(section).to.contain("'no_log: true' was specified");
    expect(text).to.not.contain('s3cr3t').and.not.contain('hunter2');
  });

  it("shows a failed loop item's own message rather than the loop's summary", async () => {
    const loop = `
    - name: hold
      command: "hold {{ item }}"
      loop: [kubelet, kubectl]`;
    const h = await play(rolling(loop), {
      inventory: inventory({ nodes: ['w1'] }),
      respond: (_host, cmd) => (cmd === 'hold kubectl' ? { code: 1, stderr: 'dpkg: kubectl is not installed' } : {}),
    });
    const section = failedSection(render(h.events));
    expect(section).to.contain('w1: FAILED at task "hold" (item=kubectl), batch 1 of play "rolling"');
    expect(section).to.contain('stderr: dpkg: kubectl is not installed');
  });

  it('prints nothing for a run where every host finished', async () => {
    const h = await play(rolling(), { inventory: inventory({ nodes: ['w1', 'w2', 'w3'] }) });
    expect(h.outcome.exitCode).to.equal(0);
    const tracker = new FailureTracker();
    for (const e of h.events) tracker.observe(e);
    expect(tracker.summary()).to.equal('');
    expect(render(h.events)).to.not.contain('FAILED');
  });

  it('lists the hosts of later batches an interrupted run never started', async () => {
    const stop = new AbortController();
    const h = await play(rolling(), {
      inventory: inventory({ nodes: ['w1', 'w2', 'w3', 'w4'] }),
      stop: stop.signal,
      onEvent: (e) => {
        if (e.type === 'task.result' && e.result.host === 'w1' && e.result.task === 'finish') stop.abort();
      },
    });
    const tracker = new FailureTracker();
    for (const e of h.events) tracker.observe(e);
    expect(tracker.notStarted()).to.deep.equal([{ play: 'rolling', hosts: ['w2', 'w3', 'w4'] }]);
  });
});

const node = (name: string, opts: { ready?: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; cordoned?: boolean; kubelet?: string; annotations?: Record<string, string> } = {}): KubeNode => ({
  metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
  spec: opts.cordoned ? { unschedulable: true } : {},
  status: {
    conditions: [{ type: 'Ready', status: opts.ready ?? 'True', ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.message ? { message: opts.message } : {}) }],
    nodeInfo: { kubeletVersion: opts.kubelet ?? 'v1.29.4' },
  },
});

describe('engine/failure-summary: the NODES section', () => {
  it("one line per node: kubelet version, Ready or the Ready condition's detail, cordoned and by whom", () => {
    const rows = nodeStateRows(
      [
        node('worker2', { ready: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', kubelet: 'v1.28.14', cordoned: true }),
        node('cp1'),
        node('worker1', { cordoned: true, kubelet: 'v1.28.14' }),
        node('worker3', { cordoned: true, annotations: { [CORDONED_BY_ANNOTATION]: 'run-1234' } }),
        node('worker4', { cordoned: true }),
      ],
      new Map([['worker1', 'node worker1 stays cordoned'], ['worker2', 'cordoned by this run, not uncordoned']]),
    );
    expect(rows.map((r) => r.name)).to.deep.equal(['cp1', 'worker1', 'worker2', 'worker3', 'worker4']);
    expect(rows[2]).to.deep.include({ ready: false, readyDetail: 'Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)', cordoned: true, kubeletVersion: 'v1.28.14' });
    const text = formatNodeStates(rows);
    expect(text.split('\n')).to.deep.equal([
      `NODES ${'*'.repeat(74)}`,
      '  cp1      kubelet v1.29.4   Ready     schedulable',
      '  worker1  kubelet v1.28.14  Ready     cordoned (node worker1 stays cordoned)',
      '  worker2  kubelet v1.28.14  NotReady  cordoned (cordoned by this run, not uncordoned); Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)',
      '  worker3  kubelet v1.29.4   Ready     cordoned (cordoned by drydock run run-1234)',
      '  worker4  kubelet v1.29.4   Ready     cordoned (cordoned, not by drydock)',
      '',
      '',
    ]);
    expect(formatNodeStates([])).to.equal('');
  });

  it('on a large cluster lists only the nodes needing attention and counts the rest per kubelet version', () => {
    const nodes = Array.from({ length: 60 }, (_, i) => node(`n${String(i).padStart(2, '0')}`, { kubelet: i < 20 ? 'v1.28.14' : 'v1.29.4' }));
    nodes.push(node('sick', { ready: 'False', reason: 'KubeletNotReady' }));
    const text = formatNodeStates(nodeStateRows(nodes));
    const lines = text.trimEnd().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[1]).to.equal('  sick  kubelet v1.29.4  NotReady  schedulable; Ready=False (KubeletNotReady)');
    expect(lines[2]).to.equal('  and 60 more node(s) Ready and schedulable: 20 at kubelet v1.28.14, 40 at kubelet v1.29.4');
  });

  it('readNodeStates reads the nodes through the port into a nodes.state event, and says why when the API cannot be read', async () => {
    const port = { listNodes: async () => [node('w1', { cordoned: true })] } as unknown as KubePort;
    const ok = await readNodeStates(async () => port, new Map([['w1', 'node w1 stays cordoned']]));
    expect(ok.rows).to.have.length(1);
    expect(formatNodeStatesEvent(ok)).to.contain('  w1    kubelet v1.29.4  Ready     cordoned (node w1 stays cordoned)');
    const down = await readNodeStates(async () => { throw new KubeApiError('connect ECONNREFUSED 10.0.0.1:6443'); }, new Map());
    expect(down.rows).to.equal(undefined);
    expect(formatNodeStatesEvent(down)).to.match(/^NODES \*+\n {2}could not read the nodes from the API: connect ECONNREFUSED 10\.0\.0\.1:6443\n\n$/);
  });
});
