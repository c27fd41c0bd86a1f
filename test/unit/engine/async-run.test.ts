import { expect } from 'chai';
import { asyncJob } from '../../../src/engine/async-run.js';
import { parseStatus } from '../../../src/modules/async-job.js';
import { fakeContext, execResult } from '../modules/fake-context.js';

/** A module that runs its one command, as command/shell do. */
async function runOne(ctx: ReturnType<typeof fakeContext>, seconds: number, poll: number) {
  const job = asyncJob(ctx, seconds, poll);
  const res = await job.ctx.exec('sleep 5', { stdin: 'ignored' });
  return job.finish({ changed: true, rc: res.code, stdout: res.stdout, ...(res.code !== 0 ? { failed: true, msg: 'non-zero return code' } : {}) });
}

describe('engine: async jobs', () => {
  it('poll 0: the command is launched detached (no stdin) and the result is the job, as Ansible: started 1, finished 0, changed', async () => {
    const ctx = fakeContext({}, () => ({ stdout: '/root/.ansible_async/j1.1\n' }));
    const result = await runOne(ctx, 30, 0);
    expect(ctx.commands).to.have.length(1);
    expect(ctx.commands[0]).to.contain('setsid nohup').and.contain("'sleep 5'").and.contain('timeout -s KILL');
    expect(ctx.stdins[0]).to.equal(undefined);
    expect(result).to.include({ changed: true, started: 1, finished: 0 });
    expect(String(result['ansible_job_id'])).to.match(/^j\d+\.\d+$/);
  });

  it('poll N: checks every N seconds until the job ends, then the module sees its status and output', async () => {
    let checks = 0;
    const ctx = fakeContext({}, (command) => {
      if (!command.includes('printf "finished')) return { stdout: '/x\n' };
      checks += 1;
      return { stdout: checks < 3 ? 'running\n' : 'finished 0\nout\n\n--drydock-async-stderr--\nerr\n' };
    });
    const result = await runOne(ctx, 30, 2);
    expect(ctx.slept).to.deep.equal([2000, 2000, 2000]);
    expect(result).to.include({ changed: true, rc: 0, stdout: 'out', finished: 1, started: 1 });
  });

  it('a job killed at its time limit is a timeout even when the check sees it ended (rc 137), as Ansible', async () => {
    const ctx = fakeContext({}, (command) => (command.includes('printf "finished') ? { stdout: 'finished 137\n\n--drydock-async-stderr--\n' } : { stdout: '/x\n' }));
    const result = await runOne(ctx, 2, 2);
    expect(result).to.include({ failed: true, changed: false, msg: 'async task did not complete within the requested time - 2s' });
  });

  it('still running after async seconds: failed with Ansible\'s message', async () => {
    const ctx = fakeContext({}, (command) => (command.includes('printf "finished') ? { stdout: 'running\n' } : { stdout: '/x\n' }));
    const result = await runOne(ctx, 3, 1);
    expect(ctx.slept).to.deep.equal([1000, 1000, 1000]);
    expect(result).to.include({ failed: true, msg: 'async task did not complete within the requested time - 3s' });
  });

  it('parseStatus reads running, missing and finished with both streams', () => {
    expect(parseStatus(execResult({ stdout: 'running\n' }))).to.deep.equal({ state: 'running' });
    expect(parseStatus(execResult({ stdout: 'missing\n' }))).to.deep.equal({ state: 'missing' });
    expect(parseStatus(execResult({ stdout: 'finished 3\na\nb\n\n--drydock-async-stderr--\nc\n' }))).to.deep.equal({ state: 'finished', rc: 3, stdout: 'a\nb', stderr: 'c' });
  });
});
