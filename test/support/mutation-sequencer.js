/**
 * Test sequencer for mutation testing only (jest.mutation.config.js).
 *
 * StrykerJS runs each mutant with `testNamePattern` set to the tests that cover it, but Jest still loads every
 * test file to find those names: loading the ~20 files related to a checkpoint file took 40-70 s a mutant under
 * load, longer than Stryker's timeout, so nearly every mutant "timed out". This sequencer keeps only the files
 * that hold a matching test. It learns which file holds which test from the first run without a name pattern
 * (Stryker's initial run of every test), written next to the sandbox's config; when it knows nothing, or the
 * pattern matches no known test, it keeps every file (never fewer tests than Jest would run).
 */
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

class MutationSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
    this.mapFile = path.join(options.globalConfig.rootDir, '.mutation-test-files.json');
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const pattern = this.globalConfig.testNamePattern;
    if (!pattern || !fs.existsSync(this.mapFile)) return sorted;
    const files = filesHolding(JSON.parse(fs.readFileSync(this.mapFile, 'utf8')), new RegExp(pattern, 'i'));
    if (files.size === 0) return sorted;
    // Quickest files first (Jest sorts the slowest first): the environment skips the rest after a failure.
    const kept = sorted.filter((test) => files.has(test.path)).reverse();
    return kept.length > 0 ? kept : sorted;
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (this.globalConfig.testNamePattern || fs.existsSync(this.mapFile)) return;
    const map = {};
    for (const file of results.testResults) for (const test of file.testResults) map[test.fullName] = file.testFilePath;
    // Written once, atomically: two Stryker workers share the sandbox.
    const temporary = `${this.mapFile}.${process.pid}`;
    fs.writeFileSync(temporary, JSON.stringify(map));
    fs.renameSync(temporary, this.mapFile);
  }
}

function filesHolding(map, pattern) {
  const files = new Set();
  for (const [name, file] of Object.entries(map)) if (pattern.test(name)) files.add(file);
  return files;
}

module.exports = MutationSequencer;
