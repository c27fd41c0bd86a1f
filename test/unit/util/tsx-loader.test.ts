import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsxLoaderArgs } from '../../../src/util/tsx-loader.js';

describe('util/tsx-loader', () => {
  it('points a TypeScript entry at the installed tsx loader', () => {
    const args = tsxLoaderArgs(pathToFileURL(`${process.cwd()}/src/lab/up.ts`).href);
    expect(args[0]).to.equal('--import');
    expect(existsSync(fileURLToPath(args[1]!))).to.equal(true);
  });
  it('adds nothing for built JavaScript', () => {
    expect(tsxLoaderArgs('file:///opt/drydock/dist/lab/up.js')).to.deep.equal([]);
  });
});
