/**
 * `service` and `systemd`. Reads the unit's state (is-active, is-enabled, LoadState) in one round trip and
 * changes only what differs, in Ansible's order: daemon-reload, mask, enable, state. `restarted` and
 * `reloaded` always act. Check mode predicts from the same reading. A failed start carries the unit's
 * `systemctl status` and journal tail, which is what an admin reaches for next.
 */
import { optBool, optString } from './args.js';
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import { bool } from './spec-args.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

export interface UnitState {
  active: string;
  enabled: string;
  load: string;
}

export function parseUnitState(stdout: string): UnitState {
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
  return { active: get('active'), enabled: get('enabled'), load: get('load') };
}

const RUNNING = new Set(['active', 'activating', 'reloading']);
/** What `systemctl is-enabled` prints with exit status 0. */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'alias', 'generated']);

export type UnitStep = 'daemon-reload' | 'daemon-reexec' | 'mask' | 'unmask' | 'enable' | 'disable' | 'start' | 'stop' | 'restart' | 'reload';

export interface UnitRequest {
  state?: string;
  enabled?: boolean;
  masked?: boolean;
}

/** The systemctl verbs needed to reach `request` from `current`, in Ansible's order (reloads aside). Pure. */
export function planUnit(current: UnitState, request: UnitRequest): UnitStep[] {
  const steps: UnitStep[] = [];
  const masked = current.enabled === 'masked' || current.enabled === 'masked-runtime';
  if (request.masked === true && !masked) steps.push('mask');
  if (request.masked === false && masked) steps.push('unmask');
  if (request.enabled !== undefined && request.enabled !== ENABLED.has(current.enabled)) steps.push(request.enabled ? 'enable' : 'disable');
  const running = RUNNING.has(current.active);
  if (request.state === 'started' && !running) steps.push('start');
  if (request.state === 'stopped' && running) steps.push('stop');
  if (request.state === 'restarted') steps.push('restart');
  if (request.state === 'reloaded') steps.push(running ? 'reload' : 'start');
  return steps;
}

function stateScript(systemctl: string, name: string): string {
  const n = shellQuote(name);
  return [
    `printf 'active=%s\\n' "$(${systemctl} is-active ${n} 2>/dev/null)"`,
    `printf 'enabled=%s\\n' "$(${systemctl} is-enabled ${n} 2>/dev/null)"`,
    `printf 'load=%s\\n' "$(${systemctl} show -p LoadState --value ${n} 2>/dev/null)"`,
  ].join('\n');
}

async function diagnostics(ctx: ModuleContext, systemctl: string, name: string): Promise<string> {
  const n = shellQuote(name);
  const r = await ctx.exec(`${systemctl} status --no-pager -l ${n} 2>&1 | tail -n 15; echo '--- journal:'; journalctl -u ${n} -n 20 --no-pager 2>&1`);
  return r.stdout.trimEnd();
}

async function runUnit(ctx: ModuleContext, withSystemdArgs: boolean): Promise<ModuleResult> {
  const name = optString(ctx.args, 'name');
  const scope = optString(ctx.args, 'scope') ?? 'system';
  const systemctl = `systemctl${scope === 'user' ? ' --user' : scope === 'global' ? ' --global' : ''}`;
  const noBlock = optBool(ctx.args, 'no_block') ? ' --no-block' : '';
  const request: UnitRequest = {};
  const state = optString(ctx.args, 'state');
  if (state) request.state = state;
  const enabled = optBool(ctx.args, 'enabled');
  if (enabled !== undefined) request.enabled = enabled;
  const masked = withSystemdArgs ? optBool(ctx.args, 'masked') : undefined;
  if (masked !== undefined) request.masked = masked;

  const pre: UnitStep[] = [];
  if (withSystemdArgs && optBool(ctx.args, 'daemon_reexec')) pre.push('daemon-reexec');
  if (withSystemdArgs && optBool(ctx.args, 'daemon_reload')) pre.push('daemon-reload');
  if (!ctx.check) {
    for (const step of pre) {
      const r = await ctx.exec(`${systemctl} ${step}`);
      if (r.code !== 0) throw new ModuleFailure(`systemctl ${step} failed: ${tail(r.stderr)}`);
    }
  }
  if (!name) return { changed: false };

  const probe = await ctx.exec(stateScript(systemctl, name));
  const current = parseUnitState(probe.stdout);
  if (current.load === 'not-found' && request.masked !== true) {
    throw new ModuleFailure(`Could not find the requested service ${name}: host ${ctx.target}`);
  }
  const steps = planUnit(current, request);
  const base = { name, status: { ActiveState: current.active, UnitFileState: current.enabled, LoadState: current.load } };
  const summary = (): Record<string, unknown> => ({
    ...(request.state ? { state: request.state } : {}),
    ...(request.enabled !== undefined ? { enabled: request.enabled } : {}),
    ...(request.masked !== undefined ? { masked: request.masked } : {}),
  });
  if (steps.length === 0) return { ...base, ...summary(), changed: false };
  if (ctx.check) return { ...base, ...summary(), changed: true, msg: `would run: ${steps.map((s) => `systemctl ${s}`).join(', ')}` };
  for (const step of steps) {
    const r = await ctx.exec(`${systemctl}${noBlock} ${step} ${shellQuote(name)}`);
    if (r.code !== 0) {
      const details = await diagnostics(ctx, systemctl, name);
      throw new ModuleFailure(`Unable to ${step} service ${name}: ${tail(r.stderr, 5)}\n${details}`, { ...base, rc: r.code, stderr: r.stderr });
    }
  }
  return { ...base, ...summary(), changed: true };
}

export const serviceSpec: ModuleSpec = {
  name: 'service',
  args: {
    name: { type: 'str', required: true },
    state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
    enabled: bool,
  },
  requiredOneOf: [['state', 'enabled']],
};

export const systemdSpec: ModuleSpec = {
  name: 'systemd',
  aliases: ['systemd_service'],
  args: {
    name: { type: 'str', aliases: ['service', 'unit'] },
    state: { type: 'str', choices: ['reloaded', 'restarted', 'started', 'stopped'] },
    enabled: bool,
    masked: bool,
    daemon_reload: { type: 'bool', aliases: ['daemon-reload'], default: false },
    daemon_reexec: { type: 'bool', aliases: ['daemon-reexec'], default: false },
    scope: { type: 'str', choices: ['system', 'user', 'global'], default: 'system' },
    no_block: { type: 'bool', default: false },
  },
  requiredOneOf: [['state', 'enabled', 'masked', 'daemon_reload', 'daemon_reexec']],
  requiredIf: [
    ['state', 'started', ['name']],
    ['state', 'stopped', ['name']],
    ['state', 'restarted', ['name']],
    ['state', 'reloaded', ['name']],
  ],
};

export const systemdModule: ModuleDefinition = defineModule(systemdSpec, { supportsCheck: true, run: (ctx) => runUnit(ctx, true) });
export const serviceModule: ModuleDefinition = defineModule(serviceSpec, { supportsCheck: true, run: (ctx) => runUnit(ctx, false) });
