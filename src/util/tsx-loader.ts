/**
 * Node flags that let a child process run one of drydock's TypeScript entry points when drydock itself runs
 * from source (a clone): `--import <tsx's loader>`. Resolved with `createRequire` because `import.meta.resolve`
 * is missing when test runners load our modules as CommonJS through tsx.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function tsxLoaderArgs(moduleUrl: string): string[] {
  if (!moduleUrl.endsWith('.ts')) return [];
  return ['--import', pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href];
}
