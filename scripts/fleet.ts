/**
 * Starts and stops a loopback sshd fleet outside the test runner (benchmarks, manual runs):
 *
 *   node --import tsx scripts/fleet.ts start --hosts 200 --dir /tmp/fleet [--port P] [--first-address 127.0.10.1]
 *                                            [--max-sessions 32] [--name node]
 *   node --import tsx scripts/fleet.ts stop --dir /tmp/fleet
 *
 * `start` leaves the sshds running and writes <dir>/fleet.json (the Fleet fields: hosts, keys, known_hosts,
 * inventory, ssh_config, sudo user and password, sshd pids); `stop` ends them and removes the directory
 * when `start` created it.
 */
import { join } from 'node:path';
import { startFleet, stopFleetDir } from '../test/helpers/fleet.js';
import type { FleetOptions } from '../test/helpers/fleet.js';

const USAGE =
  'usage: fleet.ts start --hosts N --dir DIR [--port P] [--first-address A] [--max-sessions M] [--name PREFIX]\n' +
  '       fleet.ts stop --dir DIR';

function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    const value = args[i + 1];
    if (!name?.startsWith('--') || value === undefined) throw new Error(`bad argument ${name ?? ''}\n${USAGE}`);
    flags.set(name.slice(2), value);
  }
  return flags;
}

function positiveInt(flags: Map<string, string>, name: string): number | undefined {
  const text = flags.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flags = parseFlags(rest);
  const dir = flags.get('dir');
  if (!dir || (command !== 'start' && command !== 'stop')) throw new Error(USAGE);
  if (command === 'stop') {
    await stopFleetDir(dir);
    console.log(`fleet in ${dir} stopped`);
    return;
  }
  const hosts = positiveInt(flags, 'hosts');
  if (!hosts) throw new Error(`--hosts is required\n${USAGE}`);
  const options: FleetOptions = { hosts, dir, persistent: true };
  const port = positiveInt(flags, 'port');
  const maxSessions = positiveInt(flags, 'max-sessions');
  if (port) options.port = port;
  if (maxSessions) options.maxSessions = maxSessions;
  if (flags.has('first-address')) options.firstAddress = flags.get('first-address')!;
  if (flags.has('name')) options.name = flags.get('name')!;
  const fleet = await startFleet(options);
  const first = fleet.hosts[0]!;
  const last = fleet.hosts[fleet.hosts.length - 1]!;
  console.log(
    `fleet of ${fleet.hosts.length} hosts (${first.address}..${last.address}, port ${fleet.port}) ` +
      `on ${fleet.pids.length} sshd processes; details in ${join(fleet.dir, 'fleet.json')}`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
