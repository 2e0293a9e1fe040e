// ESM Jest: ts-jest compiles TypeScript as ES modules; run with
// `node --experimental-vm-modules` (the `npm test` scripts do).
//
// Two projects, chosen by path so a new test file needs no edit here:
//   slow: __tests__/e2e/** and __tests__/interop/** (the built bundle as a child process,
//         the reference Python CLI), and any file named *.slow.test.ts;
//   fast: every other __tests__/**/*.test.ts (unit, integration, destructive, ...).
// `npm test` runs fast, `npm run test:slow` slow, `npm run test:all` both (.ci/run).

// Path rules for `slow`, as regexes on the test file's path.
const SLOW = ['/__tests__/e2e/', '/__tests__/interop/', '\\.slow\\.test\\.ts$'];

const project = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  setupFiles: ['<rootDir>/__tests__/helpers/quiet.ts'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...project,
      displayName: 'fast',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW],
    },
    {
      ...project,
      displayName: 'slow',
      testRegex: SLOW.map((rule) => (rule.endsWith('/') ? `${rule}.*\\.test\\.ts$` : rule)),
    },
  ],
  testTimeout: 60000,
  // One S3 server (moto, else fauxqs) for the whole run; each suite makes its own buckets.
  globalSetup: '<rootDir>/__tests__/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/__tests__/helpers/global-teardown.mjs',
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  // A run shows what failed and the summary, not what passing tests print: console
  // output of tests is dropped (`--silent=false` shows it while debugging one).
  silent: true,
};
