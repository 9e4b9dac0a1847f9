/**
 * Issue 14, point 8: a start-up with 5,000 configured meters (and a year of history to load) is a
 * phase of seconds on a Pi. The page must answer meanwhile (503 "starting", so a health check and
 * a person see the service is up), and SIGTERM (balena sends SIGKILL 10 s later) must end it
 * cleanly with nothing lost. `run` as its own process, the meters from a configuration file (5,000
 * of them do not fit into one environment variable).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunProcess, freePort, startRun } from '../support/cli-process.js';
import { openGateway, FakeClock, tempDir, testConfig } from '../support/gateway-harness.js';

const METERS = 5000;
const KEY = '000102030405060708090A0B0C0D0E0F';
const HOUR = 3_600_000;
const FIRST = Date.UTC(2024, 0, 1);
const ROWS = 366 * 24;
const HISTORY_METER = '10000000';
// A health check waits this long at most; a start-up that held the event loop for seconds failed it.
const HEALTH_DEADLINE_MS = 1000;
// balena's grace after SIGTERM is 10 s.
const STOP_DEADLINE_MS = 5000;

let tmp: Awaited<ReturnType<typeof tempDir>>;
let dataDir: string;
let service: RunProcess | undefined;
let base: string;

beforeEach(async () => {
  tmp = await tempDir();
  // The configuration beside the data folder, not in it: the check at the end opens the store without it.
  dataDir = path.join(tmp.dir, 'data');
  const meters = Array.from({ length: METERS }, (_, i) => ({ id: String(10_000_000 + i), key: KEY, name: `Flat ${i}` }));
  await writeFile(path.join(tmp.dir, 'config.json'), JSON.stringify({ meters }));
  // A year of hourly history of the first meter, in the store's own format (one JSON line a row).
  await mkdir(path.join(dataDir, 'history'), { recursive: true });
  const months = new Map<string, string[]>();
  for (let i = 0; i < ROWS; i++) {
    const t = FIRST + i * HOUR;
    const file = `hourly-${new Date(t).toISOString().slice(0, 7)}.jsonl`;
    months.set(file, [...(months.get(file) ?? []), JSON.stringify({ m: HISTORY_METER, t, d: { volume: 0.001 } })]);
  }
  for (const [file, lines] of months) await writeFile(path.join(dataDir, 'history', file), lines.join('\n') + '\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  service = startRun(
    {
      WMBUS_DATA_DIR: dataDir,
      WMBUS_RADIO: 'none',
      WMBUS_HTTP_HOST: '127.0.0.1',
      WMBUS_HTTP_PORT: String(port),
      WMBUS_HOURLY_RETENTION_DAYS: '400',
    },
    ['--config', path.join(tmp.dir, 'config.json')],
  );
});
afterEach(async () => {
  if (service && service.child.exitCode === null) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  await tmp.remove();
});

interface Health {
  status: number;
  json: { starting?: boolean; ok?: boolean };
  ms: number;
}

/** One GET /healthz; undefined while nothing listens yet. */
function health(): Promise<Health | undefined> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/healthz`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(body), ms: performance.now() - start }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err)));
    req.end();
  });
}

/** Polls until the first answer (the process ends or a minute passes: fail with its log). */
async function firstAnswer(): Promise<Health> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const h = await health();
    if (h) return h;
    if (service!.child.exitCode !== null || Date.now() > deadline) throw new Error(`no answer on ${base}:\n${service!.log()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('answers /healthz with 503 "starting" within its deadline all through the start-up, then 200', async () => {
  const answers = [await firstAnswer()];
  while (answers.at(-1)!.status !== 200) {
    const h = await health();
    expect(h, `the page stopped answering during start-up:\n${service!.log()}`).toBeDefined();
    answers.push(h!);
  }
  const starting = answers.filter((a) => a.status === 503);
  expect(starting.length, 'no answer came while the store was loading').toBeGreaterThan(0);
  expect(starting.every((a) => a.json.starting === true)).toBe(true);
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(HEALTH_DEADLINE_MS);
  const log = service!.log();
  expect(log.indexOf('web: the page and JSON API on')).toBeLessThan(log.indexOf(`claimed ${METERS} meters`));
  service!.child.kill('SIGTERM');
  expect(await service!.exited).toBe(0);
}, 120_000);

it('stops cleanly on SIGTERM during start-up, within its deadline, with nothing lost', async () => {
  const first = await firstAnswer();
  expect(first, 'the start-up was over before the page answered').toMatchObject({ status: 503, json: { starting: true } });
  const signalled = performance.now();
  service!.child.kill('SIGTERM');
  expect(await service!.exited, service!.log()).toBe(0);
  expect(performance.now() - signalled).toBeLessThan(STOP_DEADLINE_MS);
  expect(service!.log()).toMatch(/SIGTERM during start-up: stopping/);

  // Whatever the signal cut short, the next start has the history, and every claimed meter its key.
  const names = await readdir(path.join(dataDir, 'history'));
  expect(names.filter((n) => n.includes('corrupt'))).toEqual([]);
  const gw = await openGateway(testConfig(dataDir, { WMBUS_HOURLY_RETENTION_DAYS: '400' }), new FakeClock(FIRST + ROWS * HOUR));
  try {
    expect(gw.history(HISTORY_METER, { resolution: 'hour', from: FIRST, to: FIRST + ROWS * HOUR })).toHaveLength(ROWS);
    expect([0, METERS]).toContain(gw.meters().length);
    expect(gw.meters().every((m) => m.hasKey)).toBe(true);
  } finally {
    await gw.stop();
  }
}, 120_000);
