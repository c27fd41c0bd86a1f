/**
 * The run journal of a real `drydock play` against a one-host loopback fleet: a finished run is listed by
 * `drydock runs` with its outcome, a run killed with SIGKILL (no chance to write its final line) reads as
 * interrupted, and every line on disk was complete when the process died.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

const REPO = resolve(import.meta.dirname, '../../..');

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function drydock(args: string[], stateDir: string, onStart?: (child: ChildProcess) => void): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', DRYDOCK_STATE_DIR: stateDir },
    });
    onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

interface ListedRun {
  id: string;
  outcome: string;
  exitCode: number | null;
  hostsDone: number | null;
  hostsFailed: number | null;
  command: string;
}

describe('run journal of drydock play', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 1, firstAddress: '127.0.53.1' });
    dir = mkdtempSync(join(tmpdir(), 'drydock-journal-it-'));
    writeFileSync(join(dir, 'quick.yaml'), `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: say hello\n      command: echo hello\n`);
    writeFileSync(
      join(dir, 'slow.yaml'),
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: first\n      command: echo first\n    - name: long maintenance\n      command: sleep 8\n`,
    );
  });

  after(async () => {
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records a finished run; drydock runs --json lists it as ok with its host counts', async () => {
    const state = join(dir, 'state-ok');
    const run = await drydock(['play', join(dir, 'quick.yaml'), '-i', fleet.inventoryFile, '-e', 'db_password=hunter2'], state);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const runId = /run id: ([0-9a-f-]{36})/.exec(run.stdout)?.[1];
    expect(runId, run.stdout).to.be.a('string');

    const listed = await drydock(['runs', '--json'], state);
    expect(listed.code, listed.stderr).to.equal(0);
    const runs = JSON.parse(listed.stdout) as ListedRun[];
    expect(runs).to.have.length(1);
    expect(runs[0]).to.include({ id: runId, outcome: 'ok', exitCode: 0, hostsDone: 1, hostsFailed: 0 });
    expect(runs[0]!.command).to.contain('quick.yaml').and.contain('db_password=[REDACTED]').and.not.contain('hunter2');

    const lines = readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; event?: { type: string } });
    expect(lines[0]!.kind).to.equal('header');
    expect(lines.at(-1)!.kind).to.equal('end');
    expect(lines.some((l) => l.event?.type === 'task.result')).to.equal(true);
  });

  it('a run killed with SIGKILL mid-run is listed as interrupted, its journal intact up to the kill', async () => {
    const state = join(dir, 'state-killed');
    const journalDir = join(state, 'runs');
    const journalText = (): string => {
      if (!existsSync(journalDir)) return '';
      const [file] = readdirSync(journalDir);
      return file ? readFileSync(join(journalDir, file), 'utf8') : '';
    };
    const run = await drydock(['play', join(dir, 'slow.yaml'), '-i', fleet.inventoryFile], state, (child) => {
      const poll = setInterval(() => {
        if (journalText().includes('"name":"long maintenance"')) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 50);
      child.on('close', () => clearInterval(poll));
    });
    expect(run.signal, run.stdout + run.stderr).to.equal('SIGKILL');
    const text = journalText();
    expect(text.endsWith('\n'), 'every line was complete when the process died').to.equal(true);
    const kinds = text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds[0]).to.equal('header');
    expect(kinds).not.to.include('end');

    const listed = await drydock(['runs', '--json'], state);
    const runs = JSON.parse(listed.stdout) as ListedRun[];
    expect(runs.map((r) => r.outcome)).to.deep.equal(['interrupted']);
    const table = await drydock(['runs'], state);
    expect(table.stdout).to.match(/interrupted\s+-\s+drydock play .*slow\.yaml/);
  });
});
