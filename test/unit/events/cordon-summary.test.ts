import { expect } from 'chai';
import { CordonTracker } from '../../../src/events/cordon-summary.js';
import type { HostResult } from '../../../src/events/events.js';

const result = (status: HostResult['status'], data: Record<string, unknown>, msg?: string): HostResult => ({ host: 'h', task: 't', status, data, ...(msg ? { msg } : {}) });

describe('engine/cordon-summary', () => {
  it('lists nodes a run cordoned and never uncordoned, and nodes left cordoned on purpose', () => {
    const tracker = new CordonTracker();
    tracker.observe(result('changed', { node: 'w1', cordoned_by_drydock: true, was_cordoned: false }));
    tracker.observe(result('changed', { node: 'w2', cordoned_by_drydock: true, was_cordoned: false }));
    tracker.observe(result('changed', { node: 'w2', left_cordoned: false }));
    tracker.observe(result('ok', { node: 'w3', cordoned_by_drydock: false, was_cordoned: true }));
    tracker.observe(result('ok', { node: 'w3', left_cordoned: true }, 'left cordoned: it was cordoned before this run'));
    tracker.observe(result('failed', { node: 'w4', left_cordoned: true }, 'drain blocked by PDB web-pdb\nnode w4 stays cordoned'));
    expect(tracker.summary()).to.equal(
      'NODES LEFT CORDONED\n  w1: cordoned by this run, not uncordoned\n  w3: left cordoned: it was cordoned before this run\n  w4: node w4 stays cordoned\n\n',
    );
  });

  it('says nothing when every node is schedulable again, and ignores skipped results', () => {
    const tracker = new CordonTracker();
    tracker.observe(result('changed', { node: 'w1', cordoned_by_drydock: true }));
    tracker.observe(result('skipped', { node: 'w2', cordoned_by_drydock: true }));
    tracker.observe(result('changed', { node: 'w1', left_cordoned: false }));
    expect(tracker.summary()).to.equal('');
  });

  it('a --check run cordoned nothing: simulated cordons and drains are not listed', () => {
    const tracker = new CordonTracker();
    tracker.observe(result('changed', { node: 'w1', simulated: true, cordoned_by_drydock: true, was_cordoned: false }, 'would cordon and drain node w1'));
    expect(tracker.summary()).to.equal('');
    expect([...tracker.nodesTouched()]).to.deep.equal(['w1']);
  });
});
