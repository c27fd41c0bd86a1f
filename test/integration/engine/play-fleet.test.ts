/**
 * The playbook engine and `drydock play` against a real loopback sshd fleet with the real modules. Every
 * claim is checked on the hosts' side (files the tasks wrote, processes left behind), not by trusting the
 * engine's own report.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock, type CliResult } from '../../helpers/cli.js';
import { skipUnlessSudo, startFleet, type Fleet } from '../../helpers/fleet.js';
import { applyLimit, hostVars, loadInventory, resolvePattern } from '../../../src/inventory/index.js';
import { moduleRegistry, taskModules } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { createLiveOpener } from '../../../src/run/live-opener.js';
import { readOpenFileLimit } from '../../../src/transport/fd-budget.js';
import { SshConnectionPool } from '../../../src/transport/pool.js';
import { resolveConnectionSpec } from '../../../src/transport/resolve.js';
import { loadSshConfig } from '../../../src/transport/ssh-config.js';
import type { Connection } from '../../../src/transport/types.js';
import { systemEngineClock } from '../../../src/cli/play-setup.js';
import { localExec } from '../../../src/engine/local-exec.js';
import { planPlaybook } from '../../../src/engine/plan.js';
import { runPlaybook } from '../../../src/engine/run-playbook.js';
import { FACT_SCRIPT } from '../../../src/engine/facts.js';

describe('drydock play against a loopback fleet', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  /** The real CLI, journaling into this test's own state folder. */
  const drydock = (args: string[], interruptWhen?: string): Promise<CliResult> =>
    runDrydock(args, { stateDir: join(dir, 'state'), ...(interruptWhen ? { interruptWhen } : {}) });

  before(async () => {
    fleet = await startFleet({ hosts: 10 });
    dir = mkdtempSync(join(tmpdir(), 'drydock-play-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('runs serial batches in order, lockstep per task, with facts in one round trip and one handshake per host', async () => {
    const out = join(dir, 'order');
    execFileSync('mkdir', ['-p', out]);
    const book = join(dir, 'order.yml');
    writeFileSync(
      book,
      `
- name: Rolling
  hosts: all
  serial: [1, 3, "50%"]
  tasks:
    - name: first
      shell: "echo first {{ ansible_hostname | length > 0 }} $(date +%s%N) >> ${out}/{{ inventory_hostname }}.log; sleep 0.05"
    - name: second
      shell: "echo second {{ ansible_distribution | length > 0 }} $(date +%s%N) >> ${out}/{{ inventory_hostname }}.log"
`,
    );
    const playbook = await loadPlaybook(book, { moduleRegistry: moduleRegistry() });
    const modules = taskModules();
    const plan = await planPlaybook(
      playbook,
      modules,
      { inventory: [fleet.inventoryFile], extraVars: {}, forks: 20, cli: {} },
      {
        loadInventory: (s) => loadInventory(s),
        resolvePattern,
        applyLimit,
        hostVars: (i, h, e) => hostVars(i, h, e),
        loadSshConfig: (f) => loadSshConfig(f),
        resolveSpec: resolveConnectionSpec,
        fileExists: existsSync,
        openFileLimit: () => readOpenFileLimit(),
      },
    );
    const pool = new SshConnectionPool({ open: createLiveOpener() });
    const commands: string[] = [];
    const counting = async (spec: Parameters<typeof pool.connect>[0]): Promise<Connection> => {
      const conn = await pool.connect(spec);
      return { ...conn, name: conn.name, exec: (command, options) => (commands.push(`${spec.name}\t${command}`), conn.exec(command, options)), put: conn.put.bind(conn), get: conn.get.bind(conn), close: conn.close.bind(conn) };
    };
    try {
      const outcome = await runPlaybook(
        {
          playbook,
          playHosts: plan.playHosts,
          options: { runId: 'it', check: false, diff: false, yes: true, forks: 20, tags: [], skipTags: [], extraVars: {}, countUnreachableInMaxFail: true, statusIntervalMs: 10_000 },
        },
        {
          inventory: plan.inventory,
          modules,
          specFor: plan.resolveSpec,
          connect: counting,
          localExec: (c, o) => localExec(c, o),
          controller: { readFile: async () => Buffer.from(''), writeFile: async () => undefined, exists: async () => false, mkdirp: async () => undefined },
          clock: systemEngineClock,
          emit: () => undefined,
        },
      );
      expect(outcome.exitCode).to.equal(0);
      expect(pool.handshakes).to.equal(10);
    } finally {
      await pool.closeAll();
    }
    const factCalls = commands.filter((c) => c.endsWith(FACT_SCRIPT));
    expect(factCalls).to.have.length(10, 'one fact-gathering command per host');
    expect(new Set(factCalls.map((c) => c.split('\t')[0])).size).to.equal(10);

    // What the hosts wrote: [host, step, ns] sorted by time.
    const events = readdirSync(out).flatMap((file) =>
      readFileSync(join(out, file), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [step, factOk, ns] = line.split(' ');
          expect(factOk).to.equal('True');
          return { host: file.replace('.log', ''), step: step!, ns: BigInt(ns!) };
        }),
    );
    expect(events).to.have.length(20);
    const hostsInOrder = fleet.hosts.map((h) => h.name);
    const batches = [hostsInOrder.slice(0, 1), hostsInOrder.slice(1, 4), hostsInOrder.slice(4, 9), hostsInOrder.slice(9)];
    const time = (host: string, step: string) => events.find((e) => e.host === host && e.step === step)!.ns;
    for (const [i, batch] of batches.entries()) {
      const firstEnds = batch.map((h) => time(h, 'first'));
      const secondStarts = batch.map((h) => time(h, 'second'));
      // Lockstep: every host of the batch did `first` before any did `second`.
      expect(firstEnds.reduce((a, b) => (a > b ? a : b)) < secondStarts.reduce((a, b) => (a < b ? a : b)), `batch ${i + 1} ran in lockstep`).to.equal(true);
      const next = batches[i + 1];
      if (next) {
        const lastHere = secondStarts.reduce((a, b) => (a > b ? a : b));
        const firstNext = next.map((h) => time(h, 'first')).reduce((a, b) => (a < b ? a : b));
        expect(lastHere < firstNext, `batch ${i + 1} finished before batch ${i + 2} started`).to.equal(true);
      }
    }
  });

  it('--check leaves the hosts untouched; the real run changes them; a second run changes nothing', async () => {
    const target = join(dir, 'check');
    const book = join(dir, 'files.yml');
    writeFileSync(
      book,
      `
- hosts: node01:node02
  gather_facts: false
  tasks:
    - name: directory
      file: { path: "${target}/{{ inventory_hostname }}", state: directory }
    - name: config
      copy: { dest: "${target}/{{ inventory_hostname }}/app.conf", content: "port=8080\\n" }
    - name: line
      lineinfile: { path: "${target}/{{ inventory_hostname }}/extra.conf", line: "debug=false", create: true }
    - name: marker
      command: "touch ${target}/{{ inventory_hostname }}/ran"
      args: { creates: "${target}/{{ inventory_hostname }}/ran" }
`,
    );
    const checked = await drydock(['play', book, '-i', fleet.inventoryFile, '--check']);
    expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
    expect(existsSync(target), 'nothing created under --check').to.equal(false);
    expect(checked.stdout).to.match(/changed: \[node01\]/);

    const real = await drydock(['play', book, '-i', fleet.inventoryFile]);
    expect(real.code, real.stdout + real.stderr).to.equal(0);
    for (const host of ['node01', 'node02']) {
      expect(readFileSync(join(target, host, 'app.conf'), 'utf8')).to.equal('port=8080\n');
      expect(readFileSync(join(target, host, 'extra.conf'), 'utf8')).to.equal('debug=false\n');
      expect(existsSync(join(target, host, 'ran'))).to.equal(true);
    }
    expect(real.stdout).to.contain(`\n${'node01'.padEnd(26)} : ok=4    changed=4    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0`);

    const again = await drydock(['play', book, '-i', fleet.inventoryFile]);
    expect(again.code).to.equal(0);
    expect(again.stdout, again.stdout).to.contain(`\n${'node02'.padEnd(26)} : ok=4    changed=0    unreachable=0    failed=0 `);
  });

  it('a task that outlives its timeout fails only its host, and the remote command is ended', async () => {
    const book = join(dir, 'timeout.yml');
    const marker = join(dir, 'after-timeout');
    writeFileSync(
      book,
      `
- hosts: node03:node04:node05
  gather_facts: false
  tasks:
    - name: slow on node03
      shell: "{{ 'sleep 31.7' if inventory_hostname == 'node03' else 'true' }}"
      timeout: 2
    - name: after
      shell: "echo {{ inventory_hostname }} >> ${marker}"
`,
    );
    const started = Date.now();
    const res = await drydock(['play', book, '-i', fleet.inventoryFile]);
    expect(res.code, res.stdout + res.stderr).to.equal(2);
    expect(Date.now() - started).to.be.below(20_000);
    expect(res.stdout).to.match(/fatal: \[node03\]: FAILED! => .*exceeded its timeout of 2 seconds/);
    expect(readFileSync(marker, 'utf8').trim().split('\n').sort()).to.deep.equal(['node04', 'node05']);
    let left = '';
    try {
      left = execFileSync('pgrep', ['-f', 'sleep 31.7'], { encoding: 'utf8' });
    } catch {
      left = '';
    }
    expect(left.trim(), 'the timed-out command no longer runs on the host').to.equal('');
  });

  it('exit codes, recap, retry file, report and delegation to the controller, end to end', async () => {
    const dead = join(dir, 'dead.yaml');
    writeFileSync(dead, `all:\n  hosts:\n    deadhost:\n      ansible_host: 127.0.9.1\n      ansible_port: ${fleet.port}\n      ansible_user: ${fleet.user}\n      ansible_ssh_private_key_file: ${JSON.stringify(fleet.clientKey)}\n`);
    const book = join(dir, 'e2e.yml');
    writeFileSync(
      book,
      `
- name: End to end
  hosts: node06:node07:node08:deadhost
  gather_facts: false
  tasks:
    - name: where
      shell: "echo ${'$'}{SSH_CONNECTION:-none}"
      register: where
    - name: local
      shell: "echo ${'$'}{SSH_CONNECTION:-none}"
      delegate_to: localhost
      register: local
    - name: compare
      assert:
        that:
          - "'127.0.10.' in where.stdout"
          - "local.stdout != where.stdout"
    - name: fail one
      fail: { msg: "node07 refuses" }
      when: inventory_hostname == 'node07'
`,
    );
    const retry = join(dir, 'e2e.retry');
    const report = join(dir, 'report.json');
    const res = await drydock(['play', book, '-i', fleet.inventoryFile, '-i', dead, '--retry-file', retry, '--report', report]);
    expect(res.code, res.stdout + res.stderr).to.equal(4);
    expect(res.stdout).to.match(/fatal: \[deadhost\]: UNREACHABLE! =>/);
    expect(res.stdout).to.contain('changed: [node06 -> localhost]');
    expect(res.stdout).to.match(/fatal: \[node07\]: FAILED! => .*node07 refuses/);
    expect(res.stdout, res.stdout).to.contain(`\n${'node06'.padEnd(26)} : ok=3    changed=2    unreachable=0    failed=0    skipped=1 `);
    expect(res.stdout).to.contain(`\n${'deadhost'.padEnd(26)} : ok=0    changed=0    unreachable=1    failed=0 `);
    expect(res.stdout).to.contain(`to retry, use: --limit @${retry}`);
    expect(readFileSync(retry, 'utf8')).to.equal('deadhost\nnode07\n');
    const json = JSON.parse(readFileSync(report, 'utf8')) as { exitCode: number; plays: { tasks: { task: string; results: { host: string; status: string; ms: number }[] }[] }[] };
    expect(json.exitCode).to.equal(4);
    const failTask = json.plays[0]!.tasks.find((t) => t.task === 'fail one')!;
    expect(failTask.results.map((r) => `${r.host}=${r.status}`)).to.deep.equal(['node06=skipped', 'node07=failed', 'node08=skipped']);

    const rerun = await drydock(['play', book, '-i', fleet.inventoryFile, '-i', dead, '--limit', `@${retry}`, '--list-hosts']);
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.contain('batch 1 (2): node07, deadhost');
  });

  it('on Ctrl-C lets the running task finish, starts nothing new, prints the recap and exits 130', async () => {
    const marker = join(dir, 'interrupt');
    const book = join(dir, 'interrupt.yml');
    writeFileSync(
      book,
      `
- hosts: node01:node02:node03
  gather_facts: false
  tasks:
    - name: long
      shell: "sleep 2; echo {{ inventory_hostname }} >> ${marker}"
    - name: never started
      shell: "echo never >> ${marker}"
`,
    );
    const res = await drydock(['play', book, '-i', fleet.inventoryFile], 'TASK [long]');
    expect(res.code, res.stdout + res.stderr).to.equal(130);
    expect(res.stdout).to.contain('PLAY RECAP');
    expect(res.stdout).not.to.contain('TASK [never started]');
    expect(readFileSync(marker, 'utf8').trim().split('\n').sort()).to.deep.equal(['node01', 'node02', 'node03']);
  });

  it('become: runs the task through sudo with the password from the inventory vars, never shown', async function () {
    skipUnlessSudo(this, fleet);
    const book = join(dir, 'become.yml');
    writeFileSync(
      book,
      `
- hosts: node09
  gather_facts: false
  tasks:
    - name: as root
      command: id -u
      become: true
      register: root_id
    - name: as myself
      command: id -un
      register: me
    - assert:
        that: ["root_id.stdout == '0'", "me.stdout == '${fleet.sudoUser}'"]
`,
    );
    const log = join(dir, 'become.jsonl');
    const secret = JSON.stringify({ ansible_become_password: fleet.sudoPassword });
    const res = await drydock(['play', book, '-i', fleet.inventoryFile, '-u', fleet.sudoUser, '-e', secret, '--log-file', log]);
    expect(res.code, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout + res.stderr).not.to.contain(fleet.sudoPassword);
    expect(readFileSync(log, 'utf8')).not.to.contain(fleet.sudoPassword);
  });

  it('rejects a broken playbook before contacting any host (exit 1, every problem with file:line:col)', async () => {
    const book = join(dir, 'broken.yml');
    writeFileSync(book, `- hosts: all\n  tasks:\n    - name: bad\n      command: ls\n      retires: 3\n    - shel: echo\n`);
    const res = await drydock(['play', book, '-i', fleet.inventoryFile]);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/broken\.yml:5:7: unknown task key 'retires' \(did you mean 'retries'\?\)/);
    expect(res.stderr).to.match(/broken\.yml:6:/);
    expect(res.stdout).not.to.contain('PLAY');
  });
});
