import { expect } from 'chai';
import {
  isLockContention,
  parseDowngrades,
  parseDpkgQuery,
  parseMadison,
  parseRequest,
  parseSimulation,
  planPackage,
  versionMatches,
} from '../../../src/modules/apt-plan.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import { fakeContext, type ExecAnswer } from './fake-context.js';

const apt = taskModules().get('apt')!;
const dpkgSelections = taskModules().get('dpkg_selections')!;

const MADISON = [
  '   kubeadm | 1.29.4-1.1 | file:/srv/repo ./ Packages',
  '   kubeadm | 1.29.3-1.1 | file:/srv/repo ./ Packages',
  '   kubelet | 1.29.4-1.1 | file:/srv/repo ./ Packages',
].join('\n');

describe('modules/apt plan (pure)', () => {
  it('parses pinned and globbed requests', () => {
    expect(parseRequest('kubeadm=1.29.4-1.1')).to.deep.equal({ name: 'kubeadm', version: '1.29.4-1.1', spec: 'kubeadm=1.29.4-1.1' });
    expect(parseRequest('curl')).to.deep.equal({ name: 'curl', spec: 'curl' });
  });

  it('matches versions exactly or by glob', () => {
    expect(versionMatches('1.29.4-1.1', '1.29.4-*')).to.equal(true);
    expect(versionMatches('1.29.40-1.1', '1.29.4-*')).to.equal(false);
    expect(versionMatches('1.29.4-1.1', '1.29.4-1.1')).to.equal(true);
    expect(versionMatches('1.29.4-1x1', '1.29.4-1.1')).to.equal(false);
    expect(versionMatches('1.29.4-1.1', '1.29.?-1.1')).to.equal(true);
  });

  it('parses dpkg-query status lines, including holds and removed-with-config packages', () => {
    const parsed = parseDpkgQuery('kubeadm\thold ok installed\t1.29.3-1.1\nold\tdeinstall ok config-files\t2.0\n');
    expect(parsed.get('kubeadm')).to.deep.equal({ name: 'kubeadm', selection: 'hold', status: 'installed', version: '1.29.3-1.1' });
    expect(parsed.get('old')?.status).to.equal('config-files');
  });

  it('parses madison per package and apt-get -s Inst/Remv lines', () => {
    expect(parseMadison(MADISON, 'kubeadm')).to.deep.equal(['1.29.4-1.1', '1.29.3-1.1']);
    expect(parseSimulation('NOTE: x\nInst kubeadm [1.29.3-1.1] (1.29.4-1.1 local [amd64])\nInst hello (2.10-3 local [amd64])\nConf hello (2.10-3)\nRemv old [1.0]\n')).to.deep.equal([
      { name: 'kubeadm', action: 'install', from: '1.29.3-1.1', to: '1.29.4-1.1' },
      { name: 'hello', action: 'install', to: '2.10-3' },
      { name: 'old', action: 'remove', from: '1.0' },
    ]);
  });

  it('plans nothing for an installed version that matches the pin, and the newest matching version otherwise', () => {
    const installed = { name: 'kubeadm', selection: 'install', status: 'installed', version: '1.29.3-1.1' };
    expect(planPackage(parseRequest('kubeadm=1.29.3-*'), 'present', installed, ['1.29.4-1.1', '1.29.3-1.1']).kind).to.equal('none');
    expect(planPackage(parseRequest('kubeadm=1.29.*'), 'present', undefined, ['1.29.4-1.1', '1.29.3-1.1'])).to.deep.include({ kind: 'install', to: '1.29.4-1.1', arg: 'kubeadm=1.29.4-1.1' });
    expect(planPackage(parseRequest('kubeadm=1.30.*'), 'present', installed, ['1.29.4-1.1'])).to.deep.include({ kind: 'unavailable', available: ['1.29.4-1.1'] });
    expect(planPackage(parseRequest('kubeadm'), 'absent', installed, undefined)).to.deep.include({ kind: 'remove', from: '1.29.3-1.1' });
    expect(planPackage(parseRequest('kubeadm=1.28.*'), 'absent', installed, undefined).kind).to.equal('none');
  });

  it('finds the DOWNGRADED section of a simulation', () => {
    const out = 'Reading package lists...\nThe following packages will be DOWNGRADED:\n  kubeadm kubelet\n0 upgraded, 0 newly installed, 2 downgraded\nInst kubeadm [1.29.4-1.1] (1.29.3-1.1 x)\n';
    expect(parseDowngrades(out)).to.deep.equal(['kubeadm', 'kubelet']);
    expect(parseDowngrades('Inst kubeadm (1.0 x)\n')).to.deep.equal([]);
  });

  it('recognises dpkg lock contention messages', () => {
    expect(isLockContention('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 123 (apt-get)')).to.equal(true);
    expect(isLockContention('E: Unable to locate package nope')).to.equal(false);
  });
});

/** A host where kubeadm 1.29.3 is installed (held or not) and the repo offers 1.29.3 and 1.29.4. */
function host(options: { held?: boolean; lockedTimes?: number } = {}) {
  let locked = options.lockedTimes ?? 0;
  return (command: string): ExecAnswer => {
    if (command.startsWith('dpkg-query')) {
      return { stdout: `kubeadm\t${options.held ? 'hold' : 'install'} ok installed\t1.29.3-1.1\n`, code: 0 };
    }
    if (command.startsWith('apt-cache madison')) return { stdout: MADISON };
    if (/ -s /.test(command)) return { stdout: 'Inst kubeadm [1.29.3-1.1] (1.29.4-1.1 local [amd64])\n' };
    if (/ install /.test(command)) {
      if (locked-- > 0) return { code: 100, stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 7' };
      return { stdout: 'Setting up kubeadm (1.29.4-1.1) ...\n' };
    }
    if (command.endsWith('| dpkg --set-selections')) return {};
    return { code: 127, stderr: `unexpected: ${command}` };
  };
}

describe('modules/apt run (fake host)', () => {
  it('installs a pinned glob version non-interactively and reports from → to', async () => {
    const ctx = fakeContext({ name: ['kubeadm=1.29.4-*'], state: 'present' }, host());
    const result = await apt.run(ctx);
    expect(result).to.deep.include({ changed: true, packages: [{ name: 'kubeadm', action: 'install', from: '1.29.3-1.1', to: '1.29.4-1.1' }] });
    const install = ctx.commands.find((c) => / install /.test(c) && !/ -s /.test(c))!;
    expect(install).to.match(/^DEBIAN_FRONTEND=noninteractive apt-get -y /);
    expect(install).to.include('Dpkg::Options::=--force-confold').and.include(' kubeadm=1.29.4-1.1');
  });

  it('runs no apt-get at all when the installed version already matches', async () => {
    const ctx = fakeContext({ name: ['kubeadm=1.29.3-1.1'], state: 'present' }, host());
    expect((await apt.run(ctx)).changed).to.equal(false);
    expect(ctx.commands.some((c) => c.includes('apt-get'))).to.equal(false);
  });

  it('only simulates in check mode', async () => {
    const ctx = fakeContext({ name: ['kubeadm=1.29.4-1.1'] }, host(), { check: true });
    const result = await apt.run(ctx);
    expect(result.changed).to.equal(true);
    expect(ctx.commands.filter((c) => c.includes('apt-get')).every((c) => / -s /.test(c))).to.equal(true);
  });

  it('fails clearly on a version the repository lacks, naming what it offers', async () => {
    const result = await apt.run(fakeContext({ name: ['kubeadm=1.30.1-*'] }, host()));
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('kubeadm').and.include('1.30.1-*').and.include('1.29.4-1.1, 1.29.3-1.1');
  });

  it('refuses to change a held package unless allow_change_held_packages', async () => {
    const refused = await apt.run(fakeContext({ name: ['kubeadm=1.29.4-1.1'] }, host({ held: true })));
    expect(refused.failed).to.equal(true);
    expect(refused.msg).to.include('held').and.include('allow_change_held_packages');
    const ctx = fakeContext({ name: ['kubeadm=1.29.4-1.1'], allow_change_held_packages: true }, host({ held: true }));
    expect(await apt.run(ctx)).to.deep.include({ changed: true, held: ['kubeadm'] });
    expect(ctx.commands.at(-2)).to.include('--allow-change-held-packages');
    expect(ctx.commands.at(-1)).to.equal("printf '%s hold\\n' kubeadm | dpkg --set-selections");
  });

  it('explains a downgrade instead of letting apt-get fail, and downgrades only with allow_downgrade', async () => {
    const downgrading = (command: string): ExecAnswer =>
      / -s /.test(command)
        ? { stdout: 'The following packages will be DOWNGRADED:\n  kubeadm\nInst kubeadm [1.29.4-1.1] (1.29.3-1.1 local [amd64])\n' }
        : command.startsWith('dpkg-query')
          ? { stdout: 'kubeadm\tinstall ok installed\t1.29.4-1.1\n' }
          : command.startsWith('apt-cache') ? { stdout: MADISON } : {};
    const refused = await apt.run(fakeContext({ name: ['kubeadm=1.29.3-1.1'] }, downgrading));
    expect(refused.msg).to.equal('this would downgrade kubeadm 1.29.4-1.1 → 1.29.3-1.1; set allow_downgrade: true if that is intended');
    const ctx = fakeContext({ name: ['kubeadm=1.29.3-1.1'], allow_downgrade: true }, downgrading);
    expect((await apt.run(ctx)).changed).to.equal(true);
    expect(ctx.commands.at(-1)).to.include('--allow-downgrades').and.not.include(' -s ');
  });

  it('waits and retries while another apt holds the dpkg lock, then gives up at lock_timeout', async () => {
    const ctx = fakeContext({ name: ['kubeadm=1.29.4-1.1'], lock_timeout: 60 }, host({ lockedTimes: 2 }));
    expect((await apt.run(ctx)).changed).to.equal(true);
    expect(ctx.slept.length).to.equal(2);
    const stuck = await apt.run(fakeContext({ name: ['kubeadm=1.29.4-1.1'], lock_timeout: 10 }, host({ lockedTimes: 1000 })));
    expect(stuck.failed).to.equal(true);
    expect(stuck.msg).to.include('lock').and.include('10s');
  });
});

describe('modules/dpkg_selections', () => {
  const selections = (current: string) => (command: string): ExecAnswer =>
    command.startsWith('dpkg --get-selections') ? { stdout: `kubeadm\t\t\t\t${current}\n` } : { code: 0 };

  it('holds a package once and is idempotent afterwards', async () => {
    const ctx = fakeContext({ name: 'kubeadm', selection: 'hold' }, selections('install'));
    expect(await dpkgSelections.run(ctx)).to.deep.include({ changed: true, before: 'install', after: 'hold' });
    expect(ctx.commands[1]).to.equal("printf '%s %s\\n' kubeadm hold | dpkg --set-selections");
    expect((await dpkgSelections.run(fakeContext({ name: 'kubeadm', selection: 'hold' }, selections('hold')))).changed).to.equal(false);
  });

  it('fails for a package dpkg does not know', async () => {
    const result = await dpkgSelections.run(fakeContext({ name: 'nope', selection: 'hold' }, () => ({ stdout: '' })));
    expect(result).to.include({ failed: true });
    expect(result.msg).to.include("'nope'");
  });
});
