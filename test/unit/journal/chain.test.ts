import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { parseJournalLines, readJournalChain } from '../../../src/journal/chain.js';

const header = (runId: string, resumes?: string): string =>
  JSON.stringify({ kind: 'header', format: 1, runId, command: 'drydock play x', cwd: '/', started: '2026-12-07T02:00:00.000Z', version: '0', host: 'h', pid: 1, ...(resumes ? { resumes } : {}) });

function files(map: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = map[path.replace(/^.*\//, '')];
    if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return text;
  };
}

describe('journal: reading a run and the runs it resumes', () => {
  it('follows resumes back to the first run, oldest first', () => {
    const read = files({ 'c.jsonl': `${header('c', 'b')}\n`, 'b.jsonl': `${header('b', 'a')}\n`, 'a.jsonl': `${header('a')}\n` });
    const chain = readJournalChain('c', '/state', read);
    expect(chain.map((lines) => (lines[0]!.kind === 'header' ? lines[0]!.runId : '?'))).to.deep.equal(['a', 'b', 'c']);
  });

  it('refuses a loop, a missing journal and a file that is not a journal, each by name', () => {
    expect(() => readJournalChain('a', '/state', files({ 'a.jsonl': `${header('a', 'b')}\n`, 'b.jsonl': `${header('b', 'a')}\n` }))).to.throw(UsageError, /resume each other in a loop/);
    expect(() => readJournalChain('x', '/state', files({}))).to.throw(UsageError, /no journal for run x/);
    expect(() => readJournalChain('a', '/state', files({ 'a.jsonl': '{"kind":"event"}\n' }))).to.throw(UsageError, /not a drydock run journal/);
    expect(() => readJournalChain('../etc/passwd', '/state', files({}))).to.throw(UsageError, /not a run id/);
  });

  it('keeps complete lines only: a torn last line (a crash mid-write) is left out', () => {
    const lines = parseJournalLines(`${header('a')}\n{"kind":"event","at":"x","event":{"type":"warning","message":"m"}}\n{"kind":"ev`);
    expect(lines.map((l) => l.kind)).to.deep.equal(['header', 'event']);
  });
});
