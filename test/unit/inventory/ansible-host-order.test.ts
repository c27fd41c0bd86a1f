/**
 * Host order compared with recorded ansible-playbook 2.14.18 runs (test/fixtures/ansible/host-order): the
 * `groups` magic variable, the hosts of `all` (ansible_play_hosts_all, the run_once host) and the serial: 1
 * batches of a pattern. deep.ini's third generation is walked in Python set order, so there drydock's order
 * must be one of the recorded ones.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { groupHosts, loadInventory, resolvePattern } from '../../../src/inventory/index.js';

const DIR = 'test/fixtures/ansible/host-order';

interface Recorded {
  inventory: string;
  pattern: string;
  seed: number;
  run_once_host: string;
  play_hosts_all: string[];
  groups: Record<string, string[]>;
  pattern_batches: string[];
}

const runs: Recorded[] = readFileSync(`${DIR}/recorded.jsonl`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Recorded);

describe('inventory/host order (recorded ansible-playbook runs)', () => {
  for (const inventory of [...new Set(runs.map((r) => r.inventory))]) {
    const recorded = runs.filter((r) => r.inventory === inventory);
    it(`${inventory}: groups, all and every recorded pattern in Ansible's order`, async () => {
      const inv = await loadInventory([`${DIR}/${inventory}`]);
      const oneOf = (what: string, actual: string[], seen: string[][]): void => {
        const options = [...new Set(seen.map((s) => JSON.stringify(s)))];
        expect(options, `${inventory} ${what}: ${JSON.stringify(actual)}`).to.include(JSON.stringify(actual));
      };
      for (const name of Object.keys(recorded[0]!.groups)) {
        oneOf(`groups['${name}']`, groupHosts(inv, name), recorded.map((r) => r.groups[name]!));
      }
      const all = resolvePattern(inv, 'all');
      oneOf('all', all, recorded.map((r) => r.play_hosts_all));
      expect(recorded.map((r) => r.run_once_host)).to.include(all[0]);
      for (const r of recorded) {
        const sameRuns = recorded.filter((o) => o.pattern === r.pattern).map((o) => o.pattern_batches);
        oneOf(`pattern ${r.pattern}`, resolvePattern(inv, r.pattern), sameRuns);
      }
    });
  }
});
