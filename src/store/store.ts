/**
 * The gateway's durable store: three lowdb documents in the data folder, written in batches.
 *
 *   state.json    meters, latest readings, heard-nearby list, open hours/days, recent samples.
 *                 Small; written every flush interval when something changed.
 *   hourly.json   closed hours (retention: hourlyRetentionDays) and voltage/power samples
 *                 (sampleRetentionHours). Written when an hour closes.
 *   daily.json    closed days (dailyRetentionDays). Written when a day closes.
 *
 * One flush snapshots every changed document in the same tick and renames them in the order
 * daily, hourly, state: a crash between two renames leaves a bucket both closed in the archive and
 * still open in state, and closing it again replaces the archived row with the same data.
 */
import path from 'node:path';
import { Low } from 'lowdb';
import type { HistoryRow, SampleRow, SeriesState } from '../gateway/history.js';
import type { NearbyMeter, Reading, MeterStatus } from '../gateway/types.js';
import { DurableJsonFile, WriteQueue } from './durable-file.js';

export const STORE_FORMAT = 1;

export interface StoredMeter {
  id: string;
  name: string;
  claimedAt: number;
  status: MeterStatus;
  manufacturer?: string;
  medium?: string;
  deviceType?: number;
  version?: number;
  telegrams: number;
  lastSeen?: number;
  rssi?: number;
  /** last accepted mode 7 message counter: a telegram must exceed it */
  lastCounter?: number;
  latest?: Reading;
}

export interface StateDoc {
  format: number;
  savedAt: number;
  meters: Record<string, StoredMeter>;
  nearby: Record<string, NearbyMeter>;
  series: Record<string, SeriesState>;
}

export interface HourlyDoc {
  format: number;
  hourly: Record<string, HistoryRow[]>;
  samples: Record<string, SampleRow[]>;
}

export interface DailyDoc {
  format: number;
  daily: Record<string, HistoryRow[]>;
}

export type DocName = 'state' | 'hourly' | 'daily';

export interface StoreOptions {
  dir: string;
  warn?: (message: string) => void;
}

export interface FlushResult {
  /** documents written, in order */
  written: DocName[];
  bytes: number;
}

function emptyState(): StateDoc {
  return { format: STORE_FORMAT, savedAt: 0, meters: {}, nearby: {}, series: {} };
}

function formatCheck(...maps: string[]): (data: unknown) => string | undefined {
  return (data) => {
    if (typeof data !== 'object' || data === null) return 'not an object';
    const d = data as Record<string, unknown>;
    if (d['format'] !== STORE_FORMAT) return `format ${String(d['format'])}, expected ${STORE_FORMAT}`;
    for (const m of maps) if (typeof d[m] !== 'object' || d[m] === null) return `"${m}" missing`;
    return undefined;
  };
}

export class GatewayStore {
  readonly dir: string;
  readonly #docs: { state: Low<StateDoc>; hourly: Low<HourlyDoc>; daily: Low<DailyDoc> };
  readonly #adapters: DurableJsonFile<unknown>[];
  readonly #dirty = new Set<DocName>();
  readonly #queue: WriteQueue;
  #flushing: Promise<FlushResult> | undefined;
  lastFlushAt: number | undefined;
  lastError: string | undefined;

  private constructor(dir: string, warn: (message: string) => void) {
    this.dir = dir;
    const queue = (this.#queue = new WriteQueue());
    const stateFile = new DurableJsonFile<StateDoc>(path.join(dir, 'state.json'), {
      warn,
      queue,
      validate: formatCheck('meters', 'nearby', 'series'),
    });
    const hourlyFile = new DurableJsonFile<HourlyDoc>(path.join(dir, 'hourly.json'), {
      warn,
      queue,
      validate: formatCheck('hourly', 'samples'),
    });
    const dailyFile = new DurableJsonFile<DailyDoc>(path.join(dir, 'daily.json'), { warn, queue, validate: formatCheck('daily') });
    this.#adapters = [stateFile, hourlyFile, dailyFile] as DurableJsonFile<unknown>[];
    this.#docs = {
      state: new Low(stateFile, emptyState()),
      hourly: new Low(hourlyFile, { format: STORE_FORMAT, hourly: {}, samples: {} }),
      daily: new Low(dailyFile, { format: STORE_FORMAT, daily: {} }),
    };
  }

  /** Loads the store (moving a damaged file aside and using its previous copy) or starts empty. */
  static async open(options: StoreOptions): Promise<GatewayStore> {
    const store = new GatewayStore(options.dir, options.warn ?? (() => {}));
    await Promise.all([store.#docs.state.read(), store.#docs.hourly.read(), store.#docs.daily.read()]);
    return store;
  }

  get state(): StateDoc {
    return this.#docs.state.data;
  }
  get hourly(): HourlyDoc {
    return this.#docs.hourly.data;
  }
  get daily(): DailyDoc {
    return this.#docs.daily.data;
  }

  /** Records that a document changed; the next flush writes it. */
  touch(doc: DocName): void {
    this.#dirty.add(doc);
  }

  /** Bytes this store has written since it was opened. */
  get bytesWritten(): number {
    return this.#adapters.reduce((n, a) => n + a.bytesWritten, 0);
  }

  /** Writes every changed document now; concurrent calls share the write in progress, then run once more. */
  async flush(): Promise<FlushResult> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#dirty.size === 0) return { written: [], bytes: 0 };
    this.#flushing = this.#writeDirty();
    try {
      return await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #writeDirty(): Promise<FlushResult> {
    const order: DocName[] = ['daily', 'hourly', 'state'];
    const written = order.filter((d) => this.#dirty.has(d));
    this.#dirty.clear();
    const before = this.bytesWritten;
    this.state.savedAt = Date.now();
    this.#queue.reset();
    // All writes start in this tick: each takes its JSON snapshot now, the queue keeps the order.
    const writes = written.map((d) => this.#docs[d].write());
    try {
      await Promise.all(writes);
      this.lastFlushAt = Date.now();
      this.lastError = undefined;
    } catch (err) {
      for (const d of written) this.#dirty.add(d);
      this.lastError = `writing the store in ${this.dir} failed: ${(err as Error).message}`;
      throw new Error(this.lastError);
    }
    return { written, bytes: this.bytesWritten - before };
  }
}
