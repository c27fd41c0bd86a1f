import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputTooLargeError, readTextCapped, readTextCappedSync } from '../../../src/util/read-capped.js';

describe('util/read-capped: input files read with a cap', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-read-capped-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, read] of [['async', readTextCapped], ['sync', async (p: string, l?: number) => readTextCappedSync(p, l)]] as const) {
    it(`${name}: reads a file up to the cap whole, and refuses one byte more`, async () => {
      const file = join(dir, `${name}.txt`);
      writeFileSync(file, 'é'.repeat(50)); // 100 bytes, multi-byte characters across reads
      expect(await read(file, 100)).to.equal('é'.repeat(50));
      const err = await read(file, 99).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InputTooLargeError);
      expect((err as InputTooLargeError).code).to.equal('EFBIG');
    });

    it(`${name}: stops an endless file (/dev/zero) at the cap`, async () => {
      const err = await read('/dev/zero', 3 * 1024 * 1024).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(InputTooLargeError);
    });
  }
});
