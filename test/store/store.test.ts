/**
 * The store's files on a real disk: checkpoint + journal give back exactly the state that was
 * flushed, damage is set aside with a message, history is appended and retention deletes whole
 * files. Readings are plain water-meter readings with a power value (for samples), applied by the
 * gateway's own rule.
 */
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordReading } from '../../src/gateway/record.js';
import { TimeZone } from '../../src/model/timezone.js';
import type { Reading } from '../../src/model/reading.js';
import { GatewayStore, type Retention, type StoreOptions } from '../../src/store/store.js';
import { tempDir } from '../support/gateway-harness.js';

const tz = new TimeZone('Europe/Warsaw');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2025-03-29T20:00:00Z');
const METERS = ['11111111', '22222222'];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let warnings: string[];
beforeEach(async () => {
  tmp = await tempDir();
  warnings = [];
});
afterEach(async () => {
  await tmp.remove();
});

function open(extra: Partial<StoreOptions> & { retention?: Retention } = {}): Promise<GatewayStore> {
  return GatewayStore.open({
    dir: tmp.dir,
    apply: (state, reading) => recordReading(state, reading, tz, 5 * MINUTE),
    warn: (m) => warnings.push(m),
    ...extra,
  });
}

/** Reading n of a meter: litres grow unevenly, power wanders; one reading per meter every 2 minutes. */
function reading(id: string, n: number): Reading {
  const litres = 1000 + n * 7 + (n % 5) + (id === METERS[1] ? 500 : 0);
  const power = 100 + ((n * 37) % 400);
  return {
    meterId: id,
    time: T0 + n * 2 * MINUTE + (id === METERS[1] ? 17_000 : 0),
    manufacturer: 'DME',
    medium: 'water',
    deviceType: 7,
    version: 0x70,
    fields: { volume_m3: litres / 1000, power_w: power, fabrication_number: id },
    counters: { volume: litres / 1000 },
    instant: { power },
    securityMode: 0,
    accessNumber: n & 0xff,
  };
}

function claim(store: GatewayStore, id: string): void {
  store.state.meters[id] = { id, name: `Meter ${id}`, claimedAt: T0, status: { state: 'waiting', since: T0 }, telegrams: 0 };
  store.touch();
}

async function feed(store: GatewayStore, from: number, to: number, flushEvery: number): Promise<void> {
  for (let n = from; n < to; n++) {
    for (const id of METERS) store.addReading(reading(id, n));
    if ((n + 1) % flushEvery === 0) await store.flush();
  }
}

const snapshot = (store: GatewayStore) => JSON.parse(JSON.stringify({ ...store.state, savedAt: 0, journalSeq: 0 })) as unknown;
const rows = (store: GatewayStore) =>
  JSON.parse(
    JSON.stringify(METERS.map((id) => ({ hourly: store.hourly.rows(id), daily: store.daily.rows(id), samples: store.samples.rows(id) }))),
  ) as unknown;

describe('GatewayStore', () => {
  it('gives back exactly the flushed state after a restart, through checkpoints and the journal after them', async () => {
    const store = await open({ checkpointBytes: 8 * 1024 });
    for (const id of METERS) claim(store, id);
    store.state.nearby['33333333'] = {
      id: '33333333',
      manufacturer: 'KAM',
      medium: 'heat',
      encrypted: true,
      firstSeen: T0,
      lastSeen: T0,
      telegrams: 1,
    };
    store.touch();
    // 20 hours across the spring DST night, flushed every 4 readings (like every 30 s with 4 per 30 s).
    await feed(store, 0, 600, 4);
    store.state.meters[METERS[0]!]!.status = { state: 'wrong_key', since: T0 + HOUR, message: 'check the key' };
    delete store.state.nearby['33333333'];
    store.touch();
    await store.flush();
    const files = await readdir(tmp.dir);
    expect(files).toEqual(expect.arrayContaining(['state.json', 'state.json.prev', 'journal.jsonl', 'journal.prev.jsonl', 'history']));
    // The journal was rotated at each checkpoint: it never grows far past the limit.
    expect((await stat(path.join(tmp.dir, 'journal.jsonl'))).size).toBeLessThan(8 * 1024 + 2048);

    const again = await open();
    expect(warnings).toEqual([]);
    expect(snapshot(again)).toEqual(snapshot(store));
    expect(rows(again)).toEqual(rows(store));
    expect(again.state.meters[METERS[0]!]!.telegrams).toBe(600);
    expect(again.state.meters[METERS[0]!]!.latest).toEqual(reading(METERS[0]!, 599));
  });

  it('loses only the readings since the last flush', async () => {
    const store = await open();
    for (const id of METERS) claim(store, id);
    await feed(store, 0, 100, 10);
    const flushed = snapshot(store);
    const flushedRows = rows(store);
    await feed(store, 100, 109, 1000); // not flushed: a power cut now
    const again = await open();
    expect(snapshot(again)).toEqual(flushed);
    expect(rows(again)).toEqual(flushedRows);
    // The next readings continue the series: the hours hold exactly what the counter moved.
    await feed(again, 109, 200, 10);
    const hours = again.hourly.rows(METERS[0]!);
    const open0 = Object.values(again.state.series[METERS[0]!]!.openHours);
    const total = [...hours.map((h) => h.d), ...open0].reduce((s, d) => s + (d['volume'] ?? 0), 0);
    expect(total).toBeCloseTo(reading(METERS[0]!, 199).counters['volume']! - reading(METERS[0]!, 0).counters['volume']!, 9);
  });

  it('skips a journal line cut off by a power cut, with a message, and appends cleanly after it', async () => {
    const store = await open();
    for (const id of METERS) claim(store, id);
    await feed(store, 0, 40, 4);
    const flushed = snapshot(store);
    await appendFile(path.join(tmp.dir, 'journal.jsonl'), '{"seq":11,"r":[["11111111",{"time":17');
    const again = await open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/journal\.jsonl: the last line was cut off .*skipped it/);
    expect(snapshot(again)).toEqual(flushed);
    await feed(again, 40, 60, 4);
    warnings = [];
    const third = await open();
    expect(warnings).toEqual([]);
    expect(snapshot(third)).toEqual(snapshot(again));
  });

  it('moves a damaged journal aside with a message, starts from the entries before the damage and writes a checkpoint', async () => {
    const store = await open();
    for (const id of METERS) claim(store, id);
    await feed(store, 0, 20, 4);
    const beforeDamage = snapshot(store);
    await feed(store, 20, 40, 4);
    const file = path.join(tmp.dir, 'journal.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    // Entries 1..5 hold the claims and readings 0..19; entry 6 gets damaged.
    lines[5] = lines[5]!.replace('"seq":6', '"seq":6,"r":[[');
    await writeFile(file, lines.join('\n'));
    const again = await open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /line 6 of .*journal\.jsonl is damaged .*moved .* to .*journal\.jsonl\.corrupt-.*starts from journal entry 5, readings after it are lost/,
    );
    expect(snapshot(again)).toEqual(beforeDamage);
    expect((await readdir(tmp.dir)).some((f) => f.startsWith('journal.jsonl.corrupt-'))).toBe(true);
    warnings = [];
    const third = await open();
    expect(warnings).toEqual([]);
    expect(snapshot(third)).toEqual(beforeDamage);
  });

  it('treats a journal line that parses but cannot be a reading as damage, before applying any of it', async () => {
    const store = await open();
    for (const id of METERS) claim(store, id);
    await feed(store, 0, 8, 4);
    const beforeDamage = snapshot(store);
    await feed(store, 8, 16, 4);
    const file = path.join(tmp.dir, 'journal.jsonl');
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; r: Array<[string, object]> });
    lines[2]!.r[3]![1] = { time: null };
    await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const again = await open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /journal entry 3 .* is damaged \(the reading of meter 22222222 lacks its time or values\).*starts from journal entry 2/,
    );
    expect(snapshot(again)).toEqual(beforeDamage);
  });

  it('starts from the previous checkpoint and both journals when state.json is damaged, losing nothing', async () => {
    const store = await open({ checkpointBytes: 4 * 1024 });
    for (const id of METERS) claim(store, id);
    await feed(store, 0, 300, 4);
    await writeFile(path.join(tmp.dir, 'state.json'), '{"format":2,"meters":{');
    const again = await open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/state\.json is damaged .*previous good copy/);
    expect(snapshot(again)).toEqual(snapshot(store));
  });

  it('appends closed rows to one file per period and deletes whole files past retention', async () => {
    const store = await open({ retention: { hourlyDays: 2, dailyDays: 31, sampleHours: 3 } });
    for (const id of METERS) claim(store, id);
    // 40 days at one reading per meter every 2 hours (the series spreads each step over 2 hours).
    for (let n = 0; n < 40 * 12; n++) {
      for (const id of METERS) store.addReading({ ...reading(id, n), time: T0 + n * 2 * HOUR });
      await store.flush();
    }
    // Windows are measured back from the newest row of each kind.
    const newest = (kind: 'hourly' | 'daily' | 'samples') => Math.max(...METERS.map((id) => store[kind].rows(id).at(-1)!.t));
    const history = await readdir(path.join(tmp.dir, 'history'));
    const month = (t: number) => new Date(t).toISOString().slice(0, 7);
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const hourly = newest('hourly');
    const samples = newest('samples');
    expect(history.filter((f) => f.startsWith('hourly-')).sort()).toEqual(
      [...new Set([month(hourly - 2 * 24 * HOUR), month(hourly)])].map((m) => `hourly-${m}.jsonl`),
    );
    expect(history.filter((f) => f.startsWith('daily-'))).toEqual(['daily-2025.jsonl']);
    expect(history.filter((f) => f.startsWith('samples-')).sort()).toEqual(
      [...new Set([day(samples - 3 * HOUR), day(samples)])].map((d) => `samples-${d}.jsonl`),
    );
    expect(history.filter((f) => f.startsWith('hourly-'))).not.toContain(`hourly-${month(T0)}.jsonl`);
    // In memory the same windows hold.
    for (const id of METERS) {
      expect(store.hourly.rows(id)[0]!.t).toBeGreaterThanOrEqual(hourly - 2 * 24 * HOUR);
      expect(store.daily.rows(id)[0]!.t).toBeGreaterThanOrEqual(newest('daily') - 31 * 24 * HOUR);
      expect(store.samples.rows(id)[0]!.t).toBeGreaterThanOrEqual(samples - 3 * HOUR);
    }
    const last = T0 + (40 * 12 - 1) * 2 * HOUR;
    // A line is one closed row of one meter.
    const lines = (await readFile(path.join(tmp.dir, 'history', `hourly-${month(last)}.jsonl`), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toEqual({ m: METERS[1], ...store.hourly.rows(METERS[1]!).at(-1)! });
    const again = await open({ retention: { hourlyDays: 2, dailyDays: 31, sampleHours: 3 } });
    expect(rows(again)).toEqual(rows(store));
  });

  it('writes nothing when nothing changed, and one journal line per flush otherwise', async () => {
    const store = await open();
    expect((await store.flush()).written).toEqual([]);
    for (const id of METERS) claim(store, id);
    store.addReading(reading(METERS[0]!, 0));
    expect((await store.flush()).written).toEqual(['journal.jsonl']);
    store.touch();
    expect((await store.flush()).written).toEqual([]);
    const journal = (await readFile(path.join(tmp.dir, 'journal.jsonl'), 'utf8')).trim().split('\n');
    expect(journal).toHaveLength(1);
  });
});
