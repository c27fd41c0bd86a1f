import { expect } from 'chai';
import type { HostResult, RecapStats } from '../../../src/events/events.js';
import { banner, emptyCounters, formatRecap, formatRecapLine, recapExitCode, tally } from '../../../src/events/recap.js';

const result = (host: string, status: HostResult['status']): HostResult => ({ host, task: 'uptime', status });

describe('PLAY RECAP', () => {
  it("matches Ansible's uncoloured layout byte for byte", () => {
    const stats: RecapStats = {
      web2: { ...emptyCounters(), ok: 1, changed: 1 },
      db1: { ...emptyCounters(), unreachable: 1 },
      'web10.example.com': { ...emptyCounters(), failed: 1 },
    };
    const golden =
      '\n' +
      'PLAY RECAP *********************************************************************\n' +
      'db1                        : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   \n' +
      'web10.example.com          : ok=0    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   \n' +
      'web2                       : ok=1    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n' +
      '\n';
    expect(formatRecap(stats)).to.equal(golden);
  });

  it('pads the banner to 80 columns with at least three stars', () => {
    expect(banner('PLAY RECAP')).to.have.length(80);
    expect(banner('x'.repeat(100))).to.equal(`${'x'.repeat(100)} ***`);
  });

  it('keeps long host names whole and widens counters past four digits', () => {
    const line = formatRecapLine('a-very-long-host-name-over-26.example.com', { ...emptyCounters(), ok: 12345 });
    expect(line.startsWith('a-very-long-host-name-over-26.example.com : ok=12345 changed=0   ')).to.equal(true);
  });

  it('colours the host red for failures, yellow for changes, green otherwise, padding coloured names to 37', () => {
    const red = formatRecapLine('h', { ...emptyCounters(), failed: 1 }, true);
    expect(red.startsWith(`${'\x1b[0;31mh\x1b[0m'.padEnd(37)} : `)).to.equal(true);
    expect(red).to.contain('\x1b[0;31mfailed=1   \x1b[0m');
    expect(formatRecapLine('h', { ...emptyCounters(), ok: 1, changed: 1 }, true)).to.match(/^\x1b\[0;33mh/);
    expect(formatRecapLine('h', { ...emptyCounters(), ok: 1 }, true)).to.match(/^\x1b\[0;32mh/);
  });

  it('tallies changed as ok+changed, as Ansible does', () => {
    const stats: RecapStats = {};
    tally(stats, result('a', 'changed'));
    tally(stats, result('b', 'failed'));
    tally(stats, result('c', 'unreachable'));
    tally(stats, result('d', 'skipped'));
    expect(stats.a).to.include({ ok: 1, changed: 1, failed: 0 });
    expect(stats.b).to.include({ ok: 0, failed: 1 });
    expect(stats.c).to.include({ ok: 0, unreachable: 1 });
    expect(stats.d).to.include({ ok: 0, skipped: 1 });
  });

  it('tallies an ignored failure as ok+ignored but a rescued one under rescued only, as Ansible does', () => {
    const stats: RecapStats = {};
    tally(stats, result('a', 'ignored'));
    tally(stats, result('b', 'rescued'));
    tally(stats, result('b', 'ok'));
    expect(stats.a).to.include({ ok: 1, ignored: 1, failed: 0 });
    expect(stats.b).to.include({ ok: 1, rescued: 1, failed: 0 });
  });

  it('exit code: 0 all fine, 2 failed, 4 unreachable even when others failed', () => {
    const stats = (...statuses: HostResult['status'][]): RecapStats => {
      const s: RecapStats = {};
      statuses.forEach((st, i) => tally(s, result(`h${i}`, st)));
      return s;
    };
    expect(recapExitCode(stats('changed', 'ok', 'skipped'))).to.equal(0);
    expect(recapExitCode(stats('changed', 'failed'))).to.equal(2);
    expect(recapExitCode(stats('changed', 'unreachable'))).to.equal(4);
    expect(recapExitCode(stats('failed', 'unreachable'))).to.equal(4);
    expect(recapExitCode({})).to.equal(0);
  });
});
