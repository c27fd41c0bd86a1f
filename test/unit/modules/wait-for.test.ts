import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import { describeWait, portProbeScript } from '../../../src/modules/wait-for.js';
import { fakeContext } from './fake-context.js';

const waitFor = taskModules().get('wait_for')!;

describe('modules/wait_for (fake host)', () => {
  it('probes the port from the target and polls with the clock until it opens', async () => {
    let probes = 0;
    const ctx = fakeContext({ port: 6443, timeout: 60, sleep: 2 }, (c) => ({ code: c.includes('/dev/tcp/127.0.0.1/6443') && ++probes >= 3 ? 0 : 1 }));
    const result = await waitFor.run(ctx);
    expect(result).to.include({ changed: false, port: 6443 });
    expect(ctx.slept).to.deep.equal([2000, 2000]);
  });

  it('times out with a message naming what it waited for', async () => {
    const ctx = fakeContext({ host: '10.0.0.5', port: 2379, timeout: 5, sleep: 1 }, () => ({ code: 1 }));
    const result = await waitFor.run(ctx);
    expect(result.failed).to.equal(true);
    expect(result.msg).to.include('Timeout when waiting for 10.0.0.5:2379');
  });

  it('waits for a port to stop, and for a string in a file', async () => {
    const stopped = await waitFor.run(fakeContext({ port: 80, state: 'stopped', timeout: 5 }, () => ({ code: 1 })));
    expect(stopped.failed).to.equal(undefined);
    const content = Buffer.from('starting\nready: yes\n').toString('base64');
    const found = await waitFor.run(fakeContext({ path: '/var/log/x', search_regex: 'ready: (\\w+)', timeout: 5 }, () => ({ stdout: content })));
    expect(found.match_groups).to.deep.equal(['yes']);
  });

  it('describes its wait the way Ansible does', () => {
    expect(describeWait({ host: 'h', port: 1, state: 'stopped', connectTimeout: 5 })).to.equal('h:1 to stop');
    expect(describeWait({ host: 'h', path: '/f', state: 'present', searchRegex: 'x', connectTimeout: 5 })).to.equal('search string x in /f');
    expect(portProbeScript('127.0.0.1', 22, 5)).to.equal(`timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' 2>/dev/null`);
  });
});
