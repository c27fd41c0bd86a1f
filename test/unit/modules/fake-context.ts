/** A scripted ModuleContext: exec answers come from a handler, time is a fake clock that advances on sleep. */
import type { ModuleContext } from '../../../src/modules/types.js';
import type { Connection, ExecOptions, ExecResult } from '../../../src/transport/types.js';

export type ExecAnswer = Partial<ExecResult> | Error;

export interface FakeContext extends ModuleContext {
  commands: string[];
  stdins: (string | Buffer | undefined)[];
  slept: number[];
  reconnects: number;
  files: Map<string, Buffer>;
}

export function execResult(partial: Partial<ExecResult> = {}): ExecResult {
  const stdout = partial.stdout ?? '';
  const stderr = partial.stderr ?? '';
  return {
    code: 0,
    signal: null,
    stdoutBytes: Buffer.byteLength(stdout),
    stderrBytes: Buffer.byteLength(stderr),
    truncated: false,
    timedOut: false,
    ms: 1,
    ...partial,
    stdout,
    stderr,
  };
}

export function fakeContext(
  args: Record<string, unknown>,
  handler: (command: string, options: ExecOptions | undefined) => ExecAnswer = () => ({}),
  overrides: Partial<ModuleContext> & { reconnect?: ModuleContext['reconnect'] } = {},
): FakeContext {
  let now = 1_700_000_000_000;
  const ctx: FakeContext = {
    host: 'node1',
    target: 'node1',
    args,
    vars: {},
    check: false,
    diff: false,
    yes: false,
    commands: [],
    stdins: [],
    slept: [],
    reconnects: 0,
    files: new Map(),
    async exec(command, options) {
      ctx.commands.push(command);
      ctx.stdins.push(options?.stdin);
      now += 5;
      const answer = handler(command, options);
      if (answer instanceof Error) throw answer;
      return execResult(answer);
    },
    async connection() {
      throw new Error('no connection in the fake context');
    },
    async reconnect() {
      ctx.reconnects++;
      return {} as Connection;
    },
    controller: {
      async readFile(path) {
        const data = ctx.files.get(path);
        if (!data) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return data;
      },
      async writeFile(path, data) {
        ctx.files.set(path, Buffer.from(data));
      },
      async exists(path) {
        return ctx.files.has(path);
      },
      async mkdirp() {},
    },
    clock: {
      now: () => now,
      async sleep(ms) {
        ctx.slept.push(ms);
        now += ms;
      },
    },
    signal: new AbortController().signal,
    emit() {},
    ...overrides,
  };
  return ctx;
}
