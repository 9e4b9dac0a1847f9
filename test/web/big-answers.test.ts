/**
 * Issue 14, point 6: large history answers are streamed and compressed off the event loop, so the
 * health check (and everything else) still answers while a dozen phones download a year of hours.
 *
 * A year of hourly rows is written straight into the store's history files (the format RowArchive
 * reads: one JSON line per row) of a meter configured in WMBUS_METERS; `run` serves them from a
 * process of its own, as on the Pi. Twelve requests for all of it run at once while /healthz is asked
 * again and again. The clients only collect bytes until the end, so what the health check waits
 * for is the service's work, not the test's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunProcess, freePort, startRun } from '../support/cli-process.js';
import { tempDir } from '../support/gateway-harness.js';
import { GAMA } from '../support/web-client.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIRST = Date.UTC(2024, 0, 1);
const ROWS = 366 * 24;
const LAST = FIRST + (ROWS - 1) * HOUR;
// Built in one piece each, a dozen such answers kept /healthz waiting 2.5 to 4.4 s at load 10 on two
// cores; streamed, 2 to 50 ms with rare spikes to 350 ms at the same load.
const HEALTH_DEADLINE_MS = 1000;
// Built in one piece, the answers queue up; streamed, they take turns, however many there are.
const DOWNLOADS = 12;

// In the order of the CSV's columns: import and export first, then by name.
const deltasOf = (i: number) => ({
  energy_import: ((i % 97) + 1) / 1000,
  energy_export: ((i % 13) + 1) / 1000,
  energy_export_t1: ((i % 7) + 1) / 1000,
  energy_export_t2: ((i % 5) + 1) / 1000,
  energy_import_t1: ((i % 89) + 1) / 1000,
  energy_import_t2: ((i % 83) + 1) / 1000,
});

let service: RunProcess;
let base: string;
let removeDir: () => Promise<void>;

beforeEach(async () => {
  const tmp = await tempDir();
  removeDir = tmp.remove;
  const history = path.join(tmp.dir, 'history');
  await mkdir(history, { recursive: true });
  const months = new Map<string, string[]>();
  for (let i = 0; i < ROWS; i++) {
    const t = FIRST + i * HOUR;
    const file = `hourly-${new Date(t).toISOString().slice(0, 7)}.jsonl`;
    if (!months.has(file)) months.set(file, []);
    months.get(file)!.push(JSON.stringify({ m: GAMA.id, t, d: deltasOf(i) }));
  }
  for (const [file, lines] of months) await writeFile(path.join(history, file), lines.join('\n') + '\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  service = startRun({
    WMBUS_DATA_DIR: tmp.dir,
    WMBUS_RADIO: 'none',
    WMBUS_HTTP_HOST: '127.0.0.1',
    WMBUS_HTTP_PORT: String(port),
    WMBUS_METERS: `${GAMA.id}:${GAMA.key}:House`,
    WMBUS_HOURLY_RETENTION_DAYS: '400',
  });
  await service.waitForLog(/running: 1 meter/, 60_000);
});
afterEach(async () => {
  service.child.kill('SIGTERM');
  expect(await service.exited).toBe(0);
  await removeDir();
});

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(pathname: string, gzip: boolean): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers = gzip ? { 'Accept-Encoding': 'gzip' } : {};
    const req = httpRequest(base + pathname, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const text = (raw: Raw) => (raw.headers['content-encoding'] === 'gzip' ? gunzipSync(raw.body) : raw.body).toString('utf8');

it('a dozen downloads of a year of hours at once: /healthz answers within its deadline, every answer is whole', async () => {
  const range = `resolution=hour&from=${FIRST}&to=${FIRST + 366 * DAY}`;
  const paths = Array.from({ length: DOWNLOADS / 2 }).flatMap(() => [
    `/api/meters/${GAMA.id}/history.csv?${range}`,
    `/api/meters/${GAMA.id}/history?${range}`,
  ]);
  // A gateway that has run for a while: its code is compiled (a year of rows each way once) and its start-up garbage collected.
  for (const p of paths.slice(0, 2)) await get(p, true);
  let running = true;
  const downloads = Promise.all(paths.map((p, i) => get(p, i % 4 < 2))).finally(() => (running = false));
  const healthMs: number[] = [];
  while (running) {
    const start = performance.now();
    const health = await get('/healthz', false);
    healthMs.push(performance.now() - start);
    expect(health.status).toBe(200);
  }
  const answers = await downloads;
  expect(healthMs.length).toBeGreaterThan(1);
  expect(Math.max(...healthMs)).toBeLessThan(HEALTH_DEADLINE_MS);

  const csvRow = (i: number, start: string, end: string) => [GAMA.id, start, end, ...Object.values(deltasOf(i)), 0].join(',');
  for (const [i, answer] of answers.entries()) {
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe(i % 4 < 2 ? 'gzip' : undefined);
    if (paths[i]!.includes('.csv')) {
      const lines = text(answer).split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(1 + ROWS);
      expect(lines[0]).toBe(
        'meter_id,start,end,energy_import_kwh,energy_export_kwh,energy_export_t1_kwh,energy_export_t2_kwh,energy_import_t1_kwh,energy_import_t2_kwh,partial',
      );
      // Local times of Europe/Warsaw, the configured default: the UTC year starts at 01:00 there.
      expect(lines[1]).toBe(csvRow(0, '2024-01-01T01:00:00+01:00', '2024-01-01T02:00:00+01:00'));
      expect(lines[ROWS]).toBe(csvRow(ROWS - 1, '2025-01-01T00:00:00+01:00', '2025-01-01T01:00:00+01:00'));
    } else {
      const json = JSON.parse(text(answer)) as { buckets: Array<{ start: number; deltas: Record<string, number> }> };
      expect(json.buckets).toHaveLength(ROWS);
      expect(json.buckets[0]).toEqual({
        start: FIRST,
        end: FIRST + HOUR,
        local: '2024-01-01T01:00:00+01:00',
        deltas: deltasOf(0),
        partial: false,
      });
      expect(json.buckets[ROWS - 1]).toEqual({
        start: LAST,
        end: LAST + HOUR,
        local: '2025-01-01T00:00:00+01:00',
        deltas: deltasOf(ROWS - 1),
        partial: false,
      });
    }
  }
});
