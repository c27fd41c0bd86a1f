/**
 * `async_status`: the state of a job an `async:` task with `poll: 0` started (src/modules/async-job.ts), in
 * Ansible's keys: finished 0 while it runs; finished 1 with rc, stdout, stderr (failed when rc is not 0, as
 * the command module's result) once it ended. `mode: cleanup` removes the job's files.
 */
import { optString, reqString } from './args.js';
import { cleanupScript, parseStatus, statusScript, validJobId, ASYNC_DIR } from './async-job.js';
import { defineModule } from './define.js';
import { ModuleFailure } from './failure.js';
import type { ModuleDefinition } from './types.js';
import type { ModuleSpec } from '../playbook/modules.js';

export const asyncStatusSpec: ModuleSpec = {
  name: 'async_status',
  args: { jid: { type: 'str', required: true }, mode: { type: 'str', default: 'status', choices: ['status', 'cleanup'] } },
};

export const asyncStatusModule: ModuleDefinition = defineModule(asyncStatusSpec, {
  supportsCheck: true,
  run: async (ctx) => {
    const jid = reqString(ctx.args, 'jid', 'async_status');
    if (!validJobId(jid)) throw new ModuleFailure(`could not find job: '${jid}' is not a job id (j<digits>.<digits>)`);
    const base = { ansible_job_id: jid, results_file: `${ASYNC_DIR.replace('$HOME', '~')}/${jid}`, started: 1 };
    if (optString(ctx.args, 'mode') === 'cleanup') {
      await ctx.exec(cleanupScript(jid));
      return { changed: false, ...base, erased: base.results_file };
    }
    const status = parseStatus(await ctx.exec(statusScript(jid)));
    if (status.state === 'missing') throw new ModuleFailure(`could not find job ${jid}`);
    if (status.state === 'running') return { changed: false, ...base, finished: 0 };
    const done = { changed: true, ...base, finished: 1, rc: status.rc, stdout: status.stdout, stderr: status.stderr, msg: '' };
    return status.rc === 0 ? done : { ...done, failed: true, msg: 'non-zero return code' };
  },
});
