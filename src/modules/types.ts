/**
 * The task-module seam. The engine templates and validates a task's arguments, then hands a module this
 * context; a module acts only through it (the host's connection, the controller's files, the clock), so
 * modules are testable with fakes and never reach for globals.
 */
import type { RunEvent } from '../events/events.js';
import type { KubePort } from '../kube/port.js';
import type { ModuleSpec } from '../playbook/modules.js';
import type { Connection, ExecOptions, ExecResult } from '../transport/types.js';

/** Time, injected wherever it decides behaviour (timeouts, retries, reboot waits). */
export interface ModuleClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Files on the controller (copy's `src`, fetch's `dest`, backups). */
export interface ControllerFiles {
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void>;
  exists(path: string): Promise<boolean>;
  mkdirp(path: string): Promise<void>;
}

export interface ModuleContext {
  /** Inventory name of the host the task runs for. */
  host: string;
  /** Inventory name of the host the task acts on (differs with delegate_to; 'localhost' = the controller). */
  target: string;
  /** Arguments after templating and validation, defaults applied, canonical names. */
  args: Record<string, unknown>;
  /** Free-form text of `command: ls -la` / `shell: …`. */
  freeForm?: string;
  /** The host's variables (read-only view: inventory, play vars, facts, registered results). */
  vars: Readonly<Record<string, unknown>>;
  /** --check: report what would change, change nothing. */
  check: boolean;
  /** --diff: include before/after in the result where it applies. */
  diff: boolean;
  /** --yes: skip interactive pauses. */
  yes: boolean;
  /**
   * Runs a command on the target with the task's become, environment and timeout applied. Rejects with
   * HostUnreachableError (transport), CommandTimeoutError, or a become failure; a non-zero exit is a result.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** The target's connection, for SFTP transfers (put/get). */
  connection(): Promise<Connection>;
  /**
   * Drops the target's connection and opens a new one (the reboot module: the old one died with the host).
   * Rejects with HostUnreachableError when the host does not answer.
   */
  reconnect(options?: { timeoutMs?: number }): Promise<Connection>;
  controller: ControllerFiles;
  /**
   * Controller folders a relative `src` (template, copy) is looked up in, most specific first: a role's folder,
   * then the folder of the task's file, then the playbook's (resolved by `findControllerSource`, search-path.ts).
   */
  searchPath?: readonly string[];
  /**
   * The cluster's API for kube_* modules, opened once per run on first use (from --kubeconfig, KUBECONFIG,
   * ~/.kube/config, or the first control plane's admin.conf over SSH). Absent when the run has no cluster access.
   */
  kube?(): Promise<KubePort>;
  clock: ModuleClock;
  /** Ends with the task's timeout or Ctrl-C; long waits must honour it. */
  signal: AbortSignal;
  /** Progress for the live renderer (e.g. "waiting for 3 pods"). */
  emit(event: RunEvent): void;
  /** The run's id (its journal's name): recorded where a change must be traced back to a run, e.g. a cordon. */
  runId?: string;
  /**
   * Keeps the run's cluster lock through a step that takes the API away (kubeadm restarting kube-apiserver):
   * the lease is lengthened to `seconds` until the returned function is called (it never throws). Absent when
   * the run holds no cluster lock.
   */
  holdClusterLock?(seconds: number, why: string): Promise<() => Promise<void>>;
}

export interface ModuleDiff {
  path?: string;
  before: string;
  after: string;
}

/** What a module reports; extra keys become part of the registered result (`register:`). */
export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  rc?: number | null;
  stdout?: string;
  stderr?: string;
  diff?: ModuleDiff[];
  /** Facts to set on the host (set_fact, gathered facts). */
  facts?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface TaskModule {
  /** Canonical name, as registered in the playbook ModuleRegistry (e.g. 'apt'). */
  name: string;
  /** False: under --check the engine skips the task and reports "skipped (check mode)". */
  supportsCheck: boolean;
  /** Runs on the controller only (debug, set_fact, assert, fail, pause, kube_*): no host connection needed. */
  controllerOnly?: boolean;
  run(ctx: ModuleContext): Promise<ModuleResult>;
}

/** A module as the catalogue lists it: its code and the argument spec the playbook loader checks tasks against. */
export interface ModuleDefinition extends TaskModule {
  spec: ModuleSpec;
}
