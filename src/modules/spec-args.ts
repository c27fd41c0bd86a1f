/** Shorthands for argument specs that several modules share (Ansible's names and types). */
import type { ArgSpec } from '../playbook/modules.js';

export const str: ArgSpec = { type: 'str' };
export const path: ArgSpec = { type: 'path' };
export const bool: ArgSpec = { type: 'bool' };
export const int: ArgSpec = { type: 'int' };
/** owner, group and mode, as copy, file and lineinfile take them. */
export const ownership = { owner: str, group: str, mode: { type: 'raw' } } as const satisfies Record<string, ArgSpec>;
