/**
 * `drydock play` as a function: the listing modes, --json, the retry file and exit codes, with playbooks
 * that only use controller-side modules (debug, fail), so no host is ever contacted.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import type { RunPlanPorts } from '../../../src/run/plan.js';
import { playCommand } from '../../../src/cli/commands/play.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';
import { captureStreams as capture, playOptions as options } from '../../helpers/play-options.js';

const ports: RunPlanPorts = offlinePlanPorts();

describe('drydock play (command function)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-playcmd-'));
  const book = join(dir, 'site.yml');
  writeFileSync(
    book,
    `
- name: Greet
  hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: hello
      debug: { msg: "hello {{ inventory_hostname }}" }
      tags: [greet]
    - name: refuse beta
      fail: { msg: "beta says no" }
      when: inventory_hostname == 'beta'
`,
  );

  it('--syntax-check and --list-tasks need no inventory and contact nothing', async () => {
    const a = capture();
    expect(await playCommand(book, options({ syntaxCheck: true, inventory: [] }), a.streams, ports)).to.equal(0);
    expect(a.out.stdout).to.contain(`playbook: ${book}`);
    const b = capture();
    expect(await playCommand(book, options({ listTasks: true, tags: ['greet'] }), b.streams, ports)).to.equal(0);
    expect(b.out.stdout).to.contain('hello\tTAGS: [greet]');
    expect(b.out.stdout).not.to.contain('refuse beta');
  });

  it('a playbook error is a ConfigError before anything runs', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, '- hosts: all\n  tasks:\n    - debug: { msg: x }\n      regsiter: y\n');
    const err = await playCommand(bad, options(), capture().streams, ports).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues[0]!.line).to.equal(4);
  });

  it('--list-hosts prints the batches', async () => {
    const c = capture();
    expect(await playCommand(book, options({ listHosts: true }), c.streams, ports)).to.equal(0);
    expect(c.out.stdout).to.contain('batch 1 (1): alpha\n');
    expect(c.out.stdout).to.contain('batch 2 (1): beta\n');
  });

  it('--json puts the report alone on stdout; the retry file lists the failed host; exit 2', async () => {
    const c = capture();
    const retry = join(dir, 'site.retry');
    const code = await playCommand(book, options({ json: true, retryFiles: true }), c.streams, ports);
    expect(code).to.equal(2);
    const report = JSON.parse(c.out.stdout) as { exitCode: number; failedHosts: string[]; plays: { tasks: { task: string; results: { host: string; status: string }[] }[] }[] };
    expect(report.exitCode).to.equal(2);
    expect(report.failedHosts).to.deep.equal(['beta']);
    expect(report.plays[0]!.tasks.map((t) => `${t.task}:${t.results.map((r) => `${r.host}=${r.status}`).join(',')}`)).to.deep.equal([
      'hello:alpha=ok',
      'refuse beta:alpha=skipped',
      'hello:beta=ok',
      'refuse beta:beta=failed',
    ]);
    expect(c.out.stderr).to.contain('ok: [alpha] => {\n    "msg": "hello alpha"\n}');
    expect(c.out.stderr).to.contain('PLAY RECAP');
    expect(c.out.stderr).to.contain(`to retry, use: --limit @${retry}`);
    expect(readFileSync(retry, 'utf8')).to.equal('beta\n');
  });

  it('writes no retry file when every host succeeded', async () => {
    const ok = join(dir, 'ok.yml');
    writeFileSync(ok, '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: fine }\n');
    const c = capture();
    expect(await playCommand(ok, options({ retryFiles: true }), c.streams, ports)).to.equal(0);
    expect(existsSync(join(dir, 'ok.retry'))).to.equal(false);
    expect(c.out.stdout).not.to.contain('to retry');
  });

  it('reads group_vars/ and host_vars/ beside the playbook (Ansible: playbook group_vars above the inventory\'s)', async () => {
    const pbDir = mkdtempSync(join(tmpdir(), 'drydock-pbvars-'));
    mkdirSync(join(pbDir, 'group_vars'));
    mkdirSync(join(pbDir, 'host_vars'));
    writeFileSync(join(pbDir, 'group_vars', 'all.yml'), 'greeting: from playbook group_vars\nescape_pods: 2\n');
    writeFileSync(join(pbDir, 'host_vars', 'beta.yml'), 'greeting: from playbook host_vars\n');
    const pb = join(pbDir, 'site.yml');
    writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: "{{ greeting | default(\'unset\') }} {{ escape_pods == 2 }}" }\n');
    const c = capture();
    expect(await playCommand(pb, options(), c.streams, ports)).to.equal(0);
    expect(c.out.stdout).to.contain('ok: [alpha] => {\n    "msg": "from playbook group_vars True"\n}');
    expect(c.out.stdout).to.contain('ok: [beta] => {\n    "msg": "from playbook host_vars True"\n}');
  });
});
