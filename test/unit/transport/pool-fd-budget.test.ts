import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { checkFdBudget, fdsNeeded, parseOpenFileLimit, readOpenFileLimit } from '../../../src/transport/fd-budget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('fd budget', () => {
  it('parses the Max open files row of /proc/self/limits', () => {
    expect(parseOpenFileLimit(LIMITS)).to.deep.equal({ soft: 1024, hard: 524288 });
    expect(parseOpenFileLimit('Max open files  unlimited  unlimited  files')).to.deep.equal({ soft: null, hard: null });
    expect(parseOpenFileLimit('nothing here')).to.equal(null);
  });

  it('reads a limits file and treats an unreadable one as unknown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-'));
    writeFileSync(join(dir, 'limits'), LIMITS);
    expect(readOpenFileLimit(join(dir, 'limits'))).to.deep.equal({ soft: 1024, hard: 524288 });
    expect(readOpenFileLimit(join(dir, 'missing'))).to.equal(null);
    expect(readOpenFileLimit()?.soft).to.be.a('number');
  });

  it('counts two descriptors per concurrent host plus bastions and a fixed margin', () => {
    expect(fdsNeeded({ concurrentHosts: 100, bastions: 2 })).to.equal(100 * 2 + 2 + 64);
  });

  it('accepts a plan within the soft limit, and any plan when the limit is unknown or unlimited', () => {
    checkFdBudget({ concurrentHosts: 400, bastions: 0 }, { soft: 1024, hard: 4096 });
    checkFdBudget({ concurrentHosts: 10_000, bastions: 0 }, null);
    checkFdBudget({ concurrentHosts: 10_000, bastions: 0 }, { soft: null, hard: null });
  });

  it('refuses a plan over the limit, naming ulimit -n and the largest workable --forks', () => {
    const err = (() => {
      try {
        checkFdBudget({ concurrentHosts: 600, bastions: 0 }, { soft: 1024, hard: 4096 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).to.contain('ulimit -n 1264').and.contain('limit (ulimit -n) is 1024').and.contain('--forks to 480');
  });

  it('says raising needs root when the hard limit is too low', () => {
    expect(() => checkFdBudget({ concurrentHosts: 600, bastions: 0 }, { soft: 1024, hard: 1024 })).to.throw(ConfigError, /hard limit is 1024/);
  });
});
