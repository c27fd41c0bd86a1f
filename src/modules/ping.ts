/**
 * `ping`: proves drydock can log in and run a command on the host (Ansible: "pong", or `data` echoed back;
 * `data: crash` fails, as Ansible's does, for testing failure handling).
 */
import { optString } from './args.js';
import { ModuleFailure } from './failure.js';
import type { ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

export const pingSpec: ModuleSpec = { name: 'ping', args: { data: { type: 'str', default: 'pong' } } };

export const pingModule: ModuleDefinition = defineModule(pingSpec, {
  supportsCheck: true,
  run: async (ctx) => {
    const data = optString(ctx.args, 'data') ?? 'pong';
    if (data === 'crash') throw new ModuleFailure('boom');
    const result = await ctx.exec('true');
    if (result.code !== 0) throw new ModuleFailure(`the host could not run a command (exit status ${result.code})`);
    return { changed: false, ping: data };
  },
});
