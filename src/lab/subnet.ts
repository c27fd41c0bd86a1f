/**
 * Choosing the lab's own /24. Pure: given what the machine already uses (its addresses and routes), pick a
 * 10.213.x.0/24 that overlaps none of them, so lab traffic can never reach anything but the lab's hosts.
 */

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function parseCidr(text: string): Cidr | null {
  const [address, prefixText] = text.split('/');
  const ip = parseIpv4(address ?? '');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (ip === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  return { network: ip - (ip % size), prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.network + 2 ** (32 - a.prefix) - 1;
  const bEnd = b.network + 2 ** (32 - b.prefix) - 1;
  return a.network <= bEnd && b.network <= aEnd;
}

/**
 * Networks in use, from `ip -4 -o addr show` and `ip -4 route show table all`. Default routes are left out:
 * they cover everything and say nothing about which addresses are taken.
 */
export function usedNetworks(addrOutput: string, routeOutput: string): Cidr[] {
  const used: Cidr[] = [];
  for (const match of addrOutput.matchAll(/\binet (\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    const cidr = parseCidr(match[1]!);
    if (cidr) used.push(cidr);
  }
  for (const line of routeOutput.split('\n')) {
    const words = line.trim().split(/\s+/);
    // "local 10.0.0.1 dev …", "broadcast …", "unicast 10.1.0.0/16 …", or the destination first.
    const dest = ['local', 'broadcast', 'unicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'anycast', 'multicast'].includes(words[0] ?? '')
      ? words[1]
      : words[0];
    if (!dest || dest === 'default') continue;
    const cidr = parseCidr(dest);
    if (cidr && cidr.prefix > 0) used.push(cidr);
  }
  return used;
}

export interface SubnetChoice {
  /** e.g. "10.213.7" — the first three octets; the bridge is .1, hosts from .11. */
  base: string;
  cidr: string;
}

/** The first free 10.213.x.0/24, starting at a lab-specific x so two labs rarely try the same one. */
export function chooseSubnet(used: Cidr[], startAt: number): SubnetChoice | null {
  for (let step = 0; step < 256; step++) {
    const third = (startAt + step) % 256;
    const candidate: Cidr = { network: parseIpv4(`10.213.${third}.0`)!, prefix: 24 };
    if (!used.some((u) => overlaps(u, candidate))) return { base: `10.213.${third}`, cidr: `10.213.${third}.0/24` };
  }
  return null;
}

export const FIRST_HOST_OCTET = 11;

export function hostAddress(base: string, index: number): string {
  return `${base}.${FIRST_HOST_OCTET + index}`;
}

export function bridgeAddress(base: string): string {
  return `${base}.1`;
}
