/**
 * A made-up but well-formed run journal (the lines a real run writes, in order, with times): N hosts in
 * batches, M tasks each, one failed host, one drain held by a PodDisruptionBudget, one API outage, a reboot
 * task. For the report's unit tests and its size benchmark (500 × 40).
 */
import type { HostStatus, RunEvent } from '../../src/events/events.js';
import type { JournalLine } from '../../src/journal/journal.js';

export interface SyntheticOptions {
  runId?: string;
  hosts?: number;
  tasks?: number;
  batchSize?: number;
  /** Host index that fails (at task `failAtTask`), or -1 for none. */
  failHost?: number;
  failAtTask?: number;
  /** Leave out the end line (a run that died). */
  noEnd?: boolean;
  resumes?: string;
  start?: number;
  /** Extra events appended after the header (before the tasks). */
  extra?: RunEvent[];
  hostName?: (i: number) => string;
}

export function syntheticJournal(options: SyntheticOptions = {}): JournalLine[] {
  const runId = options.runId ?? 'run-1';
  const hostCount = options.hosts ?? 6;
  const taskCount = options.tasks ?? 5;
  const batchSize = options.batchSize ?? 3;
  const failHost = options.failHost ?? 1;
  const failAtTask = options.failAtTask ?? Math.min(2, taskCount - 1);
  const name = options.hostName ?? ((i: number) => `node-${String(i + 1).padStart(3, '0')}`);
  let now = options.start ?? Date.parse('2026-12-07T02:00:00Z');
  const lines: JournalLine[] = [];
  const at = (): string => new Date(now).toISOString();
  const ev = (event: RunEvent): void => void lines.push({ kind: 'event', at: at(), event });
  lines.push({
    kind: 'header',
    format: 1,
    runId,
    command: 'drydock upgrade -i inv.ini --to 1.37.2 -e admin_password=[REDACTED]',
    cwd: '/srv',
    started: at(),
    version: '0.0.0',
    host: 'controller',
    user: 'admin',
    pid: 4242,
    ...(options.resumes !== undefined ? { resumes: options.resumes } : {}),
  });
  const hosts = Array.from({ length: hostCount }, (_, i) => name(i));
  ev({ type: 'run.start', runId, command: 'drydock upgrade', hosts, forks: 20, at: at(), playbookFingerprint: 'fp' });
  ev({ type: 'run.plan', text: `upgrade 1.36.3 → 1.37.2\n${hosts.length} nodes in batches of ${batchSize}` });
  for (const e of options.extra ?? []) ev(e);
  ev({ type: 'play.start', name: 'workers', hosts, playIndex: 0 });
  const failed = new Set<string>();
  for (let b = 0; b * batchSize < hostCount; b++) {
    const batch = hosts.slice(b * batchSize, (b + 1) * batchSize);
    ev({ type: 'batch.start', play: 'workers', index: b, hosts: batch, playIndex: 0 });
    for (let t = 0; t < taskCount; t++) {
      const active = batch.filter((h) => !failed.has(h));
      if (active.length === 0) break;
      const module = t === 1 ? 'kube_drain' : t === taskCount - 1 ? 'reboot' : 'command';
      ev({ type: 'task.start', name: `task ${t + 1}`, hosts: active, taskId: `0.tasks/${t}`, module });
      for (const h of active) {
        if (module === 'kube_drain' && h === hosts[0]) {
          ev({ type: 'drain.blocked', host: h, node: h, pod: 'default/web-a', pdbs: ['default/web-pdb'], message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' });
          now += 65_000;
          ev({ type: 'drain.end', host: h, node: h, ok: true, ms: 66_000, blockedMs: 65_000 });
        }
        now += 500;
        const fails = hosts.indexOf(h) === failHost && t === failAtTask;
        const status: HostStatus = fails ? 'failed' : t % 2 === 0 ? 'ok' : 'changed';
        if (fails) failed.add(h);
        ev({ type: 'task.result', taskId: `0.tasks/${t}`, result: { host: h, task: `task ${t + 1}`, status, ms: 450, rc: fails ? 1 : 0, stdout: `out of ${h} task ${t + 1}\n`, ...(fails ? { msg: 'non-zero return code', stderr: 'E: boom\n' } : {}) } });
      }
    }
    ev({ type: 'batch.end', play: 'workers', playIndex: 0, index: b, finished: batch.filter((h) => !failed.has(h)) });
  }
  const stats = Object.fromEntries(hosts.map((h) => [h, { ok: 1, changed: 1, failed: failed.has(h) ? 1 : 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 }]));
  ev({ type: 'recap', stats });
  if (!options.noEnd) lines.push({ kind: 'end', ended: new Date(now + 1000).toISOString(), exitCode: failed.size > 0 ? 2 : 0, interrupted: false, hosts: { done: hostCount - failed.size, failed: failed.size } });
  return lines;
}
