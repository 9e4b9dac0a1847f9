/**
 * The gateway service: frames in, readings, history and events out.
 *
 *   FrameSource ('frame') -> intake (frame core, duplicate filter, decoder with the claimed meters'
 *   keys, security policy) -> accepted: reading, history, 'reading' event
 *                             nearby: the heard-nearby list, 'nearby' event
 *
 * This class is the facade: the public methods, start/stop/flush, the timers and the events. What
 * becomes of a frame is decided in intake.ts and carried out in reception.ts; the nearby list lives
 * in nearby.ts, claims and the other changes in meter-commands.ts, history reads in queries.ts, the
 * store's rule for a reading in open-store.ts.
 *
 * Outputs (web page, MQTT, Prometheus) attach through the Output interface and use the events
 * and query methods below; they never reach into the store.
 */
import { EventEmitter } from 'node:events';
import type { GatewayConfig } from '../config/config.js';
import { type FlushResult, type GatewayStore, StoreWriteError } from '../store/store.js';
import type { StoredMeter } from '../store/state-doc.js';
import { KeyStore } from '../store/keys.js';
import { FormatMemory } from '../wmbus/decode.js';
import type { LinkFrame, RawFrame } from '../wmbus/frame/types.js';
import { DuplicateFilter } from './dedup.js';
import { type IntakeContext, type TimedFrame, classifyLink, classifyRaw } from './intake.js';
import { openStore } from './open-store.js';
import { Reception } from './reception.js';
import { type Logger, silentLogger } from '../model/log.js';
import { type ClaimRequest, MeterCommands } from './meter-commands.js';
import { NearbyList } from './nearby.js';
import { type HistoryBuckets, HistoryQueries, type HistoryQuery, type Summary } from './queries.js';
import { TimeZone } from '../model/timezone.js';
import { Traffic } from './traffic.js';
import type { HistoryBucket, SamplePoint } from '../model/history.js';
import type { MeterChange, MeterView, NearbyChange, NearbyMeter } from '../model/meter.js';
import type { Reading } from '../model/reading.js';
import type { Health, RadioCounters, RadioStatsView, TelegramEvent } from '../model/status.js';
import { byCodeUnits, byName } from '../model/order.js';

export { type ClaimRequest, GatewayInputError, UnknownMeterError } from './meter-commands.js';
export type { HistoryBuckets, HistoryQuery, Summary } from './queries.js';

const DAY_MS = 24 * 3_600_000;

/** Where frames come from: the RadioSupervisor, or anything that emits RawFrames (tests, replays). */
export interface FrameSource {
  on(event: 'frame', listener: (frame: RawFrame) => void): unknown;
  on(event: 'stats', listener: (stats: RadioCounters) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A plug-in that serves or publishes what the gateway knows (web page, MQTT, Prometheus). */
export interface Output {
  readonly name: string;
  /**
   * Optional: called before the store is loaded, which takes seconds with thousands of meters. The
   * web output listens here and answers 503 "starting" until start().
   */
  listen?(): Promise<void>;
  /** Called once the store is loaded and before frames flow; subscribe to events here. */
  start(gateway: Gateway): Promise<void>;
  /** Called on shutdown before the final flush; release ports and connections. */
  stop(): Promise<void>;
}

export interface GatewayEvents {
  /** an accepted telegram of a claimed meter */
  reading: [reading: Reading];
  /** claimed, renamed, key set or removed, status changed (wrong key, ok again, ...) */
  meter: [change: MeterChange];
  /** an unclaimed meter was heard, or left the list (claimed or silent too long) */
  nearby: [change: NearbyChange];
  /** radio and gateway counters changed (at most once a second for frames) */
  radio: [stats: RadioStatsView];
  /** every frame, whatever became of it */
  telegram: [event: TelegramEvent];
  /** the store was written; `at` is the clock when its snapshot was taken (everything before is on disk) */
  flush: [info: FlushInfo];
}

export interface FlushInfo extends FlushResult {
  at: number;
}

export interface GatewayOptions {
  config: GatewayConfig;
  source?: FrameSource;
  outputs?: Output[];
  log?: Logger;
  /** ms since the epoch; tests fake it */
  clock?: () => number;
  /** aborts the loading between files (SIGTERM during start-up); open() then rejects and nothing was written */
  signal?: AbortSignal;
}

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly config: GatewayConfig;
  readonly timeZone: TimeZone;
  readonly #store: GatewayStore;
  readonly #keys: KeyStore;
  readonly #nearby: NearbyList;
  readonly #commands: MeterCommands;
  readonly #queries: HistoryQueries;
  readonly #intake: IntakeContext;
  readonly #traffic: Traffic;
  readonly #reception: Reception;
  #flushing = false;
  #storeFailing = false;
  readonly #source: FrameSource | undefined;
  readonly #outputs: Output[];
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #liveRecords = new Map<string, Reading>();
  #maintenanceTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #startedAt: number;
  #running = false;

  private constructor(options: GatewayOptions, store: GatewayStore, keys: KeyStore, tz: TimeZone) {
    super();
    this.config = options.config;
    this.timeZone = tz;
    this.#store = store;
    this.#keys = keys;
    this.#source = options.source;
    this.#outputs = options.outputs ?? [];
    this.#log = options.log ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    this.#startedAt = this.#clock();
    this.#traffic = new Traffic(this.#clock, {
      radio: () => this.emit('radio', this.radioStats()),
      telegram: (e) => this.emit('telegram', e),
    });
    this.#nearby = new NearbyList(store, this.#log, (change) => this.emit('nearby', change));
    this.#queries = new HistoryQueries(store, tz, this.config.store.sampleRetentionHours);
    this.#intake = {
      meter: (id) => store.state.meters[id],
      keys,
      dedup: new DuplicateFilter(),
      formats: new FormatMemory(),
    };
    this.#reception = new Reception({
      store,
      nearby: this.#nearby,
      traffic: this.#traffic,
      log: this.#log,
      clock: this.#clock,
      liveRecords: this.#liveRecords,
      view: (m) => this.#view(m),
      emitReading: (r) => this.emit('reading', r),
      emitMeter: (change) => this.emit('meter', change),
    });
    this.#commands = new MeterCommands({
      store,
      keys,
      nearby: this.#nearby,
      log: this.#log,
      clock: this.#clock,
      emit: (change) => this.emit('meter', change),
      view: (m) => this.#view(m),
      replay: (frame) => this.#ingestLink(frame, true),
      forgetLive: (id) => this.#liveRecords.delete(id),
      flush: () => this.flush(),
    });
  }

  /** Loads the store and keys from config.dataDir; claims the meters named in the configuration. */
  static async open(options: GatewayOptions): Promise<Gateway> {
    const log = options.log ?? silentLogger;
    const tz = new TimeZone(options.config.timeZone);
    const [store, keys] = await Promise.all([
      openStore(options.config, log, options.signal),
      KeyStore.open(options.config.dataDir, (m) => log.warn(m)),
    ]);
    const gateway = new Gateway(options, store, keys, tz);
    const encrypting = Object.values(store.state.meters).filter((m) => (m.latest?.securityMode ?? 0) !== 0 && !keys.has(m.id));
    if (keys.size === 0 && encrypting.length > 0) {
      const ids = encrypting.map((m) => m.id).join(', ');
      log.warn(`${keys.file} is missing or empty, but meters ${ids} send encrypted telegrams: enter their keys again or restore the file`);
    }
    // The claims are written once begun: a signal stops before them (the next start claims them).
    options.signal?.throwIfAborted();
    await gateway.#commands.claimConfigured(options.config.meters);
    return gateway;
  }

  /** Starts outputs, then the frame source and the batched writes. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    for (const output of this.#outputs) {
      await output.start(this);
      this.#log.info(`output ${output.name} started`);
    }
    this.#flushTimer = setInterval(() => {
      // A card whose write hangs must not collect a waiting flush every interval.
      if (this.#flushing) return;
      this.#flushing = true;
      this.flush()
        .catch(() => {}) // flush() said so in the log, once
        .finally(() => (this.#flushing = false));
    }, this.config.store.flushIntervalS * 1000);
    this.#flushTimer.unref();
    this.#maintenanceTimer = setInterval(() => this.#nearby.expire(this.#clock() - this.config.store.nearbyRetentionDays * DAY_MS), 60_000);
    this.#maintenanceTimer.unref();
    if (this.#source) {
      this.#source.on('frame', (f) => this.ingestFrame(f));
      this.#source.on('stats', (s) => this.#traffic.setRadio(s));
      this.#source.on('error', (e) => this.#log.error(`radio: ${e.message}`));
      await this.#source.start();
    }
  }

  /** Stops the source and outputs and writes the store. Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.#maintenanceTimer);
    clearInterval(this.#flushTimer);
    this.#maintenanceTimer = this.#flushTimer = undefined;
    if (this.#running) {
      this.#running = false;
      await this.#source?.stop().catch((e: Error) => this.#log.warn(`stopping the radio: ${e.message}`));
      for (const output of [...this.#outputs].reverse()) {
        await output.stop().catch((e: Error) => this.#log.warn(`stopping output ${output.name}: ${e.message}`));
      }
    }
    await this.flush();
  }

  /** Writes the store now (the timer does it every store.flushIntervalS); what was written. */
  async flush(): Promise<FlushResult> {
    const at = this.#clock();
    let r: FlushResult;
    try {
      r = await this.#store.flush();
      // keys.json lives beside the store: a folder deleted while running took it along. The store's
      // write stands either way (committed), so a change it carried is not taken back.
      await this.#keys.rewriteIfNeeded().catch((err: Error) => {
        throw new StoreWriteError(`writing ${this.#keys.file} failed: ${err.message}`, true);
      });
    } catch (err) {
      // One line when writes start failing, not one per retry; /healthz answers 503 meanwhile.
      if (!this.#storeFailing) this.#log.error(`${(err as Error).message}; retrying every ${this.config.store.flushIntervalS} s`);
      this.#storeFailing = true;
      throw err;
    }
    if (this.#storeFailing) this.#log.info(`store: writing to ${this.config.dataDir} works again`);
    this.#storeFailing = false;
    if (r.written.length === 0) return r;
    this.#log.debug(`store: wrote ${r.written.join(', ')} (${r.bytes} bytes)`);
    this.emit('flush', { ...r, at });
    return r;
  }

  /** Bytes the store has written since start (the benchmark's measure of SD card wear). */
  get bytesWritten(): number {
    return this.#store.bytesWritten;
  }

  // ---------------------------------------------------------------- frames in

  /** A frame as the radio hands it over (bytes after the sync word). */
  ingestFrame(raw: RawFrame): void {
    const time = raw.time ?? this.#clock();
    this.#traffic.countFrame(time);
    const { frame, intake } = classifyRaw(raw, time, this.#intake);
    if (frame) this.#reception.act(frame, intake);
    else if (intake.outcome === 'frame_error') this.#reception.frameError(time, raw.rssi, intake.code, intake.message);
  }

  /** Link-layer bytes (from L, DLL CRCs removed or present) from a source without a frame core: replays, tests. */
  ingestTelegram(
    bytes: Uint8Array,
    meta: Omit<LinkFrame, 'telegram' | 'mode' | 'frameFormat' | 'corrected'> & Partial<LinkFrame> = {},
  ): void {
    const time = meta.time ?? this.#clock();
    this.#traffic.countFrame(time);
    this.#ingestLink({ mode: 'T', frameFormat: 'A', corrected: 0, ...meta, telegram: bytes, time });
  }

  #ingestLink(frame: TimedFrame, replayed = false): void {
    this.#reception.act(frame, classifyLink(frame, { ...this.#intake, replayed }));
  }

  // ---------------------------------------------------------------- meters: changes

  /** Claims a meter (with its key when it encrypts) and writes the store before returning. */
  claim(req: ClaimRequest): Promise<MeterView> {
    return this.#commands.claim(req);
  }

  rename(id: string, name: string): Promise<MeterView> {
    return this.#commands.rename(id, name);
  }

  /** Sets the key (32 hex digits) or removes it (null); the status waits for the next telegram. */
  setKey(id: string, key: string | null): Promise<MeterView> {
    return this.#commands.setKey(id, key);
  }

  /** Forgets a claimed meter and its key. Its history stays (until retention drops it) for a later claim. */
  remove(id: string): Promise<void> {
    return this.#commands.remove(id);
  }

  // ---------------------------------------------------------------- queries

  meters(): MeterView[] {
    return Object.values(this.#store.state.meters)
      .map((m) => this.#view(m))
      .sort((a, b) => byName(a.name, b.name) || byCodeUnits(a.id, b.id));
  }

  meter(id: string): MeterView | undefined {
    const m = this.#store.state.meters[id.toUpperCase()];
    return m ? this.#view(m) : undefined;
  }

  /** The newest reading of a claimed meter (with records when it arrived since start). */
  latest(id: string): Reading | undefined {
    const key = id.toUpperCase();
    const m = this.#store.state.meters[key];
    if (!m) return undefined;
    return this.#liveRecords.get(key) ?? (m.latest ? { ...m.latest } : undefined);
  }

  /** Hourly or daily buckets overlapping [from, to), oldest first; the open ones are marked partial. */
  history(id: string, q: HistoryQuery): HistoryBucket[] {
    return [...this.historyBuckets(id, q)];
  }

  /** The same buckets, read one by one: a large answer is streamed from it (see HistoryBuckets). */
  historyBuckets(id: string, q: HistoryQuery): HistoryBuckets {
    return this.#queries.history(id, q, this.#clock());
  }

  /** Averaged voltage/power samples in [from, to), oldest first (default: the retention window). */
  samples(id: string, q: { from?: number; to?: number } = {}): SamplePoint[] {
    return this.#queries.samples(id, q, this.#clock());
  }

  /** Consumption of the current local day, month and year, per register. */
  summary(id: string, now = this.#clock()): Summary {
    return this.#queries.summary(id, now);
  }

  /** Unclaimed meters heard, most recent first. */
  nearby(): NearbyMeter[] {
    return this.#nearby.list();
  }

  radioStats(): RadioStatsView {
    const rssi: Record<string, number> = {};
    for (const n of Object.values(this.#store.state.nearby)) if (n.rssi !== undefined) rssi[n.id] = n.rssi;
    for (const m of Object.values(this.#store.state.meters)) if (m.rssi !== undefined) rssi[m.id] = m.rssi;
    return this.#traffic.view(rssi);
  }

  /** The last frames received, oldest first. */
  recentTelegrams(): TelegramEvent[] {
    return this.#traffic.recent();
  }

  health(): Health {
    const store = this.#store;
    const ok = store.lastError === undefined && !this.#storeFailing;
    const h: Health = { ok, uptimeS: Math.round((this.#clock() - this.#startedAt) / 1000) };
    if (this.#traffic.counters.lastFrameAt !== undefined) h.lastFrameAt = this.#traffic.counters.lastFrameAt;
    if (this.#traffic.radio) h.radioState = this.#traffic.radio.state;
    if (store.lastFlushAt !== undefined) h.lastFlushAt = store.lastFlushAt;
    if (store.lastError !== undefined) h.storeError = store.lastError;
    return h;
  }

  #view(m: StoredMeter): MeterView {
    const { lastCounter, latest, ...shown } = m;
    return { ...shown, status: { ...m.status }, hasKey: this.#keys.has(m.id) };
  }
}
