/** Issue 14, point 7: a damaged history file loses only its damaged lines, for good and in the log. */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RowArchive } from '../../src/store/row-archive.js';
import { tempDir } from '../support/gateway-harness.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 1);
let tmp: Awaited<ReturnType<typeof tempDir>>;
const warnings: string[] = [];

beforeEach(async () => {
  tmp = await tempDir();
  warnings.length = 0;
});
afterEach(() => tmp.remove());

const archive = () =>
  new RowArchive<{ t: number; d: Record<string, number> }>({
    dir: tmp.dir,
    kind: 'hourly',
    period: 'month',
    retentionMs: 90 * 24 * HOUR,
    warn: (m) => warnings.push(m),
  });

it('keeps every intact row of a file with a damaged line in the middle, also after the next restart', async () => {
  const row = (i: number) => JSON.stringify({ m: '12345678', t: T0 + i * HOUR, d: { volume: i } });
  const lines = [row(0), row(1), '{"m":"12345678","t":\u0000\u0007garbage', row(3), row(4)];
  await writeFile(path.join(tmp.dir, 'hourly-2025-06.jsonl'), lines.join('\n') + '\n');

  const first = archive();
  await first.load();
  expect(first.rows('12345678').map((r) => r.d['volume'])).toEqual([0, 1, 3, 4]);
  expect(warnings.join('\n')).toMatch(/1 damaged line in .*hourly-2025-06\.jsonl: line 3/);
  // The damaged text is quoted escaped, never as raw control characters.
  expect(warnings.join('\n')).not.toMatch(/[\u0000-\u0008]/);
  expect((await readdir(tmp.dir)).some((f) => f.startsWith('hourly-2025-06.jsonl.corrupt-'))).toBe(true);

  const second = archive();
  await second.load();
  expect(second.rows('12345678').map((r) => r.d['volume'])).toEqual([0, 1, 3, 4]);
  expect((await readFile(path.join(tmp.dir, 'hourly-2025-06.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(4);
});
