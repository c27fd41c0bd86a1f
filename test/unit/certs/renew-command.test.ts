import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { certsRenewCommand, playOptions, register, RENEW_PLAYBOOK, type CertsRenewOptions, type RenewSeams } from '../../../src/cli/commands/certs.js';
import { livePlanPorts } from '../../../src/cli/run-setup.js';
import { NO_CONFIRMATION_MESSAGE } from '../../../src/cli/confirm.js';
import { ConfigError, UsageError } from '../../../src/errors.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { RunPlanPorts } from '../../../src/run/plan.js';

const options = (inventory: string, extra: Partial<CertsRenewOptions> = {}): CertsRenewOptions => ({
  inventory: [inventory], forks: 5, extraVars: {}, become: false, json: false, warnDays: 30, yes: false, breakLock: false, ...extra,
});

describe('certs renew: the command line', () => {
  let dir: string;
  let stderr: string;
  const streams = { stdout: { write: () => true }, stderr: { write: (t: string) => ((stderr += t), true) } };
  const neverRun: RenewSeams['run'] = () => Promise.reject(new Error('the playbook must not run'));
  const neverAfter: RenewSeams['afterRenew'] = () => Promise.reject(new Error('no kubeconfig may be refreshed'));

  beforeEach(() => (stderr = ''));
  before(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-certs-renew-cmd-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses without a terminal and without --yes before reading the inventory or contacting a host', async () => {
    const untouchable = new Proxy({} as RunPlanPorts, { get: () => () => { throw new Error('no host or file may be touched'); } });
    let error: unknown;
    await certsRenewCommand(undefined, options('inv.yaml'), streams, { planPorts: untouchable, interactive: () => false, run: neverRun, afterRenew: neverAfter }).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(UsageError);
    expect((error as Error).message).to.equal(NO_CONFIRMATION_MESSAGE);
  });

  it('refuses when no control plane matches the PATTERN, naming it', async () => {
    const file = join(dir, 'cp.ini');
    writeFileSync(file, '[control_plane]\ncp1 ansible_host=127.0.9.1\n[workers]\nw1 ansible_host=127.0.9.2\n');
    let error: unknown;
    await certsRenewCommand('w1', options(file, { yes: true }), streams, { planPorts: livePlanPorts, interactive: () => false, run: neverRun, afterRenew: neverAfter }).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(UsageError);
    expect((error as Error).message).to.equal('no control plane matches "w1": nothing to renew');
  });

  it('--check needs no terminal and no --yes; a --kubeconfig-copy that names no file is refused before any host', async () => {
    const untouchable = new Proxy({} as RunPlanPorts, { get: () => () => { throw new Error('no host or file may be touched'); } });
    let error: unknown;
    // Past the question's gate, it reads the inventory (which is not there).
    await certsRenewCommand(undefined, options(join(dir, 'absent.yaml'), { check: true }), streams, { planPorts: livePlanPorts, interactive: () => false, run: neverRun, afterRenew: neverAfter }).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.not.equal(NO_CONFIRMATION_MESSAGE);
    error = undefined;
    await certsRenewCommand(undefined, options('inv.yaml', { yes: true, kubeconfigCopy: [join(dir, 'no-such.conf')] }), streams, { planPorts: untouchable, interactive: () => false, run: neverRun, afterRenew: neverAfter }).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.include('--kubeconfig-copy');
  });

  it('runs the playbook on exactly the hosts it showed, passing lock, resume and cluster access through', () => {
    const mapped = playOptions(
      options('inv.yaml', { yes: true, breakLock: true, resume: 'run-1', kubeconfig: 'k.conf', context: 'prod', json: true, logFile: 'log.jsonl', limit: 'cp*' }),
      ['cp1', 'cp2'],
    );
    expect(mapped).to.include({ limit: 'cp1,cp2', yes: true, breakLock: true, resume: 'run-1', kubeconfig: 'k.conf', context: 'prod', logFile: 'log.jsonl', json: false, check: false });
    expect(mapped.inventory).to.deep.equal(['inv.yaml']);
    expect(playOptions(options('inv.yaml', { check: true }), ['cp1'])).to.include({ check: true });
  });

  it('takes the changing-command options (--yes, --break-lock, hidden --resume, --json, --log-file, --kubeconfig, --context)', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    register(program, { exit: () => undefined, commandLine: [] });
    const renew = program.commands.find((c) => c.name() === 'certs')!.commands.find((c) => c.name() === 'renew')!;
    renew.action(() => undefined);
    await program.parseAsync(['node', 'drydock', 'certs', 'renew', '-i', 'x,', '--yes', '--break-lock', '--resume', 'abc', '--json', '--log-file', 'l', '--kubeconfig', 'k', '--context', 'c']);
    expect(renew.opts()).to.include({ yes: true, breakLock: true, resume: 'abc', json: true, logFile: 'l', kubeconfig: 'k', context: 'c', warnDays: 30 });
    expect(renew.helpInformation()).to.not.include('--resume');
  });

  it('takes --check, --no-refresh-kubeconfig and a repeatable --kubeconfig-copy (refreshing is the default)', async () => {
    const parsed = async (args: string[]) => {
      const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      register(program, { exit: () => undefined, commandLine: [] });
      const renew = program.commands.find((c) => c.name() === 'certs')!.commands.find((c) => c.name() === 'renew')!;
      renew.action(() => undefined);
      await program.parseAsync(['node', 'drydock', 'certs', 'renew', '-i', 'x,', ...args]);
      return renew.opts();
    };
    expect(await parsed([])).to.include({ check: false, refreshKubeconfig: true }).and.deep.include({ kubeconfigCopy: [] });
    const given = await parsed(['--check', '--no-refresh-kubeconfig', '--kubeconfig-copy', 'a', '--kubeconfig-copy', 'b']);
    expect(given).to.include({ check: true, refreshKubeconfig: false }).and.deep.include({ kubeconfigCopy: ['a', 'b'] });
  });
});

describe('playbooks/renew-certs.yaml', () => {
  it('loads with drydock\'s modules: every control plane, one at a time, stopping at the first failure', async () => {
    expect(existsSync(RENEW_PLAYBOOK)).to.equal(true);
    const registry = moduleRegistry();
    const playbook = await loadPlaybook(RENEW_PLAYBOOK, { moduleRegistry: registry });
    expect(playbook.plays).to.have.length(1);
    const play = playbook.plays[0]!;
    expect(play.hosts).to.equal('control_plane:kube_control_plane:kube-master');
    expect(play.serial.map((s) => JSON.stringify(s))).to.deep.equal(['1']);
    expect(play.maxFailPercentage).to.equal(0);
  });
});
