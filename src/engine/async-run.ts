/**
 * `async:` / `poll:` on a command or shell task (the loader allows no other module). The module runs as
 * written, but its command is started as a detached job on the host (modules/async-job.ts) instead of on the
 * SSH channel: with `poll: 0` the task returns at once with the job id (`async_status` checks it later); with
 * `poll: N` drydock reads the job's state every N seconds until it ends (the module then sees its exit status
 * and output as if it had waited) or `async` seconds have passed (failed, as Ansible: "async task did not
 * complete within the requested time").
 */
import type { ModuleContext, ModuleResult } from '../modules/types.js';
import { ASYNC_DIR, KILLED_RC, launchScript, newJobId, parseStatus, statusScript } from '../modules/async-job.js';
import type { ExecOptions, ExecResult } from '../transport/types.js';

export interface AsyncJob {
  ctx: ModuleContext;
  /** The module's result with the job's keys, as Ansible's (ansible_job_id, started, finished, results_file). */
  finish(result: ModuleResult): ModuleResult;
}

function execResult(code: number | null, stdout = '', stderr = ''): ExecResult {
  return { code, signal: null, stdout, stderr, stdoutBytes: stdout.length, stderrBytes: stderr.length, truncated: false, timedOut: false, ms: 0 };
}

export function asyncJob(ctx: ModuleContext, seconds: number, poll: number): AsyncJob {
  let jid: string | undefined;
  let finished = 0;
  let timedOut = false;
  const exec = async (command: string, given: ExecOptions = {}): Promise<ExecResult> => {
    const { stdin: _stdin, ...options } = given;
    jid = newJobId();
    const started = ctx.clock.now();
    const launched = await ctx.exec(launchScript(jid, command, seconds), options);
    if (launched.code !== 0) return launched;
    if (poll <= 0) return execResult(0);
    for (let waited = 0; waited < seconds && !ctx.signal.aborted; ) {
      const step = Math.min(poll, seconds - waited);
      await ctx.clock.sleep(step * 1000, ctx.signal);
      waited += step;
      const status = parseStatus(await ctx.exec(statusScript(jid), options));
      // Ended by its `timeout -s KILL` once `async` seconds had passed: timed out, whatever the check's timing.
      if (status.state === 'finished' && status.rc === KILLED_RC && ctx.clock.now() - started >= seconds * 1000) break;
      if (status.state === 'finished') {
        finished = 1;
        return execResult(status.rc, status.stdout, status.stderr);
      }
    }
    timedOut = true;
    return execResult(null);
  };
  return {
    ctx: { ...ctx, exec },
    finish(result) {
      if (jid === undefined) return result;
      const keys = { ansible_job_id: jid, results_file: `${ASYNC_DIR.replace('$HOME', '~')}/${jid}`, started: 1 };
      if (timedOut) return { changed: false, failed: true, msg: `async task did not complete within the requested time - ${seconds}s`, async_result: { ...keys, finished: 0 } };
      if (poll <= 0) return { changed: true, ...keys, finished: 0 };
      return { ...result, ...keys, finished };
    },
  };
}
