import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { orderHosts, serialBatches, serialItemProblem, serialItemToCount, shouldStopAfterBatch } from '../../../src/playbook/batches.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const sizes = (batches: string[][]) => batches.map((b) => b.length);

describe('playbook/batches serialBatches', () => {
  it('gives 6,6,6,2 for 20 hosts at 30% (percentage of the play total, truncated)', () => {
    expect(sizes(serialBatches(hosts(20), '30%'))).to.deep.equal([6, 6, 6, 2]);
  });

  it('keeps host order and covers every host exactly once', () => {
    const batches = serialBatches(hosts(7), 3);
    expect(batches).to.deep.equal([hosts(7).slice(0, 3), hosts(7).slice(3, 6), hosts(7).slice(6)]);
  });

  it('uses each list entry once and repeats the last: [1, "20%", "50%"] on 20 hosts', () => {
    // 1, then 20% of 20 = 4, then 50% of 20 = 10 repeating until the hosts run out.
    expect(sizes(serialBatches(hosts(20), [1, '20%', '50%']))).to.deep.equal([1, 4, 10, 5]);
  });

  it('computes percentages against the total, not the hosts remaining', () => {
    expect(sizes(serialBatches(hosts(10), ['50%', '50%', '50%']))).to.deep.equal([5, 5]);
  });

  it('rounds a percentage below one host up to one', () => {
    expect(sizes(serialBatches(hosts(3), '10%'))).to.deep.equal([1, 1, 1]);
    expect(serialItemToCount('0%', 10)).to.equal(1);
  });

  it('truncates like Python (29% of 100 is 28 because 0.29 * 100 = 28.999…)', () => {
    expect(serialItemToCount('29%', 100)).to.equal(28);
    expect(serialItemToCount('99%', 3)).to.equal(2);
  });

  it('stops at the host count when the ramp is longer than the host list', () => {
    expect(sizes(serialBatches(hosts(4), [1, 2, 5, 10, 20]))).to.deep.equal([1, 2, 1]);
    expect(sizes(serialBatches(hosts(2), [1, 1, 1, 1]))).to.deep.equal([1, 1]);
  });

  it('takes all remaining hosts for 0 or a negative size', () => {
    expect(sizes(serialBatches(hosts(5), 0))).to.deep.equal([5]);
    expect(sizes(serialBatches(hosts(5), [1, -1]))).to.deep.equal([1, 4]);
    expect(sizes(serialBatches(hosts(5), [2, 0, 1]))).to.deep.equal([2, 3]);
  });

  it('makes one batch for an absent or empty serial, and none for no hosts', () => {
    expect(sizes(serialBatches(hosts(5), undefined))).to.deep.equal([5]);
    expect(sizes(serialBatches(hosts(5), []))).to.deep.equal([5]);
    expect(serialBatches([], 2)).to.deep.equal([]);
  });

  it('accepts digit strings as counts, like int("5")', () => {
    expect(sizes(serialBatches(hosts(5), '2'))).to.deep.equal([2, 2, 1]);
  });

  it('rejects values that are neither counts nor percentages', () => {
    expect(serialItemProblem('abc')).to.match(/neither a host count/);
    expect(serialItemProblem('1.5%')).to.match(/neither/);
    expect(serialItemProblem(true)).to.match(/must be a number/);
    expect(() => serialBatches(hosts(3), 'x%')).to.throw(ConfigError);
  });
});

describe('playbook/batches orderHosts', () => {
  const inv = ['node-b', 'node-c', 'node-a', 'node-10'];

  it('keeps inventory order by default and reverses it on request', () => {
    expect(orderHosts(inv)).to.deep.equal(inv);
    expect(orderHosts(inv, 'reverse_inventory')).to.deep.equal(['node-10', 'node-a', 'node-c', 'node-b']);
  });

  it('sorts by name (code point order, like Python sorted) and in reverse', () => {
    expect(orderHosts(inv, 'sorted')).to.deep.equal(['node-10', 'node-a', 'node-b', 'node-c']);
    expect(orderHosts(inv, 'reverse_sorted')).to.deep.equal(['node-c', 'node-b', 'node-a', 'node-10']);
  });

  it('shuffles reproducibly with a seed, differently with another seed, and keeps every host', () => {
    const many = hosts(30);
    const a = orderHosts(many, 'shuffle', 42);
    expect(orderHosts(many, 'shuffle', 42)).to.deep.equal(a);
    expect(orderHosts(many, 'shuffle', 'run-2026-11-25')).to.deep.equal(orderHosts(many, 'shuffle', 'run-2026-11-25'));
    expect(orderHosts(many, 'shuffle', 43)).to.not.deep.equal(a);
    expect(a).to.not.deep.equal(many);
    expect([...a].sort()).to.deep.equal(many);
  });

  it('does not modify its input', () => {
    const copy = [...inv];
    orderHosts(inv, 'sorted');
    orderHosts(inv, 'shuffle', 1);
    expect(inv).to.deep.equal(copy);
  });
});

describe('playbook/batches shouldStopAfterBatch', () => {
  it('stops only when the failed share strictly exceeds max_fail_percentage', () => {
    expect(shouldStopAfterBatch({ batchSize: 4, failed: 2, unreachable: 0, maxFailPercentage: 50 }).stop).to.equal(false);
    const verdict = shouldStopAfterBatch({ batchSize: 4, failed: 2, unreachable: 0, maxFailPercentage: 49 });
    expect(verdict).to.include({ stop: true, reason: 'max_fail_percentage' });
    expect(verdict.stop && verdict.message).to.contain('2 of 4 hosts failed (50%)');
  });

  it('stops on any failure with max_fail_percentage 0', () => {
    expect(shouldStopAfterBatch({ batchSize: 10, failed: 1, unreachable: 0, maxFailPercentage: 0 }).stop).to.equal(true);
    expect(shouldStopAfterBatch({ batchSize: 10, failed: 0, unreachable: 0, maxFailPercentage: 0 }).stop).to.equal(false);
  });

  it('counts unreachable hosts towards the percentage by default, and not with countUnreachable: false (Ansible)', () => {
    const outcome = { batchSize: 10, failed: 1, unreachable: 2, maxFailPercentage: 20 };
    expect(shouldStopAfterBatch(outcome)).to.include({ stop: true, reason: 'max_fail_percentage' });
    expect(shouldStopAfterBatch({ ...outcome, countUnreachable: false }).stop).to.equal(false);
  });

  it('stops on any failed or unreachable host with any_errors_fatal', () => {
    expect(shouldStopAfterBatch({ batchSize: 10, failed: 0, unreachable: 1, anyErrorsFatal: true })).to.include({ reason: 'any_errors_fatal' });
    expect(shouldStopAfterBatch({ batchSize: 10, failed: 1, unreachable: 0, anyErrorsFatal: true })).to.include({ stop: true });
    expect(shouldStopAfterBatch({ batchSize: 10, failed: 0, unreachable: 0, anyErrorsFatal: true }).stop).to.equal(false);
  });

  it('stops when every host of the batch failed or was unreachable, even without limits', () => {
    expect(shouldStopAfterBatch({ batchSize: 1, failed: 0, unreachable: 1 })).to.include({ stop: true, reason: 'whole_batch_failed' });
    expect(shouldStopAfterBatch({ batchSize: 3, failed: 2, unreachable: 1 })).to.include({ reason: 'whole_batch_failed' });
    expect(shouldStopAfterBatch({ batchSize: 3, failed: 1, unreachable: 1 }).stop).to.equal(false);
  });

  it('does not stop an empty batch', () => {
    expect(shouldStopAfterBatch({ batchSize: 0, failed: 0, unreachable: 0, maxFailPercentage: 0 }).stop).to.equal(false);
  });
});
