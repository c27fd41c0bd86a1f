/**
 * playwright-core has one door, test/helpers/browser.ts (the door-playwright-core rule of .dependency-cruiser.cjs,
 * which `npm run lint:deps` applies to src/, test/ and bench/): a test or a benchmark that imports it directly fails.
 */
import { expect } from 'chai';
import { rules, scratchViolations } from './scratch-cruise.js';

/** Cruises a scratch tree laid out like the repository (packages resolved from the repository's node_modules). */
async function violations(files: Record<string, string>): Promise<string[]> {
  const found = await scratchViolations('drydock-browser-door-', files, { folders: ['test', 'bench'], forbidden: rules.filter((r) => r.name === 'door-playwright-core'), repoPackages: true });
  return found.map((v) => `${v.rule.name}: ${v.from}`);
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
