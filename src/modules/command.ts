/**
 * `command` and `shell`. command runs an argv with no shell features (every word quoted); shell runs the
 * text through `executable -c`. Both always report changed, unless `creates`/`removes` decide the command
 * need not run. Check mode never runs the command (Ansible's partial check support).
 */
import { optBool, optList, optString } from './args.js';
import {
  ansibleDelta,
  ansibleTimestamp,
  globExistsScript,
  quoteArgv,
  splitWords,
  stripEnds,
} from './command-line.js';
import { ModuleFailure, splitLines } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { str, path } from './spec-args.js';
import { FREE_FORM, type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

interface Planned {
  /** What the result's `cmd` shows: the argv for command, the text for shell. */
  display: string | string[];
  /** The sh command line to execute (without chdir). */
  line: string;
}

function planCommand(ctx: ModuleContext): Planned {
  const argv = optList(ctx.args, 'argv');
  if (argv && argv.length > 0) return { display: argv, line: quoteArgv(argv) };
  const text = optString(ctx.args, 'cmd') ?? ctx.freeForm ?? '';
  const words = splitWords(text);
  if (words.length === 0) throw new ModuleFailure('no command given');
  return { display: words, line: quoteArgv(words) };
}

function planShell(ctx: ModuleContext): Planned {
  const text = optString(ctx.args, 'cmd') ?? ctx.freeForm ?? '';
  if (text.trim() === '') throw new ModuleFailure('no command given');
  const executable = optString(ctx.args, 'executable') ?? '/bin/sh';
  return { display: text, line: `${shellQuote(executable)} -c ${shellQuote(text)}` };
}

function withChdir(chdir: string | undefined, line: string): string {
  return chdir ? `cd -- ${shellQuote(chdir)} && ${line}` : line;
}

async function globExists(ctx: ModuleContext, chdir: string | undefined, pattern: string): Promise<boolean> {
  const result = await ctx.exec(withChdir(chdir, `( ${globExistsScript(pattern)} )`));
  return result.code === 0;
}

async function runPlanned(ctx: ModuleContext, plan: Planned): Promise<ModuleResult> {
  const chdir = optString(ctx.args, 'chdir');
  const creates = optString(ctx.args, 'creates');
  const removes = optString(ctx.args, 'removes');
  const base = { cmd: plan.display };
  if (creates !== undefined && (await globExists(ctx, chdir, creates))) {
    return { ...base, changed: false, rc: 0, stdout: `skipped, since ${creates} exists`, stderr: '', msg: `Did not run command since '${creates}' exists` };
  }
  if (removes !== undefined && !(await globExists(ctx, chdir, removes))) {
    return { ...base, changed: false, rc: 0, stdout: `skipped, since ${removes} does not exist`, stderr: '', msg: `Did not run command since '${removes}' does not exist` };
  }
  if (ctx.check) {
    const decided = creates !== undefined || removes !== undefined;
    return { ...base, changed: decided, skipped: !decided, rc: 0, msg: 'Command would have run if not in check mode' };
  }
  let stdin = optString(ctx.args, 'stdin');
  if (stdin !== undefined && optBool(ctx.args, 'stdin_add_newline') !== false) stdin += '\n';
  const start = ctx.clock.now();
  const exec = await ctx.exec(withChdir(chdir, plan.line), stdin !== undefined ? { stdin } : {});
  const end = ctx.clock.now();
  const strip = optBool(ctx.args, 'strip_empty_ends') !== false;
  const stdout = strip ? stripEnds(exec.stdout) : exec.stdout;
  const stderr = strip ? stripEnds(exec.stderr) : exec.stderr;
  const result: ModuleResult = {
    ...base,
    changed: true,
    rc: exec.code,
    stdout,
    stderr,
    stdout_lines: splitLines(stdout),
    stderr_lines: splitLines(stderr),
    start: ansibleTimestamp(start),
    end: ansibleTimestamp(end),
    delta: ansibleDelta(end - start),
  };
  if (exec.truncated) result.truncated = true;
  if (exec.code !== 0) {
    result.failed = true;
    result.msg = exec.code === null ? `killed by signal ${exec.signal ?? 'unknown'}` : 'non-zero return code';
  }
  return result;
}

export const commandSpec: ModuleSpec = {
  name: 'command',
  freeForm: true,
  args: {
    cmd: str,
    argv: { type: 'list', splitString: false },
    chdir: path,
    creates: path,
    removes: path,
    stdin: str,
    stdin_add_newline: { type: 'bool', default: true },
    strip_empty_ends: { type: 'bool', default: true },
  },
  requiredOneOf: [[FREE_FORM, 'cmd', 'argv']],
  mutuallyExclusive: [[FREE_FORM, 'cmd', 'argv']],
};

export const shellSpec: ModuleSpec = {
  name: 'shell',
  freeForm: true,
  args: {
    cmd: str,
    chdir: path,
    creates: path,
    removes: path,
    executable: path,
    stdin: str,
    stdin_add_newline: { type: 'bool', default: true },
  },
  requiredOneOf: [[FREE_FORM, 'cmd']],
  mutuallyExclusive: [[FREE_FORM, 'cmd']],
};

export const commandModule: ModuleDefinition = defineModule(commandSpec, {
  supportsCheck: true,
  run: (ctx) => runPlanned(ctx, planCommand(ctx)),
});

export const shellModule: ModuleDefinition = defineModule(shellSpec, {
  supportsCheck: true,
  run: (ctx) => runPlanned(ctx, planShell(ctx)),
});
