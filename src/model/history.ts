/**
 * Hourly and daily deltas of a meter's counters, and averaged samples of its instantaneous values.
 * Plain JSON-ready data in, closed rows out: the store decides when to persist them.
 *
 * Energy between two readings is spread linearly over the time between them, so an hour or a day
 * gets the share that fell inside it and totals always equal the counter difference. A counter that
 * goes backwards (a replaced meter) starts a new series: no negative delta, the new value becomes
 * the baseline. Buckets are keyed by their UTC start; local hours and days come from the TimeZone.
 */
import type { TimeZone } from './timezone.js';

const HOUR_MS = 3_600_000;
// Deltas are kept to 1e-9 of a unit (a µWh): enough to sum a year of 1 Wh steps without drift
// showing in the 3 decimals a meter reports, and short in JSON.
const ROUND = 1e9;

/** register name -> delta in the register's unit (kWh, m3, ...); zero deltas are omitted */
export type Deltas = Record<string, number>;

/** One hour or one day: t = UTC ms of its local start, d = deltas. */
export interface HistoryRow {
  t: number;
  d: Deltas;
}

/** Instantaneous values (W, V, A) averaged over one sample interval starting at t. */
export interface SampleRow {
  t: number;
  v: Record<string, number>;
}

export interface RegisterState {
  value: number;
  time: number;
}

/** What a meter's history needs between readings; lives in the state (checkpoint and journal). */
export interface SeriesState {
  registers: Record<string, RegisterState>;
  /** hours and days still collecting, keyed by start ms */
  openHours: Record<string, Deltas>;
  openDays: Record<string, Deltas>;
  /** buckets before these starts are closed; late energy goes into the first open one */
  hourFloor: number;
  dayFloor: number;
  /** the sample interval still collecting */
  openSample?: { t: number; sum: Record<string, number>; n: Record<string, number> };
  /** time of the newest reading applied */
  lastTime: number;
  /** registers that restarted (counter went backwards), with when */
  resets: Array<{ register: string; time: number; from: number; to: number }>;
}

export interface ReadingValues {
  time: number;
  /** monotonic counters by register name (energy_import, energy_export_t1, volume, ...) */
  counters: Record<string, number>;
  /** instantaneous values by name (power_import, voltage_l1, ...) */
  instant: Record<string, number>;
}

export interface ApplyResult {
  closedHours: HistoryRow[];
  closedDays: HistoryRow[];
  /** samples whose interval ended with this reading */
  closedSamples: SampleRow[];
  /** registers whose counter went backwards in this reading */
  resets: string[];
}

export function newSeries(): SeriesState {
  return { registers: {}, openHours: {}, openDays: {}, hourFloor: 0, dayFloor: 0, lastTime: 0, resets: [] };
}

export function applyReading(s: SeriesState, r: ReadingValues, tz: TimeZone, sampleIntervalMs: number): ApplyResult {
  const result: ApplyResult = { closedHours: [], closedDays: [], closedSamples: [], resets: [] };
  if (r.time <= s.lastTime) return result; // out of order: an older copy cannot move counters
  for (const [name, value] of Object.entries(r.counters)) {
    const prev = s.registers[name];
    s.registers[name] = { value, time: r.time };
    if (!prev) continue;
    if (value < prev.value) {
      s.resets.push({ register: name, time: r.time, from: prev.value, to: value });
      if (s.resets.length > 20) s.resets.shift();
      result.resets.push(name);
      continue;
    }
    const delta = value - prev.value;
    if (delta === 0) {
      touch(s.openHours, tz.hourStart(r.time));
      touch(s.openDays, tz.dayStart(r.time));
      continue;
    }
    spread(
      s.openHours,
      name,
      delta,
      prev.time,
      r.time,
      s.hourFloor,
      (t) => tz.hourStart(t),
      (start) => start + HOUR_MS,
    );
    spread(
      s.openDays,
      name,
      delta,
      prev.time,
      r.time,
      s.dayFloor,
      (t) => tz.dayStart(t),
      (start) => tz.nextDayStart(start),
    );
  }
  // A reading marks its hour and day as having data even when nothing was counted.
  touch(s.openHours, tz.hourStart(r.time));
  touch(s.openDays, tz.dayStart(r.time));
  s.lastTime = r.time;

  result.closedHours = closeBefore(s.openHours, tz.hourStart(r.time));
  result.closedDays = closeBefore(s.openDays, tz.dayStart(r.time));
  s.hourFloor = Math.max(s.hourFloor, tz.hourStart(r.time));
  s.dayFloor = Math.max(s.dayFloor, tz.dayStart(r.time));

  const sample = addSample(s, r, sampleIntervalMs);
  if (sample) result.closedSamples.push(sample);
  return result;
}

function touch(buckets: Record<string, Deltas>, start: number): void {
  buckets[start] ??= {};
}

// Spreads `delta` linearly over [from, to], clamped to start at `floor` (closed buckets are final).
function spread(
  buckets: Record<string, Deltas>,
  name: string,
  delta: number,
  from: number,
  to: number,
  floor: number,
  startOf: (t: number) => number,
  endOf: (start: number) => number,
): void {
  const begin = Math.max(from, floor);
  if (begin >= to) {
    addTo(buckets, startOf(to), name, delta);
    return;
  }
  const span = to - begin;
  let given = 0;
  let start = startOf(begin);
  while (start < to) {
    const end = endOf(start);
    const part = Math.min(end, to) - Math.max(start, begin);
    // The last bucket takes the remainder so the parts add up to delta exactly.
    const share = end >= to ? delta - given : (delta * part) / span;
    addTo(buckets, start, name, share);
    given += share;
    start = end;
  }
}

function addTo(buckets: Record<string, Deltas>, start: number, name: string, value: number): void {
  const d = (buckets[start] ??= {});
  const v = round((d[name] ?? 0) + value);
  if (v === 0) delete d[name];
  else d[name] = v;
}

function round(v: number): number {
  return Math.round(v * ROUND) / ROUND;
}

function closeBefore(buckets: Record<string, Deltas>, openStart: number): HistoryRow[] {
  const closed: HistoryRow[] = [];
  for (const key of Object.keys(buckets)) {
    const t = Number(key);
    if (t < openStart) {
      closed.push({ t, d: buckets[key]! });
      delete buckets[key];
    }
  }
  return closed.sort((a, b) => a.t - b.t);
}

// Returns the sample that this reading closed, if any.
function addSample(s: SeriesState, r: ReadingValues, intervalMs: number): SampleRow | undefined {
  const names = Object.keys(r.instant);
  if (names.length === 0) return undefined;
  const t = r.time - (r.time % intervalMs);
  let closed: SampleRow | undefined;
  if (s.openSample && s.openSample.t !== t) {
    closed = averageOf(s.openSample);
    s.openSample = undefined;
  }
  const open = (s.openSample ??= { t, sum: {}, n: {} });
  for (const name of names) {
    open.sum[name] = (open.sum[name] ?? 0) + r.instant[name]!;
    open.n[name] = (open.n[name] ?? 0) + 1;
  }
  return closed;
}

export function averageOf(open: NonNullable<SeriesState['openSample']>): SampleRow {
  const v: Record<string, number> = {};
  for (const [name, sum] of Object.entries(open.sum)) v[name] = Math.round((sum / open.n[name]!) * 1000) / 1000;
  return { t: open.t, v };
}

/** Adds two sets of deltas (for totals over several rows). */
export function addDeltas(into: Deltas, d: Deltas): Deltas {
  for (const [name, v] of Object.entries(d)) into[name] = round((into[name] ?? 0) + v);
  return into;
}

/** Inserts or replaces the row with the same start in a list sorted by start. */
export function upsertRow<R extends { t: number }>(rows: R[], row: R): void {
  let i = rows.length;
  while (i > 0 && rows[i - 1]!.t > row.t) i--;
  if (i > 0 && rows[i - 1]!.t === row.t) rows[i - 1] = row;
  else rows.splice(i, 0, row);
}

/** Drops rows older than `before` from a sorted list. */
export function pruneRows<R extends { t: number }>(rows: R[], before: number): void {
  let n = 0;
  while (n < rows.length && rows[n]!.t < before) n++;
  if (n > 0) rows.splice(0, n);
}

/** An hour or a day of counter deltas. */
export interface HistoryBucket {
  /** ms since the epoch of the local start (a 23- or 25-hour day at DST changes) */
  start: number;
  end: number;
  /** local start with its offset, e.g. 2025-10-26T00:00:00+02:00 */
  local: string;
  /** register -> delta (kWh for energy, m3 for volume); registers without change are absent */
  deltas: Deltas;
  /** the bucket is still collecting */
  partial: boolean;
}

/** Averaged instantaneous values over one sample interval, as the API shows them. */
export interface SamplePoint {
  /** start of the sample interval, ms since the epoch */
  t: number;
  /** averages over the interval: power_import (W), voltage_l1 (V), ... */
  values: Record<string, number>;
}
