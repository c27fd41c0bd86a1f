import { expect } from 'chai';
import { taskModules } from '../../../src/modules/catalogue.js';
import { fakeContext } from './fake-context.js';

const modules = taskModules();

describe('modules/controller-only modules', () => {
  it('marks assert/fail/debug/set_fact/pause controller-only', () => {
    for (const name of ['assert', 'fail', 'debug', 'set_fact', 'pause']) expect(modules.get(name)!.controllerOnly, name).to.equal(true);
    expect(modules.get('command')!.controllerOnly).to.equal(undefined);
  });

  it('assert evaluates its conditions against the host vars', async () => {
    const vars = { nodes: ['a', 'b'], version: '1.29.4' };
    const ok = await modules.get('assert')!.run(fakeContext({ that: ['nodes | length == 2', "version is version('1.29', '>=')"] }, undefined, { vars }));
    expect(ok).to.deep.include({ changed: false, msg: 'All assertions passed' });
    const bad = await modules.get('assert')!.run(fakeContext({ that: ['nodes | length == 2', 'nodes | length > 5'], fail_msg: 'too few' }, undefined, { vars }));
    expect(bad).to.deep.include({ failed: true, msg: 'too few', assertion: 'nodes | length > 5', evaluated_to: false });
    const undef = await modules.get('assert')!.run(fakeContext({ that: ['missing_var == 1'] }, undefined, { vars }));
    expect(undef.failed).to.equal(true);
    expect(undef.msg).to.include('missing_var');
  });

  it('fail, debug and set_fact', async () => {
    expect(await modules.get('fail')!.run(fakeContext({ msg: 'stop' }))).to.include({ failed: true, msg: 'stop' });
    expect(await modules.get('debug')!.run(fakeContext({ msg: 'hi' }))).to.include({ msg: 'hi', changed: false });
    const shown = await modules.get('debug')!.run(fakeContext({ var: 'r.stdout' }, undefined, { vars: { r: { stdout: 'x' } } }));
    expect(shown['r.stdout']).to.equal('x');
    const missing = await modules.get('debug')!.run(fakeContext({ var: 'nope' }));
    expect(missing.nope).to.equal('VARIABLE IS NOT DEFINED!');
    expect(await modules.get('debug')!.run(fakeContext({ msg: 'verbose', verbosity: 2 }))).to.include({ skipped: true });
    const facts = await modules.get('set_fact')!.run(fakeContext({ a: 1, b: [2], cacheable: false }));
    expect(facts.facts).to.deep.equal({ a: 1, b: [2] });
  });

  it('pause waits through the clock, skips prompts with --yes and refuses to hang without it', async () => {
    const timed = fakeContext({ seconds: 30 });
    expect(await modules.get('pause')!.run(timed)).to.include({ changed: false, delta: '0:00:30.000000' });
    expect(timed.slept).to.deep.equal([30_000]);
    expect((await modules.get('pause')!.run(fakeContext({ prompt: 'continue?' }, undefined, { yes: true }))).failed).to.equal(undefined);
    const refused = await modules.get('pause')!.run(fakeContext({ prompt: 'continue?' }));
    expect(refused.failed).to.equal(true);
    expect(refused.msg).to.include('--yes');
  });
});
