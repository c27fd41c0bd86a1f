/**
 * The OpenSSH known_hosts format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c, match.c): a pure parser
 * and the host-name matching rules. No I/O here; `known-hosts.ts` builds the checks and the file store on it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConfigIssue } from '../errors.js';
import { keyTypeOf } from './fingerprint.js';

export type KnownHostsMarker = 'cert-authority' | 'revoked';

export interface KnownHostsEntry {
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  marker?: KnownHostsMarker;
  /** The host field as written: a pattern list, or one hashed name. */
  hostField: string;
  /** Set for `|1|salt|hmac` entries. */
  hashed?: { salt: Buffer; hmac: Buffer };
  keyType: string;
  /** The key in SSH wire format, comparable with the blob a server presents. */
  key: Buffer;
  comment?: string;
}

const HASH_MAGIC = '|1|';
const SHA1_LENGTH = 20;

/** The name OpenSSH records and looks up: `host` for port 22, `[host]:port` otherwise (put_host_port). */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, what `ssh-keygen -H` and HashKnownHosts write. */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const hmac = createHmac('sha1', salt).update(name).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${hmac.toString('base64')}`;
}

/** OpenSSH match_pattern: `*` any run, `?` exactly one character, case-insensitive for host names. */
export function matchGlob(text: string, pattern: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text.toLowerCase());
}

/**
 * OpenSSH match_pattern_list: 1 when some pattern matches, -1 when a negated (`!`) pattern matches (which
 * overrides any positive match on the line), 0 otherwise.
 */
export function matchPatternList(name: string, patternList: string): 1 | 0 | -1 {
  let positive = false;
  for (const pattern of patternList.split(',')) {
    if (pattern.startsWith('!')) {
      if (matchGlob(name, pattern.slice(1))) return -1;
    } else if (pattern !== '' && matchGlob(name, pattern)) {
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** Whether the entry's host field names `name` (already in `knownHostsName` form). */
export function entryMatchesName(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed) {
    const hmac = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return timingSafeEqual(hmac, entry.hashed.hmac);
  }
  return matchPatternList(name, entry.hostField) === 1;
}

function parseHashedField(field: string): { salt: Buffer; hmac: Buffer } | string {
  const parts = field.slice(HASH_MAGIC.length).split('|');
  if (parts.length !== 2) return 'hashed host name is not |1|salt|hash';
  const [saltText = '', hmacText = ''] = parts;
  const salt = Buffer.from(saltText, 'base64');
  const hmac = Buffer.from(hmacText, 'base64');
  if (salt.length !== SHA1_LENGTH || hmac.length !== SHA1_LENGTH) {
    return 'hashed host name has a salt or hash that is not 20 bytes of base64';
  }
  return { salt, hmac };
}

function decodeKey(base64: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const key = Buffer.from(base64, 'base64');
  return key.length > 0 ? key : undefined;
}

/**
 * Parses one known_hosts file. Comments and blank lines are skipped; a malformed line is skipped and reported
 * in `warnings` as file:line (OpenSSH also skips such lines rather than failing).
 */
export function parseKnownHosts(text: string, file: string, warnings: ConfigIssue[] = []): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const warn = (message: string): void => {
      warnings.push({ file, line, message: `${message}; line ignored` });
    };
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostsMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const word = fields.shift();
      if (word === '@cert-authority') marker = 'cert-authority';
      else if (word === '@revoked') marker = 'revoked';
      else return warn(`unknown marker "${word}"`);
    }
    const [hostField, keyType, base64, ...rest] = fields;
    if (hostField === undefined || keyType === undefined || base64 === undefined) {
      return warn('expected "[marker] hostnames keytype base64-key [comment]"');
    }
    const key = decodeKey(base64);
    if (!key) return warn(`key for ${keyType} is not valid base64`);
    const blobType = keyTypeOf(key);
    if (blobType !== keyType) {
      return warn(`key type field says "${keyType}" but the key is "${blobType ?? 'unreadable'}"`);
    }
    let hashed: KnownHostsEntry['hashed'];
    if (hostField.startsWith(HASH_MAGIC)) {
      const parsed = parseHashedField(hostField);
      if (typeof parsed === 'string') return warn(parsed);
      hashed = parsed;
    }
    const entry: KnownHostsEntry = { file, line, hostField, keyType, key };
    if (marker) entry.marker = marker;
    if (hashed) entry.hashed = hashed;
    if (rest.length > 0) entry.comment = rest.join(' ');
    entries.push(entry);
  });
  return entries;
}

/** Whether a pattern list names hosts literally: no wildcards, no negation, so equality decides a match. */
function literalNames(patternList: string): string[] | undefined {
  const names: string[] = [];
  for (const pattern of patternList.split(',')) {
    if (pattern === '') continue;
    if (pattern.startsWith('!') || pattern.includes('*') || pattern.includes('?')) return undefined;
    names.push(pattern.toLowerCase());
  }
  return names;
}

/**
 * known_hosts entries indexed for lookup by name. A fleet's file holds one literal line per host, so matching
 * every connection against every line by glob costs O(hosts²) for a run; here literal host fields are found in
 * a Map and only hashed, wildcard and negated entries are evaluated one by one. Answers are exactly those of
 * `entryMatchesName` over every entry, in file order.
 */
export class KnownHostsIndex {
  private readonly byName = new Map<string, number[]>();
  /** Positions of entries that must be evaluated (hashed, wildcard, negated). */
  private readonly evaluated: number[] = [];
  private readonly all: KnownHostsEntry[] = [];
  private readonly revokedEntries: KnownHostsEntry[] = [];
  /** Pattern evaluations performed by lookups (hashes computed or pattern lists matched): for tests. */
  evaluations = 0;

  constructor(entries: readonly KnownHostsEntry[] = []) {
    for (const entry of entries) this.add(entry);
  }

  get entries(): readonly KnownHostsEntry[] {
    return this.all;
  }

  add(entry: KnownHostsEntry): void {
    const position = this.all.push(entry) - 1;
    if (entry.marker === 'revoked') this.revokedEntries.push(entry);
    const names = entry.hashed ? undefined : literalNames(entry.hostField);
    if (!names) {
      this.evaluated.push(position);
      return;
    }
    for (const name of new Set(names)) {
      const bucket = this.byName.get(name);
      if (bucket) bucket.push(position);
      else this.byName.set(name, [position]);
    }
  }

  /** Entries with this marker (undefined: plain lines) whose host field names `name`, in file order. */
  matching(name: string, marker?: KnownHostsMarker): KnownHostsEntry[] {
    const literal = this.byName.get(name.toLowerCase()) ?? [];
    const evaluated = this.evaluated.filter((position) => {
      const entry = this.all[position]!;
      if (entry.marker !== marker) return false;
      this.evaluations += 1;
      return entryMatchesName(entry, name);
    });
    return mergeSorted(literal, evaluated)
      .map((position) => this.all[position]!)
      .filter((entry) => entry.marker === marker);
  }

  /** @revoked entries holding this key, whatever host they name. */
  revoked(key: Buffer): KnownHostsEntry[] {
    return this.revokedEntries.filter((entry) => entry.key.equals(key));
  }
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
