/** The built-in task modules, keyed by the canonical names the playbook loader's registry uses. */
import { aptModule } from './apt.js';
import { commandModule, shellModule } from './command.js';
import { assertModule, debugModule, failModule, pauseModule, setFactModule } from './controller.js';
import { copyModule } from './copy.js';
import { dpkgSelectionsModule, dpkgSelectionsSpec } from './dpkg-selections.js';
import type { ModuleSpec } from '../playbook/modules.js';
import { fetchModule } from './fetch.js';
import { guarded } from './failure.js';
import { fileModule } from './file.js';
import { lineinfileModule } from './lineinfile.js';
import { rebootModule } from './reboot.js';
import { serviceModule, systemdModule } from './systemd.js';
import type { TaskModule } from './types.js';
import { waitForModule } from './wait-for.js';

const MODULES: readonly TaskModule[] = [
  commandModule,
  shellModule,
  aptModule,
  dpkgSelectionsModule,
  serviceModule,
  systemdModule,
  copyModule,
  fetchModule,
  fileModule,
  lineinfileModule,
  waitForModule,
  rebootModule,
  assertModule,
  failModule,
  debugModule,
  setFactModule,
  pauseModule,
];

/** Every module wrapped so its reported failures become `failed` results (transport errors still throw). */
export function builtinTaskModules(): Map<string, TaskModule> {
  return new Map(MODULES.map((m) => [m.name, guarded(m)]));
}

/**
 * Argument specs of modules here that `playbook/builtin-modules.ts` does not list yet; the loader's
 * registry must register them on top of the built-in ones (`registry.register(spec)`).
 */
export function extraTaskModuleSpecs(): ModuleSpec[] {
  return [dpkgSelectionsSpec];
}

export type { ModuleClock, ModuleContext, ModuleResult, TaskModule, ControllerFiles } from './types.js';
