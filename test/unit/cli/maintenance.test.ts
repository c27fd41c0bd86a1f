import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../../src/errors.js';
import { confirmMaintenance, giveBackKuredLock, joinPlaybooks, playbookChangesCluster, stopSwitch, takeKuredLock } from '../../../src/cli/maintenance.js';
import type { RunEvent } from '../../../src/events/events.js';
import { FakeClock, FakePort } from '../kube/fakes.js';
import { stoppedExitCode } from '../../../src/cli/play-run.js';
import { EXIT } from '../../../src/cli/exit.js';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import type { Playbook } from '../../../src/playbook/model.js';

async function playbookOf(text: string): Promise<Playbook> {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-maint-'));
  const file = join(dir, 'p.yaml');
  writeFileSync(file, text);
  const registry = moduleRegistry();
  return loadPlaybook(file, { moduleRegistry: registry });
}

describe('maintenance hooks', () => {
  describe('playbookChangesCluster', () => {
    it('is false for a playbook that only runs commands and reads versions', async () => {
      const pb = await playbookOf('- hosts: all\n  tasks:\n    - command: uptime\n    - kube_versions: {}\n');
      expect(playbookChangesCluster(pb)).to.equal(false);
    });

    it('finds kube_drain inside a block rescue, and kube_uncordon in a handler', async () => {
      const inRescue = await playbookOf('- hosts: all\n  tasks:\n    - block:\n        - command: uptime\n      rescue:\n        - kube_drain: {}\n');
      expect(playbookChangesCluster(inRescue)).to.equal(true);
      const inHandler = await playbookOf('- hosts: all\n  tasks:\n    - command: uptime\n  handlers:\n    - name: back\n      kube_uncordon: {}\n');
      expect(playbookChangesCluster(inHandler)).to.equal(true);
    });
  });

  it('joinPlaybooks keeps the plays in the order given and every file once', async () => {
    const a = await playbookOf('- name: first\n  hosts: all\n  tasks: [{ command: a }]\n');
    const b = await playbookOf('- name: second\n  hosts: all\n  tasks: [{ command: b }]\n- name: third\n  hosts: all\n  tasks: []\n');
    const joined = joinPlaybooks([a, b]);
    expect(joined.plays.map((p) => p.name)).to.deep.equal(['first', 'second', 'third']);
    expect(joined.file).to.equal(a.file);
    expect(joined.files).to.deep.equal([...a.files, ...b.files]);
    expect(joinPlaybooks([a])).to.equal(a);
  });

  describe('stopSwitch', () => {
    it('follows Ctrl-C without giving a reason of its own', () => {
      const interrupt = new AbortController();
      const stop = stopSwitch(interrupt.signal, undefined, () => undefined);
      expect(stop.signal.aborted).to.equal(false);
      interrupt.abort();
      expect(stop.signal.aborted).to.equal(true);
      expect(stop.batches.aborted).to.equal(true);
      expect(stop.reason()).to.equal(undefined);
      stop.dispose();
    });

    it('a closed window stops new batches at once but lets running tasks go on, and warns with the message', () => {
      const warnings: string[] = [];
      const stop = stopSwitch(new AbortController().signal, { at: 1_000, message: 'the window closed' }, (m) => warnings.push(m), () => 2_000);
      expect(stop.batches.aborted).to.equal(true);
      expect(stop.signal.aborted, 'the node in progress is finished').to.equal(false);
      expect(stop.reason()).to.equal('window');
      expect(warnings).to.deep.equal(['the window closed']);
    });

    it('stops when the closing time arrives, not before', async () => {
      const stop = stopSwitch(new AbortController().signal, { at: Date.now() + 40, message: 'closed' }, () => undefined);
      expect(stop.batches.aborted).to.equal(false);
      await new Promise((r) => setTimeout(r, 80));
      expect(stop.batches.aborted).to.equal(true);
      stop.dispose();
    });

    it('a lost lock stops new work once, with its reason', () => {
      const warnings: string[] = [];
      const stop = stopSwitch(new AbortController().signal, undefined, (m) => warnings.push(m));
      stop.stopForLock('lock lost');
      stop.stopForLock('lock lost again');
      expect(stop.signal.aborted).to.equal(true);
      expect(stop.batches.aborted).to.equal(true);
      expect(stop.reason()).to.equal('lock');
      expect(warnings).to.deep.equal(['lock lost']);
    });

    it('a journal failure stops new tasks at once, even after a closed window, and is the reason given', () => {
      const warnings: string[] = [];
      const stop = stopSwitch(new AbortController().signal, { at: 1_000, message: 'the window closed' }, (m) => warnings.push(m), () => 2_000);
      expect(stop.signal.aborted).to.equal(false);
      stop.stopForJournal('the journal could not be written');
      expect(stop.signal.aborted).to.equal(true);
      expect(stop.batches.aborted).to.equal(true);
      expect(stop.reason()).to.equal('journal');
      expect(warnings).to.deep.equal(['the window closed', 'the journal could not be written']);
    });

    it('dispose cancels a pending closing time', async () => {
      const stop = stopSwitch(new AbortController().signal, { at: Date.now() + 30, message: 'closed' }, () => undefined);
      stop.dispose();
      await new Promise((r) => setTimeout(r, 60));
      expect(stop.batches.aborted).to.equal(false);
    });
  });

  it('stoppedExitCode: the window closing is 75, a lost lock 1, Ctrl-C stays 130, failures win', () => {
    expect(stoppedExitCode(130, false, 'window')).to.equal(EXIT.TEMPFAIL);
    expect(stoppedExitCode(130, false, 'lock')).to.equal(EXIT.ERROR);
    expect(stoppedExitCode(130, true, 'window')).to.equal(130);
    expect(stoppedExitCode(130, false, undefined)).to.equal(130);
    expect(stoppedExitCode(2, false, 'window')).to.equal(2);
    expect(stoppedExitCode(0, false, 'window')).to.equal(0);
  });

  describe('confirmMaintenance', () => {
    const out = () => {
      let text = '';
      return { write: (t: string) => (text += t), isTTY: true, text: () => text };
    };

    it('goes ahead without asking when the command has nothing to confirm', async () => {
      const input = Object.assign(new PassThrough(), { isTTY: false });
      expect(await confirmMaintenance({}, { input, output: out() })).to.equal(true);
    });

    it('refuses without a terminal on stdin and without --yes', async () => {
      const input = Object.assign(new PassThrough(), { isTTY: false });
      const err = await confirmMaintenance({ confirm: { summary: 'reboot a', yes: false } }, { input, output: out() }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(UsageError);
    });

    it('asks on a terminal, and --yes prints the plan without asking', async () => {
      const input = Object.assign(new PassThrough(), { isTTY: true });
      const output = out();
      const asked = confirmMaintenance({ confirm: { summary: 'reboot a', yes: false } }, { input, output });
      input.write('n\n');
      expect(await asked).to.equal(false);
      expect(output.text()).to.contain('reboot a\nProceed? [y/N] ');
      const yesOut = out();
      expect(await confirmMaintenance({ confirm: { summary: 'reboot b', yes: true } }, { input, output: yesOut })).to.equal(true);
      expect(yesOut.text()).to.equal('reboot b\n');
    });
  });

  describe('Kured\'s lock', () => {
    it('says when there is no Kured DaemonSet, and when it took the lock', async () => {
      const port = new FakePort(new FakeClock());
      const events: RunEvent[] = [];
      expect(await takeKuredLock(async () => port, { namespace: 'kube-system', name: 'kured' }, 'r1', (e) => events.push(e))).to.equal(undefined);
      port.daemonSetMeta.set('kube-system/kured', { name: 'kured', namespace: 'kube-system', resourceVersion: '1' });
      const lock = await takeKuredLock(async () => port, { namespace: 'kube-system', name: 'kured' }, 'r1', (e) => events.push(e));
      expect(lock?.daemonSet).to.equal('kube-system/kured');
      expect(events.map((e) => (e.type === 'warning' ? e.message : ''))).to.satisfy((m: string[]) => m[0]!.startsWith('no Kured DaemonSet kube-system/kured') && m[1]!.startsWith("Kured's lock taken on DaemonSet kube-system/kured"));
    });

    it('giving it back never throws; a failure or a lock no longer ours is a warning', async () => {
      const warnings: string[] = [];
      await giveBackKuredLock({ daemonSet: 'kube-system/kured', release: () => Promise.reject(new Error('connect ECONNREFUSED')) }, (m) => warnings.push(m));
      await giveBackKuredLock({ daemonSet: 'kube-system/kured', release: async () => 'not-ours' }, (m) => warnings.push(m));
      await giveBackKuredLock({ daemonSet: 'kube-system/kured', release: async () => 'released' }, (m) => warnings.push(m));
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.contain('could not be given back (connect ECONNREFUSED)');
      expect(warnings[1]).to.contain('no longer this run');
    });
  });
});
