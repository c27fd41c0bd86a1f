import { expect } from 'chai';
import type { HostResult, RunEvent } from '../../../src/events/events.js';
import { emptyCounters } from '../../../src/events/recap.js';
import { HumanRenderer, formatHostBlock, formatStatusLine, tailLines } from '../../../src/events/tty.js';

class Capture {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(s: string): void {
    this.text += s;
  }
}

const changed: HostResult = { host: 'web1', task: 'uptime', status: 'changed', rc: 0, stdout: ' 10:00 up 3 days\n', stderr: '' };

describe('human renderer', () => {
  it('status line names up to five hosts and counts the rest', () => {
    expect(formatStatusLine(['a', 'b'])).to.equal('still running on: a, b');
    expect(formatStatusLine(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).to.equal('still running on: a, b, c, d, e (+2 more)');
  });

  it("prints Ansible's ad hoc blocks for changed, failed, timed out and unreachable hosts", () => {
    expect(formatHostBlock(changed)).to.equal('web1 | CHANGED | rc=0 >>\n 10:00 up 3 days\n');
    const failed: HostResult = { host: 'db1', task: 'ls /x', status: 'failed', rc: 2, stdout: '', stderr: 'ls: cannot access /x\n', msg: 'non-zero return code 2' };
    expect(formatHostBlock(failed)).to.equal('db1 | FAILED | rc=2 >>\nls: cannot access /x\n');
    const timedOut: HostResult = { host: 'db2', task: 'sleep 9', status: 'failed', rc: null, timedOut: true, msg: 'command timed out after 1s' };
    expect(formatHostBlock(timedOut)).to.equal('db2 | FAILED | command timed out after 1s >>\n');
    const dark: HostResult = { host: 'db3', task: 'x', status: 'unreachable', phase: 'tcp', msg: 'connect ECONNREFUSED 127.0.0.1:1' };
    expect(formatHostBlock(dark)).to.equal('db3 | UNREACHABLE! (tcp) => connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('shows only the stderr tail of a failed host', () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const block = formatHostBlock({ host: 'h', task: 'x', status: 'failed', rc: 1, stderr }, false, 3);
    expect(block).to.equal('h | FAILED | rc=1 >>\nline 27\nline 28\nline 29\n');
    expect(tailLines('a\nb\nc\n\n', 2)).to.equal('b\nc');
  });

  it('off a terminal, prints each status event as a plain line', () => {
    const out = new Capture(false);
    const r = new HumanRenderer({ out, color: false, hostBlocks: true });
    r.handle({ type: 'status', waitingOn: ['a', 'b'], task: 'uptime', elapsedMs: 10_000 });
    r.handle({ type: 'host.result', result: changed });
    expect(out.text).to.equal('still running on: a, b\nweb1 | CHANGED | rc=0 >>\n 10:00 up 3 days\n');
  });

  it('on a terminal, redraws one status line and clears it before printing results and the recap', () => {
    const out = new Capture(true, 40);
    const r = new HumanRenderer({ out, color: false, hostBlocks: true });
    const events: RunEvent[] = [
      { type: 'status', waitingOn: ['alpha', 'beta'], task: 'uptime', elapsedMs: 2000 },
      { type: 'status', waitingOn: ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'], task: 'uptime', elapsedMs: 3000 },
      { type: 'host.result', result: changed },
      { type: 'recap', stats: { web1: { ...emptyCounters(), ok: 1, changed: 1 } } },
    ];
    events.forEach((e) => r.handle(e));
    const parts = out.text.split('\r\x1b[2K');
    expect(parts[1]).to.equal('[2s] still running on: alpha, beta');
    expect(parts[2]).to.have.length(39).and.match(/^\[3s\] still running on: alpha.*…$/);
    expect(parts[3]).to.equal('web1 | CHANGED | rc=0 >>\n 10:00 up 3 days\n\nPLAY RECAP ' + '*'.repeat(69) + '\n' +
      'web1                       : ok=1    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\n');
  });

  it('treats a terminal that reports 0 columns as 80 wide', () => {
    const out = new Capture(true, 0);
    new HumanRenderer({ out, color: false, hostBlocks: true }).handle({ type: 'status', waitingOn: ['alpha', 'beta'], task: 'x', elapsedMs: 0 });
    expect(out.text).to.equal('\r\x1b[2K[0s] still running on: alpha, beta');
  });

  it('with --json keeps per-host blocks off the human stream', () => {
    const out = new Capture(false);
    const r = new HumanRenderer({ out, color: false, hostBlocks: false });
    r.handle({ type: 'host.result', result: changed });
    r.handle({ type: 'warning', message: 'No hosts matched, nothing to do' });
    expect(out.text).to.equal('[WARNING]: No hosts matched, nothing to do\n');
  });
});
