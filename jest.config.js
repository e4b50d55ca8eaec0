/**
 * Two projects: unit tests of pure code need no broker; integration tests share one real broker,
 * started in the integration project's global setup (Jest runs it only when such a test is selected).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
// Topologies import the package by name, as users do; in tests that name is the source (dist/ resolves it through package.json exports).
const moduleNameMapper = { '^streamlearn$': '<rootDir>/src/index.ts', '^streamlearn/neural$': '<rootDir>/src/neural/index.ts' };

// A StrykerJS sandbox (npm run test:mutation) is a copy of the package: Jest would see two 'streamlearn's.
const modulePathIgnorePatterns = ['<rootDir>/.stryker-tmp/'];

module.exports = {
  testTimeout: 180000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      modulePathIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      modulePathIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/after-each-file.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
