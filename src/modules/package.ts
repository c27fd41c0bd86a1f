/**
 * `package`: Ansible's generic package module, handed to the host's package manager. drydock manages Debian
 * hosts, so apt is the one backend: on a host without apt-get the task fails saying which manager it found.
 */
import { optList, optString } from './args.js';
import { aptModule } from './apt.js';
import { ModuleFailure } from './failure.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { checkModuleArgs, type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const STATES: Record<string, string> = { present: 'present', installed: 'present', latest: 'latest', absent: 'absent', removed: 'absent' };

/** The host's package manager: the gathered fact when there is one, else the first tool found on the host. */
async function packageManager(ctx: ModuleContext): Promise<string> {
  const use = optString(ctx.args, 'use') ?? 'auto';
  if (use !== 'auto') return use;
  const fact = ctx.vars.ansible_pkg_mgr;
  if (typeof fact === 'string' && fact !== 'unknown') return fact;
  const r = await ctx.exec('for m in apt-get dnf yum zypper apk pacman; do if command -v $m >/dev/null 2>&1; then echo $m; exit 0; fi; done; echo unknown');
  const found = r.stdout.trim();
  return found === 'apt-get' ? 'apt' : found;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const manager = await packageManager(ctx);
  if (manager !== 'apt') throw new ModuleFailure(`package: drydock supports apt (Debian/Ubuntu) only; ${ctx.target} uses ${manager}`);
  const state = STATES[optString(ctx.args, 'state') ?? 'present'] ?? 'present';
  const { args, problems } = checkModuleArgs(aptModule.spec, { name: optList(ctx.args, 'name') ?? [], state }, { applyDefaults: true });
  if (problems.length > 0) throw new ModuleFailure(problems.map((p) => p.message).join('; '));
  return aptModule.run({ ...ctx, args });
}

export const packageSpec: ModuleSpec = {
  name: 'package',
  args: {
    name: { type: 'list', required: true, aliases: ['pkg'] },
    state: { type: 'str', required: true, choices: Object.keys(STATES) },
    use: { type: 'str', default: 'auto' },
  },
};

export const packageModule: ModuleDefinition = defineModule(packageSpec, { supportsCheck: true, run });
