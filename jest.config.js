// ESM Jest: ts-jest compiles TypeScript as ES modules; run with
// `node --experimental-vm-modules` (the `npm test` script does).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Integration suites start their own servers; two cores, so keep it modest.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  // A run shows what failed and the summary, not what passing tests print: console
  // output of tests is dropped (`--silent=false` shows it while debugging one).
  silent: true,
  setupFiles: ['<rootDir>/__tests__/helpers/quiet.ts'],
};
