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
  history(id: string, q: HistoryQuery, now: number): HistoryBucket[] {
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
    const out: HistoryBucket[] = [];
    for (const r of closed) {
      if (r.t < floor && endOf(r.t) > from && r.t < to) out.push(this.#bucket(r.t, endOf(r.t), r.d, false));
    }
    for (const [k, d] of Object.entries(open)) {
      const t = Number(k);
      if (endOf(t) > from && t < to) out.push(this.#bucket(t, endOf(t), d, true));
    }
    return out.sort((a, b) => a.start - b.start);
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
    const days = this.history(id, { resolution: 'day', from: yearStart, to: now + 1 }, now);
    const sum = (from: number) => days.filter((d) => d.start >= from).reduce((acc, d) => addDeltas(acc, d.deltas), {} as Deltas);
    return { today: sum(todayStart), month: sum(monthStart), year: sum(yearStart), todayStart, monthStart, yearStart };
  }

  #bucket(start: number, end: number, deltas: Deltas, partial: boolean): HistoryBucket {
    return { start, end, local: this.#tz.isoLocal(start), deltas: { ...deltas }, partial };
  }
}
