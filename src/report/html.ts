/**
 * The run report: one self-contained HTML file (inline CSS and script, a Content-Security-Policy that allows
 * no network at all) rendered from a run's journal chain. The static parts (summary, plan, failures, node
 * states, recap) are HTML written here; the timeline and the host × task table are drawn by the page's script
 * (client.ts) from one JSON blob, lazily, so a 500 × 40 run opens fast.
 *
 * Stable hooks for tests and tools (attribute selectors):
 *   body[data-ready][data-ready-ms]     set by the script once the page is drawn (ms since navigation start)
 *   script#drydock-report-data          the JSON blob (type application/json): ReportData of model.ts
 *   [data-report][data-run-id]          the page's <main>
 *   [data-field=command|user|started|ended|outcome|exit-code|runs]   the summary's values; [data-outcome] on outcome
 *   [data-run][data-run-id]             one row per run of the chain (a resumed run lists the runs it continues)
 *   [data-section=summary|plan|timeline|failed|nodes|recap|results]  the sections
 *   [data-plan]                         the plan text (pre), one per run that recorded it
 *   timeline (#timeline-scroller): [data-lane][data-host] one lane per host (only those in view exist; role=row,
 *     aria-label "host NAME", "(failed)" appended for a failed host, class failed-host);
 *     [data-bar][data-host][data-task][data-task-id][data-status][data-run][data-mark] a task's bar
 *     (status ok|changed|failed|skipped|unreachable|rescued|ignored|running; mark reboot|kubelet-restart|restart|
 *     drain|kubeadm|static-pod-restart); [data-lane-batch] a host's batch band; [data-batch][data-play] a batch
 *     in the strip above the lanes; [data-drain][data-node][data-blocked-ms] a drain, with [data-drain-label]
 *     ("drain NODE: blocked 1m 5s by PodDisruptionBudget ns/name (pod ns/pod)") when an eviction was refused;
 *     [data-outage] an API outage (aria-label says how long); [data-run-start] where a later run of a resumed
 *     chain starts (a pause of more than a minute between runs is cut short on the timeline; the label says how long)
 *   [data-filter] (host search), [data-failed-only] (checkbox), [data-zoom] (range) above the timeline
 *   [data-failed-host][data-task] a row of the failed section; [data-node-row][data-node] a node state row
 *   [data-section=node-versions] the Nodes table: [data-node-version-row][data-node][data-before][data-after]
 *     one node's kubelet version before → after the run (empty when not known), [data-changed] (class changed)
 *     when it changed, [data-ready-after]/[data-cordoned-after] (true|false); [data-apiserver-version-row][data-node]
 *     [data-before][data-after] a control plane's kube-apiserver (upgrades); [data-node-versions-error=before|after]
 *     why the API could not be read then
 *   [data-recap-host] a recap row
 *   table (#results-scroller): [data-row][data-host] one row per host (in view only), [data-column] a task's
 *     header, [data-cell][data-host][data-task][data-status] the last result of that host and task
 *   #output[role=dialog] the output panel a bar or cell click opens ([data-open]); [data-output-title],
 *     [data-output-text] (the output tail), [data-close]
 */
import type { JournalLine } from '../journal/journal.js';
import { REPORT_JS } from './client.js';
import { buildReportModel, type ReportData, type ReportRun } from './model.js';
import { REPORT_CSS, STATUS_COLOURS } from './style.js';

export { buildReportModel, type ReportData } from './model.js';

/** HTML text and attribute values: the five characters that could open markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside <script>: no `<` at all (so no `</script` nor `<!--`), and the two line separators escaped. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The report page of a journal chain (oldest first, each a journal's lines; see journal/chain.ts). */
export function renderRunReport(chain: readonly (readonly JournalLine[])[]): string {
  return renderReportHtml(buildReportModel(chain));
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderReportHtml(data: ReportData): string {
  const newest = data.runs[data.runs.length - 1];
  const title = `drydock run ${data.runId}${newest ? ` — ${newest.outcome}` : ''}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head><body>',
    `<main data-report data-run-id="${escapeHtml(data.runId)}">`,
    `<h1>${escapeHtml(title)}</h1>`,
    summary(data),
    plan(data),
    timelineSection(data),
    failedSection(data),
    nodeVersionsSection(data),
    nodesSection(data),
    recapSection(data),
    resultsSection(data),
    '</main>',
    '<div id="output" role="dialog" aria-label="task output" aria-modal="false"><header><span data-output-title></span><button type="button" data-close aria-label="close">×</button></header><pre data-output-text></pre></div>',
    `<script type="application/json" id="drydock-report-data">${scriptJson(data)}</script>`,
    `<script type="application/json" id="drydock-report-colours">${scriptJson(STATUS_COLOURS)}</script>`,
    `<script>${REPORT_JS}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function at(data: ReportData, offset: number | null, cut = 0): string {
  if (offset === null) return '—';
  return new Date(Date.parse(data.t0) + offset + cut).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

function field(name: string, label: string, value: string, extra = ''): string {
  return `<dt>${escapeHtml(label)}</dt><dd data-field="${name}"${extra}>${value}</dd>`;
}

function summary(data: ReportData): string {
  const first = data.runs[0];
  const newest = data.runs[data.runs.length - 1];
  if (!first || !newest) return '<section data-section="summary"><p>This journal holds no run.</p></section>';
  const users = [...new Set(data.runs.map((r) => (r.user !== null ? `${r.user}@${r.host}` : r.host)))];
  const outcome = `<span class="outcome outcome-${escapeHtml(newest.outcome)}">${escapeHtml(newest.outcome)}</span>${newest.error ? ` <span class="muted">${escapeHtml(newest.error)}</span>` : ''}`;
  const runs = data.runs.length > 1 ? `<h2>Runs of this chain (a resumed run continues the one before)</h2><table class="plain"><thead><tr><th>run</th><th>started</th><th>ended</th><th>outcome</th><th>exit</th><th>command</th></tr></thead><tbody>${data.runs.map((r) => runRow(data, r)).join('')}</tbody></table>` : '';
  return `<section data-section="summary"><dl class="facts">${[
    field('command', 'command', escapeHtml(newest.command)),
    field('user', 'run by', escapeHtml(users.join(', '))),
    field('started', 'started', escapeHtml(at(data, first.started))),
    field('ended', 'ended', escapeHtml(newest.ended !== null ? at(data, newest.ended, newest.cutBefore) : 'no end recorded (the run died or is still running)')),
    field('duration', 'duration', escapeHtml(duration((newest.ended ?? data.span) + newest.cutBefore))),
    field('outcome', 'outcome', outcome, ` data-outcome="${escapeHtml(newest.outcome)}"`),
    field('exit-code', 'exit code', escapeHtml(newest.exitCode === null ? '—' : String(newest.exitCode))),
    field('runs', 'run ids', escapeHtml(data.runs.map((r) => r.runId).join(' → '))),
  ].join('')}</dl>${runs}</section>`;
}

function runRow(data: ReportData, r: ReportRun): string {
  const cells = [r.runId, at(data, r.started, r.cutBefore), r.ended !== null ? at(data, r.ended, r.cutBefore) : '—', r.outcome, r.exitCode === null ? '—' : String(r.exitCode), r.command];
  return `<tr data-run data-run-id="${escapeHtml(r.runId)}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

function plan(data: ReportData): string {
  const body = data.plans.length > 0 ? data.plans.map((p) => `<pre data-plan>${escapeHtml(p)}</pre>`).join('') : '<p class="muted">The journal holds no plan text (a plain playbook run shows none, or an older drydock wrote it).</p>';
  const happened = happenedList(data);
  return `<section data-section="plan"><div class="cols"><div><h2>Plan</h2>${body}</div><div><h2>What happened</h2>${happened}</div></div></section>`;
}

/** Per play: how many hosts finished each result, in the order of the tasks. */
function happenedList(data: ReportData): string {
  const counts = new Map<number, Map<string, number>>();
  for (const r of data.results) {
    const c = counts.get(r.task) ?? new Map<string, number>();
    c.set(r.status, (c.get(r.status) ?? 0) + 1);
    counts.set(r.task, c);
  }
  const items = data.tasks.map((t, i) => {
    const c = counts.get(i);
    const text = c ? [...c].map(([s, n]) => `${n} ${s}`).join(', ') : 'not run';
    return `<tr data-happened data-task="${escapeHtml(t.name)}"><td>${escapeHtml(t.play)}</td><td>${escapeHtml(t.name)}${t.mark ? ` <span class="muted">[${escapeHtml(t.mark)}]</span>` : ''}</td><td>${escapeHtml(text)}</td></tr>`;
  });
  if (items.length === 0) return '<p class="muted">No task ran.</p>';
  return `<table class="plain"><thead><tr><th>play</th><th>task</th><th>hosts</th></tr></thead><tbody>${items.join('')}</tbody></table>`;
}

function timelineSection(data: ReportData): string {
  const legend = Object.entries(STATUS_COLOURS)
    .map(([s, c]) => `<span style="--c:${c}" data-legend="${s}">${s}</span>`)
    .join('');
  return `<section data-section="timeline"><h2>Timeline</h2>
<div class="legend">${legend}<span style="--c:transparent">⟳ reboot · K kubelet restart · R restart · D drain · A kubeadm · S static pod restart</span></div>
<div class="toolbar"><label>host <input type="search" data-filter aria-label="filter hosts" placeholder="filter hosts"></label>
<label><input type="checkbox" data-failed-only aria-label="failed hosts only"> failed hosts only</label>
<label>zoom <input type="range" min="1" max="40" value="1" data-zoom aria-label="zoom"></label>
<span class="muted">${data.hosts.length} hosts · ${data.tasks.length} tasks · ${data.drains.length} drains · ${data.outages.length} API outages · click a bar for its output</span></div>
<div class="scroller" id="timeline-scroller" role="table" aria-label="timeline: one lane per host"><div class="canvas"><div class="axis" aria-hidden="true"></div><div class="strip" aria-label="batches"></div></div></div></section>`;
}

function failedSection(data: ReportData): string {
  if (data.failed.length === 0) return '<section data-section="failed"><h2>Failed</h2><p>No host failed.</p></section>';
  const chain = data.runs.length > 1;
  const rows = data.failed.map(
    (f) =>
      `<tr data-failed-host="${escapeHtml(f.host)}" data-task="${escapeHtml(f.task)}" data-status="${escapeHtml(f.status)}"><td>${escapeHtml(f.host)}</td><td>${escapeHtml(f.task)}</td><td>${escapeHtml(f.status)}</td><td class="msg">${escapeHtml(f.msg)}</td>${chain ? `<td>${escapeHtml(f.run)}</td>` : ''}</tr>`,
  );
  return `<section data-section="failed"><h2>Failed</h2><table class="plain"><thead><tr><th>host</th><th>task</th><th>result</th><th>message</th>${chain ? '<th>run</th>' : ''}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function nodesSection(data: ReportData): string {
  if (!data.nodes && !data.nodesError) return '';
  const rows = (data.nodes ?? []).map((n) => {
    const ready = n.ready ? 'Ready' : `NotReady${n.readyDetail ? ` ${n.readyDetail}` : ''}`;
    const cordon = n.cordoned ? `cordoned${n.cordonNote ? ` (${n.cordonNote})` : ''}` : 'schedulable';
    return `<tr data-node-row data-node="${escapeHtml(n.name)}"><td>${escapeHtml(n.name)}</td><td>${escapeHtml(ready)}</td><td>${escapeHtml(cordon)}</td><td>${escapeHtml(n.kubeletVersion)}</td></tr>`;
  });
  const error = data.nodesError ? `<p class="muted">${escapeHtml(data.nodesError)}</p>` : '';
  return `<section data-section="nodes"><h2>Nodes after the run</h2>${error}<table class="plain"><thead><tr><th>node</th><th>ready</th><th>scheduling</th><th>kubelet</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function versionRow(kind: 'node' | 'apiserver', v: { before: string | null; after: string | null; changed: boolean }, node: string, after = ''): string {
  const attrs = `data-${kind}-version-row data-node="${escapeHtml(node)}" data-before="${escapeHtml(v.before ?? '')}" data-after="${escapeHtml(v.after ?? '')}"${v.changed ? ' data-changed class="changed"' : ''}`;
  return `<tr ${attrs}${after}>`;
}

function nodeVersionsSection(data: ReportData): string {
  const v = data.nodeVersions;
  if (!v) return '';
  const errors = (['before', 'after'] as const).map((phase) => {
    const error = phase === 'before' ? v.beforeError : v.afterError;
    const recorded = phase === 'before' ? v.hasBefore : v.hasAfter;
    if (error !== null) return `<p class="error" data-node-versions-error="${phase}">The nodes could not be read ${phase} the run: ${escapeHtml(error)}</p>`;
    return recorded ? '' : `<p class="muted">No read of the nodes ${phase} the run is recorded${phase === 'after' ? ' (the run ended without one)' : ''}.</p>`;
  });
  const text = (version: string | null): string => escapeHtml(version ?? '—');
  const rows = v.nodes.map((n) => {
    const state = n.ready === null ? '' : ` data-ready-after="${n.ready}" data-cordoned-after="${n.cordoned === true}"`;
    const ready = n.ready === null ? '—' : n.ready ? 'Ready' : 'NotReady';
    const cordon = n.cordoned === null ? '—' : n.cordoned ? 'cordoned' : 'schedulable';
    return `${versionRow('node', n, n.name, state)}<td>${escapeHtml(n.name)}</td><td>${text(n.before)}</td><td>→</td><td>${text(n.after)}</td><td>${ready}</td><td>${cordon}</td></tr>`;
  });
  const api = v.apiServers.map((a) => `${versionRow('apiserver', a, a.node)}<td>${escapeHtml(a.node)}</td><td>${text(a.before)}</td><td>→</td><td>${text(a.after)}</td></tr>`);
  const apiTable = api.length > 0 ? `<h3>kube-apiserver</h3><table class="plain"><thead><tr><th>control plane</th><th>before</th><th></th><th>after</th></tr></thead><tbody>${api.join('')}</tbody></table>` : '';
  return `<section data-section="node-versions"><h2>Nodes</h2>${errors.join('')}<table class="plain"><thead><tr><th>node</th><th>kubelet before</th><th></th><th>kubelet after</th><th>ready (after)</th><th>scheduling (after)</th></tr></thead><tbody>${rows.join('')}</tbody></table>${apiTable}</section>`;
}

function recapSection(data: ReportData): string {
  if (!data.recap) return '';
  const keys = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;
  const rows = Object.entries(data.recap).map(([host, c]) => `<tr data-recap-host="${escapeHtml(host)}"><td>${escapeHtml(host)}</td>${keys.map((k) => `<td>${c[k] ?? 0}</td>`).join('')}</tr>`);
  return `<section data-section="recap"><h2>Recap${data.runs.length > 1 ? ' (last run)' : ''}</h2><table class="plain"><thead><tr><th>host</th>${keys.map((k) => `<th>${k}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function resultsSection(data: ReportData): string {
  return `<section data-section="results"><h2>Hosts × tasks</h2><p class="muted">The last result of each host and task, with its duration; click a cell for the output tail.</p>
<div class="scroller" id="results-scroller" role="table" aria-label="results: one row per host, one column per task"><div class="grid"><div class="head" role="row"></div></div></div>${data.hosts.length === 0 ? '<p>No host.</p>' : ''}</section>`;
}
