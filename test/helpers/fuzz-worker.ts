/**
 * The in-process half of the input fuzz test, run in its own process so a hang is caught by the parent's
 * timer: `node --import tsx test/helpers/fuzz-worker.ts <seed> <iterations>`. Mutated inventories and
 * playbooks are loaded and random patterns resolved; anything thrown that is not a ConfigError (a crash the
 * CLI would print as "internal error" with a stack, exit 255) is printed as one JSON line. Exit 0 when none.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { applyLimit, formatInventoryList, loadInventory, resolvePattern } from '../../src/inventory/index.js';
import type { LoadedInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { mulberry32, mutateMany, randomPattern } from './fuzz.js';
import { moduleRegistry } from '../../src/modules/catalogue.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const [seedArg = '1', iterationsArg = '300'] = process.argv.slice(2);
const rng = mulberry32(Number(seedArg));
const iterations = Number(iterationsArg);

const dir = mkdtempSync(join(tmpdir(), 'drydock-fuzz-'));
cpSync(join(FIXTURES, 'playbook/valid'), join(dir, 'pb'), { recursive: true });
const corpus = {
  ini: readFileSync(join(FIXTURES, 'inventory/golden.ini'), 'utf8'),
  yaml: readFileSync(join(FIXTURES, 'inventory/golden.yaml'), 'utf8'),
  playbook: readFileSync(join(FIXTURES, 'playbook/valid/site.yml'), 'utf8'),
};
let failures = 0;

function report(kind: string, input: string, err: unknown): void {
  failures++;
  process.stdout.write(`${JSON.stringify({ kind, input, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })}\n`);
}

async function expectInputErrorOnly(kind: string, input: string, work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof ConfigError)) report(kind, input, err);
  }
}

try {
  const inventory: LoadedInventory = await loadInventory([join(FIXTURES, 'inventory/golden.ini')]);
  const names = [...inventory.hosts.keys(), ...inventory.groups.keys()];
  for (let i = 0; i < iterations; i++) {
    const kind = i % 3;
    if (kind === 0) {
      const yaml = rng() < 0.5;
      const text = mutateMany(rng, yaml ? corpus.yaml : corpus.ini);
      const file = join(dir, `inv-${i}.${yaml ? 'yaml' : 'ini'}`);
      writeFileSync(file, text);
      // Loaded, then shown as `drydock inventory list` shows it (every host's merged variables).
      await expectInputErrorOnly('inventory', text, async () => formatInventoryList(await loadInventory([file])));
      rmSync(file);
    } else if (kind === 1) {
      const text = mutateMany(rng, corpus.playbook);
      const file = join(dir, 'pb', `site-${i}.yml`);
      writeFileSync(file, text);
      await expectInputErrorOnly('playbook', text, () => loadPlaybook(file, { moduleRegistry: moduleRegistry(), displayRoot: dir }));
      rmSync(file);
    } else {
      const pattern = randomPattern(rng, names);
      await expectInputErrorOnly('pattern', pattern, () => resolvePattern(inventory, pattern, {}));
      await expectInputErrorOnly('limit', pattern, () => applyLimit(inventory, [...inventory.hosts.keys()], pattern, () => ['web1'], { allowUnmatched: rng() < 0.5 }));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
