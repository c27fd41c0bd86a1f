/**
 * Network facts from the fact script's `route4=`, `route6=`, `addr=` (`ip -o addr show`) and `link=` lines,
 * shaped as Ansible's Linux network facts: ansible_default_ipv4/_ipv6 (the interface of the route to
 * Ansible's probe address, merged with that address's details), ansible_all_ipv4_addresses (no 127.*),
 * ansible_all_ipv6_addresses (no ::1) and ansible_interfaces.
 */
import { DEFAULT_ROUTE_PROBES } from './facts-script.js';

interface Link {
  macaddress: string;
  mtu: number;
  type: string;
}

interface Address {
  device: string;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  broadcast?: string;
  scope: string;
  label: string;
}

/** /sys/class/net/X/type numbers Ansible names. */
const LINK_TYPES: Record<string, string> = { '1': 'ether', '512': 'ppp', '772': 'loopback' };

function parseLink(line: string): [string, Link] | undefined {
  const [name, mac, mtu, type, bridge] = line.trim().split(/\s+/);
  if (!name) return undefined;
  return [name, { macaddress: mac ?? 'unknown', mtu: Number(mtu), type: bridge === '1' ? 'bridge' : (LINK_TYPES[type ?? ''] ?? 'unknown') }];
}

/** `4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft forever ...` */
function parseAddress(line: string): Address | undefined {
  const main = line.split('\\')[0] ?? '';
  const words = main.trim().split(/\s+/);
  const device = words[1]?.replace(/@.*$/, '');
  const family = words[2];
  if (!device || (family !== 'inet' && family !== 'inet6')) return undefined;
  const [address, prefix] = (words[3] ?? '').split('/');
  if (!address) return undefined;
  const out: Address = { device, family, address, prefix: Number(prefix ?? (family === 'inet' ? 32 : 128)), scope: '', label: words[words.length - 1] ?? device };
  for (let i = 4; i < words.length - 1; i++) {
    if (words[i] === 'brd') out.broadcast = words[i + 1]!;
    if (words[i] === 'scope') out.scope = words[i + 1]!;
  }
  return out;
}

/** `8.8.8.8 via 192.0.2.1 dev eth0 src 192.0.2.2 uid 0`: interface, address and gateway, as Ansible reads them. */
function parseRoute(line: string, probe: string): Record<string, string> {
  const words = line.trim().split(/\s+/);
  const out: Record<string, string> = {};
  if (words[0] !== probe) return out;
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === 'dev') out['interface'] = words[i + 1]!;
    else if (words[i] === 'src') out['address'] = words[i + 1]!;
    else if (words[i] === 'via' && words[i + 1] !== probe) out['gateway'] = words[i + 1]!;
  }
  return out;
}

function ipv4Netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

export interface NetworkFacts {
  default_ipv4: Record<string, unknown>;
  default_ipv6: Record<string, unknown>;
  all_ipv4_addresses: string[];
  all_ipv6_addresses: string[];
  interfaces: string[];
}

export function networkFacts(lines: { route4: string; route6: string; addr: string[]; link: string[] }): NetworkFacts {
  const links = new Map(lines.link.map(parseLink).filter((l) => l !== undefined));
  const addresses = lines.addr.map(parseAddress).filter((a) => a !== undefined);
  const linkOf = (device: string): Record<string, unknown> => {
    const link = links.get(device);
    return { macaddress: link?.macaddress ?? 'unknown', mtu: link?.mtu ?? 0, type: link?.type ?? 'unknown' };
  };
  const default_ipv4: Record<string, unknown> = parseRoute(lines.route4, DEFAULT_ROUTE_PROBES.v4);
  const v4 = addresses.find((a) => a.family === 'inet' && a.address === default_ipv4['address']);
  if (v4) {
    const mask = ipv4Netmask(v4.prefix);
    Object.assign(default_ipv4, {
      broadcast: v4.broadcast ?? '',
      netmask: intToIpv4(mask),
      network: intToIpv4((ipv4ToInt(v4.address) & mask) >>> 0),
      prefix: String(v4.prefix),
      ...linkOf(v4.device),
      alias: v4.label,
    });
  }
  const default_ipv6: Record<string, unknown> = parseRoute(lines.route6, DEFAULT_ROUTE_PROBES.v6);
  const v6 = addresses.find((a) => a.family === 'inet6' && a.address === default_ipv6['address']);
  if (v6) Object.assign(default_ipv6, { prefix: String(v6.prefix), scope: v6.scope, ...linkOf(v6.device) });
  return {
    default_ipv4: sortKeys(default_ipv4),
    default_ipv6: sortKeys(default_ipv6),
    all_ipv4_addresses: addresses.filter((a) => a.family === 'inet' && !a.address.startsWith('127.')).map((a) => a.address),
    all_ipv6_addresses: addresses.filter((a) => a.family === 'inet6' && a.address !== '::1').map((a) => a.address),
    interfaces: [...links.keys()],
  };
}

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
