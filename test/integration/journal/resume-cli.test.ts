/**
 * `drydock resume` through the real CLI against a loopback sshd fleet: a play of three hosts in batches of
 * one is interrupted (Ctrl-C, then SIGKILL) while the second host runs a slow step; the resumed run leaves
 * the first host out, restarts the second at the step it was in, runs the third from the start, and every
 * step runs exactly once per host across the runs (each step appends a line to a file on the controller).
 * After SIGKILL the step in flight has no recorded end: resume asks first (refuses without --yes or a terminal).
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

const REPO = resolve(import.meta.dirname, '../../..');

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function drydock(args: string[], stateDir: string, onStart?: (child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', DRYDOCK_STATE_DIR: stateDir },
    });
    onStart?.(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, output }));
  });
}

describe('drydock resume through the CLI (loopback fleet)', function () {
  this.timeout(180_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.54.1' });
    dir = mkdtempSync(join(tmpdir(), 'drydock-resume-it-'));
  });
  after(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const playbook = (log: string, gate: string): string => `- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - name: prepare
      command: sh -c 'echo "prepare {{ inventory_hostname }}" >> ${log}'
      register: prepared
    - name: slow step
      command: sh -c 'echo "slow {{ inventory_hostname }}" >> ${log}; while [ -e ${gate} ] && [ "{{ inventory_hostname }}" = "{{ groups.all[1] }}" ]; do sleep 0.1; done'
    - name: finish
      command: sh -c 'echo "finish {{ inventory_hostname }} rc={{ prepared.rc }}" >> ${log}'
`;

  const linesOf = (log: string): string[] => readFileSync(log, 'utf8').trim().split('\n').sort();
  const journalOf = (state: string, runId: string) =>
    readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; interrupted?: boolean; resumes?: string });

  for (const how of ['SIGINT', 'SIGKILL'] as const) {
    it(`after ${how === 'SIGINT' ? 'Ctrl-C (twice)' : 'SIGKILL'} mid-host, resume finishes with every step once per host`, async () => {
      const state = join(dir, `state-${how}`);
      const log = join(dir, `${how}.log`);
      const gate = join(dir, `${how}.gate`);
      writeFileSync(gate, '');
      const file = join(dir, `${how}.yaml`);
      writeFileSync(file, playbook(log, gate));
      const hosts = fleet.hosts.map((h) => h.name);
      const first = await drydock(['play', file, '-i', fleet.inventoryFile], state, (child) => {
        const poll = setInterval(() => {
          if (!existsSync(log) || !readFileSync(log, 'utf8').includes(`slow ${hosts[1]}`)) return;
          clearInterval(poll);
          if (how === 'SIGKILL') child.kill('SIGKILL');
          else {
            // The first Ctrl-C lets the running command finish (it would not: the gate holds it); the second ends it.
            child.kill('SIGINT');
            setTimeout(() => child.kill('SIGINT'), 500);
          }
        }, 50);
        child.on('close', () => clearInterval(poll));
      });
      const runA = /run id: ([0-9a-f-]{36})/.exec(first.output)?.[1];
      expect(runA, first.output).to.be.a('string');
      if (how === 'SIGKILL') expect(first.signal).to.equal('SIGKILL');
      else {
        expect(first.code, first.output).to.equal(130);
        expect(journalOf(state, runA!).at(-1)).to.include({ kind: 'end', interrupted: true });
      }
      rmSync(gate);

      if (how === 'SIGKILL') {
        // The step in flight when the controller died has no recorded end: resume names it and, without a
        // terminal to ask on, refuses to run it again without --yes.
        const refused = await drydock(['resume', runA!], state);
        expect(refused.code, refused.output).to.equal(64);
        expect(refused.output).to.contain(`${hosts[1]}: task "slow step"`);
        expect(readdirSync(join(state, 'runs')).filter((f) => f.endsWith('.jsonl'))).to.have.length(1);
      }
      const resumed = await drydock(['resume', runA!, ...(how === 'SIGKILL' ? ['--yes'] : [])], state);
      expect(resumed.code, resumed.output).to.equal(0);
      expect(resumed.output).to.contain(`done, left out: ${hosts[0]}`);
      expect(resumed.output).to.match(new RegExp(`${hosts[1]}: 1 task\\(s\\) done \\(not run again\\); (interrupted|failed) at task "slow step"`));
      const runB = /run id: ([0-9a-f-]{36})/.exec(resumed.output)?.[1];
      expect(journalOf(state, runB!)[0]).to.include({ kind: 'header', resumes: runA });

      // The host that was in `slow step` runs it again (it never finished); nothing else runs twice, and
      // `finish` still sees the registered result of the `prepare` done in the first run.
      const expected = hosts.flatMap((h) => [`prepare ${h}`, `slow ${h}`, `finish ${h} rc=0`]);
      expected.push(`slow ${hosts[1]}`);
      expect(linesOf(log)).to.deep.equal(expected.sort());
      expect(readdirSync(join(state, 'runs')).filter((f) => f.endsWith('.jsonl'))).to.have.length(2);
    });
  }
});
