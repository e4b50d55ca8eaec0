/**
 * The fault-injection suite (`npm run test:faults`): each scenario starts its own broker, which it kills,
 * restarts, freezes and thaws, so these tests run one at a time and apart from `npm test`. The shared
 * broker of the integration project is there too, for scenarios that need no broker of their own.
 */
// The same transform and module names as `npm test` (jest.config.js).
const { transform, moduleNameMapper } = require('./jest.config.js').projects[0];

module.exports = {
  testTimeout: 900000,
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'faults',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
      modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/after-each-file.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
