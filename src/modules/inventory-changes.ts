/**
 * `add_host` and `group_by`: changes to the run's in-memory inventory, for the later tasks and plays of the
 * run (the inventory files are not touched). Like Ansible's action plugins they run on the controller and only
 * describe the change, in Ansible's result keys (`add_host: {host_name, groups, host_vars}`; `add_group`,
 * `parent_groups`); the engine applies it (engine/inventory-changes.ts). add_host runs once per task (or per
 * loop item), not once per host, as Ansible's (BYPASS_HOST_LOOP).
 */
import { optList, reqString } from './args.js';
import { defineModule } from './define.js';
import type { ModuleDefinition } from './types.js';
import type { ModuleSpec } from '../playbook/modules.js';

export const addHostSpec: ModuleSpec = {
  name: 'add_host',
  freeKeys: 'optional',
  args: {
    name: { type: 'str', required: true, aliases: ['host', 'hostname'] },
    groups: { type: 'list', aliases: ['group', 'groupname'] },
  },
};

export const addHostModule: ModuleDefinition = defineModule(addHostSpec, {
  supportsCheck: true,
  controllerOnly: true,
  run: async (ctx) => {
    const { name: _name, groups: _groups, ...hostVars } = ctx.args;
    const groups = optList(ctx.args, 'groups') ?? [];
    return { changed: true, add_host: { host_name: reqString(ctx.args, 'name', 'add_host'), groups, host_vars: hostVars } };
  },
});

export const groupBySpec: ModuleSpec = {
  name: 'group_by',
  args: {
    key: { type: 'str', required: true },
    parents: { type: 'list', default: ['all'] },
  },
};

export const groupByModule: ModuleDefinition = defineModule(groupBySpec, {
  supportsCheck: true,
  controllerOnly: true,
  run: async (ctx) => {
    // As Ansible's group_by action: spaces in the key become dashes.
    const key = reqString(ctx.args, 'key', 'group_by').replace(/ /g, '-');
    return { changed: true, add_group: key, parent_groups: optList(ctx.args, 'parents') ?? ['all'] };
  },
});
