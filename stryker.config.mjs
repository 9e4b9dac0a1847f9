// Mutation testing (`npm run mutate`, not part of CI): Stryker changes the code where a silent bug
// costs most, one mutant at a time, and checks that a test fails. Slow on a small machine: run one
// module at a time, e.g. `npm run mutate -- --mutate src/store/keys.ts`. Scores are in TESTING.md.
import path from 'node:path';

// The tests run in a copy of the repository (.stryker-tmp/sandbox-*), where ../shared is not beside
// it: point them at the real one, so the mutants meet the same tests as in CI.
process.env.WMBUS_SHARED_DIR ??= path.resolve('..', 'shared');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  mutate: [
    'src/wmbus/security/*.ts',
    'src/wmbus/afl.ts',
    'src/wmbus/tpl.ts',
    'src/wmbus/frame/repair.ts',
    'src/wmbus/frame/blocks.ts',
    'src/store/durable-file.ts',
    'src/store/append-file.ts',
    'src/store/keys.ts',
    'src/web/admin-token.ts',
    'src/gateway/intake.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
