/**
 * playwright-core has one door, test/helpers/browser.ts (the door-playwright-core rule of .dependency-cruiser.cjs,
 * which `npm run lint:deps` applies to src/, test/ and bench/): a test or a benchmark that imports it directly fails.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const config = createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> };

/** Cruises a scratch tree laid out like the repository (packages resolved from the repository's node_modules). */
async function violations(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'drydock-browser-door-'));
  const cwd = process.cwd();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    process.chdir(root);
    const result = await cruise(
      ['test', 'bench'],
      { ruleSet: { forbidden: config.forbidden.filter((r) => r.name === 'door-playwright-core') } as never, validate: true, tsPreCompilationDeps: true, outputType: 'json', doNotFollow: { path: 'node_modules' } },
      { modules: [join(repo, 'node_modules')] } as never,
    );
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    return (output.summary.violations as Array<{ from: string; rule: { name: string } }>).map((v) => `${v.rule.name}: ${v.from}`);
  } finally {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  }
}

describe('architecture: the playwright-core door', function () {
  this.timeout(20_000);

  it('lets test/helpers/browser.ts import playwright-core, and fails a test or a benchmark that does', async () => {
    const found = await violations({
      'test/helpers/browser.ts': "import { chromium } from 'playwright-core';\nexport const c = chromium;\n",
      'test/browser/direct.ts': "import { chromium } from 'playwright-core';\nexport const d = chromium;\n",
      'bench/direct.ts': "import { chromium } from 'playwright-core';\nexport const e = chromium;\n",
      'test/browser/through.ts': "import { c } from '../helpers/browser';\nexport const t = c;\n",
    });
    expect(found.sort()).to.deep.equal(['door-playwright-core: bench/direct.ts', 'door-playwright-core: test/browser/direct.ts']);
  });
});
