/**
 * Issue 15 item 3: a host pattern never widens the selection. Ansible's split_host_pattern keeps only complete
 * `[...]` groups, so it silently drops a stray `[` (`~[unclosed` becomes `~` + `unclosed`, a regex that matches
 * every host) and only warns "Could not match supplied host pattern, ignoring" for a misspelt term, also inside
 * `:!` and `:&`. drydock refuses both: a maintenance command must not touch more than was meant.
 */
import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { applyLimit, resolvePattern, setPatternPolicy } from '../../../src/inventory/index.js';
import type { LoadedInventory } from '../../../src/inventory/index.js';
import { loadMemory } from './helpers.js';

const INI = `
[web]
web1
web2
[control_plane]
cp1
cp2
`;

describe('inventory/patterns: never widened by bad input', () => {
  let inv: LoadedInventory;
  before(async () => {
    inv = await loadMemory({ 'p.ini': INI });
  });

  function refusal(fn: () => unknown): ConfigError {
    try {
      fn();
    } catch (err) {
      expect(err, String(err)).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    expect.fail('expected a ConfigError');
  }

  describe('patterns that do not parse are input errors (Ansible drops the stray "[" and widens)', () => {
    for (const [pattern, col] of [
      ['~[unclosed', 2],
      ['web[0', 4],
      ['web:db]', 7],
      ['all:!web[1', 9],
    ] as const) {
      it(`"${pattern}" is refused, naming column ${col}`, () => {
        const err = refusal(() => resolvePattern(inv, pattern));
        expect(err.message).to.include(`column ${col}`);
      });
    }

    it('"web[0" as a --limit is refused instead of selecting all of web', () => {
      refusal(() => applyLimit(inv, resolvePattern(inv, 'all'), 'web[0'));
    });
  });

  describe('invalid character classes are input errors (Ansible: "Invalid host list pattern")', () => {
    for (const pattern of ['web[z-a]', 'w[9-0]*', '!web[z-a]']) {
      it(`"${pattern}" is a ConfigError, not a crash`, () => {
        refusal(() => resolvePattern(inv, pattern));
      });
    }
  });

  describe('unmatched terms typed on the command line (Ansible warns "Could not match supplied host pattern, ignoring" and goes on)', () => {
    const commandLine = {};
    it('refuses a misspelt exclusion: all:!control_plnae would run on the control plane', () => {
      const err = refusal(() => resolvePattern(inv, 'all:!control_plnae', commandLine));
      expect(err.message).to.include('control_plnae').and.include('--allow-unmatched');
    });

    it('refuses a misspelt intersection', () => {
      refusal(() => resolvePattern(inv, 'all:&webb', commandLine));
    });

    it('refuses a misspelt exclusion in --limit', () => {
      refusal(() => applyLimit(inv, resolvePattern(inv, 'all'), 'all:!control_plnae'));
    });

    it('runs a misspelt exclusion as written under --allow-unmatched, reporting the term', () => {
      const reported: string[] = [];
      const policy = { allowUnmatched: true, report: (m: string) => reported.push(m) };
      expect(resolvePattern(inv, 'all:!control_plnae', policy)).to.deep.equal(['web1', 'web2', 'cp1', 'cp2']);
      expect(reported.join('\n')).to.include('control_plnae');
    });

    it('reports an unmatched union term and keeps the terms that matched (as Ansible does)', () => {
      const reported: string[] = [];
      expect(resolvePattern(inv, 'web:wbe', { report: (m) => reported.push(m) })).to.deep.equal(['web1', 'web2']);
      expect(reported).to.have.length(1);
      expect(reported[0]).to.include('wbe');
    });

    it('takes the run\'s policy for --limit from the inventory (what --allow-unmatched sets)', () => {
      const reported: string[] = [];
      setPatternPolicy(inv, { allowUnmatched: true, report: (m) => reported.push(m) });
      try {
        expect(applyLimit(inv, resolvePattern(inv, 'all'), 'all:!control_plnae')).to.have.length(4);
        expect(reported).to.have.length(1);
      } finally {
        setPatternPolicy(inv, {});
      }
    });
  });

  describe("a playbook's hosts: line (no policy) names both kubeadm's and kubespray's groups", () => {
    it('resolves workers:kube_node:!control_plane:!kube_control_plane without refusing the absent groups', () => {
      expect(resolvePattern(inv, 'web:kube_node:!control_plane:!kube_control_plane')).to.deep.equal(['web1', 'web2']);
    });

    it('still refuses a pattern that does not parse', () => {
      refusal(() => resolvePattern(inv, 'web:!control_plane[0'));
    });
  });
});
