import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { certsCheckCommand, register, type CertsCheckOptions } from '../../../src/cli/commands/certs.js';
import { ConfigError } from '../../../src/errors.js';

describe('certs: the command line, before any host is contacted', () => {
  let dir: string;
  let stderr: string;
  const streams = { stdout: { write: () => true }, stderr: { write: (t: string) => ((stderr += t), true) } };
  const options = (inventory: string): CertsCheckOptions => ({
    inventory: [inventory], forks: 5, extraVars: {}, become: false, json: false, warnDays: 30,
    pkiDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes', kubeletCert: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  });

  beforeEach(() => (stderr = ''));
  before(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-certs-cmd-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an inventory without a control-plane group unless a PATTERN names the hosts', async () => {
    const file = join(dir, 'workers.ini');
    writeFileSync(file, '[workers]\nw1 ansible_host=127.0.9.1\n');
    let error: unknown;
    await certsCheckCommand(undefined, options(file), streams).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/no control-plane group/);
  });

  it('warns and exits 0 when the PATTERN matches no host, as run does', async () => {
    const file = join(dir, 'cp.ini');
    writeFileSync(file, '[control_plane]\ncp1 ansible_host=127.0.9.1\n');
    expect(await certsCheckCommand('nomatch*', options(file), streams)).to.equal(0);
    expect(stderr).to.include('No hosts matched, nothing to do');
  });

  it('takes --warn-days as a whole number of days and has kubeadm\'s paths by default', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    register(program, { exit: () => undefined, commandLine: [] });
    const check = program.commands.find((c) => c.name() === 'certs')!.commands.find((c) => c.name() === 'check')!;
    check.action(() => undefined);
    await program.parseAsync(['node', 'drydock', 'certs', 'check', '-i', 'x,']);
    expect(check.opts()).to.include({ warnDays: 30, pkiDir: '/etc/kubernetes/pki', kubeconfigDir: '/etc/kubernetes', json: false });
    let error: unknown;
    await program.parseAsync(['node', 'drydock', 'certs', 'check', '--warn-days', 'soon']).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(CommanderError);
    expect((error as Error).message).to.include('--warn-days takes a whole number of days, not "soon"');
  });
});
