/**
 * A task module is defined once, in one file, from its argument spec (what the playbook loader checks) and its
 * code (what the engine runs): `defineModule(spec, { supportsCheck, run })`. The catalogue (`catalogue.ts`)
 * lists every definition; both the loader's registry and the engine's module map are built from that list.
 */
import type { ModuleSpec } from '../playbook/modules.js';
import { guarded } from './failure.js';
import type { ModuleDefinition, TaskModule } from './types.js';

export function defineModule(spec: ModuleSpec, behaviour: Omit<TaskModule, 'name'>): ModuleDefinition {
  return { ...guarded({ name: spec.name, ...behaviour }), spec };
}
