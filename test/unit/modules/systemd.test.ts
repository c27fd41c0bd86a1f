import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import { parseUnitState, planUnit } from '../../../src/modules/systemd.js';
import { fakeContext, type ExecAnswer } from './fake-context.js';

const systemd = taskModules().get('systemd')!;
const service = taskModules().get('service')!;

function unitHost(active: string, enabled: string, load = 'loaded', failVerb?: string) {
  return (command: string): ExecAnswer => {
    if (command.includes('is-active')) return { stdout: `active=${active}\nenabled=${enabled}\nload=${load}\n` };
    if (failVerb && command.includes(` ${failVerb} `)) return { code: 1, stderr: 'Job for x.service failed.' };
    if (command.includes('status')) return { stdout: '● x.service - X\n   Active: failed\n--- journal:\nNov 25 x[1]: bad config\n' };
    return {};
  };
}

describe('modules/systemd', () => {
  it('plans only what differs, in Ansible order', () => {
    const s = parseUnitState('active=inactive\nenabled=disabled\nload=loaded\n');
    expect(planUnit(s, { state: 'started', enabled: true })).to.deep.equal(['enable', 'start']);
    expect(planUnit({ active: 'active', enabled: 'enabled', load: 'loaded' }, { state: 'started', enabled: true })).to.deep.equal([]);
    expect(planUnit({ active: 'failed', enabled: 'enabled', load: 'loaded' }, { state: 'stopped' })).to.deep.equal([]);
    expect(planUnit({ active: 'active', enabled: 'masked', load: 'masked' }, { masked: false, state: 'restarted' })).to.deep.equal(['unmask', 'restart']);
    expect(planUnit({ active: 'inactive', enabled: 'enabled', load: 'loaded' }, { state: 'reloaded' })).to.deep.equal(['start']);
  });

  it('is idempotent and reports ok when the unit is already as requested', async () => {
    const ctx = fakeContext({ name: 'kubelet', state: 'started', enabled: true }, unitHost('active', 'enabled'));
    expect((await systemd.run(ctx)).changed).to.equal(false);
    expect(ctx.commands).to.have.length(1);
  });

  it('runs daemon-reload first, then the needed verbs; restarted always acts', async () => {
    const ctx = fakeContext({ name: 'kubelet', state: 'restarted', daemon_reload: true }, unitHost('active', 'enabled'));
    expect((await systemd.run(ctx)).changed).to.equal(true);
    expect(ctx.commands[0]).to.equal('systemctl daemon-reload');
    expect(ctx.commands.at(-1)).to.equal('systemctl restart kubelet');
  });

  it('predicts in check mode without acting', async () => {
    const ctx = fakeContext({ name: 'kubelet', state: 'stopped' }, unitHost('active', 'enabled'), { check: true });
    expect(await systemd.run(ctx)).to.include({ changed: true });
    expect(ctx.commands).to.have.length(1);
  });

  it('a failed start carries systemctl status and the journal tail', async () => {
    const result = await service.run(fakeContext({ name: 'x', state: 'started' }, unitHost('inactive', 'enabled', 'loaded', 'start')));
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('Unable to start service x').and.include('Job for x.service failed').and.include('bad config');
  });

  it('fails for a unit that does not exist', async () => {
    const result = await service.run(fakeContext({ name: 'nope', state: 'started' }, unitHost('inactive', '', 'not-found')));
    expect(result.msg).to.equal('Could not find the requested service nope: host node1');
  });
});
