/**
 * The unit tests that exercise the paths under mutation (`npm run test:mutation`, see stryker.config.json):
 * no broker, so StrykerJS can run them once per mutant.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false, isolatedModules: true }] };

// Module names as `npm test` maps them (jest.config.js).
const { moduleNameMapper } = require('./jest.config.js').projects[0];

module.exports = {
  // Skips the remaining tests of a mutant once one has failed (see the file for why).
  testEnvironment: require.resolve('./test/support/mutation-environment.js'),
  transform,
  moduleNameMapper,
  // Stryker's sandbox copy (another package named streamlearn) while a run is in progress.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
  // Runs only the files that hold a mutant's covering tests (see the file for why).
  testSequencer: require.resolve('./test/support/mutation-sequencer.js'),
  testMatch: [
    '<rootDir>/test/unit/checkpoints/**/*.test.ts',
    '<rootDir>/test/unit/topology/**/*.test.ts',
    '<rootDir>/test/unit/connectors/**/*.test.ts',
    // Unit tests elsewhere that exercise the runtime's drift wiring and observer.
    '<rootDir>/test/unit/drift/drift-watch.test.ts',
    '<rootDir>/test/unit/observability/observer.test.ts',
    '<rootDir>/test/unit/observability/records.test.ts',
    '<rootDir>/test/unit/reco/reco-mf-topology.test.ts',
  ],
};
