/**
 * The setup the task-module fleet tests share: a one-host loopback fleet, one SSH connection to it, a scratch
 * folder, a `run(module, options)` through that connection, and Ansible's recorded results
 * (test/fixtures/ansible/<topic>/) with the key check they are compared by.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import type { ModuleResult } from '../../../src/modules/types.js';
import { KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { openSshConnection, type SshConnection } from '../../../src/transport/ssh.js';
import { fleetSpec, startFleet, type Fleet, type FleetOptions } from '../../helpers/fleet.js';
import { realModuleContext, type RealContextOptions } from '../../helpers/module-context.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/ansible');

export interface ModuleFleet {
  fleet: Fleet;
  conn: SshConnection;
  dir: string;
}

export interface ModuleFleetOptions {
  firstAddress: string;
  /** The scratch folder's name prefix (under the system temporary folder). */
  dirPrefix: string;
  /** Runs on the new scratch folder before the fleet starts; what it returns joins the fleet's options. */
  prepare?: (dir: string) => Promise<Partial<FleetOptions>>;
}

/** Makes the scratch folder, starts the fleet and connects; on a failure, undoes what it did. */
export async function openModuleFleet(options: ModuleFleetOptions): Promise<ModuleFleet> {
  const opened: Partial<ModuleFleet> = {};
  try {
    opened.dir = await mkdtemp(join(tmpdir(), options.dirPrefix));
    const extra = options.prepare ? await options.prepare(opened.dir) : {};
    opened.fleet = await startFleet({ ...extra, hosts: 1, firstAddress: options.firstAddress });
    const knownHosts = await KnownHostsStore.load([opened.fleet.knownHostsFile], []);
    opened.conn = await openSshConnection(fleetSpec(opened.fleet), { knownHosts });
    return opened as ModuleFleet;
  } catch (err) {
    await closeModuleFleet(opened);
    throw err;
  }
}

/** Closes the connection, stops the fleet and removes the scratch folder (whichever of them exist). */
export async function closeModuleFleet(opened: Partial<ModuleFleet>): Promise<void> {
  await opened.conn?.close();
  await opened.fleet?.stop();
  if (opened.dir) await rm(opened.dir, { recursive: true, force: true });
}

const modules = taskModules();

/** Runs a task module over the connection `conn()` returns (read at each call, after `before` has opened it). */
export function moduleRunner(conn: () => SshConnection) {
  return (name: string, options: RealContextOptions & { searchPath?: string[] }): Promise<ModuleResult> => {
    const ctx = realModuleContext(conn(), options);
    return modules.get(name)!.run(options.searchPath ? { ...ctx, searchPath: options.searchPath } : ctx);
  };
}

/** A recorded Ansible result file of test/fixtures/ansible/<topic>/, parsed. */
export function fixture<T = Record<string, Record<string, unknown>>>(topic: string, file = 'results.json'): Promise<T> {
  return readFile(join(FIXTURES, topic, file), 'utf8').then((text) => JSON.parse(text) as T);
}

/** The keys of Ansible's result that drydock's must also have. */
export function expectKeys(result: ModuleResult, ansible: Record<string, unknown>, ignore: string[] = []): void {
  const wanted = Object.keys(ansible).filter((k) => !k.startsWith('_ansible') && !['action', 'invocation', ...ignore].includes(k));
  expect(Object.keys(result)).to.include.members(wanted);
}
