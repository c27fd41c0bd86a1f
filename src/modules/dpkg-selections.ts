/**
 * `dpkg_selections`: holds and unholds packages (what `apt-mark hold/unhold` does), so an upgrade playbook
 * can pin kubeadm/kubelet/kubectl between upgrades. Reads `dpkg --get-selections` first; changes only when
 * the selection differs.
 */
import { optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleSpec } from '../playbook/modules.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { defineModule } from './define.js';

/** Not in playbook/builtin-modules.ts (whose tests pin the list): registered on top, like the kube_* specs. */
export const dpkgSelectionsSpec: ModuleSpec = {
  name: 'dpkg_selections',
  args: {
    name: { type: 'str', required: true },
    selection: { type: 'str', required: true, choices: ['install', 'hold', 'deinstall', 'purge'] },
  },
};

/** `dpkg --get-selections NAME` → the selection word, or undefined when dpkg does not know the package. */
export function parseSelection(stdout: string, name: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const [pkg, selection] = line.trim().split(/\s+/);
    if (pkg && selection && (pkg === name || pkg.startsWith(`${name}:`))) return selection;
  }
  return undefined;
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name') ?? '';
  const selection = optString(ctx.args, 'selection') ?? '';
  const query = await ctx.exec(`dpkg --get-selections ${shellQuote(name)} 2>/dev/null; true`);
  const current = parseSelection(query.stdout, name);
  if (current === undefined) throw new ModuleFailure(`failed to find package '${name}' to perform selection '${selection}' (dpkg does not know it; install it first)`);
  const base = { before: current, after: selection };
  if (current === selection) return { ...base, changed: false };
  if (ctx.check) return { ...base, changed: true, msg: `would set ${name} from ${current} to ${selection}` };
  const result = await ctx.exec(`printf '%s %s\\n' ${shellQuote(name)} ${shellQuote(selection)} | dpkg --set-selections`);
  if (result.code !== 0) throw new ModuleFailure(`dpkg --set-selections failed for ${name}: ${tail(result.stderr)}`);
  return { ...base, changed: true };
}

export const dpkgSelectionsModule: ModuleDefinition = defineModule(dpkgSelectionsSpec, { supportsCheck: true, run });
