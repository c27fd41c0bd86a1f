import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { createIdentityLoader } from '../../../src/transport/identity-files.js';
import { makeTempDir } from './host-key-fixtures.js';

describe('transport/identity-files', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir('identity');
  });
  afterEach(() => temp.cleanup());

  /** A parser standing in for ssh2's: "ENCRYPTED" files need the passphrase "right". */
  function loader() {
    const parsed: string[] = [];
    const load = createIdentityLoader<string>((data, passphrase) => {
      parsed.push(`${data.toString()}/${passphrase ?? '-'}`);
      const text = data.toString();
      if (text === 'PUBLIC') return undefined;
      if (text === 'GARBAGE') return new Error('Unsupported key format');
      if (text === 'ENCRYPTED' && passphrase === undefined) return new Error('Encrypted private OpenSSH key detected, but no passphrase given');
      if (text === 'ENCRYPTED' && passphrase !== 'right') return new Error('Failed to decrypt: bad integrity check');
      return `key:${text}`;
    });
    return { load, parsed };
  }

  it('parses a file once per run for the same passphrase, again after the file changes', async () => {
    const file = join(temp.dir, 'id_ed25519');
    writeFileSync(file, 'KEY1');
    const { load, parsed } = loader();
    expect(await load(file, undefined)).to.deep.equal({ file, key: 'key:KEY1' });
    await load(file, undefined);
    writeFileSync(file, 'KEY22');
    expect(await load(file, undefined)).to.deep.equal({ file, key: 'key:KEY22' });
    expect(parsed).to.deep.equal(['KEY1/-', 'KEY22/-']);
  });

  it('says why a file cannot be used, never echoing the passphrase', async () => {
    const { load } = loader();
    const write = (name: string, text: string): string => {
      const file = join(temp.dir, name);
      writeFileSync(file, text);
      return file;
    };
    const encrypted = write('enc', 'ENCRYPTED');
    expect(await load(join(temp.dir, 'missing'), undefined)).to.include({ problem: 'not found' });
    expect(await load(write('pub', 'PUBLIC'), undefined)).to.include({ problem: 'holds no private key' });
    expect(await load(write('junk', 'GARBAGE'), undefined)).to.include({ problem: 'is not a usable private key (Unsupported key format)' });
    expect(await load(encrypted, undefined)).to.include({ problem: 'is encrypted and no passphrase was given' });
    const wrong = await load(encrypted, 'hunter2');
    expect(wrong).to.include({ problem: 'could not be decrypted: wrong passphrase' });
    expect(JSON.stringify(wrong)).not.to.include('hunter2');
    expect(await load(encrypted, 'right')).to.deep.equal({ file: encrypted, key: 'key:ENCRYPTED' });
  });
});
