/**
 * The run report from a real run: `drydock play --html` against the loopback sshd fleet and the API simulator
 * (a drain a PodDisruptionBudget holds until it times out), then `drydock report RUN_ID -o` from the journal.
 * The file is read back: its JSON blob (hosts, tasks, results, the blocked drain, the failed host, the node
 * states, every node's versions before and after), its mode, and that neither the no_log output nor the secret
 * extra var is anywhere in it.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../../src/lab/apiserver/index.js';
import type { ReportData } from '../../../src/report/model.js';
import { REPO_ROOT, runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

function blob(html: string): ReportData {
  const m = /<script type="application\/json" id="drydock-report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data blob in the report');
  return JSON.parse(m[1]!) as ReportData;
}

describe('drydock play --html and drydock report', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let server: ApiServer;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.66.1' });
    server = await startApiServer({ seed: join(REPO_ROOT, 'test/fixtures/apiserver/drain-pdb-blocked.yaml') });
    dir = mkdtempSync(join(tmpdir(), 'drydock-report-'));
  });
  after(async () => {
    await fleet?.stop();
    await server?.stop();
  });

  it('writes a self-contained report of the run, and drydock report writes the same from the journal', async () => {
    const [h1, h2] = fleet.hosts;
    const nodes = join(dir, 'nodes.yaml');
    writeFileSync(nodes, `all:\n  hosts:\n    ${h2!.name}: { node_name: node-1 }\n`);
    const playbook = join(dir, 'site.yaml');
    writeFileSync(
      playbook,
      `- name: maintenance
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: say hello
      command: echo hello {{ inventory_hostname }}
    - name: secret step
      command: echo TOPSECRET-4242 {{ db_password }}
      no_log: true
    - name: drain the node
      kube_drain: { timeout: 4 }
      when: inventory_hostname == '${h2!.name}'
    - name: after
      command: "true"
`,
    );
    const stateDir = join(dir, 'state');
    const html = join(dir, 'run.html');
    const env = { KUBECONFIG: '', DRYDOCK_STATE_DIR: stateDir };
    const ran = await runDrydock(['play', playbook, '-i', fleet.inventoryFile, '-i', nodes, '--kubeconfig', server.kubeconfigPath, '-e', 'db_password=hunter2', '--html', html], { env });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(2);
    const runId = /run id: (\S+)/.exec(ran.stdout)?.[1];
    expect(runId, ran.stdout).to.be.a('string');

    const page = readFileSync(html, 'utf8');
    expect(statSync(html).mode & 0o777).to.equal(0o600);
    expect(page).not.to.contain('TOPSECRET-4242');
    expect(page).not.to.contain('hunter2');
    expect(page).not.to.match(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);

    const data = blob(page);
    expect(data.runId).to.equal(runId);
    expect(data.hosts).to.deep.equal([h1!.name, h2!.name]);
    expect(data.tasks.map((t) => [t.name, t.mark])).to.deep.equal([
      ['say hello', null],
      ['secret step', null],
      ['drain the node', 'drain'],
      ['after', null],
    ]);
    const outcome = (host: string, task: string): string | undefined =>
      data.results.find((r) => data.hosts[r.host] === host && data.tasks[r.task]!.name === task)?.status;
    expect(outcome(h1!.name, 'say hello')).to.equal('changed');
    expect(outcome(h1!.name, 'drain the node')).to.equal('skipped');
    expect(outcome(h1!.name, 'after')).to.equal('changed');
    expect(outcome(h2!.name, 'drain the node')).to.equal('failed');
    expect(outcome(h2!.name, 'after')).to.equal(undefined);
    const hello = data.results.find((r) => data.hosts[r.host] === h1!.name && data.tasks[r.task]!.name === 'say hello')!;
    expect(data.outputs[hello.out!]).to.contain(`hello ${h1!.name}`);
    expect(data.batches.map((b) => b.hosts.map((h) => data.hosts[h]))).to.deep.equal([[h1!.name], [h2!.name]]);
    expect(data.failed.map((f) => [f.host, f.task, f.status])).to.deep.equal([[h2!.name, 'drain the node', 'failed']]);
    expect(data.drains).to.have.length(1);
    const drain = data.drains[0]!;
    expect(drain).to.include({ node: 'node-1', ok: false });
    expect(drain.blockedMs, "blocked from the first refusal to the 4 s timeout").to.be.above(1000);
    expect(drain.blockers[0]).to.include({ pod: 'default/db-0' });
    expect(drain.blockers[0]!.pdbs).to.deep.equal(['default/db-pdb']);
    expect(data.nodes?.find((n) => n.name === 'node-1')).to.include({ cordoned: true });
    // Every node's versions read before and after the kube_* run, through the run's cluster access.
    expect(data.nodeVersions).to.include({ hasBefore: true, hasAfter: true, beforeError: null, afterError: null });
    expect(data.nodeVersions!.nodes.map((n) => [n.name, n.cordoned, n.changed, n.before !== null && n.before === n.after])).to.deep.equal([
      ['node-1', true, false, true],
      ['node-2', true, false, true],
    ]);
    expect(page).to.match(/<tr data-node-version-row data-node="node-1" data-before="[^"]+" data-after="[^"]+" data-ready-after="(true|false)" data-cordoned-after="true">/);
    expect(data.runs[0]).to.include({ exitCode: 2, outcome: 'failed' });
    expect(data.runs[0]!.user).to.be.a('string');
    expect(data.runs[0]!.command).to.contain('db_password=[REDACTED]');
    expect(data.plans[0]).to.contain(`play 1 "maintenance": 2 hosts: ${h1!.name}, ${h2!.name}`);

    const again = join(dir, 'again.html');
    const reported = await runDrydock(['report', runId!, '-o', again], { env });
    expect(reported.code, reported.stderr).to.equal(0);
    expect(blob(readFileSync(again, 'utf8'))).to.deep.equal(data);

    const missing = await runDrydock(['report', 'no-such-run', '-o', join(dir, 'x.html')], { env });
    expect(missing.code).to.equal(64);
    expect(missing.stderr).to.contain('no journal for run no-such-run');
  });

  it('drydock run --html: one "command" task, each host\'s result and output', async () => {
    const html = join(dir, 'adhoc.html');
    const ran = await runDrydock(['run', 'all', '-i', fleet.inventoryFile, '--html', html, '--', 'echo adhoc-$(hostname); exit 3'], { env: { DRYDOCK_STATE_DIR: join(dir, 'state-run') } });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(2);
    const data = blob(readFileSync(html, 'utf8'));
    expect(data.hosts.slice().sort()).to.deep.equal(fleet.hosts.map((h) => h.name).sort());
    expect(data.tasks).to.have.length(1);
    expect(data.results.map((r) => r.status)).to.deep.equal(['failed', 'failed']);
    expect(data.outputs.every((o) => o.includes('adhoc-') && o.includes('rc: 3'))).to.equal(true);
  });
});
