/** A ModuleContext for running kube_* modules outside the engine: arguments validated like the loader does, events collected. */
import type { RunEvent } from '../../../../src/events/events.js';
import type { KubePort } from '../../../../src/kube/port.js';
import { TASK_MODULES, taskModules } from '../../../../src/modules/catalogue.js';
import type { ModuleClock, ModuleContext, ModuleResult } from '../../../../src/modules/types.js';
import { checkModuleArgs } from '../../../../src/playbook/modules.js';
import { fakeContext } from '../fake-context.js';

export const realClock: ModuleClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }),
};

export interface Harness {
  events: RunEvent[];
  /** Facts the modules set so far, fed back as host variables (as the engine does). */
  vars: Record<string, unknown>;
  run(module: string, args?: Record<string, unknown>, options?: { check?: boolean; signal?: AbortSignal }): Promise<ModuleResult>;
}

export function harness(options: { host?: string; vars?: Record<string, unknown>; kube?: () => Promise<KubePort>; clock?: ModuleClock; runId?: string }): Harness {
  const modules = taskModules();
  const specs = new Map(TASK_MODULES.map((m) => [m.name, m.spec]));
  const events: RunEvent[] = [];
  const vars: Record<string, unknown> = { ...(options.vars ?? {}) };
  const unused = (what: string) => () => Promise.reject(new Error(`kube modules must not use ${what}`));
  return {
    events,
    vars,
    async run(name, given = {}, runOptions = {}) {
      const { args, problems } = checkModuleArgs(specs.get(name)!, given, { applyDefaults: true });
      if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
      // The one module-context fake, with the kube port, a real clock and no host access.
      const ctx: ModuleContext = fakeContext(args, () => new Error('kube modules must not run commands on a host'), {
        host: options.host ?? 'node-1',
        target: 'localhost',
        vars: { ...vars },
        check: runOptions.check ?? false,
        yes: true,
        connection: unused('connection'),
        reconnect: unused('reconnect'),
        controller: { readFile: unused('files'), writeFile: unused('files'), exists: unused('files'), mkdirp: unused('files') },
        ...(options.kube ? { kube: options.kube } : {}),
        clock: options.clock ?? realClock,
        signal: runOptions.signal ?? new AbortController().signal,
        emit: (event) => events.push(event),
        ...(options.runId !== undefined ? { runId: options.runId } : {}),
      });
      const module = modules.get(name);
      if (!module) throw new Error(`no module ${name}`);
      const result = await module.run(ctx);
      if (result.facts) Object.assign(vars, result.facts);
      return result;
    },
  };
}
