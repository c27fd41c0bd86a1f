import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/events/events.js';
import { percentageValue, withRenderedMaxFailPercentage } from '../../../src/playbook/plays.js';
import { hostsNamed, inventory, loadFromText, play } from '../engine/harness.js';

const batchesOf = (events: RunEvent[]): string[][] => events.flatMap((e) => (e.type === 'batch.start' ? [e.hosts] : []));
const stopOf = (events: RunEvent[]) => events.find((e): e is Extract<RunEvent, { type: 'play.stop' }> => e.type === 'play.stop');

const templated = `
- hosts: nodes
  gather_facts: false
  serial: 4
  max_fail_percentage: "{{ worker_max_fail | default(0) }}"
  tasks:
    - command: work
`;

describe('playbook: templated max_fail_percentage', () => {
  it('keeps the template and the strictest threshold (0) until it renders', async () => {
    const [parsed] = (await loadFromText(templated)).plays;
    expect(parsed!.maxFailPercentageTemplate).to.equal('{{ worker_max_fail | default(0) }}');
    expect(parsed!.maxFailPercentage).to.equal(0);
  });

  it('renders with -e over play vars; numbers, "N" and "N%" strings', async () => {
    const [parsed] = (await loadFromText(templated)).plays;
    expect(withRenderedMaxFailPercentage(parsed!, {}).maxFailPercentage).to.equal(0);
    expect(withRenderedMaxFailPercentage(parsed!, { worker_max_fail: '25' }).maxFailPercentage).to.equal(25);
    expect(withRenderedMaxFailPercentage(parsed!, { worker_max_fail: 12.5 }).maxFailPercentage).to.equal(12.5);
    expect(withRenderedMaxFailPercentage(parsed!, { worker_max_fail: '30%' }).maxFailPercentage).to.equal(30);
  });

  it('a rendered value outside 0..100 is a ConfigError at the play, never a silently disabled stop rule', async () => {
    const [parsed] = (await loadFromText(templated)).plays;
    for (const bad of ['150', 'lots', '-1']) {
      expect(() => withRenderedMaxFailPercentage(parsed!, { worker_max_fail: bad }), bad).to.throw(ConfigError, /must be a number from 0 to 100.*rendered to/);
    }
  });

  it('a plain value is untouched; a non-template string is still refused at load', async () => {
    const [plainPlay] = (await loadFromText(templated.replace('"{{ worker_max_fail | default(0) }}"', '20'))).plays;
    expect(plainPlay!.maxFailPercentageTemplate).to.equal(undefined);
    expect(withRenderedMaxFailPercentage(plainPlay!, { worker_max_fail: '90' }).maxFailPercentage).to.equal(20);
    let error: unknown;
    await loadFromText(templated.replace('"{{ worker_max_fail | default(0) }}"', 'lots')).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ConfigError);
    expect(String(error)).to.include("'max_fail_percentage' must be a number from 0 to 100");
  });

  it('percentageValue accepts 0..100 only', () => {
    expect([0, 100, '7', ' 7.5 % '].map(percentageValue)).to.deep.equal([0, 100, 7, 7.5]);
    expect([-1, 101, 'x', null, Number.NaN].map(percentageValue)).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
  });

  describe('at run time, both sides of the boundary', () => {
    const ten = inventory({ nodes: hostsNamed('n', 10) });
    const failing = (host: string) => ({ code: ['n1', 'n2'].includes(host) ? 1 : 0 });

    it('-e worker_max_fail=50: 2 of 4 failed is not more than 50%, the later batches run', async () => {
      const h = await play(templated, { inventory: ten, respond: failing, options: { extraVars: { worker_max_fail: '50' } } });
      expect(batchesOf(h.events)).to.have.length(3);
      expect(stopOf(h.events)).to.equal(undefined);
    });

    it('-e worker_max_fail=49: 2 of 4 failed is more, the play stops after the first batch', async () => {
      const h = await play(templated, { inventory: ten, respond: failing, options: { extraVars: { worker_max_fail: '49' } } });
      expect(batchesOf(h.events)).to.have.length(1);
      expect(stopOf(h.events)?.reason).to.equal('max_fail_percentage');
      expect(stopOf(h.events)?.message).to.include('more than max_fail_percentage 49%');
    });

    it('without the variable the default(0) applies: one failure stops the play', async () => {
      const h = await play(templated, { inventory: ten, respond: (host) => ({ code: host === 'n1' ? 1 : 0 }) });
      expect(batchesOf(h.events)).to.have.length(1);
      expect(stopOf(h.events)?.reason).to.equal('max_fail_percentage');
    });
  });
});
