// Jest runs in native ESM mode (`node --experimental-vm-modules`), because
// @octokit/rest 22 is ESM-only. TypeScript is transformed by @swc/jest (fast, no
// type-check: `npm run typecheck` does that).
//
// Three projects, chosen by folder (test/README.md has the map):
// - unit: everything that runs inside the Jest worker alone: pure logic, and
//   in-process loopback servers (the simulators, the metrics endpoint).
//   No Temporal server, no child process, no `npm run build`: `npm run test:unit`.
// - processes: child processes, dist/ (built by `npm test`), docker-compose,
//   promtool or the Temporal worker runtime (replay), but no Temporal server.
// - integration: tests that need the Temporal dev server. Its global setup
//   starts one for the run, and its global teardown runs the secret scan of
//   every workflow history and log the run left. Jest runs a project's global
//   setup only when one of its tests is selected, so no other selection starts
//   a server.
// `npm test` runs all three once.

export const UNIT = ['unit', 'sandbox', 'scripts'];
export const PROCESSES = ['processes', 'deploy', 'replay', 'workspace'];
export const INTEGRATION = ['integration'];

/** @type {import('jest').Config} */
const common = {
  rootDir: import.meta.dirname,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

const testsIn = (dirs) => dirs.map((d) => `<rootDir>/test/${d}/**/*.test.ts`);

/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: testsIn(UNIT),
    },
    {
      ...common,
      displayName: 'processes',
      testMatch: testsIn(PROCESSES),
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: testsIn(INTEGRATION),
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
