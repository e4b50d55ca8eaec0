/**
 * Test environment for mutation testing only (jest.mutation.config.js): Jest's node environment that stops
 * running tests once one test has failed against the active mutant.
 *
 * A mutant is killed by its first failing test, but Jest cannot bail programmatically, so StrykerJS ran every
 * covering test of a killed mutant (a topology test alone takes 0.1-3 s). Skipping the rest changes no status:
 * a mutant with a failing test is killed either way, and a surviving mutant runs all its tests.
 * Without an active mutant (Stryker's initial run, or `jest -c jest.mutation.config.js`) nothing is skipped.
 */
const { TestEnvironment } = require('jest-environment-node');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
// Shared by the test files of one Stryker worker: the environment module is loaded once per process.
let killedMutant;

class MutationEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') killedMutant = mutant;
    else if (event.name === 'test_start' && killedMutant === mutant) event.test.mode = 'skip';
  }
}

module.exports = MutationEnvironment;
