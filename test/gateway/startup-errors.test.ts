/** Issue 14, point 10: a start-up error names the file it concerns. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(() => tmp.remove());

const clock = new FakeClock(Date.parse('2025-06-20T10:00:00Z'));

const files = ['state.json', 'keys.json', path.join('history', 'hourly-2025-06.jsonl')];

it.each(files)('names %s when it cannot be read (EISDIR)', async (name) => {
  const file = path.join(tmp.dir, name);
  await mkdir(file, { recursive: true });
  const error = await openGateway(testConfig(tmp.dir), clock).then(
    () => undefined,
    (err: Error) => err.message,
  );
  expect(error).toContain('EISDIR');
  expect(error).toContain(file);
});
