/**
 * Modules that run on the controller only: assert, fail, debug, set_fact, pause.
 *
 * `assert` evaluates `that` itself against the host's variables, so the engine must pass `that`
 * unrendered (as Ansible does: its conditions are bare expressions, not templates).
 */
import { optBool, optInt, optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { ansibleDelta, ansibleTimestamp } from './command-line.js';
import { evaluateCondition, evaluateExpression, TemplateError, type Condition } from '../playbook/template.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, int } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

function vars(ctx: ModuleContext): Record<string, unknown> {
  return ctx.vars as Record<string, unknown>;
}

async function assertRun(ctx: ModuleContext): Promise<ModuleResult> {
  const raw = ctx.args.that;
  const conditions = (Array.isArray(raw) ? raw : [raw]) as Condition[];
  for (const condition of conditions) {
    let holds: boolean;
    try {
      holds = evaluateCondition(condition, vars(ctx));
    } catch (err) {
      if (err instanceof TemplateError) {
        throw new ModuleFailure(`the conditional check '${String(condition)}' failed: ${err.message}`, { assertion: condition, evaluated_to: false });
      }
      throw err;
    }
    if (!holds) {
      const failMsg = ctx.args.fail_msg;
      const msg = failMsg === undefined || failMsg === null ? 'Assertion failed' : typeof failMsg === 'string' ? failMsg : JSON.stringify(failMsg);
      throw new ModuleFailure(msg, { assertion: condition, evaluated_to: false });
    }
  }
  if (optBool(ctx.args, 'quiet')) return { changed: false };
  const success = ctx.args.success_msg;
  return { changed: false, msg: success === undefined || success === null ? 'All assertions passed' : (success as string) };
}

export const assertSpec: ModuleSpec = {
  name: 'assert',
  args: {
    that: { type: 'list', required: true, splitString: false },
    fail_msg: { type: 'raw', aliases: ['msg'] },
    success_msg: { type: 'raw' },
    quiet: { type: 'bool', default: false },
  },
};

export const failSpec: ModuleSpec = {
  name: 'fail',
  args: { msg: { type: 'raw', default: 'Failed as requested from task' } },
};

export const debugSpec: ModuleSpec = {
  name: 'debug',
  args: {
    msg: { type: 'raw' },
    var: str,
    verbosity: { type: 'int', default: 0 },
  },
  mutuallyExclusive: [['msg', 'var']],
};

export const setFactSpec: ModuleSpec = {
  name: 'set_fact',
  freeKeys: true,
  args: { cacheable: { type: 'bool', default: false } },
};

export const pauseSpec: ModuleSpec = {
  name: 'pause',
  args: {
    minutes: int,
    seconds: int,
    prompt: str,
    echo: { type: 'bool', default: true },
  },
  mutuallyExclusive: [['minutes', 'seconds']],
};

export const assertModule: ModuleDefinition = defineModule(assertSpec, { supportsCheck: true, controllerOnly: true, run: assertRun });

export const failModule: ModuleDefinition = defineModule(failSpec, {
  supportsCheck: true,
  controllerOnly: true,
  run: async (ctx) => {
    const msg = ctx.args.msg;
    return { changed: false, failed: true, msg: typeof msg === 'string' ? msg : msg === undefined || msg === null ? 'Failed as requested from task' : JSON.stringify(msg) };
  },
});

/** The run's -v count, when the engine exposes it as Ansible does (`ansible_verbosity`). */
function verbosity(ctx: ModuleContext): number {
  const v = ctx.vars.ansible_verbosity;
  return typeof v === 'number' ? v : 0;
}

export const debugModule: ModuleDefinition = defineModule(debugSpec, {
  supportsCheck: true,
  controllerOnly: true,
  run: async (ctx): Promise<ModuleResult> => {
    const wanted = optInt(ctx.args, 'verbosity') ?? 0;
    if (wanted > verbosity(ctx)) return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
    const name = optString(ctx.args, 'var');
    if (name !== undefined) {
      let value: unknown;
      try {
        value = evaluateExpression(name, vars(ctx));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        value = err.undefinedName !== undefined ? 'VARIABLE IS NOT DEFINED!' : `could not evaluate: ${err.message}`;
      }
      return { changed: false, [name]: value };
    }
    // debug's msg may be any value (a list, a map); it is shown as given.
    return { changed: false, msg: (ctx.args.msg ?? 'Hello world!') as string };
  },
});

export const setFactModule: ModuleDefinition = defineModule(setFactSpec, {
  supportsCheck: true,
  controllerOnly: true,
  run: async (ctx) => {
    const facts: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(ctx.args)) if (key !== 'cacheable') facts[key] = value;
    return { changed: false, facts, ansible_facts: facts };
  },
});

async function pauseRun(ctx: ModuleContext): Promise<ModuleResult> {
  const seconds = optInt(ctx.args, 'seconds');
  const minutes = optInt(ctx.args, 'minutes');
  const prompt = optString(ctx.args, 'prompt');
  const waitMs = seconds !== undefined ? seconds * 1000 : minutes !== undefined ? minutes * 60_000 : undefined;
  const start = ctx.clock.now();
  const finish = (extra: Record<string, unknown>): ModuleResult => {
    const stop = ctx.clock.now();
    return { changed: false, start: ansibleTimestamp(start), stop: ansibleTimestamp(stop), delta: ansibleDelta(stop - start), user_input: '', echo: optBool(ctx.args, 'echo') !== false, ...extra };
  };
  if (waitMs !== undefined) {
    await ctx.clock.sleep(waitMs, ctx.signal);
    return finish({ stdout: `Paused for ${seconds !== undefined ? `${seconds} seconds` : `${minutes} minutes`}` });
  }
  if (ctx.yes) return finish({ stdout: `skipped the prompt (--yes)${prompt ? `: ${prompt}` : ''}` });
  // The module seam has no way to read the operator's answer, so an interactive pause cannot be honoured
  // here; failing beats hanging a 3 a.m. run on a prompt nobody sees.
  throw new ModuleFailure(`pause${prompt ? ` "${prompt}"` : ''} waits for an operator's answer, which this run cannot read; re-run with --yes to skip prompts, or use seconds/minutes`);
}

export const pauseModule: ModuleDefinition = defineModule(pauseSpec, { supportsCheck: true, controllerOnly: true, run: pauseRun });

