import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CommandTimeoutError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import { followScript, kubeadmModule, kubeadmUnit, KUBEADM_UNIT_PREFIX } from '../../../src/modules/kubeadm.js';
import { fakeContext, type ExecAnswer } from './fake-context.js';

const run = promisify(execFile);

/** Answers for the module's four steps: the running-unit probe, the start, the follower, the state read. */
function script(answers: { running?: string; start?: ExecAnswer; follow?: ExecAnswer; state?: ExecAnswer }) {
  return (command: string): ExecAnswer => {
    if (command.startsWith('systemctl list-units')) return { stdout: answers.running ?? '' };
    if (command.includes('systemd-run')) return answers.start ?? {};
    if (command.startsWith('tail -n +1 -f')) return answers.follow ?? {};
    if (command.startsWith('systemctl show')) return answers.state ?? {};
    throw new Error(`unexpected command: ${command}`);
  };
}

describe('kubeadm module: kubeadm runs as its own unit and is never killed', () => {
  it('starts kubeadm with systemd-run (its own unit, its output in a 0600 log) and reports its exit status', async () => {
    const ctx = fakeContext({ cmd: 'upgrade apply -y v1.37.2', wait_timeout: 1800 }, script({ follow: { code: 0, stdout: '[upgrade] SUCCESS!\n' } }));
    const result = await kubeadmModule.run(ctx);
    expect(result.failed ?? false).to.equal(false);
    expect(result.rc).to.equal(0);
    expect(result['unit']).to.match(new RegExp(`^${KUBEADM_UNIT_PREFIX}\\d{8}T\\d{6}Z-[a-z0-9]+$`));
    const start = ctx.commands.find((c) => c.includes('systemd-run'))!;
    expect(start).to.include(`--unit=${String(result['unit'])}`).and.include('kubeadm upgrade apply -y v1.37.2');
    expect(start).to.include('umask 077');
  });

  it('a non-zero kubeadm exit fails the task with its log named', async () => {
    const ctx = fakeContext({ cmd: 'upgrade node' }, script({ follow: { code: 1, stdout: 'error execution phase\n' } }));
    const result = await kubeadmModule.run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.match(/kubeadm exited 1 \(its log: \/var\/log\/drydock\/drydock-kubeadm-.*\.log\)/);
  });

  it("on drydock's timeout it stops waiting, never stops the unit, and says where kubeadm runs", async () => {
    const ctx = fakeContext({ cmd: 'upgrade apply -y v1.37.2', wait_timeout: 5 }, script({
      follow: new CommandTimeoutError('cp1', 'tail', 5000),
      state: { stdout: 'active\n4242\nMon 2026-12-07 08:00:00 UTC\n[upgrade/apply] waiting for etcd\n' },
    }));
    const result = await kubeadmModule.run(ctx);
    expect(result.failed).to.equal(true);
    expect(result['still_running']).to.equal(true);
    expect(result.msg).to.include('kubeadm was NOT stopped').and.include('pid 4242').and.include('journalctl -u drydock-kubeadm-');
    expect(result.msg).to.include('[upgrade/apply] waiting for etcd');
    expect(ctx.commands.some((c) => /systemctl (stop|kill)|kill .*kubeadm/.test(c)), ctx.commands.join('\n')).to.equal(false);
  });

  it('refuses to start while kubeadm of an earlier run still runs on the host', async () => {
    const ctx = fakeContext({ cmd: 'upgrade apply -y v1.37.2' }, script({ running: 'drydock-kubeadm-20261207T080000Z-abc123.service\n' }));
    const result = await kubeadmModule.run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('still running').and.include('drydock-kubeadm-20261207T080000Z-abc123.service');
    expect(ctx.commands.some((c) => c.includes('systemd-run'))).to.equal(false);
  });

  it('holds the cluster lock for longer than its wait while kubeadm runs, and lets go after', async () => {
    const calls: string[] = [];
    const ctx = fakeContext({ cmd: 'upgrade apply -y v1.37.2', wait_timeout: 600 }, script({ follow: { code: 0 } }), {
      holdClusterLock: async (seconds) => {
        calls.push(`hold ${seconds}`);
        return async () => void calls.push('restore');
      },
    });
    await kubeadmModule.run(ctx);
    expect(calls).to.deep.equal(['hold 900', 'restore']);
  });

  it('streams kubeadm\'s lines as host.output events while it runs', async () => {
    const events: RunEvent[] = [];
    const ctx = fakeContext({ cmd: 'upgrade node' }, (command, options) => {
      if (command.startsWith('tail -n +1 -f')) {
        options?.onStdout?.(Buffer.from('[upgrade] Reading configuration\n[upgrade] Upgrading'));
        options?.onStdout?.(Buffer.from(' the kubelet\n'));
      }
      return script({})(command);
    }, { emit: (e) => events.push(e) });
    await kubeadmModule.run(ctx);
    const text = events.filter((e) => e.type === 'host.output').map((e) => (e as { text: string }).text).join('');
    expect(text).to.equal('[upgrade] Reading configuration\n[upgrade] Upgrading the kubelet\n');
  });

  it('check mode runs nothing on the host', async () => {
    const ctx = fakeContext({ cmd: 'upgrade apply -y v1.37.2' }, script({}), { check: true });
    const result = await kubeadmModule.run(ctx);
    expect(result.skipped).to.equal(true);
    expect(ctx.commands).to.deep.equal([]);
  });
});

describe('kubeadm module: the follower script, run by a real shell', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-kubeadm-follow-'));
    // systemctl is-active: the unit is active while the "running" file exists.
    writeFileSync(join(dir, 'systemctl'), `#!/bin/sh\n[ -e ${dir}/running ]\n`);
    chmodSync(join(dir, 'systemctl'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const follow = (unit = kubeadmUnit(dir, new Date(0), 'x')) =>
    run('/bin/sh', ['-c', followScript(unit)], { env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it("prints the log as it grows and exits with kubeadm's status once written", async () => {
    const unit = kubeadmUnit(dir, new Date(0), 'a');
    writeFileSync(unit.log, 'first line\n');
    writeFileSync(join(dir, 'running'), '');
    setTimeout(() => {
      writeFileSync(unit.log, 'first line\nsecond line\n');
      writeFileSync(unit.status, '3\n');
      rmSync(join(dir, 'running'));
    }, 1500);
    const result = await follow(unit);
    expect(result.code).to.equal(3);
    expect(result.stdout).to.include('first line').and.include('second line');
  });

  it('exits 254 naming the unit when it ended without a status (stopped by someone)', async () => {
    const unit = kubeadmUnit(dir, new Date(0), 'b');
    writeFileSync(unit.log, '');
    const result = await follow(unit);
    expect(result.code).to.equal(254);
    expect(result.stderr).to.include(unit.unit).and.include('without recording');
  });
});
