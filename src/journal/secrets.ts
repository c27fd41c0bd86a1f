/**
 * no_log results kept for `drydock resume`. The journal masks a no_log task's result (it holds a password, a
 * token...), so a resumed run could not give its registered variable back. The unmasked result is kept
 * instead in `<state>/runs/<runId>.secrets` (0600, beside the journal), one JSON line per result, each one
 * encrypted with AES-256-GCM under a key made for the run, `<state>/keys/<runId>.key` (0600, in a 0700
 * folder of its own). Each line is written and fsynced before the result's journal line, so a result the
 * journal recorded has its value here.
 *
 * What this protects against, honestly: a journal folder that is copied, attached to a ticket, backed up or
 * synced without the keys folder gives nothing away, and grepping the state folder for a secret finds
 * nothing. What it does not: anyone who can read the user's state folder as that user (or root) can read the
 * key too, exactly as they could read the value on the host it came from. The key only has to outlive the
 * run until it is resumed; both files are removed when a run (or the run resuming it) succeeds.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';

/** The synchronous file calls the journal and its secrets need, injected so tests can see each fsync. */
export interface JournalFs {
  mkdirSync(path: string, options: { recursive: true; mode?: number }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: Buffer): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  unlinkSync(path: string): void;
}

/** One no_log result: what the task registered (unmasked) and the facts it set. */
export interface KeptSecret {
  taskId: string;
  host: string;
  data: Record<string, unknown>;
  facts?: Record<string, unknown>;
}

interface SecretLine {
  taskId: string;
  host: string;
  iv: string;
  tag: string;
  box: string;
}

export const secretsPath = (stateDir: string, runId: string): string => join(stateDir, 'runs', `${runId}.secrets`);
export const keyPath = (stateDir: string, runId: string): string => join(stateDir, 'keys', `${runId}.key`);

/** Binds each line to its run, task and host: a line moved to another run or host fails to decrypt. */
const aad = (runId: string, taskId: string, host: string): Buffer => Buffer.from(`drydock-secret\0${runId}\0${taskId}\0${host}`);

/** Writes all of `data`, going on after a short write (a filling disk writes part of a line, then fails). */
export function writeFully(fs: JournalFs, fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const n = fs.writeSync(fd, data.subarray(offset));
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    offset += n;
  }
}

export class SecretStore {
  private fd: number | undefined;
  private key: Buffer | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly runId: string,
    private readonly fs: JournalFs,
  ) {}

  /** Encrypts and appends one result (the key and the file are made on the first). Throws on a write failure. */
  keep(secret: KeptSecret): void {
    if (!this.key) {
      const key = randomBytes(32);
      this.fs.mkdirSync(join(this.stateDir, 'keys'), { recursive: true, mode: 0o700 });
      const keyFd = this.fs.openSync(keyPath(this.stateDir, this.runId), 'wx', 0o600);
      try {
        writeFully(this.fs, keyFd, Buffer.from(`${key.toString('base64')}\n`));
        this.fs.fsyncSync(keyFd);
      } finally {
        this.fs.closeSync(keyFd);
      }
      this.fd = this.fs.openSync(secretsPath(this.stateDir, this.runId), 'wx', 0o600);
      this.key = key;
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(this.runId, secret.taskId, secret.host));
    const plain = JSON.stringify({ data: secret.data, ...(secret.facts ? { facts: secret.facts } : {}) });
    const box = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const line: SecretLine = { taskId: secret.taskId, host: secret.host, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), box: box.toString('base64') };
    writeFully(this.fs, this.fd!, Buffer.from(`${JSON.stringify(line)}\n`));
    this.fs.fsyncSync(this.fd!);
  }

  close(): void {
    if (this.fd !== undefined) this.fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The results a run kept, in the order they were written. No file: none. A line that does not decrypt
 * (torn by a crash, tampered with, or its key gone) is left out: the resumed run then refuses to go past
 * the task that needs it, naming it.
 */
export function readKeptSecrets(stateDir: string, runId: string, readText: (path: string) => string = (p) => nodeFs.readFileSync(p, 'utf8')): KeptSecret[] {
  let text: string;
  let key: Buffer;
  try {
    text = readText(secretsPath(stateDir, runId));
    key = Buffer.from(readText(keyPath(stateDir, runId)).trim(), 'base64');
  } catch {
    return [];
  }
  const out: KeptSecret[] = [];
  for (const raw of text.split('\n')) {
    try {
      const line = JSON.parse(raw) as SecretLine;
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(line.iv, 'base64'));
      decipher.setAAD(aad(runId, line.taskId, line.host));
      decipher.setAuthTag(Buffer.from(line.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(line.box, 'base64')), decipher.final()]).toString('utf8');
      const value = JSON.parse(plain) as Pick<KeptSecret, 'data' | 'facts'>;
      out.push({ taskId: line.taskId, host: line.host, data: value.data, ...(value.facts ? { facts: value.facts } : {}) });
    } catch {
      // Not a whole, authentic line.
    }
  }
  return out;
}

/** Removes a run's kept results and key (a run that succeeded is never resumed). */
export function forgetSecrets(stateDir: string, runIds: readonly string[]): void {
  for (const runId of runIds) {
    for (const path of [secretsPath(stateDir, runId), keyPath(stateDir, runId)]) {
      try {
        nodeFs.rmSync(path, { force: true });
      } catch {
        // Best effort: a file left behind is only ever read by a resume of a run that succeeded (refused).
      }
    }
  }
}
