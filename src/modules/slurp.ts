/** `slurp`: a file of the target, base64-encoded (`content`, `encoding: base64`, `source`), as Ansible returns it. */
import { optString } from './args.js';
import { ModuleFailure } from './failure.js';
import { readRemoteFile } from './remote-files.js';
import type { ModuleDefinition } from './types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

export const slurpSpec: ModuleSpec = { name: 'slurp', args: { src: { type: 'path', required: true, aliases: ['path'] } } };

export const slurpModule: ModuleDefinition = defineModule(slurpSpec, {
  supportsCheck: true,
  run: async (ctx) => {
    const src = optString(ctx.args, 'src')!;
    const data = await readRemoteFile(ctx, src);
    if (data === undefined) throw new ModuleFailure(`file not found: ${src}`);
    return { changed: false, content: data.toString('base64'), encoding: 'base64', source: src };
  },
});
