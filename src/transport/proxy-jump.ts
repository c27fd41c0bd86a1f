/**
 * ProxyJump values (ssh_config(5)): `none`, or comma-separated hops `[user@]host[:port]` or
 * `ssh://[user@]host[:port]`, outermost first.
 */
import { parsePort } from './ssh-option-values.js';

export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
  /** The hop as written, for messages. */
  text: string;
}

/** Hops outermost first; [] for `none`. Returns the error text for a malformed hop. */
export function parseProxyJump(value: string): JumpHop[] | string {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'none') return [];
  const hops: JumpHop[] = [];
  for (const text of trimmed.split(',').map((part) => part.trim())) {
    const hop = parseHop(text);
    if (typeof hop === 'string') return hop;
    hops.push(hop);
  }
  return hops;
}

function parseHop(text: string): JumpHop | string {
  const invalid = `ProxyJump hop "${text}" is not [user@]host[:port] or ssh://[user@]host[:port]`;
  let rest = text.startsWith('ssh://') ? text.slice('ssh://'.length).replace(/\/$/, '') : text;
  if (rest === '' || /[\s/]/.test(rest)) return invalid;
  const hop: JumpHop = { host: '', text };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    hop.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (hop.user === '') return invalid;
  }
  // [v6-address]:port, or host:port with at most one colon.
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  let portText: string | undefined;
  if (bracketed) {
    hop.host = bracketed[1] as string;
    portText = bracketed[2];
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) return invalid;
    hop.host = parts[0] as string;
    portText = parts[1];
  }
  if (hop.host === '') return invalid;
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) return `ProxyJump hop "${text}" has an invalid port "${portText}"`;
    hop.port = port;
  }
  return hop;
}
