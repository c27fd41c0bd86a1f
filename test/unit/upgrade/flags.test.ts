import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import {
  formatDuration,
  mergeUpgradeVars,
  normalizeTarget,
  parseBatchSize,
  parseDuration,
  parseMaxFail,
  upgradePlaybooks,
  upgradeVars,
} from '../../../src/upgrade/flags.js';
import { playOptionsFor, type UpgradeOptions } from '../../../src/cli/commands/upgrade.js';
import { upgradeFlags } from '../../../src/cli/upgrade-setup.js';
import type { PreparedUpgrade } from '../../../src/upgrade/prepare.js';

describe('upgrade/flags: flags and the -e variables they become', () => {
  it('--to takes a full version, with or without v', () => {
    expect(normalizeTarget('1.29.4')).to.equal('1.29.4');
    expect(normalizeTarget('v1.29.4')).to.equal('1.29.4');
    for (const bad of ['1.29', 'latest', '1.29.4-1.1', 'v1.29.4.1']) expect(() => normalizeTarget(bad), bad).to.throw(UsageError, /--to takes a full Kubernetes version/);
  });

  it('--batch: a count or a percentage, at least 1', () => {
    expect(parseBatchSize('3')).to.equal(3);
    expect(parseBatchSize('25%')).to.equal('25%');
    expect(parseBatchSize('100%')).to.equal('100%');
    for (const bad of ['0', '0%', '101%', '-1', 'all', '2.5']) expect(() => parseBatchSize(bad), bad).to.throw(UsageError, /--batch takes/);
  });

  it('--max-fail: 0..100, with or without %', () => {
    expect(parseMaxFail('0')).to.equal(0);
    expect(parseMaxFail('12.5%')).to.equal(12.5);
    expect(parseMaxFail('100')).to.equal(100);
    for (const bad of ['101', '-5', 'some']) expect(() => parseMaxFail(bad), bad).to.throw(UsageError, /--max-fail takes/);
  });

  it('--backup-max-age: s, m, h, d and combinations', () => {
    expect(parseDuration('90s')).to.equal(90_000);
    expect(parseDuration('30m')).to.equal(1_800_000);
    expect(parseDuration('6h')).to.equal(21_600_000);
    expect(parseDuration('2d')).to.equal(172_800_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    for (const bad of ['6', 'h', '0h', '6 h', '6hours', '-1h']) expect(() => parseDuration(bad), bad).to.throw(UsageError, /--backup-max-age takes a duration/);
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(38 * 60_000 + 5_000)).to.equal('38m5s');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000 + 60_000)).to.equal('2d3h');
    expect(formatDuration(0)).to.equal('0s');
  });

  it('maps the flags to the playbooks\' variables', () => {
    expect(upgradeVars({ to: 'v1.29.4', scope: 'cluster', check: false })).to.deep.equal({ kube_target_version: '1.29.4' });
    expect(upgradeVars({ to: '1.29.4', scope: 'workers', check: false, batch: '30%', maxFail: 10, drainTimeout: 600 })).to.deep.equal({
      kube_target_version: '1.29.4',
      worker_batch_size: '30%',
      worker_max_fail: 10,
      drain_timeout: 600,
    });
  });

  it('keeps the user\'s -e, refuses one that contradicts a flag', () => {
    const flags = { to: '1.29.4', scope: 'cluster' as const, check: false, batch: 2 };
    expect(mergeUpgradeVars({ drain_force: 'true', worker_first_batch: '2' }, flags)).to.deep.equal({
      drain_force: 'true',
      worker_first_batch: '2',
      kube_target_version: '1.29.4',
      worker_batch_size: 2,
    });
    expect(mergeUpgradeVars({ kube_target_version: 'v1.29.4', worker_batch_size: '2' }, flags)).to.include({ kube_target_version: '1.29.4' });
    expect(() => mergeUpgradeVars({ kube_target_version: '1.30.2' }, flags)).to.throw(UsageError, '-e kube_target_version=1.30.2 contradicts --to 1.29.4');
    expect(() => mergeUpgradeVars({ worker_batch_size: '5' }, flags)).to.throw(UsageError, 'contradicts --batch 2');
  });

  it('picks the playbooks for the scope and the backup rule', () => {
    expect(upgradePlaybooks('cluster', true)).to.deep.equal(['etcd-backup', 'upgrade-control-plane', 'upgrade-workers']);
    expect(upgradePlaybooks('cluster', false)).to.deep.equal(['upgrade-control-plane', 'upgrade-workers']);
    expect(upgradePlaybooks('workers', true)).to.deep.equal(['etcd-backup', 'upgrade-workers']);
    expect(upgradePlaybooks('control-plane', false)).to.deep.equal(['upgrade-control-plane']);
  });

  describe('the command\'s options', () => {
    const base: UpgradeOptions = { to: '1.29.4', workersOnly: false, controlPlaneOnly: false, check: false, inventory: ['inv'], forks: 20, extraVars: {}, become: false, json: false, yes: false, breakLock: false };

    it('scope from --workers-only / --control-plane-only, never both', () => {
      expect(upgradeFlags({ ...base }).scope).to.equal('cluster');
      expect(upgradeFlags({ ...base, workersOnly: true }).scope).to.equal('workers');
      expect(upgradeFlags({ ...base, controlPlaneOnly: true }).scope).to.equal('control-plane');
      expect(() => upgradeFlags({ ...base, workersOnly: true, controlPlaneOnly: true })).to.throw(UsageError, /exclude each other/);
      expect(upgradeFlags({ ...base, batch: '10%', maxFail: 5, drainTimeout: 120, backupMaxAge: 3_600_000, check: true })).to.deep.equal({
        to: '1.29.4',
        scope: 'cluster',
        check: true,
        batch: '10%',
        maxFail: 5,
        drainTimeout: 120,
        backupMaxAgeMs: 3_600_000,
      });
    });

    it('the play run: --check, --yes, --break-lock, --limit and -e pass through; playbook-only switches stay off', () => {
      const options: UpgradeOptions = { ...base, yes: true, breakLock: true, check: true, limit: 'workers', resume: 'run-1' };
      const prepared = { extraVars: { kube_target_version: '1.29.4', drain_force: 'true' } } as unknown as PreparedUpgrade;
      const play = playOptionsFor(options, prepared);
      expect(play).to.include({ check: true, yes: true, breakLock: true, limit: 'workers', resume: 'run-1', diff: false, listHosts: false, syntaxCheck: false, countUnreachableInMaxFail: true, continueOnFailedBatch: false });
      expect(play.extraVars).to.deep.equal({ kube_target_version: '1.29.4', drain_force: 'true' });
      expect(play.tags).to.deep.equal([]);
    });
  });
});
