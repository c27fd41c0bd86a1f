/**
 * Private key files for authentication: read, decrypted and judged once per run, because ssh2's bcrypt KDF
 * in JavaScript takes about a second per encrypted key at default rounds and every host would pay it again.
 * The key format itself is ssh2's business: ssh.ts hands in its parser, so this module never imports ssh2.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IdentityAttempt } from './connect-errors.js';

/** A parsed private key, an Error for a file that is not one, or undefined for a public-only file. */
export type PrivateKeyParser<K> = (data: Buffer, passphrase: string | undefined) => K | Error | undefined;

export interface Identity<K> extends IdentityAttempt {
  key?: K;
}

export type IdentityLoader<K> = (file: string, passphrase: string | undefined) => Promise<Identity<K>>;

/** A loader with its own cache keyed by file, mtime, size and a hash of the passphrase (never the passphrase). */
export function createIdentityLoader<K>(parse: PrivateKeyParser<K>): IdentityLoader<K> {
  const cache = new Map<string, Promise<Identity<K>>>();
  return async (file, passphrase) => {
    let info;
    try {
      info = await stat(file);
    } catch {
      return { file, problem: 'not found' };
    }
    const secret = createHash('sha256').update(passphrase ?? '\0none').digest('hex');
    const cacheKey = `${file}\0${info.mtimeMs}\0${info.size}\0${secret}`;
    let loaded = cache.get(cacheKey);
    if (!loaded) {
      loaded = readIdentity(file, passphrase, parse);
      cache.set(cacheKey, loaded);
    }
    return loaded;
  };
}

async function readIdentity<K>(file: string, passphrase: string | undefined, parse: PrivateKeyParser<K>): Promise<Identity<K>> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    return { file, problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const parsed = parse(data, passphrase);
  if (parsed instanceof Error) return { file, problem: parseProblem(parsed.message, passphrase) };
  if (parsed === undefined) return { file, problem: 'holds no private key' };
  return { file, key: parsed };
}

function parseProblem(message: string, passphrase: string | undefined): string {
  if (/no passphrase given/i.test(message)) return 'is encrypted and no passphrase was given';
  if (passphrase !== undefined && /passphrase|decrypt|integrity/i.test(message)) {
    return 'could not be decrypted: wrong passphrase';
  }
  return `is not a usable private key (${message})`;
}
