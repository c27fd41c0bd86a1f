/**
 * The lab's network, through `ip`: one bridge in the machine's namespace holding the lab's /24, and per host
 * a network namespace with a veth pair (eth0 inside, the other end on the bridge). No default route, no NAT,
 * no forwarding changes: hosts reach each other and the bridge address, nothing else.
 */
import { run, runChecked, systemEnv } from './sys.js';
import { usedNetworks, type Cidr } from './subnet.js';

const env = systemEnv();
const ip = (args: string[]) => runChecked('ip', args, { env });
const ipMaybe = (args: string[]) => run('ip', args, { env });

export async function machineNetworks(): Promise<Cidr[]> {
  const addrs = await ip(['-4', '-o', 'addr', 'show']);
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']);
  return usedNetworks(addrs.stdout, routes.stdout);
}

export async function createBridge(bridge: string, addressWithPrefix: string): Promise<void> {
  await ip(['link', 'add', 'name', bridge, 'type', 'bridge']);
  await ip(['addr', 'add', addressWithPrefix, 'dev', bridge]);
  await ip(['link', 'set', bridge, 'up']);
}

export interface HostLink {
  netns: string;
  vethOuter: string;
  bridge: string;
  addressWithPrefix: string;
}

export async function createHostNetwork(link: HostLink): Promise<void> {
  await ip(['netns', 'add', link.netns]);
  await ip(['link', 'add', link.vethOuter, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', link.netns]);
  await ip(['link', 'set', link.vethOuter, 'master', link.bridge]);
  await ip(['link', 'set', link.vethOuter, 'up']);
  await ip(['-n', link.netns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', link.netns, 'addr', 'add', link.addressWithPrefix, 'dev', 'eth0']);
  await ip(['-n', link.netns, 'link', 'set', 'eth0', 'up']);
}

/** Administrative state of the machine-side end: down means the host is cut off (a partition). */
export async function linkIsUp(name: string): Promise<boolean | null> {
  const result = await ipMaybe(['-o', 'link', 'show', 'dev', name]);
  if (result.code !== 0) return null;
  const flags = /<([^>]*)>/.exec(result.stdout)?.[1]?.split(',') ?? [];
  return flags.includes('UP');
}

export async function setLink(name: string, up: boolean): Promise<void> {
  await ip(['link', 'set', name, up ? 'up' : 'down']);
}

/** Names of the machine's links (for finding a lab's leftovers). */
export async function linkNames(): Promise<string[]> {
  const result = await ip(['-o', 'link', 'show']);
  return [...result.stdout.matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((m) => m[1]!);
}

export async function netnsNames(): Promise<string[]> {
  const result = await ip(['netns', 'list']);
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Removing a link that is already gone is fine: teardown must work on a half-made or crashed lab. */
export async function deleteLink(name: string): Promise<void> {
  const result = await ipMaybe(['link', 'del', name]);
  if (result.code !== 0 && !/Cannot find device|does not exist/i.test(result.stderr)) {
    throw new Error(`ip link del ${name}: ${result.stderr.trim()}`);
  }
}

export async function deleteNetns(name: string): Promise<void> {
  const result = await ipMaybe(['netns', 'del', name]);
  if (result.code !== 0 && !/No such file|does not exist/i.test(result.stderr)) {
    throw new Error(`ip netns del ${name}: ${result.stderr.trim()}`);
  }
}
