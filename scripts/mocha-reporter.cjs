// Mocha's spec output plus one closing line, 'N passed, N failed, N skipped', that CI reads. With
// DRYDOCK_TEST_STATS set, the counts are also written there as JSON (scripts/test.sh adds up its two streams).
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class DrydockReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
      const file = process.env.DRYDOCK_TEST_STATS;
      if (file) writeFileSync(file, JSON.stringify({ passes: s.passes, failures: s.failures, pending: s.pending, ms: s.duration ?? 0 }));
    });
  }
}
module.exports = DrydockReporter;
