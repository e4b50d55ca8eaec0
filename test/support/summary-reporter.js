'use strict';
/**
 * Ends every run with one plain line, "tests: N passed, N failed[, N skipped]", that CI and people can read
 * without knowing Jest's own summary format. A suite that fails to load counts as failed.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
