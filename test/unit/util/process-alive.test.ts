import { expect } from 'chai';
import { processAlive, processStartTime, sameProcessAlive } from '../../../src/util/process-alive.js';

describe('process liveness', () => {
  it('this process is alive with its own start time; a pid with another start time is not the same process', () => {
    expect(processAlive(process.pid)).to.equal(true);
    expect(processAlive(0)).to.equal(false);
    const start = processStartTime(process.pid);
    expect(sameProcessAlive(process.pid, start)).to.equal(true);
    if (start !== undefined) expect(sameProcessAlive(process.pid, `${start}1`)).to.equal(false);
  });

  it('reads field 22 of /proc/PID/stat even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const stat = `42 (a b) c) ${fields.join(' ')}`;
    expect(processStartTime(42, () => stat)).to.equal('22');
    expect(processStartTime(42, () => { throw new Error('no /proc'); })).to.equal(undefined);
  });
});
