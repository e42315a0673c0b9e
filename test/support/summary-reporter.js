// Mocha's spec reporter plus one closing line "N passed, N failed[, N skipped]" that CI reads.
"use strict";
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = this.stats;
            const skipped = pending > 0 ? `, ${pending} skipped` : "";
            process.stdout.write(`${passes} passed, ${failures} failed${skipped}\n`);
        });
    }
}

module.exports = SummaryReporter;
