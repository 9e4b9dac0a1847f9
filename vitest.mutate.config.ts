import { defineConfig } from 'vitest/config';

// The tests that guard the modules under mutation (stryker.config.mjs): in-process, no services,
// no child processes and no long statistical runs, so each mutant costs seconds, not minutes.
// MUTATE_TESTS (comma-separated globs) narrows them to the files that guard the one module being
// mutated, e.g. MUTATE_TESTS='test/store/**/*.test.ts' npm run mutate -- --mutate src/store/keys.ts
const guardingTests = [
  'test/wmbus/**/*.test.ts',
  'test/conformance/wmbusmeters-vectors.test.ts',
  'test/frame/crc-distance.test.ts',
  'test/frame/decode-raw.test.ts',
  'test/frame/repair.test.ts',
  'test/frame/start-encode.test.ts',
  'test/store/**/*.test.ts',
  'test/web/admin-token.test.ts',
  'test/gateway/gateway.test.ts',
  'test/gateway/intake.test.ts',
];

export default defineConfig({
  test: {
    include: process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',') : guardingTests,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
