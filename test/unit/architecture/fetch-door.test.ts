/**
 * Node's built-in fetch is a door like a package's: only src/notify/http.ts calls it (docs/architecture.md).
 * dependency-cruiser cannot see a global, so this test reads the sources.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '../../../src');
const DOOR = 'notify/http.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The files of src/ that call the global fetch (a method named fetch, `.fetch(`, does not count). */
export function fetchCallers(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.filter((f) => /(^|[^.\w])fetch\s*\(/m.test(f.text)).map((f) => f.path);
}

describe('architecture: the fetch door', () => {
  it('only src/notify/http.ts calls fetch', () => {
    const files = sources(src).map((path) => ({ path: relative(src, path), text: readFileSync(path, 'utf8') }));
    expect(fetchCallers(files)).to.deep.equal([DOOR]);
  });

  it('would catch another caller', () => {
    expect(fetchCallers([{ path: 'kube/x.ts', text: 'await fetch(url)' }, { path: 'y.ts', text: 'client.fetch(url)' }])).to.deep.equal(['kube/x.ts']);
  });
});
