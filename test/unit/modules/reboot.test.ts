import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import { taskModules } from '../../../src/modules/catalogue.js';
import { detachedRebootCommand } from '../../../src/modules/reboot.js';
import type { Connection } from '../../../src/transport/types.js';
import { fakeContext, type FakeContext } from './fake-context.js';

const reboot = taskModules().get('reboot')!;

/**
 * A host that reboots when told: reconnects fail `downFor` times, then it answers — first (optionally) still
 * with the old boot id for `staleAnswers` reconnects, then with a new one.
 */
function rebootingHost(args: Record<string, unknown>, downFor: number, staleAnswers = 0, neverBack = false): FakeContext {
  let bootId = 'old-boot-id';
  let rebootIssued = false;
  let attempts = 0;
  const ctx = fakeContext(args, (command) => {
    if (command.includes('boot_id')) return { stdout: `${bootId}\n` };
    if (command.includes('nohup setsid')) {
      rebootIssued = true;
      return {};
    }
    if (command === 'whoami') return { stdout: 'root\n' };
    return { code: 127 };
  });
  ctx.reconnect = async () => {
    ctx.reconnects++;
    attempts++;
    if (!rebootIssued) throw new Error('reconnect before the reboot was issued');
    if (neverBack || attempts <= downFor) throw new HostUnreachableError('node1', 'tcp', 'connect ECONNREFUSED');
    if (attempts > downFor + staleAnswers) bootId = 'new-boot-id';
    return {} as Connection;
  };
  return ctx;
}

describe('modules/reboot', () => {
  it('issues a detached reboot whose streams leave the SSH channel', () => {
    const cmd = detachedRebootCommand(0, undefined, undefined);
    expect(cmd).to.match(/^nohup setsid sh -c '.*' >\/dev\/null 2>&1 <\/dev\/null &$/);
    expect(cmd).to.include('sleep 1; systemctl reboot || reboot');
    expect(detachedRebootCommand(5, 'shutdown -r now', 'kernel update')).to.include(`sleep 5; logger -t drydock '"'"'kernel update'"'"' 2>/dev/null; shutdown -r now`);
  });

  it('waits until the host answers with a DIFFERENT boot id and test_command succeeds', async () => {
    const ctx = rebootingHost({ reboot_timeout: 600, test_command: 'whoami' }, 3, 1);
    const result = await reboot.run(ctx);
    expect(result).to.deep.include({ changed: true, rebooted: true, boot_id: 'new-boot-id', previous_boot_id: 'old-boot-id' });
    expect(ctx.reconnects).to.equal(5); // 3 refused, 1 still the old boot, 1 new
    expect(ctx.commands.at(-1)).to.equal('whoami');
  });

  it('never counts a host that has not gone down yet as rebooted', async () => {
    const ctx = rebootingHost({ reboot_timeout: 30 }, 0, 1000);
    const result = await reboot.run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('within 30s').and.include('same boot id');
  });

  it('fails after reboot_timeout when the host never comes back, with the last error', async () => {
    const result = await reboot.run(rebootingHost({ reboot_timeout: 20 }, 0, 0, true));
    expect(result).to.include({ failed: true, rebooted: false });
    expect(result.msg).to.include('ECONNREFUSED');
  });

  it('does not reboot in check mode', async () => {
    const ctx = rebootingHost({}, 0);
    ctx.check = true;
    expect(await reboot.run(ctx)).to.include({ changed: false, rebooted: false });
    expect(ctx.commands.some((c) => c.includes('nohup'))).to.equal(false);
  });

  it('waits post_reboot_delay after the host is back', async () => {
    const ctx = rebootingHost({ post_reboot_delay: 7 }, 0);
    await reboot.run(ctx);
    expect(ctx.slept.at(-1)).to.equal(7000);
  });
});
