/**
 * Runs dependency-cruiser with drydock's rules (.dependency-cruiser.cjs) over a small tree written to a scratch
 * folder laid out like the repository, so a test can show that a rule fails the import it is for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** drydock's forbidden rules, as `npm run lint:deps` applies them. */
export const rules = (createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> }).forbidden;

export interface Violation {
  from: string;
  rule: { name: string; severity: string };
}

export interface ScratchCruise {
  /** The folders of the scratch tree to cruise (e.g. ['src']). */
  folders: string[];
  forbidden: unknown[];
  /** Resolve packages from the repository's node_modules (without following into them). */
  repoPackages?: boolean;
}

/** Writes `files` (path → text) under a new scratch folder named from `prefix`, cruises it, and removes it. */
export async function scratchViolations(prefix: string, files: Record<string, string>, how: ScratchCruise): Promise<Violation[]> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const cwd = process.cwd();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    process.chdir(root);
    const options = { ruleSet: { forbidden: how.forbidden } as never, validate: true, tsPreCompilationDeps: true, outputType: 'json' as const };
    const result = how.repoPackages
      ? await cruise(how.folders, { ...options, doNotFollow: { path: 'node_modules' } }, { modules: [join(repo, 'node_modules')] } as never)
      : await cruise(how.folders, options);
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    return output.summary.violations as Violation[];
  } finally {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  }
}
