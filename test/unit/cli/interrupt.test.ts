import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { stopGraceMs, watchInterrupts } from '../../../src/cli/interrupt.js';
import { EXIT } from '../../../src/util/exit-codes.js';

const wording = { stopping: 'no new task', ending: 'ending them' };

describe('stop signals (Ctrl-C, SIGTERM, SIGHUP)', () => {
  for (const [signal, code] of [['SIGINT', EXIT.INTERRUPTED], ['SIGTERM', EXIT.TERMINATED], ['SIGHUP', EXIT.HANGUP]] as const) {
    it(`${signal} stops new work first, ends running work on a second signal, and exits ${code}`, () => {
      const source = new EventEmitter();
      const said: string[] = [];
      const watch = watchInterrupts((m) => said.push(m), wording, { source, graceMs: 60_000 });
      source.emit(signal);
      expect([watch.stop.aborted, watch.abort.aborted]).to.deep.equal([true, false]);
      expect(watch.received()).to.equal(signal);
      source.emit('SIGINT');
      expect(watch.abort.aborted).to.equal(true);
      expect(watch.exitCode(EXIT.INTERRUPTED)).to.equal(code);
      expect(watch.exitCode(EXIT.FAILED_HOSTS), 'a failure found before the stop wins').to.equal(EXIT.FAILED_HOSTS);
      expect(said).to.have.length(2);
      watch.dispose();
      expect(source.listenerCount(signal)).to.equal(0);
    });
  }

  it('after SIGTERM or SIGHUP the running commands are ended when the grace period is over; not after Ctrl-C', async () => {
    const term = new EventEmitter();
    const byTerm = watchInterrupts(() => undefined, wording, { source: term, graceMs: 20 });
    term.emit('SIGTERM');
    const int = new EventEmitter();
    const byInt = watchInterrupts(() => undefined, wording, { source: int, graceMs: 20 });
    int.emit('SIGINT');
    await new Promise((r) => setTimeout(r, 60));
    expect(byTerm.abort.aborted).to.equal(true);
    expect(byInt.abort.aborted).to.equal(false);
    byTerm.dispose();
    byInt.dispose();
  });

  it('a run never signalled keeps its exit code; DRYDOCK_STOP_GRACE sets the grace period', () => {
    const watch = watchInterrupts(() => undefined, wording, { source: new EventEmitter() });
    expect(watch.exitCode(EXIT.INTERRUPTED)).to.equal(EXIT.INTERRUPTED);
    watch.dispose();
    expect(stopGraceMs({ DRYDOCK_STOP_GRACE: '2.5' })).to.equal(2500);
    expect(stopGraceMs({ DRYDOCK_STOP_GRACE: 'soon' })).to.equal(30_000);
    expect(stopGraceMs({})).to.equal(30_000);
  });
});
