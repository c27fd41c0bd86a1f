/**
 * The playbook engine's seams: what a run is asked to do (options) and everything it touches (ports), so the
 * whole engine runs in unit tests against fake connections, fake modules and a fake clock.
 */
import type { KubePort } from '../kube/port.js';
import type { ResumeState } from '../journal/resume-state.js';
import type { KeptSecret } from '../journal/secrets.js';
import type { RunEvent } from '../events/events.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { ControllerFiles, ModuleClock, TaskModule } from '../modules/types.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../transport/types.js';

export interface EngineClock extends ModuleClock {
  /** Calls `tick` every `ms` until the returned function is called (the "still running on" line). */
  every(ms: number, tick: () => void): () => void;
}

export interface PlaybookRunOptions {
  runId: string;
  check: boolean;
  diff: boolean;
  yes: boolean;
  forks: number;
  /** --tags; empty means every task (Ansible's `all`). */
  tags: string[];
  skipTags: string[];
  startAtTask?: string;
  /** -e: the highest variable precedence. */
  extraVars: Vars;
  /** Whether unreachable hosts count towards max_fail_percentage (default true; Ansible excludes them). */
  countUnreachableInMaxFail: boolean;
  /** How often the "still running on" status event names the hosts a task waits for. */
  statusIntervalMs: number;
  /**
   * Start the next batch even when every host of a batch failed (Ansible stops the run there, by design:
   * ansible#3845). For fleets where one dead node per `serial: 1` batch must not halt the rest.
   */
  continueOnFailedBatch?: boolean;
  /** Most host connections open at once (from the open-file limit); the least recently used idle one is closed past it. */
  maxOpenConnections?: number;
  /** Seconds; the timeout of tasks that set none (--timeout). 0 or undefined: none. */
  taskTimeout?: number;
  /** Seed for `order: shuffle` (reproducible runs). */
  shuffleSeed?: number | string;
  /**
   * drydock resume: what earlier runs of this playbook got done (journal/resume-state.ts). Hosts that
   * finished a play are left out of it; a host that stopped mid-play replays its completed tasks and
   * restarts at the first one without a completed result.
   */
  resume?: ResumeState;
}

export interface EnginePorts {
  inventory: Inventory;
  /** TaskModule implementations by canonical module name. */
  modules: ReadonlyMap<string, TaskModule>;
  /** The connection spec of an inventory host; throws ConfigError when it cannot be resolved. */
  specFor(host: string): ConnectionSpec;
  connect(spec: ConnectionSpec): Promise<Connection>;
  /** Closes one host's connection (to stay under maxOpenConnections); it reopens on next use. */
  release?(host: string): Promise<void>;
  reconnect?(spec: ConnectionSpec, options?: { timeoutMs?: number }): Promise<Connection>;
  /** Runs a command on the controller (delegate_to: localhost). */
  localExec(command: string, options?: ExecOptions): Promise<ExecResult>;
  controller: ControllerFiles;
  /** The cluster's API for kube_* modules, opened on first use; absent when the run has no cluster access. */
  kube?: () => Promise<KubePort>;
  clock: EngineClock;
  emit(event: RunEvent): void;
  /** The cluster lock's long hold for steps that restart the API server (ModuleContext.holdClusterLock). */
  holdClusterLock?(seconds: number, why: string): Promise<() => Promise<void>>;
  /**
   * Keeps a no_log result (what the task registered, the facts it set) for drydock resume, which the journal
   * cannot have in clear. Called before the result's event.
   */
  keepSecret?(secret: KeptSecret): void;
}

export interface RunControl {
  /** First Ctrl-C: start no new task or batch; running ones finish. */
  stop?: AbortSignal;
  /** Second Ctrl-C: end running commands. */
  abort?: AbortSignal;
  /**
   * Start no new play or batch; the running batch finishes all its tasks (a maintenance window closing:
   * a node half-way through its reboot is brought back, the next one waits).
   */
  stopBatches?: AbortSignal;
}

/** Names the controller answers to when a task is delegated. */
export const CONTROLLER_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

export function isController(name: string, inventory: Inventory): boolean {
  if (!CONTROLLER_NAMES.has(name)) return false;
  // An inventory host called localhost with its own ssh settings is reached over ssh like any other host.
  const vars = inventory.hosts.get(name)?.vars;
  return !vars || vars['ansible_connection'] === undefined || vars['ansible_connection'] === 'local';
}

const CONNECTIONS: ReadonlySet<string> = new Set(['local', 'ssh', 'smart', 'paramiko', 'paramiko_ssh']);

/**
 * The connection a task's variables ask for (inventory, play, block or task `vars`, -e), as Ansible reads
 * `ansible_connection`: `local` runs the task on the controller, like `delegate_to: localhost`; another
 * plugin than ssh is an error for the task (the inventory's own are refused before the run).
 */
export function connectionOf(vars: Record<string, unknown>): string | undefined {
  const value = vars['ansible_connection'];
  if (typeof value !== 'string') return undefined;
  if (!CONNECTIONS.has(value)) throw new Error(`ansible_connection=${value} is not supported; drydock runs tasks over ssh or, with local, on the controller`);
  return value;
}
