/**
 * Builds the ModuleContext a module runs with: exec on the task's target (an inventory host over its one
 * pooled SSH connection, or the controller for delegate_to: localhost) with the task's become, environment
 * and timeout applied, plus controller files, the clock and the abort signal.
 */
import { UsageError } from '../errors.js';
import type { RunEvent } from '../events/events.js';
import type { ModuleContext } from '../modules/types.js';
import type { Connection, ExecOptions } from '../transport/types.js';
import type { EnginePorts } from './types.js';

export interface ContextRequest {
  host: string;
  target: string;
  /** The target is the controller (commands run locally). */
  local: boolean;
  args: Record<string, unknown>;
  freeForm?: string;
  vars: Record<string, unknown>;
  check: boolean;
  diff: boolean;
  yes: boolean;
  become?: boolean;
  becomeUser?: string;
  env: Record<string, string>;
  /** Clock time by which every command must have ended (the task's timeout). */
  deadline?: number;
  signal: AbortSignal;
  runId?: string;
  /** Controller folders a module's relative `src` is looked up in (ModuleContext.searchPath). */
  searchPath?: readonly string[];
}

export function makeModuleContext(req: ContextRequest, ports: EnginePorts): ModuleContext {
  const connection = async (): Promise<Connection> => {
    if (req.local) throw new UsageError(`task runs on the controller (delegate_to: ${req.target}); there is no SSH connection to use`);
    return ports.connect(ports.specFor(req.target));
  };
  const options = (given: ExecOptions = {}): ExecOptions => {
    const merged: ExecOptions = { ...given, env: { ...req.env, ...given.env } };
    if (given.become === undefined && req.become !== undefined) {
      merged.become = req.become ? { enabled: true, ...(req.becomeUser ? { user: req.becomeUser } : {}) } : { enabled: false };
    }
    if (req.deadline !== undefined) {
      const left = Math.max(1, req.deadline - ports.clock.now());
      merged.timeoutMs = given.timeoutMs ? Math.min(given.timeoutMs, left) : left;
    }
    merged.signal = given.signal ? AbortSignal.any([given.signal, req.signal]) : req.signal;
    return merged;
  };
  return {
    host: req.host,
    target: req.target,
    args: req.args,
    ...(req.freeForm !== undefined ? { freeForm: req.freeForm } : {}),
    vars: req.vars,
    check: req.check,
    diff: req.diff,
    yes: req.yes,
    async exec(command, given) {
      if (req.local) return ports.localExec(command, options(given));
      return (await connection()).exec(command, options(given));
    },
    connection,
    async reconnect(opts) {
      if (req.local) throw new UsageError('cannot reconnect to the controller');
      if (!ports.reconnect) throw new UsageError('this run cannot reconnect to hosts');
      return ports.reconnect(ports.specFor(req.target), opts);
    },
    controller: ports.controller,
    ...(req.searchPath ? { searchPath: req.searchPath } : {}),
    ...(ports.kube ? { kube: ports.kube } : {}),
    clock: ports.clock,
    signal: req.signal,
    emit: (event: RunEvent) => ports.emit(event),
    ...(req.runId !== undefined ? { runId: req.runId } : {}),
    ...(ports.holdClusterLock ? { holdClusterLock: (seconds: number, why: string) => ports.holdClusterLock!(seconds, why) } : {}),
  };
}
