/**
 * A real ModuleContext over an SSH connection, for module integration tests: exec goes to the host,
 * controller files are this machine's, the clock is real. `reconnect` opens a fresh connection.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { ModuleContext } from '../../src/modules/types.js';
import type { BecomeSpec, Connection, ConnectionSpec } from '../../src/transport/types.js';

export interface RealContextOptions {
  args: Record<string, unknown>;
  check?: boolean;
  diff?: boolean;
  yes?: boolean;
  freeForm?: string;
  vars?: Record<string, unknown>;
  /** Opens a new connection (used by reconnect); the first connection is `connection`. */
  open?: (spec: ConnectionSpec, timeoutMs?: number) => Promise<Connection>;
  spec?: ConnectionSpec;
  /** The task's become, applied to every command as the engine does. */
  become?: Partial<BecomeSpec>;
}

export interface RealContext extends ModuleContext {
  /** The connection in use now (reconnect replaces it). */
  current(): Connection;
}

export function realModuleContext(connection: Connection, options: RealContextOptions): RealContext {
  let conn = connection;
  const controller = new AbortController();
  const ctx: RealContext = {
    host: conn.name,
    target: conn.name,
    args: options.args,
    ...(options.freeForm !== undefined ? { freeForm: options.freeForm } : {}),
    vars: options.vars ?? {},
    check: options.check ?? false,
    diff: options.diff ?? false,
    yes: options.yes ?? false,
    exec: (command, execOptions) => conn.exec(command, options.become ? { become: options.become, ...execOptions } : execOptions),
    connection: async () => conn,
    async reconnect(reconnectOptions) {
      if (!options.open || !options.spec) throw new Error('this test context cannot reconnect');
      await conn.close().catch(() => undefined);
      conn = await options.open(options.spec, reconnectOptions?.timeoutMs);
      return conn;
    },
    controller: {
      readFile: (path) => readFile(path),
      writeFile: (path, data, mode) => writeFile(path, data, mode !== undefined ? { mode } : {}),
      exists: (path) => access(path).then(() => true, () => false),
      mkdirp: async (path) => {
        await mkdir(path, { recursive: true });
      },
    },
    clock: {
      now: () => Date.now(),
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          }, { once: true });
        }),
    },
    signal: controller.signal,
    emit() {},
    current: () => conn,
  };
  return ctx;
}
