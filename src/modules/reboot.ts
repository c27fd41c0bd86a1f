/**
 * `reboot`: reboots the target and waits until it is back. The reboot is issued detached (setsid, all three
 * streams away from the SSH channel) so the command returns and the channel can close; the host counts as
 * rebooted only when it answers with a boot id different from the one read before, and `test_command`
 * succeeds — a host that merely has not gone down yet is never mistaken for one that came back.
 */
import { HostUnreachableError, CommandTimeoutError } from '../errors.js';
import { optInt, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, int } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const RETRY_PAUSE_MS = 2000;

/** The detached command that reboots after `delayS` seconds (at least 1, so this command's exit gets out first). */
export function detachedRebootCommand(delayS: number, rebootCommand: string | undefined, msg: string | undefined): string {
  const reboot = rebootCommand ?? 'systemctl reboot || reboot';
  const log = msg ? `logger -t drydock ${shellQuote(msg)} 2>/dev/null; ` : '';
  const script = `sleep ${Math.max(1, Math.trunc(delayS))}; ${log}${reboot}`;
  return `nohup setsid sh -c ${shellQuote(script)} >/dev/null 2>&1 </dev/null &`;
}

function isTransportLoss(err: unknown): boolean {
  return err instanceof HostUnreachableError || err instanceof CommandTimeoutError;
}

async function readBootId(ctx: ModuleContext, command: string): Promise<string> {
  const r = await ctx.exec(command, { timeoutMs: 30_000 });
  const id = r.stdout.trim();
  if (r.code !== 0 || !id) throw new ModuleFailure(`could not read the boot id with "${command}": ${tail(r.stderr) || `exit status ${r.code}`}`);
  return id;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const bootIdCommand = optString(ctx.args, 'boot_time_command') ?? 'cat /proc/sys/kernel/random/boot_id';
  const testCommand = optString(ctx.args, 'test_command') ?? 'whoami';
  const rebootTimeoutMs = (optInt(ctx.args, 'reboot_timeout') ?? 600) * 1000;
  const connectTimeoutS = optInt(ctx.args, 'connect_timeout');
  const preDelay = optInt(ctx.args, 'pre_reboot_delay') ?? 0;
  const postDelay = optInt(ctx.args, 'post_reboot_delay') ?? 0;
  const start = ctx.clock.now();
  const before = await readBootId(ctx, bootIdCommand);
  if (ctx.check) return { changed: false, rebooted: false, elapsed: 0, msg: `would reboot ${ctx.target} (boot id ${before})` };

  try {
    const issued = await ctx.exec(detachedRebootCommand(preDelay, optString(ctx.args, 'reboot_command'), optString(ctx.args, 'msg')), { timeoutMs: 30_000 });
    if (issued.code !== 0) throw new ModuleFailure(`could not issue the reboot: ${tail(issued.stderr) || `exit status ${issued.code}`}`);
  } catch (err) {
    if (!isTransportLoss(err)) throw err; // the host went down while answering: the reboot is under way
  }
  if (preDelay > 0) await ctx.clock.sleep(preDelay * 1000, ctx.signal);

  const deadline = start + rebootTimeoutMs;
  let lastProblem = 'the host never answered';
  let attempts = 0;
  for (;;) {
    const remaining = deadline - ctx.clock.now();
    if (remaining <= 0) {
      throw new ModuleFailure(
        `${ctx.target} did not come back with a new boot id within ${rebootTimeoutMs / 1000}s (reboot_timeout); last: ${lastProblem}`,
        { rebooted: false, elapsed: Math.round((ctx.clock.now() - start) / 1000), attempts },
      );
    }
    attempts++;
    try {
      const timeoutMs = Math.min(remaining, connectTimeoutS ? connectTimeoutS * 1000 : remaining);
      await ctx.reconnect({ timeoutMs });
      const after = await readBootId(ctx, bootIdCommand);
      if (after === before) {
        lastProblem = `still the same boot id ${before} (not rebooted yet)`;
      } else {
        const test = await ctx.exec(testCommand, { timeoutMs: 30_000 });
        if (test.code === 0) {
          if (postDelay > 0) await ctx.clock.sleep(postDelay * 1000, ctx.signal);
          return { changed: true, rebooted: true, elapsed: Math.round((ctx.clock.now() - start) / 1000), boot_id: after, previous_boot_id: before };
        }
        lastProblem = `test_command "${testCommand}" failed with exit status ${test.code}: ${tail(test.stderr, 3)}`;
      }
    } catch (err) {
      if (!isTransportLoss(err) && !(err instanceof ModuleFailure)) throw err;
      lastProblem = (err as Error).message;
    }
    if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
    await ctx.clock.sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, deadline - ctx.clock.now())), ctx.signal);
  }
}

export const rebootSpec: ModuleSpec = {
  name: 'reboot',
  args: {
    reboot_timeout: { type: 'int', default: 600 },
    connect_timeout: int,
    pre_reboot_delay: { type: 'int', default: 0 },
    post_reboot_delay: { type: 'int', default: 0 },
    test_command: { type: 'str', default: 'whoami' },
    msg: { type: 'str', default: 'Reboot initiated by drydock' },
    reboot_command: str,
    boot_time_command: { type: 'str', default: 'cat /proc/sys/kernel/random/boot_id' },
  },
};

export const rebootModule: ModuleDefinition = defineModule(rebootSpec, { supportsCheck: true, run });
