/**
 * Reading history back: hourly and daily buckets, voltage/power samples and the day/month/year
 * summary, from the archived rows and the buckets the state still has open.
 */
import type { GatewayStore } from '../store/store.js';
import { type Deltas, addDeltas, averageOf } from '../model/history.js';
import type { TimeZone } from '../model/timezone.js';
import type { HistoryBucket, SamplePoint } from '../model/history.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface HistoryQuery {
  resolution: 'hour' | 'day';
  /** ms since the epoch, inclusive; default: 48 hours (hour) or 31 days (day) back */
  from?: number;
  /** ms since the epoch, exclusive; default: now */
  to?: number;
}

export interface Summary {
  /** deltas of the current local day, month and year (kWh / m3) */
  today: Deltas;
  month: Deltas;
  year: Deltas;
  todayStart: number;
  monthStart: number;
  yearStart: number;
}

export class HistoryQueries {
  readonly #store: GatewayStore;
  readonly #tz: TimeZone;
  readonly #sampleRetentionMs: number;

  constructor(store: GatewayStore, tz: TimeZone, sampleRetentionHours: number) {
    this.#store = store;
    this.#tz = tz;
    this.#sampleRetentionMs = sampleRetentionHours * HOUR_MS;
  }

  /** Hourly or daily buckets overlapping [from, to), oldest first; the open ones are marked partial. */
  history(id: string, q: HistoryQuery, now: number): HistoryBuckets {
    const key = id.toUpperCase();
    const to = q.to ?? now + 1;
    const from = q.from ?? (q.resolution === 'hour' ? now - 48 * HOUR_MS : now - 31 * DAY_MS);
    const series = this.#store.state.series[key];
    const hourly = q.resolution === 'hour';
    const closed = hourly ? this.#store.hourly.rows(key) : this.#store.daily.rows(key);
    const open = series ? (hourly ? series.openHours : series.openDays) : {};
    // Archived rows from the state's open range on are not confirmed yet (see GatewayStore).
    const floor = series ? (hourly ? series.hourFloor : series.dayFloor) || Infinity : Infinity;
    const endOf = hourly ? (t: number) => t + HOUR_MS : (t: number) => this.#tz.nextDayStart(t);
    const rows: BucketRow[] = [];
    // Closed rows are never changed (a later copy replaces the object), so they are shared, not copied.
    for (const r of closed) if (r.t < floor && endOf(r.t) > from && r.t < to) rows.push({ t: r.t, d: r.d, partial: false });
    for (const [k, d] of Object.entries(open)) {
      const t = Number(k);
      if (endOf(t) > from && t < to) rows.push({ t, d: { ...d }, partial: true });
    }
    return new HistoryBuckets(
      rows.sort((a, b) => a.t - b.t),
      endOf,
      this.#tz,
    );
  }

  /** Averaged voltage/power samples in [from, to), oldest first (default: the retention window). */
  samples(id: string, q: { from?: number; to?: number }, now: number): SamplePoint[] {
    const key = id.toUpperCase();
    const from = q.from ?? now - this.#sampleRetentionMs;
    const to = q.to ?? now + 1;
    const series = this.#store.state.series[key];
    // Archived samples from the open one on are not confirmed yet (see GatewayStore).
    const open = series?.openSample;
    const rows = this.#store.samples.rows(key).filter((r) => r.t < (open?.t ?? Infinity));
    if (open) rows.push(averageOf(open));
    return rows.filter((r) => r.t >= from && r.t < to).map((r) => ({ t: r.t, values: { ...r.v } }));
  }

  /** Consumption of the current local day, month and year, per register. */
  summary(id: string, now: number): Summary {
    const tz = this.#tz;
    const todayStart = tz.dayStart(now);
    const monthStart = tz.monthStart(now);
    const p = tz.parts(now);
    const yearStart = tz.dayStart(Date.UTC(p.year, 0, 1, 12) - tz.offset(Date.UTC(p.year, 0, 1, 12)));
    const days = [...this.history(id, { resolution: 'day', from: yearStart, to: now + 1 }, now)];
    const sum = (from: number) => days.filter((d) => d.start >= from).reduce((acc, d) => addDeltas(acc, d.deltas), {} as Deltas);
    return { today: sum(todayStart), month: sum(monthStart), year: sum(yearStart), todayStart, monthStart, yearStart };
  }
}

interface BucketRow {
  t: number;
  d: Deltas;
  partial: boolean;
}

/**
 * The buckets of one history range, chosen at once and dressed as buckets (end, local time, a copy
 * of the deltas) only while they are read: a streamed answer of a year of hours (8,784 buckets)
 * never holds them all, and a reading arriving meanwhile does not change what is read.
 */
export class HistoryBuckets implements Iterable<HistoryBucket> {
  readonly #rows: readonly BucketRow[];
  readonly #endOf: (start: number) => number;
  readonly #tz: TimeZone;

  constructor(rows: readonly BucketRow[], endOf: (start: number) => number, tz: TimeZone) {
    this.#rows = rows;
    this.#endOf = endOf;
    this.#tz = tz;
  }

  get length(): number {
    return this.#rows.length;
  }

  /** The registers with a delta in any of the buckets. */
  registers(): Set<string> {
    const names = new Set<string>();
    for (const r of this.#rows) for (const k of Object.keys(r.d)) names.add(k);
    return names;
  }

  *[Symbol.iterator](): Iterator<HistoryBucket> {
    for (const r of this.#rows) {
      yield { start: r.t, end: this.#endOf(r.t), local: this.#tz.isoLocal(r.t), deltas: { ...r.d }, partial: r.partial };
    }
  }
}
