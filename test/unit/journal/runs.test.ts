import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRuns, outcomeOf } from '../../../src/journal/runs.js';
import { formatRunsTable } from '../../../src/cli/commands/runs.js';

function header(runId: string, started: string, pid = 999_999): string {
  return JSON.stringify({ kind: 'header', format: 1, runId, command: `drydock play ${runId}.yml`, cwd: '/', started, version: '0.1.0', host: hostname(), pid });
}
const event = JSON.stringify({ kind: 'event', at: 'x', event: { type: 'warning', message: 'w' } });
function end(exitCode: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ kind: 'end', ended: 'e', exitCode, interrupted: false, ...extra });
}

describe('listing runs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-runs-'));
    mkdirSync(join(dir, 'runs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (id: string, lines: string[], trailing = '\n'): void => writeFileSync(join(dir, 'runs', `${id}.jsonl`), lines.join('\n') + trailing);

  it('lists newest first with outcome, exit code and host counts', () => {
    write('old', [header('old', '2026-11-20T10:00:00Z'), event, end(2, { hosts: { done: 4, failed: 1 } })]);
    write('new', [header('new', '2026-11-25T10:00:00Z'), event, end(0, { hosts: { done: 5, failed: 0 } })]);
    write('mid', [header('mid', '2026-11-22T10:00:00Z'), end(4)]);
    const runs = listRuns({ stateDir: dir });
    expect(runs.map((r) => [r.id, r.outcome, r.exitCode])).to.deep.equal([['new', 'ok', 0], ['mid', 'unreachable', 4], ['old', 'failed', 2]]);
    expect(runs[0]).to.include({ command: 'drydock play new.yml', started: '2026-11-25T10:00:00Z', hostsDone: 5, hostsFailed: 0 });
    expect(listRuns({ stateDir: dir, limit: 2 }).map((r) => r.id)).to.deep.equal(['new', 'mid']);
  });

  it('a journal without a final line is interrupted, even when its last line was cut off mid-write', () => {
    write('killed', [header('killed', '2026-11-25T10:00:00Z'), event]);
    write('torn', [header('torn', '2026-11-25T09:00:00Z'), event, '{"kind":"end","exitC'], '');
    const runs = listRuns({ stateDir: dir, isAlive: () => false });
    expect(runs.map((r) => [r.id, r.outcome, r.exitCode, r.hostsDone])).to.deep.equal([['killed', 'interrupted', null, null], ['torn', 'interrupted', null, null]]);
  });

  it('a journal without a final line whose process still runs on this machine is running', () => {
    write('live', [header('live', '2026-11-25T10:00:00Z', 4242), event]);
    expect(listRuns({ stateDir: dir, isAlive: (pid) => pid === 4242 })[0]!.outcome).to.equal('running');
  });

  it('no runs folder means no runs', () => {
    expect(listRuns({ stateDir: join(dir, 'nothing') })).to.deep.equal([]);
  });

  it('outcome: interrupted wins over the exit code', () => {
    expect(outcomeOf({ exitCode: 0, interrupted: true })).to.equal('interrupted');
    expect(outcomeOf({ exitCode: 130, interrupted: false })).to.equal('interrupted');
    expect(outcomeOf({ exitCode: 8, interrupted: false })).to.equal('failed');
  });

  it('a journal whose end line names a write failure is journal-incomplete, with the reason', () => {
    write('full', [header('full', '2026-11-25T10:00:00Z'), event, '{"kind":"event","at":"x","ev', JSON.stringify({ kind: 'end', ended: 'e', exitCode: 74, interrupted: true, journalError: 'ENOSPC: no space left on device, write' })]);
    const [run] = listRuns({ stateDir: dir, isAlive: () => false });
    expect(run).to.include({ outcome: 'journal-incomplete', exitCode: 74, journalError: 'ENOSPC: no space left on device, write' });
  });

  it('prints a table with aligned columns', () => {
    write('a', [header('a', '2026-11-25T10:00:00Z'), end(0, { hosts: { done: 2, failed: 0 } })]);
    write('b', [header('b', '2026-11-24T10:00:00Z')]);
    const table = formatRunsTable(listRuns({ stateDir: dir, isAlive: () => false }));
    expect(table.split('\n')[0]).to.match(/^RUN ID\s+STARTED\s+OUTCOME\s+HOSTS\s+COMMAND$/);
    expect(table).to.contain('2 ok, 0 failed').and.contain('interrupted').and.contain('drydock play a.yml');
  });
});
