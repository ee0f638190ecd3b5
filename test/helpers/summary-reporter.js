// Mocha's spec reporter, plus two lines CI reads: "N skipped", then last "N passed, N failed".
// Skipped counts pending tests: `it.skip`, `this.skip()` and tests without a body.
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      process.stdout.write(`\n${pending} skipped\n${passes} passed, ${failures} failed\n`);
    });
  }
}

module.exports = SummaryReporter;
