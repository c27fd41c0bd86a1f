/**
 * The layer rule (.dependency-cruiser.cjs) catches what it is for: a wrong import fails. The whole of src/ is
 * checked by `npm run lint:deps`, which scripts/test.sh runs in `npm test`.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const config = createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs')) as { forbidden: unknown[] };

/** Cruises a small tree written to a scratch folder laid out like src/, with drydock's rules. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'drydock-layers-'));
  const cwd = process.cwd();
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    process.chdir(root);
    const result = await cruise(['src'], { ruleSet: { forbidden: config.forbidden } as never, validate: true, tsPreCompilationDeps: true, outputType: 'json' });
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    return (output.summary.violations as { rule: { name: string; severity: string } }[]).filter((v) => v.rule.severity === 'error').map((v) => v.rule.name);
  } finally {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  }
}

describe('architecture: the layer rule', function () {
  this.timeout(20_000);

  it('accepts an import down the layers', async () => {
    expect(await violations({ 'src/engine/a.ts': "import { b } from '../kube/b';\nexport const a = b;\n", 'src/kube/b.ts': 'export const b = 1;\n' })).to.deep.equal([]);
  });

  it('fails an import up the layers (kube importing the engine, a planner importing cli)', async () => {
    const found = await violations({
      'src/kube/b.ts': "import { a } from '../engine/a';\nexport const b = a;\n",
      'src/engine/a.ts': 'export const a = 1;\n',
      'src/upgrade/c.ts': "import { d } from '../cli/d';\nexport const c = d;\n",
      'src/cli/d.ts': 'export const d = 1;\n',
    });
    expect(found).to.include.members(['layer-kube-transport-playbook-pki', 'layer-upgrade-reboot-certs-lab-notify-report']);
  });

  it('fails an import between two folders of one layer, and between two commands’ planners', async () => {
    const found = await violations({
      'src/kube/b.ts': "import { t } from '../transport/t';\nexport const b = t;\n",
      'src/transport/t.ts': 'export const t = 1;\n',
      'src/certs/c.ts': "import { u } from '../upgrade/u';\nexport const c = u;\n",
      'src/upgrade/u.ts': 'export const u = 1;\n',
    });
    expect(found).to.include.members(['sibling-kube', 'sibling-certs']);
  });
});
