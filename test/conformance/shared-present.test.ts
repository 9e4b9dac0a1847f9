/**
 * Tests that need the shared conformance telegrams skip without them, with a warning. On CI that
 * would be a silent loss of coverage, so there the missing folder is a failure of its own.
 */
import { describe, expect, it } from 'vitest';
import { haveShared, sharedDir, sharedWithheld } from './shared-files.js';

describe('shared conformance folder', () => {
  it.runIf(process.env['CI'] && !sharedWithheld)('is present on CI, so no test that needs it skips there', () => {
    expect(haveShared, `CI needs the shared conformance folder at ${sharedDir}; without it the tests that need its telegrams skip`).toBe(
      true,
    );
  });
});
