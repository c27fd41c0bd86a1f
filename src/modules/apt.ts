/**
 * `apt`: installs, upgrades and removes Debian packages idempotently. dpkg-query says what is installed,
 * apt-cache madison what the repositories offer (pinned versions and globs are resolved against it), and
 * apt-get runs only when something must change — simulated first (`-s`), which is also all check mode does.
 */
import { optBool, optInt, optList, optString } from './args.js';
import {
  DPKG_QUERY_FORMAT,
  isLockContention,
  parseDpkgQuery,
  parseMadison,
  parseRequest,
  parseDowngrades,
  parseSimulation,
  planPackage,
  type PackageAction,
  type SimulatedChange,
} from './apt-plan.js';
import { ModuleFailure, tail } from './failure.js';
import { shellQuote } from '../util/shell.js';
import type { ModuleContext, ModuleResult, ModuleDefinition } from './types.js';
import type { ExecResult } from '../transport/types.js';
import { type ModuleSpec } from '../playbook/modules.js';
import { defineModule } from './define.js';

const LOCK_RETRY_MS = 3000;

/** Runs an apt/dpkg command, waiting while another apt holds the dpkg lock, up to `lock_timeout` seconds. */
export async function runWithLockRetry(ctx: ModuleContext, command: string, lockTimeoutS: number): Promise<ExecResult> {
  const deadline = ctx.clock.now() + lockTimeoutS * 1000;
  for (;;) {
    const result = await ctx.exec(command);
    if (result.code === 0 || !isLockContention(result.stderr) || ctx.clock.now() >= deadline) {
      if (result.code !== 0 && isLockContention(result.stderr)) {
        throw new ModuleFailure(`another apt/dpkg process held the package lock for more than ${lockTimeoutS}s (lock_timeout): ${tail(result.stderr, 3)}`);
      }
      return result;
    }
    await ctx.clock.sleep(LOCK_RETRY_MS, ctx.signal);
  }
}

function aptGet(args: Record<string, unknown>, extra: string[]): string {
  const opts = ['-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
  const recommends = optBool(args, 'install_recommends');
  if (recommends === true) opts.push('-o', 'APT::Install-Recommends=yes');
  if (recommends === false) opts.push('--no-install-recommends');
  // The simulation may always downgrade: it is how a downgrade is found and explained before the real run.
  if (optBool(args, 'allow_downgrade') || extra[0] === '-s') opts.push('--allow-downgrades');
  if (optBool(args, 'allow_change_held_packages')) opts.push('--allow-change-held-packages');
  return `DEBIAN_FRONTEND=noninteractive apt-get ${[...opts, ...extra].map((w) => shellQuote(w)).join(' ')}`;
}

async function cacheAgeSeconds(ctx: ModuleContext): Promise<number> {
  const r = await ctx.exec('m=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists); echo "$m $(date +%s)"');
  const [m, now] = r.stdout.trim().split(/\s+/).map(Number);
  return m !== undefined && now !== undefined && Number.isFinite(m) && Number.isFinite(now) ? now - m : Infinity;
}

async function maybeUpdateCache(ctx: ModuleContext, lockTimeout: number): Promise<boolean> {
  if (!optBool(ctx.args, 'update_cache') || ctx.check) return false;
  const validFor = optInt(ctx.args, 'cache_valid_time') ?? 0;
  if (validFor > 0 && (await cacheAgeSeconds(ctx)) < validFor) return false;
  const result = await runWithLockRetry(ctx, 'DEBIAN_FRONTEND=noninteractive apt-get update -q', lockTimeout);
  if (result.code !== 0) throw new ModuleFailure(`apt-get update failed: ${tail(result.stderr || result.stdout, 10)}`);
  return true;
}

function unavailableMessage(action: Extract<PackageAction, { kind: 'unavailable' }>): string {
  if (action.available.length === 0) {
    return `package ${action.name} is not available from any configured repository (apt-cache madison ${action.name} lists nothing; is the repository configured and the cache updated? update_cache: true)`;
  }
  return `no version of ${action.name} matching "${action.spec.slice(action.name.length + 1)}" in the configured repositories; apt-cache madison ${action.name} offers: ${action.available.join(', ')}`;
}

function heldMessage(actions: PackageAction[]): string | undefined {
  const held = actions.filter((a) => (a.kind === 'install' || a.kind === 'remove') && a.held);
  if (held.length === 0) return undefined;
  const names = held.map((a) => `${a.name}${'from' in a && a.from ? ` (${a.from})` : ''}`).join(', ');
  return `held package${held.length > 1 ? 's' : ''} would change: ${names}; set allow_change_held_packages: true, or unhold first (dpkg_selections: selection=install)`;
}

async function simulate(ctx: ModuleContext, command: string, lockTimeout: number): Promise<{ changes: SimulatedChange[]; result: ExecResult }> {
  const result = await runWithLockRetry(ctx, command, lockTimeout);
  if (result.code !== 0) throw new ModuleFailure(`apt-get simulation failed: ${tail(result.stderr || result.stdout, 10)}`, { stdout: result.stdout, stderr: result.stderr });
  return { changes: parseSimulation(result.stdout), result };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const state = (optString(ctx.args, 'state') ?? 'present') as 'present' | 'absent' | 'latest';
  const lockTimeout = optInt(ctx.args, 'lock_timeout') ?? 60;
  const cacheUpdated = await maybeUpdateCache(ctx, lockTimeout);
  const requests = (optList(ctx.args, 'name') ?? []).map(parseRequest);
  if (requests.length === 0) return { changed: false, cache_updated: cacheUpdated };

  const names = requests.map((r) => shellQuote(r.name)).join(' ');
  const query = await ctx.exec(`dpkg-query -W -f=${shellQuote(DPKG_QUERY_FORMAT)} ${names} 2>/dev/null; true`);
  const installed = parseDpkgQuery(query.stdout);
  let offered = new Map<string, string[]>();
  if (state !== 'absent') {
    const madison = await ctx.exec(`apt-cache madison ${names} 2>/dev/null; true`);
    offered = new Map(requests.map((r) => [r.name, parseMadison(madison.stdout, r.name)]));
  }
  const actions = requests.map((r) => planPackage(r, state, installed.get(r.name), offered.get(r.name)));
  for (const action of actions) if (action.kind === 'unavailable') throw new ModuleFailure(unavailableMessage(action));
  const allowHeld = optBool(ctx.args, 'allow_change_held_packages') === true;
  const heldProblem = allowHeld ? undefined : heldMessage(actions);
  if (heldProblem) throw new ModuleFailure(heldProblem);

  const installs = actions.filter((a): a is Extract<PackageAction, { kind: 'install' }> => a.kind === 'install');
  const removes = actions.filter((a): a is Extract<PackageAction, { kind: 'remove' }> => a.kind === 'remove');
  const base = { cache_updated: cacheUpdated };
  if (installs.length === 0 && removes.length === 0) return { ...base, changed: false, msg: 'all packages already in the requested state' };

  const verb = installs.length > 0 ? 'install' : optBool(ctx.args, 'purge') ? 'purge' : 'remove';
  const targets = installs.length > 0 ? installs.map((a) => a.arg) : removes.map((a) => a.name);
  if (optBool(ctx.args, 'autoremove') && verb !== 'install') targets.unshift('--autoremove');
  const simulation = await simulate(ctx, aptGet(ctx.args, ['-s', verb, ...targets]), lockTimeout);
  const packages = simulation.changes;
  const downgrades = parseDowngrades(simulation.result.stdout);
  if (downgrades.length > 0 && !optBool(ctx.args, 'allow_downgrade')) {
    const detail = downgrades.map((name) => packages.find((p) => p.name === name)).map((p, i) => (p ? `${p.name} ${p.from} → ${p.to}` : downgrades[i]));
    throw new ModuleFailure(`this would downgrade ${detail.join(', ')}; set allow_downgrade: true if that is intended`, { packages });
  }
  if (packages.length === 0) return { ...base, changed: false, msg: 'all packages already in the requested state', packages };
  if (ctx.check) return { ...base, changed: true, packages, stdout: simulation.result.stdout, msg: `would ${verb}: ${describe(packages)}` };

  const result = await runWithLockRetry(ctx, aptGet(ctx.args, [verb, ...targets]), lockTimeout);
  if (result.code !== 0) {
    throw new ModuleFailure(`apt-get ${verb} ${targets.join(' ')} failed (exit status ${result.code}): ${tail(result.stderr || result.stdout, 10)}`, {
      rc: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  // apt clears the hold of a package it was told to install; a pin the admin set must outlive the upgrade.
  const reheld = installs.filter((a) => a.held).map((a) => a.name);
  if (reheld.length > 0) {
    const hold = await ctx.exec(`printf '%s hold\\n' ${reheld.map((n) => shellQuote(n)).join(' ')} | dpkg --set-selections`);
    if (hold.code !== 0) throw new ModuleFailure(`installed, but could not hold ${reheld.join(', ')} again: ${tail(hold.stderr)}`, { changed: true, packages });
  }
  return {
    ...base,
    changed: true,
    packages,
    rc: 0,
    stdout: result.stdout,
    stderr: result.stderr,
    msg: `${verb}: ${describe(packages)}${reheld.length > 0 ? ` (kept on hold: ${reheld.join(', ')})` : ''}`,
    ...(reheld.length > 0 ? { held: reheld } : {}),
  };
}

function describe(changes: SimulatedChange[]): string {
  return changes.map((c) => (c.action === 'remove' ? `${c.name} ${c.from ?? ''} → removed` : `${c.name} ${c.from ?? 'none'} → ${c.to}`)).join(', ');
}

export const aptSpec: ModuleSpec = {
  name: 'apt',
  args: {
    name: { type: 'list', aliases: ['package', 'pkg'] },
    state: { type: 'str', choices: ['absent', 'latest', 'present'], default: 'present' },
    update_cache: { type: 'bool', aliases: ['update-cache'], default: false },
    cache_valid_time: { type: 'int', default: 0 },
    allow_downgrade: { type: 'bool', aliases: ['allow-downgrade', 'allow_downgrades', 'allow-downgrades'], default: false },
    allow_change_held_packages: { type: 'bool', default: false },
    install_recommends: { type: 'bool', aliases: ['install-recommends'] },
    purge: { type: 'bool', default: false },
    autoremove: { type: 'bool', default: false },
    lock_timeout: { type: 'int', default: 60 },
  },
  requiredOneOf: [['name', 'update_cache', 'autoremove']],
};

export const aptModule: ModuleDefinition = defineModule(aptSpec, { supportsCheck: true, run });
