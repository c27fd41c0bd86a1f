/**
 * `kubeadm`: runs one kubeadm command that drydock must never kill (`upgrade apply`, `upgrade node`).
 *
 * kubeadm waits up to 5 minutes per component and rolls a failed upgrade back on its own; cutting it with a
 * signal half-way leaves manifests, certificates and etcd in between. So kubeadm runs on the host as its own
 * transient systemd unit (`drydock-kubeadm-…`), its output appended to a 0600 log under /var/log/drydock, its
 * exit status written beside it. drydock follows the log over its one SSH connection (live output as
 * `host.output` events) and waits for the status. When drydock's wait ends first (`wait_timeout`, the task's
 * timeout, Ctrl-C twice), only the follower is ended: kubeadm keeps running, and the task fails saying what it
 * is doing and where to watch it, the node left for a person. A kubeadm unit of an earlier run still running
 * on the host is never joined by a second one.
 *
 * While kubeadm runs, the run's cluster lock is held with a lease long enough to outlast the API server's
 * restarts (`ModuleContext.holdClusterLock`), so the lock cannot lapse while the API is away.
 */
import { CommandTimeoutError } from '../errors.js';
import { shellQuote } from '../util/shell.js';
import { FREE_FORM, type ModuleSpec } from '../playbook/modules.js';
import { optInt, optString } from './args.js';
import { quoteArgv, splitWords } from './command-line.js';
import { defineModule } from './define.js';
import { failed, ModuleFailure, splitLines, tail } from './failure.js';
import { int, path, str } from './spec-args.js';
import type { ModuleContext, ModuleDefinition, ModuleResult } from './types.js';

export const KUBEADM_UNIT_PREFIX = 'drydock-kubeadm-';
/** How long drydock waits for kubeadm by default: kubeadm's own waits (5 min per component) several times over. */
export const DEFAULT_KUBEADM_WAIT_SECONDS = 1800;
/** Exit status of the follower when the unit ended without writing kubeadm's status (stopped by someone). */
const NO_STATUS = 254;
/** The lease kept on the cluster lock beyond the wait, so a lapse can only follow drydock's own give-up. */
const LOCK_MARGIN_SECONDS = 300;

export const kubeadmSpec: ModuleSpec = {
  name: 'kubeadm',
  freeForm: true,
  args: {
    cmd: str,
    wait_timeout: { ...int, default: DEFAULT_KUBEADM_WAIT_SECONDS },
    executable: { ...path, default: 'kubeadm' },
    log_dir: { ...path, default: '/var/log/drydock' },
  },
  requiredOneOf: [[FREE_FORM, 'cmd']],
  mutuallyExclusive: [[FREE_FORM, 'cmd']],
};

export interface KubeadmUnit {
  unit: string;
  log: string;
  status: string;
}

export function kubeadmUnit(logDir: string, at: Date, nonce: string): KubeadmUnit {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const unit = `${KUBEADM_UNIT_PREFIX}${stamp}-${nonce}`;
  return { unit, log: `${logDir}/${unit}.log`, status: `${logDir}/${unit}.status` };
}

/** Lists the drydock kubeadm units still running: one unit name per line. */
export const RUNNING_UNITS_SCRIPT =
  `systemctl list-units --type=service --state=active,activating,deactivating --plain --no-legend ${shellQuote(`${KUBEADM_UNIT_PREFIX}*`)} | awk '{print $1}'`;

/** Starts kubeadm as a transient unit; returns once systemd has started it. */
export function startScript(u: KubeadmUnit, argv: readonly string[], description: string): string {
  const logDir = u.log.slice(0, u.log.lastIndexOf('/'));
  // The unit's shell runs kubeadm, then records its status; the unit itself never gets drydock's signals.
  const body = `"$@"; echo $? > ${shellQuote(u.status)}`;
  return [
    `mkdir -p -m 0700 ${shellQuote(logDir)}`,
    `(umask 077 && : > ${shellQuote(u.log)})`,
    `systemd-run --quiet --collect --unit=${shellQuote(u.unit)} --description=${shellQuote(description)} ` +
      `--property=StandardOutput=append:${u.log} --property=StandardError=append:${u.log} ` +
      `/bin/sh -c ${shellQuote(body)} sh ${quoteArgv(argv)}`,
  ].join(' && ');
}

/** Follows the log until the unit has written kubeadm's status, then exits with it. */
export function followScript(u: KubeadmUnit): string {
  const status = shellQuote(u.status);
  return [
    `tail -n +1 -f ${shellQuote(u.log)} & follower=$!`,
    `while [ ! -s ${status} ] && systemctl is-active --quiet ${shellQuote(u.unit)}; do sleep 1; done`,
    // The unit may have ended between the test and the status write: a last look.
    `sleep 0.5; kill $follower 2>/dev/null; wait $follower 2>/dev/null`,
    `if [ -s ${status} ]; then exit "$(cat ${status})"; fi`,
    `echo "drydock: unit ${u.unit} ended without recording kubeadm's exit status (stopped by someone?)" >&2; exit ${NO_STATUS}`,
  ].join('\n');
}

/** What a person needs when drydock stops waiting while kubeadm still runs. */
export function stillRunningMessage(host: string, u: KubeadmUnit, waited: string, state: string, lastLines: string): string {
  return [
    `drydock stopped waiting for kubeadm on ${host} (${waited}); kubeadm was NOT stopped: it is still running as systemd unit ${u.unit}` +
      `${state ? ` (${state})` : ''} and rolls back on its own if it fails.`,
    `The node is left for a person: follow it with \`journalctl -u ${u.unit} -f\` or \`tail -f ${u.log}\`;` +
      ' when it has finished, rerun drydock (a control plane already at the target is not applied again).',
    ...(lastLines ? ['kubeadm said last:', lastLines] : []),
  ].join('\n');
}

async function readState(ctx: ModuleContext, u: KubeadmUnit): Promise<{ state: string; lastLines: string }> {
  const show = await ctx.exec(`systemctl show ${shellQuote(u.unit)} -p ActiveState -p MainPID -p ExecMainStartTimestamp --value 2>/dev/null; tail -n 15 ${shellQuote(u.log)} 2>/dev/null`, { timeoutMs: 20_000 });
  const lines = splitLines(show.stdout);
  const [active = '', pid = '', since = ''] = lines;
  const state = active ? `${active}${pid && pid !== '0' ? `, pid ${pid}` : ''}${since ? `, since ${since}` : ''}` : '';
  return { state, lastLines: lines.slice(3).join('\n') };
}

async function run(ctx: ModuleContext): Promise<ModuleResult> {
  const words = splitWords(optString(ctx.args, 'cmd') ?? ctx.freeForm ?? '');
  if (words.length === 0) throw new ModuleFailure('no kubeadm arguments given (e.g. "upgrade apply -y v1.37.2")');
  const executable = optString(ctx.args, 'executable') ?? 'kubeadm';
  const argv = [executable, ...words];
  const waitSeconds = optInt(ctx.args, 'wait_timeout') ?? DEFAULT_KUBEADM_WAIT_SECONDS;
  if (ctx.check) return { changed: false, skipped: true, cmd: argv, msg: `would run ${argv.join(' ')} as a systemd unit and wait up to ${waitSeconds}s` };

  const running = splitLines((await ctx.exec(RUNNING_UNITS_SCRIPT, { timeoutMs: 30_000 })).stdout).filter(Boolean);
  if (running.length > 0) {
    return failed(`kubeadm of an earlier drydock run is still running on ${ctx.target} as ${running.join(', ')}; not starting another. ` +
      `Follow it with \`journalctl -u ${running[0]} -f\` and rerun drydock when it has finished.`, { cmd: argv, running_units: running });
  }
  const u = kubeadmUnit(optString(ctx.args, 'log_dir') ?? '/var/log/drydock', new Date(ctx.clock.now()), Math.random().toString(36).slice(2, 8));
  const hold = ctx.holdClusterLock ? await ctx.holdClusterLock(waitSeconds + LOCK_MARGIN_SECONDS, `kubeadm ${words.slice(0, 2).join(' ')} on ${ctx.target}`) : undefined;
  try {
    const started = await ctx.exec(startScript(u, argv, `drydock${ctx.runId ? ` run ${ctx.runId}` : ''}: ${argv.join(' ')}`), { timeoutMs: 60_000 });
    if (started.code !== 0) return failed(`systemd-run could not start kubeadm: ${tail(started.stderr || started.stdout)}`, { cmd: argv, rc: started.code });
    const begin = ctx.clock.now();
    let pending = '';
    const onStdout = (chunk: Buffer): void => {
      const text = pending + chunk.toString();
      const end = text.lastIndexOf('\n');
      pending = end < 0 ? text : text.slice(end + 1);
      if (end >= 0) ctx.emit({ type: 'host.output', host: ctx.host, stream: 'stdout', text: text.slice(0, end + 1) });
    };
    let result;
    try {
      result = await ctx.exec(followScript(u), { timeoutMs: waitSeconds * 1000, onStdout, maxOutputBytes: 256 * 1024 });
    } catch (err) {
      const waited = err instanceof CommandTimeoutError ? `waited ${Math.round((ctx.clock.now() - begin) / 1000)}s` : `interrupted: ${(err as Error).message}`;
      const seen = ctx.signal.aborted ? { state: '', lastLines: '' } : await readState(ctx, u).catch(() => ({ state: '', lastLines: '' }));
      return failed(stillRunningMessage(ctx.target, u, waited, seen.state, seen.lastLines), { cmd: argv, unit: u.unit, log: u.log, still_running: true });
    }
    const stdout = result.stdout.trimEnd();
    const out: ModuleResult = {
      changed: true,
      cmd: argv,
      rc: result.code,
      unit: u.unit,
      log: u.log,
      stdout,
      stdout_lines: splitLines(stdout),
      stderr: result.stderr.trimEnd(),
      delta_seconds: Math.round((ctx.clock.now() - begin) / 1000),
    };
    if (result.code !== 0) {
      out.failed = true;
      out.msg = result.code === NO_STATUS ? result.stderr.trim() : `kubeadm exited ${result.code ?? `by signal ${result.signal ?? 'unknown'}`} (its log: ${u.log})`;
    }
    return out;
  } finally {
    await hold?.();
  }
}

export const kubeadmModule: ModuleDefinition = defineModule(kubeadmSpec, { supportsCheck: true, run });
