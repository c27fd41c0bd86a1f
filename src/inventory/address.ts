/**
 * Splits an inventory host token into name and optional port, the way Ansible's `parse_address` does with
 * ranges allowed: `web1:2222`, `[2001:db8::1]:22`, bare IPv6 `fe80::1`, and `node[01:03]:22` (the colons of
 * a range are not port separators).
 */
import { isIPv6 } from 'node:net';

export type AddressParse = { ok: true; host: string; port?: number } | { ok: false; error: string };

/** True for an IPv6 address, also one whose components are host ranges (`fe80::[1:4]`). */
export function looksLikeIPv6(text: string): boolean {
  const withoutRanges = text.replace(/\[[0-9a-fA-F]*:[0-9a-fA-F]*(?::[0-9]+)?\]/g, '0');
  return isIPv6(withoutRanges);
}

export function parseHostAddress(token: string): AddressParse {
  const text = token.trim();
  if (text === '') return { ok: false, error: 'empty host name' };
  const bracketed = /^\[([^\]]+)\]:([0-9]+)$/.exec(text);
  if (bracketed && looksLikeIPv6(bracketed[1]!)) return withPort(bracketed[1]!, bracketed[2]!, token);
  if (/^\[[^\]]+\]$/.test(text) && looksLikeIPv6(text.slice(1, -1))) return { ok: true, host: text.slice(1, -1) };
  if (looksLikeIPv6(text)) return { ok: true, host: text };
  const hostPort = /^((?:[^:[\]]|\[[^\]]*\])+):([0-9]+)$/.exec(text);
  if (hostPort) return withPort(hostPort[1]!, hostPort[2]!, token);
  const outside = text.replace(/\[[^\]]*\]/g, '');
  if (outside.includes(':')) {
    return {
      ok: false,
      error: `invalid host "${token}": ":" is reserved for a numeric port (host:port) outside a [begin:end] range`,
    };
  }
  return { ok: true, host: text };
}

function withPort(host: string, portText: string, token: string): AddressParse {
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, error: `invalid port in "${token}": ${portText} is not between 1 and 65535` };
  }
  return { ok: true, host, port };
}
