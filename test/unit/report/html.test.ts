import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import type { JournalLine } from '../../../src/journal/journal.js';
import { renderRunReport, scriptJson } from '../../../src/report/html.js';
import type { ReportData } from '../../../src/report/model.js';
import { playbookPlanText } from '../../../src/report/plan-text.js';
import type { Playbook } from '../../../src/playbook/model.js';
import { syntheticJournal } from '../../helpers/synthetic-journal.js';

const VOID = new Set(['meta', 'input', 'br', 'img', 'link', 'hr']);

/** Tags outside <script>/<style> bodies open and close in order; throws naming the first mismatch. */
function checkBalanced(html: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(html)) !== null) {
    const [, closing, rawName] = m;
    const name = rawName!.toLowerCase();
    if (VOID.has(name)) continue;
    if (!closing) {
      stack.push(name);
      if (name === 'script' || name === 'style') {
        const end = html.indexOf(`</${name}>`, tag.lastIndex);
        if (end < 0) throw new Error(`<${name}> never closed`);
        tag.lastIndex = end;
      }
      continue;
    }
    const open = stack.pop();
    if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`);
  }
  if (stack.length > 0) throw new Error(`left open: ${stack.join(', ')}`);
}

function blob(html: string): ReportData {
  const m = /<script type="application\/json" id="drydock-report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data blob');
  return JSON.parse(m[1]!) as ReportData;
}

const HOSTILE_HOST = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
const HOSTILE_TASK = '<b onclick="x()">"quoted" & \'single\'</b>\u2028<!--';

describe('report: the HTML page', () => {
  it('is well-formed, has one parseable data blob and the sections, lanes and table a browser draws', () => {
    const html = renderRunReport([syntheticJournal({ hosts: 6, tasks: 5 })]);
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    checkBalanced(html);
    const data = blob(html);
    expect(data.hosts).to.have.length(6);
    expect(data.tasks).to.have.length(5);
    for (const section of ['summary', 'plan', 'timeline', 'failed', 'recap', 'results']) expect(html).to.contain(`data-section="${section}"`);
    expect(html).to.contain('data-failed-host="node-002"');
    expect(html).to.contain('data-field="outcome" data-outcome="failed"');
    expect(html).to.contain('<pre data-plan>upgrade 1.36.3 → 1.37.2');
  });

  it('is self-contained: no external script, style, image or link, and a policy that forbids the network', () => {
    const html = renderRunReport([syntheticJournal({ hosts: 3, tasks: 3 })]);
    expect(html).not.to.match(/\b(src|href|action)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.to.match(/<link\b/i);
    expect(html).not.to.match(/<script[^>]*\bsrc=/i);
    expect(html).not.to.match(/@import|url\(\s*["']?https?:/i);
    expect(html).to.contain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'`);
  });

  it('escapes hostile host and task names everywhere; the blob gives them back exactly', () => {
    const lines = syntheticJournal({ hosts: 3, tasks: 3, failHost: 0, failAtTask: 0, hostName: (i) => (i === 0 ? HOSTILE_HOST : `h${i}`) });
    const renamed = JSON.parse(JSON.stringify(lines).replaceAll('task 1', HOSTILE_TASK.replaceAll('\\', '\\\\').replaceAll('"', '\\"'))) as JournalLine[];
    const html = renderRunReport([renamed]);
    expect(html).not.to.contain(HOSTILE_HOST);
    expect(html).not.to.contain('<img');
    expect(html).not.to.contain('<b onclick');
    // one </script> per script element, no more: the names cannot end the blob early
    expect(html.match(/<\/script>/g)).to.have.length(3);
    checkBalanced(html);
    const data = blob(html);
    expect(data.hosts[0]).to.equal(HOSTILE_HOST);
    expect(data.tasks[0]!.name).to.equal(HOSTILE_TASK);
    expect(html).to.contain('data-failed-host="&#60;/script&#62;&#60;script&#62;alert(1)');
  });

  it('scriptJson leaves nothing that could close or comment out a script', () => {
    const text = scriptJson({ a: '</script><!-- & \u2028 \u2029 >' });
    expect(text).not.to.match(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).to.deep.equal({ a: '</script><!-- & \u2028 \u2029 >' });
  });

  it('a resumed chain lists every run of the chain with its outcome', () => {
    const first = syntheticJournal({ runId: 'r1', hosts: 2, tasks: 2, failHost: 1, failAtTask: 1 });
    const second = syntheticJournal({ runId: 'r2', hosts: 2, tasks: 2, failHost: -1, resumes: 'r1', start: Date.parse('2026-12-07T03:00:00Z') });
    const html = renderRunReport([first, second]);
    expect(html).to.contain('data-run data-run-id="r1"');
    expect(html).to.contain('data-run data-run-id="r2"');
    expect(html).to.contain('<dd data-field="runs">r1 → r2</dd>');
    expect(blob(html).runs.map((r) => r.outcome)).to.deep.equal(['failed', 'ok']);
  });

  it('500 hosts × 40 tasks renders in a few seconds at most into one blob of a few megabytes', () => {
    const lines = syntheticJournal({ hosts: 500, tasks: 40, batchSize: 25 });
    const started = Date.now();
    const html = renderRunReport([lines]);
    expect(Date.now() - started).to.be.below(5000);
    expect(html.length).to.be.below(8_000_000);
    expect(blob(html).results).to.have.length(500 * 40 - 37);
  });

  it('the plan of a plain playbook run: each play and its hosts', () => {
    const playbook = { file: '/srv/site.yaml', plays: [{ name: 'web' }, { name: 'db' }] } as unknown as Playbook;
    expect(playbookPlanText(playbook, { playHosts: [['a', 'b'], []] })).to.equal('playbook /srv/site.yaml\nplay 1 "web": 2 hosts: a, b\nplay 2 "db": 0 hosts\n');
  });
  it('the Nodes table: kubelet before → after per node, a change highlighted, Ready and cordon after, the API servers', () => {
    const versions = (phase: 'before' | 'after', w1: string, extra: Partial<Extract<RunEvent, { type: 'nodes.versions' }>> = {}): JournalLine => ({
      kind: 'event',
      at: '2026-12-07T02:00:05.000Z',
      event: { type: 'nodes.versions', phase, rows: [{ name: 'w1', kubeletVersion: w1, ready: true, cordoned: false }, { name: HOSTILE_HOST, kubeletVersion: 'v1.36.3', ready: false, cordoned: true }], ...extra },
    });
    const lines = syntheticJournal({ hosts: 2, tasks: 2 });
    const html = renderRunReport([[...lines.slice(0, 1), versions('before', 'v1.36.3', { apiServers: [{ node: 'cp1', version: 'v1.36.3' }] }), ...lines.slice(1, -1), versions('after', 'v1.37.2', { apiServers: [{ node: 'cp1', version: 'v1.37.2' }] }), lines[lines.length - 1]!]]);
    checkBalanced(html);
    expect(html).to.contain('<section data-section="node-versions"><h2>Nodes</h2>');
    expect(html).to.contain('<tr data-node-version-row data-node="w1" data-before="v1.36.3" data-after="v1.37.2" data-changed class="changed" data-ready-after="true" data-cordoned-after="false"><td>w1</td><td>v1.36.3</td><td>→</td><td>v1.37.2</td><td>Ready</td><td>schedulable</td></tr>');
    expect(html).to.match(/<tr data-node-version-row data-node="&#60;\/script&#62;[^"]*" data-before="v1\.36\.3" data-after="v1\.36\.3" data-ready-after="false" data-cordoned-after="true">.*<td>NotReady<\/td><td>cordoned<\/td><\/tr>/);
    expect(html).to.contain('<tr data-apiserver-version-row data-node="cp1" data-before="v1.36.3" data-after="v1.37.2" data-changed class="changed"><td>cp1</td>');
    expect(html).not.to.contain('data-node-versions-error');
  });

  it('the Nodes table says plainly when the API could not be read, and that no after read is recorded', () => {
    const lines = syntheticJournal({ hosts: 1, tasks: 1 });
    const before: JournalLine = { kind: 'event', at: '2026-12-07T02:00:01.000Z', event: { type: 'nodes.versions', phase: 'before', error: 'connect ECONNREFUSED 10.0.0.1:6443 <x>' } };
    const html = renderRunReport([[lines[0]!, before, ...lines.slice(1, -1)]]);
    checkBalanced(html);
    expect(html).to.contain('<p class="error" data-node-versions-error="before">The nodes could not be read before the run: connect ECONNREFUSED 10.0.0.1:6443 &#60;x&#62;</p>');
    expect(html).to.contain('No read of the nodes after the run is recorded');
    expect(renderRunReport([lines])).not.to.contain('data-section="node-versions"');
  });
});
