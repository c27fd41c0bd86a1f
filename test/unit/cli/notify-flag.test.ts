/**
 * `--notify` on every command that runs a playbook: registered and checked before the command runs, and handed
 * to the run (runPlayPlan's PlayOptions) by each command's option mapping.
 */
import { expect } from 'chai';
import { buildProgram } from '../../../src/cli/program.js';
import { playOptions as certsPlayOptions, type CertsRenewOptions } from '../../../src/cli/commands/certs.js';
import { playOptions as rebootPlayOptions, type RebootOptions } from '../../../src/cli/commands/reboot.js';
import { playOptionsFor, type UpgradeOptions } from '../../../src/cli/commands/upgrade.js';
import type { PreparedUpgrade } from '../../../src/upgrade/prepare.js';
import { UsageError } from '../../../src/errors.js';

const shared = { inventory: ['inv'], forks: 20, extraVars: {}, become: false, json: false };
const hook = new URL('https://hooks.example.com/services/s3cret');

describe('--notify on the commands that run a playbook', () => {
  for (const args of [['play', 'site.yml'], ['upgrade', '--to', '1.29.4'], ['reboot', 'workers'], ['certs', 'renew']]) {
    it(`drydock ${args.join(' ')}: a bad --notify is a UsageError before the command runs`, async () => {
      let ran = false;
      const argv = ['node', 'drydock', ...args, '-i', 'inv', '--notify', 'ftp://example.com/s3cret'];
      const program = await buildProgram(argv, { exit: () => (ran = true), commandLine: argv.slice(2) });
      program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      let caught: unknown;
      await program.parseAsync(argv).catch((err: unknown) => (caught = err));
      // The commands are loaded on demand (a second copy of errors.ts under tsx): judged by the error's code.
      expect((caught as UsageError).code, String(caught)).to.equal('USAGE');
      expect((caught as Error).message).to.contain('--notify');
      expect(ran).to.equal(false);
    });
  }

  it('upgrade, reboot and certs renew hand the URLs to the run', () => {
    const upgrade: UpgradeOptions = { ...shared, to: '1.29.4', workersOnly: false, controlPlaneOnly: false, check: false, yes: true, breakLock: false, notify: [hook] };
    expect(playOptionsFor(upgrade, { extraVars: {} } as unknown as PreparedUpgrade).notify).to.deep.equal([hook]);
    const reboot = { ...shared, onlyIfRequired: false, concurrency: 1, notify: [hook] } as unknown as RebootOptions;
    expect(rebootPlayOptions(reboot, {}).notify).to.deep.equal([hook]);
    const certs: CertsRenewOptions = { ...shared, warnDays: 30, yes: true, breakLock: false, notify: [hook] };
    expect(certsPlayOptions(certs, ['cp1']).notify).to.deep.equal([hook]);
  });
});
