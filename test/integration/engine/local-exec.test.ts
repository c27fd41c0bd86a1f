/** Controller commands (delegate_to: localhost) under the Connection.exec contract, with real processes. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { CommandTimeoutError } from '../../../src/errors.js';
import { localExec } from '../../../src/engine/local-exec.js';

describe('engine: localExec (commands on the controller)', function () {
  this.timeout(20_000);

  it('returns status and output; a non-zero exit is a result, not an error', async () => {
    const res = await localExec('echo out; echo err >&2; exit 3');
    expect(res).to.include({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false });
  });

  it('passes stdin and the environment', async () => {
    const res = await localExec('read line; echo "$line/$DRYDOCK_TEST_VAR"', { stdin: 'from-stdin\n', env: { DRYDOCK_TEST_VAR: 'env-value' } });
    expect(res.stdout).to.equal('from-stdin/env-value\n');
  });

  it('keeps only the tail of large output', async () => {
    const res = await localExec('seq 1 20000', { maxOutputBytes: 100 });
    expect(res.truncated).to.equal(true);
    expect(res.stdout.length).to.be.at.most(100);
    expect(res.stdout.endsWith('20000\n')).to.equal(true);
    expect(res.stdoutBytes).to.be.greaterThan(100_000);
  });

  it('a timeout ends the whole process group and rejects with CommandTimeoutError', async () => {
    const started = Date.now();
    const err = await localExec('sleep 41.3 & sleep 41.3; wait', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandTimeoutError);
    expect(Date.now() - started).to.be.below(5000);
    let left = '';
    try {
      left = execFileSync('pgrep', ['-f', 'sleep 41.3'], { encoding: 'utf8' });
    } catch {
      left = '';
    }
    expect(left.trim()).to.equal('');
  });

  it('an abort signal ends the command like a timeout', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await localExec('sleep 30', { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandTimeoutError);
  });
});
