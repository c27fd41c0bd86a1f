/**
 * Host-key verification against OpenSSH known_hosts files: pure checks over parsed entries, and
 * `KnownHostsStore`, the thin I/O shell that loads the files and records accepted keys.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { sha256Fingerprint, storedKeyType } from './fingerprint.js';
import {
  KnownHostsIndex,
  hashKnownHostsName,
  knownHostsName,
  parseKnownHosts,
  type KnownHostsEntry,
} from './known-hosts-format.js';
import { expandTilde } from './ssh-paths.js';

export { KnownHostsIndex, parseKnownHosts, knownHostsName, hashKnownHostsName, type KnownHostsEntry } from './known-hosts-format.js';
export { unknownHostMessage, changedHostMessage, revokedHostMessage } from './host-key-messages.js';

export type HostKeyStatus = 'match' | 'unknown' | 'changed' | 'revoked';

/** A recorded key, as shown to the admin. */
export interface KnownKeyRef {
  file: string;
  line: number;
  keyType: string;
  fingerprint: string;
}

export interface HostKeyCheck {
  status: HostKeyStatus;
  /** For `revoked`: the @revoked lines holding the presented key. Otherwise every key recorded for the host. */
  known: KnownKeyRef[];
  /** Lines that apply to the host but cannot be used (host-certificate authorities). */
  warnings: string[];
}

function refOf(entry: KnownHostsEntry): KnownKeyRef {
  return { file: entry.file, line: entry.line, keyType: entry.keyType, fingerprint: sha256Fingerprint(entry.key) };
}

/**
 * The host and port to check and record a connection's key under. With HostKeyAlias, OpenSSH uses the alias
 * alone, without the `[…]:port` form (sshconnect.c), so one alias serves a host on any port.
 */
export function knownHostsKeyFor(spec: { hostname: string; port: number; hostKeyAlias?: string }): {
  host: string;
  port: number;
} {
  return spec.hostKeyAlias ? { host: spec.hostKeyAlias, port: 22 } : { host: spec.hostname, port: spec.port };
}

/** Parsed entries, as a list or already indexed (the store keeps an index: it answers every connection). */
export type KnownHostsEntries = readonly KnownHostsEntry[] | KnownHostsIndex;

function indexed(entries: KnownHostsEntries): KnownHostsIndex {
  return entries instanceof KnownHostsIndex ? entries : new KnownHostsIndex(entries);
}

/** Plain (unmarked) lines naming the host, in file order. `host` may be a HostKeyAlias. */
export function lookupHost(entries: KnownHostsEntries, host: string, port: number): KnownHostsEntry[] {
  return indexed(entries).matching(knownHostsName(host, port));
}

/** Key types recorded for the host, first-seen order: the connection offers these host-key algorithms first. */
export function knownKeyTypes(entries: KnownHostsEntries, host: string, port: number): string[] {
  return [...new Set(lookupHost(entries, host, port).map((entry) => entry.keyType))];
}

/**
 * OpenSSH's verdict on a presented host key. Revocation wins over everything; then an equal recorded key
 * matches; a different key of the same type recorded for this host means the identity changed; anything else
 * (including a host known only by other key types) is unknown.
 */
export function checkHostKey(
  entries: KnownHostsEntries,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyCheck {
  const index = indexed(entries);
  const revoked = index.revoked(keyBlob);
  if (revoked.length > 0) return { status: 'revoked', known: revoked.map(refOf), warnings: [] };

  const name = knownHostsName(host, port);
  const warnings = index
    .matching(name, 'cert-authority')
    .map(
      (entry) =>
        `${entry.file}:${entry.line}: @cert-authority lines are not supported (host certificates cannot be ` +
        'verified by drydock); record the host keys themselves to verify this host',
    );
  const forHost = index.matching(name);
  const known = forHost.map(refOf);
  if (forHost.some((entry) => entry.key.equals(keyBlob))) return { status: 'match', known, warnings };
  const type = storedKeyType(keyType);
  const changed = forHost.some((entry) => entry.keyType === type);
  return { status: changed ? 'changed' : 'unknown', known, warnings };
}

export interface AppendOptions {
  /** Write the host name hashed (`|1|salt|hmac`), as HashKnownHosts does. */
  hash?: boolean;
}

/** One promise chain per file across all stores, so lines from concurrent first connections never interleave. */
const appendChains = new Map<string, Promise<unknown>>();

function serialised<T>(file: string, job: () => Promise<T>): Promise<T> {
  const previous = appendChains.get(file) ?? Promise.resolve();
  const next = previous.then(job, job);
  appendChains.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function lineCount(text: string): number {
  if (text === '') return 0;
  const breaks = text.split('\n').length - 1;
  return text.endsWith('\n') ? breaks : breaks + 1;
}

/** The known_hosts files for one set of UserKnownHostsFile/GlobalKnownHostsFile settings. */
export class KnownHostsStore {
  private readonly entries: KnownHostsIndex;

  private constructor(
    entries: KnownHostsEntry[],
    /** Absolute user files; the first is where accepted keys are written. */
    readonly userFiles: readonly string[],
    readonly globalFiles: readonly string[],
    /** Malformed lines, unreadable files: worth showing, never fatal. */
    readonly warnings: readonly ConfigIssue[],
  ) {
    this.entries = new KnownHostsIndex(entries);
  }

  /** Reads every file that exists (`~` expanded); missing files are normal and simply hold no keys. */
  static async load(
    userFiles: readonly string[],
    globalFiles: readonly string[],
    options: { home?: string } = {},
  ): Promise<KnownHostsStore> {
    const home = options.home ?? homedir();
    const absolute = (file: string): string => resolvePath(expandTilde(file, home));
    const users = userFiles.map(absolute);
    const globals = globalFiles.map(absolute);
    const entries: KnownHostsEntry[] = [];
    const warnings: ConfigIssue[] = [];
    for (const file of [...users, ...globals]) {
      try {
        const text = await readIfPresent(file);
        if (text !== undefined) entries.push(...parseKnownHosts(text, file, warnings));
      } catch (error) {
        warnings.push({ file, message: `cannot read known_hosts file: ${(error as Error).message}` });
      }
    }
    return new KnownHostsStore(entries, users, globals, warnings);
  }

  /** Where `append` writes, or undefined when no user file is configured (e.g. UserKnownHostsFile none). */
  get writableFile(): string | undefined {
    return this.userFiles[0];
  }

  check(host: string, port: number, keyType: string, keyBlob: Buffer): HostKeyCheck {
    return checkHostKey(this.entries, host, port, keyType, keyBlob);
  }

  knownKeyTypes(host: string, port: number): string[] {
    return knownKeyTypes(this.entries, host, port);
  }

  /**
   * Records an accepted key: one line appended to the first user file (directory 0700 and file 0600 when
   * created), and remembered in memory so later connections in this run match. Recording the same key for
   * the same host twice (two connections racing on first use) writes it once. Resolves to the file written,
   * or undefined when there is no user file to write.
   */
  append(
    host: string,
    port: number,
    keyType: string,
    keyBlob: Buffer,
    options: AppendOptions = {},
  ): Promise<string | undefined> {
    const file = this.writableFile;
    const name = knownHostsName(host, port);
    const type = storedKeyType(keyType);
    const hostField = options.hash ? hashKnownHostsName(name, randomBytes(20)) : name;
    const remember = (line: number): void => {
      const entry: KnownHostsEntry = { file: file ?? '(memory)', line, hostField, keyType: type, key: keyBlob };
      if (options.hash) {
        const [, , salt = '', hmac = ''] = hostField.split('|');
        entry.hashed = { salt: Buffer.from(salt, 'base64'), hmac: Buffer.from(hmac, 'base64') };
      }
      this.entries.add(entry);
    };
    const alreadyKnown = (): boolean =>
      lookupHost(this.entries, host, port).some((entry) => entry.key.equals(keyBlob));
    if (file === undefined) {
      if (!alreadyKnown()) remember(0);
      return Promise.resolve(undefined);
    }
    return serialised(file, async () => {
      if (alreadyKnown()) return file;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const existing = (await readIfPresent(file)) ?? '';
      // Another store (or process) may have recorded it since this store loaded the file.
      const onDisk = lookupHost(parseKnownHosts(existing, file), host, port).find((entry) => entry.key.equals(keyBlob));
      if (onDisk) {
        this.entries.add(onDisk);
        return file;
      }
      // A file whose last line lacks its newline would otherwise glue our line onto it.
      const separator = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
      await appendFile(file, `${separator}${hostField} ${type} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
      remember(lineCount(existing) + 1);
      return file;
    });
  }
}
