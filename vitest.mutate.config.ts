import { configDefaults, defineConfig } from 'vitest/config';

// The tests that guard the modules under mutation (stryker.config.mjs): in-process, no services,
// no child processes and no long statistical runs, so each mutant costs seconds, not minutes.
// MUTATE_TESTS (comma-separated globs) narrows them to the files that guard the one module being
// mutated, e.g. MUTATE_TESTS='test/store/**/*.test.ts' npm run mutate -- --mutate src/store/keys.ts
const guardingTests = [
  'test/wmbus/**/*.test.ts',
  'test/conformance/wmbusmeters-vectors.test.ts',
  'test/store/**/*.test.ts',
  'test/web/admin-token.test.ts',
  'test/gateway/gateway.test.ts',
  'test/gateway/intake.test.ts',
];

export default defineConfig({
  test: {
    include: process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',') : guardingTests,
    // the frame core's statistical runs (a million damaged frames, 64 Mbit of noise) are too long per mutant
    exclude: [...configDefaults.exclude, 'test/wmbus/frame/sensitivity.test.ts', 'test/wmbus/phy/bit-stream.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
