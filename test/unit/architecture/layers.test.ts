/**
 * The layer rule (.dependency-cruiser.cjs) catches what it is for: a wrong import fails. The whole of src/ is
 * checked by `npm run lint:deps`, which scripts/test.sh runs in `npm test`.
 */
import { expect } from 'chai';
import { rules, scratchViolations } from './scratch-cruise.js';

/** Cruises a small tree written to a scratch folder laid out like src/, with drydock's rules. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const found = await scratchViolations('drydock-layers-', files, { folders: ['src'], forbidden: rules });
  return found.filter((v) => v.rule.severity === 'error').map((v) => v.rule.name);
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
