/**
 * The gateway service: frames in, readings, history and events out.
 *
 *   FrameSource ('frame') -> decodeRawFrame -> duplicate filter -> decodeTelegram (claimed meters'
 *   keys) -> claimed: replay check, reading, history, 'reading' event
 *             unclaimed: the heard-nearby list, 'nearby' event
 *
 * Outputs (web page, MQTT, Prometheus) attach through the Output interface and use the events
 * and query methods below; they never reach into the store.
 */
import { EventEmitter } from 'node:events';
import type { GatewayConfig } from '../config/config.js';
import { type FlushResult, GatewayStore } from '../store/store.js';
import type { StoredMeter } from '../store/state-doc.js';
import { KeyFormatError, KeyStore, normaliseKey } from '../store/keys.js';
import { meterFamilies } from '../meters/index.js';
import { FormatMemory, decodeTelegram } from '../wmbus/decode.js';
import { decodeRawFrame } from '../wmbus/frame/decode-raw.js';
import type { LinkFrame, RawFrame } from '../wmbus/frame/types.js';
import type { DecodeErrorInfo, DecodedTelegram, ErrorCode } from '../wmbus/types.js';
import { type Deltas, type HistoryBucket, type SamplePoint, addDeltas, averageOf } from '../model/history.js';
import { type Logger, silentLogger } from '../model/log.js';
import type { MeterChange, MeterState, MeterView, NearbyChange, NearbyMeter } from '../model/meter.js';
import { type Reading, extractValues } from '../model/reading.js';
import type { GatewayCounters, Health, RadioCounters, RadioStatsView, TelegramEvent } from '../model/status.js';
import { TimeZone } from '../model/timezone.js';
import { DuplicateFilter } from './dedup.js';
import { recordReading } from './record.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NEARBY_LIMIT = 500;
const TELEGRAM_LOG = 200;
const NAME_MAX = 64;

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

/** A request that cannot be carried out as asked; the message is for the user. Nothing changed. */
export class GatewayInputError extends Error {
  override name = 'GatewayInputError';
}

/** A request about a meter that is not claimed. */
export class UnknownMeterError extends GatewayInputError {
  override name = 'UnknownMeterError';
}

export interface GatewayOptions {
  config: GatewayConfig;
  source?: FrameSource;
  outputs?: Output[];
  log?: Logger;
  /** ms since the epoch; tests fake it */
  clock?: () => number;
}

export interface ClaimRequest {
  id: string;
  name?: string;
  /** 32 hex digits; absent for an unencrypted meter */
  key?: string;
}

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

// Decoder errors that say something about the meter's setup (shown as its status, once);
// the others (CRC, truncated) are radio noise and only counted.
/** Before this the system clock is surely unset (the project did not exist yet). */
const EARLIEST_CLOCK_MS = Date.UTC(2024, 0, 1);

const STATUS_OF_ERROR: Partial<Record<ErrorCode, MeterState>> = {
  WRONG_KEY: 'wrong_key',
  MAC_MISMATCH: 'wrong_key',
  NO_KEY: 'no_key',
  NOT_ENCRYPTED: 'error',
  UNSUPPORTED_SECURITY: 'error',
  UNSUPPORTED_CI: 'error',
};

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly config: GatewayConfig;
  readonly timeZone: TimeZone;
  readonly store: GatewayStore;
  readonly #keys: KeyStore;
  #flushing = false;
  #clockWarned = false;
  readonly #source: FrameSource | undefined;
  readonly #outputs: Output[];
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #formats = new FormatMemory();
  readonly #dedup = new DuplicateFilter();
  readonly #counters: GatewayCounters = {
    frames: 0,
    frameErrors: 0,
    readings: 0,
    duplicates: 0,
    replays: 0,
    decodeErrors: {},
    framesPerMinute: 0,
  };
  readonly #frameTimes: number[] = [];
  readonly #telegramLog: TelegramEvent[] = [];
  readonly #liveRecords = new Map<string, Reading>();
  // The last telegram of each nearby meter, so a claim shows a reading at once.
  readonly #lastHeard = new Map<string, { bytes: Uint8Array; frame: Omit<LinkFrame, 'telegram'> & { time: number } }>();
  // Nearby meters already named in the log; one leaves with its entry, so the set stays bounded.
  readonly #announcedNearby = new Set<string>();
  #radio: RadioCounters | undefined;
  #radioEventAt = 0;
  #maintenanceTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #startedAt: number;
  #running = false;

  private constructor(options: GatewayOptions, store: GatewayStore, keys: KeyStore, tz: TimeZone) {
    super();
    this.config = options.config;
    this.timeZone = tz;
    this.store = store;
    this.#keys = keys;
    this.#source = options.source;
    this.#outputs = options.outputs ?? [];
    this.#log = options.log ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    this.#startedAt = this.#clock();
  }

  /** Loads the store and keys from config.dataDir; claims the meters named in the configuration. */
  static async open(options: GatewayOptions): Promise<Gateway> {
    const log = options.log ?? silentLogger;
    const tz = new TimeZone(options.config.timeZone);
    const [store, keys] = await Promise.all([
      openStore(options.config, log),
      KeyStore.open(options.config.dataDir, (m) => log.warn(m)),
    ]);
    const gateway = new Gateway(options, store, keys, tz);
    await gateway.#claimConfigured();
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
        .catch((err: Error) => this.#log.error(`${err.message}; will retry in ${this.config.store.flushIntervalS} s`))
        .finally(() => (this.#flushing = false));
    }, this.config.store.flushIntervalS * 1000);
    this.#flushTimer.unref();
    this.#maintenanceTimer = setInterval(() => this.#maintain(), 60_000);
    this.#maintenanceTimer.unref();
    if (this.#source) {
      this.#source.on('frame', (f) => this.ingestFrame(f));
      this.#source.on('stats', (s) => this.#onRadioStats(s));
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

  /** Writes the store now (the timer does it every store.flushIntervalS). */
  async flush(): Promise<void> {
    const at = this.#clock();
    const r = await this.store.flush();
    if (r.written.length === 0) return;
    this.#log.debug(`store: wrote ${r.written.join(', ')} (${r.bytes} bytes)`);
    this.emit('flush', { ...r, at });
  }

  // ---------------------------------------------------------------- frames in

  /** A frame as the radio hands it over (bytes after the sync word). */
  ingestFrame(raw: RawFrame): void {
    const time = raw.time ?? this.#clock();
    this.#countFrame(time);
    const result = decodeRawFrame(raw);
    if (!result.ok) {
      this.#counters.frameErrors++;
      this.#logTelegram({ time, rssi: raw.rssi, outcome: 'frame_error', error: { code: result.reason, message: result.message } });
      return;
    }
    this.#ingestLink({ ...result.frame, time });
  }

  /** Link-layer bytes (from L, DLL CRCs removed or present) from a source without a frame core: replays, tests. */
  ingestTelegram(bytes: Uint8Array, meta: Omit<LinkFrame, 'telegram' | 'mode' | 'frameFormat' | 'corrected'> & Partial<LinkFrame> = {}): void {
    const time = meta.time ?? this.#clock();
    this.#countFrame(time);
    this.#ingestLink({ mode: 'T', frameFormat: 'A', corrected: 0, ...meta, telegram: bytes, time });
  }

  #countFrame(time: number): void {
    this.#counters.frames++;
    this.#counters.lastFrameAt = time;
    this.#frameTimes.push(time);
    while (this.#frameTimes.length > 0 && this.#frameTimes[0]! <= time - 60_000) this.#frameTimes.shift();
    this.#counters.framesPerMinute = this.#frameTimes.length;
    this.#emitRadio(false);
  }

  #ingestLink(frame: LinkFrame & { time: number }, replayed = false): void {
    const { telegram: bytes, time } = frame;
    if (time < EARLIEST_CLOCK_MS) {
      // A Pi without a battery clock may start at 1970 until NTP answers: readings stamped then
      // would spread the next delta over decades of hourly history.
      if (!this.#clockWarned) this.#log.warn(`the system clock says ${new Date(time).toISOString()}: telegrams are ignored until the clock is set (NTP)`);
      this.#clockWarned = true;
      return;
    }
    const hex = Buffer.from(bytes).toString('hex').toUpperCase();
    if (!replayed && this.#dedup.isCopy(bytes, time)) {
      this.#counters.duplicates++;
      this.#logTelegram({ time, rssi: frame.rssi, outcome: 'duplicate', hex });
      return;
    }
    const result = decodeTelegram(bytes, { keys: this.#keys.lookup, formats: this.#formats, meters: meterFamilies });
    if (!result.ok) {
      this.#onDecodeError(result.error, frame, hex);
      return;
    }
    const t = result.telegram;
    const meter = this.store.state.meters[t.id];
    if (!meter) {
      this.#heardNearby(t.id, { manufacturer: t.manufacturer, medium: t.medium, deviceType: t.deviceType, version: t.version }, false, frame);
      this.#logTelegram({ time, id: t.id, manufacturer: t.manufacturer, rssi: frame.rssi, outcome: 'nearby', hex });
      return;
    }
    if (!t.security.decrypted && this.#keys.has(meter.id)) {
      // Anyone nearby can send a telegram in clear with this meter's id: a meter that has a key
      // must prove itself with it, or its readings could be forged.
      const message = 'a telegram arrived in clear although the meter has a key: it was ignored (remove the key if this meter does not encrypt)';
      this.#onDecodeError({ code: 'NOT_ENCRYPTED', message, id: t.id, manufacturer: t.manufacturer }, frame, hex);
      return;
    }
    if (t.security.mode === 7 && t.security.counter !== undefined) {
      if (meter.lastCounter !== undefined && t.security.counter <= meter.lastCounter) {
        this.#counters.replays++;
        this.#setStatus(
          meter,
          'replay',
          `meter ${meter.id} sent message counter ${t.security.counter}, not above the last accepted ${meter.lastCounter}: the telegram was rejected as a replay (if the meter was replaced, remove it and claim it again)`,
        );
        this.#logTelegram({ time, id: t.id, manufacturer: t.manufacturer, rssi: frame.rssi, outcome: 'replay', hex });
        return;
      }
      meter.lastCounter = t.security.counter;
    }
    this.#accept(meter, t, frame);
    this.#logTelegram({ time, id: t.id, manufacturer: t.manufacturer, rssi: frame.rssi, outcome: 'accepted', hex });
  }

  #onDecodeError(error: DecodeErrorInfo, frame: LinkFrame & { time: number }, hex: string): void {
    this.#counters.decodeErrors[error.code] = (this.#counters.decodeErrors[error.code] ?? 0) + 1;
    this.#logTelegram({
      time: frame.time,
      id: error.id,
      manufacturer: error.manufacturer,
      rssi: frame.rssi,
      outcome: 'decode_error',
      error: { code: error.code, message: error.message },
      hex,
    });
    if (error.id === undefined) return;
    const meter = this.store.state.meters[error.id];
    if (meter) {
      const state = STATUS_OF_ERROR[error.code];
      if (state) this.#setStatus(meter, state, this.#statusMessage(meter, error));
      return;
    }
    if (error.manufacturer !== undefined) {
      const encrypted = error.code === 'NO_KEY' || error.code === 'WRONG_KEY' || error.code === 'MAC_MISMATCH';
      this.#heardNearby(
        error.id,
        { manufacturer: error.manufacturer, medium: error.medium ?? 'unknown', deviceType: error.deviceType },
        encrypted,
        frame,
      );
    }
  }

  #statusMessage(meter: StoredMeter, error: DecodeErrorInfo): string {
    if (error.code === 'WRONG_KEY' || error.code === 'MAC_MISMATCH') {
      return `the key of meter ${meter.id} (${meter.name}) does not decrypt its telegrams (${error.message}): check the key your operator gave you and enter it again`;
    }
    if (error.code === 'NO_KEY') {
      return `meter ${meter.id} (${meter.name}) sends encrypted telegrams and has no key: add the key your operator gave you`;
    }
    return `meter ${meter.id} (${meter.name}): ${error.message}`;
  }

  #accept(meter: StoredMeter, t: DecodedTelegram, frame: LinkFrame & { time: number }): void {
    const values = extractValues(t.records);
    const reading: Reading = {
      meterId: meter.id,
      time: frame.time,
      manufacturer: t.manufacturer,
      medium: t.medium,
      deviceType: t.deviceType,
      version: t.version,
      fields: t.fields,
      counters: values.counters,
      instant: values.instant,
      mode: frame.mode,
      frameFormat: frame.frameFormat,
      securityMode: t.security.mode,
    };
    if (frame.rssi !== undefined) reading.rssi = frame.rssi;
    if (t.accessNumber !== undefined) reading.accessNumber = t.accessNumber;

    this.#liveRecords.set(meter.id, { ...reading, records: t.records });
    this.#counters.readings++;
    const history = this.store.addReading(reading);
    for (const register of history.resets) {
      const r = this.store.state.series[meter.id]!.resets.findLast((x) => x.register === register)!;
      this.#log.warn(
        `meter ${meter.id} (${meter.name}): ${register} went back from ${r.from} to ${r.to} (meter replaced or reset?): a new series starts, no negative consumption is recorded`,
      );
    }
    this.#setStatus(meter, 'ok', undefined);
    this.#log.info(describeReading(meter, reading));
    this.emit('reading', { ...reading, records: t.records });
  }

  #heardNearby(
    id: string,
    header: { manufacturer: string; medium: string; deviceType?: number; version?: number },
    encrypted: boolean,
    frame: LinkFrame & { time: number },
  ): void {
    const nearby = this.store.state.nearby;
    const prev = nearby[id];
    const entry: NearbyMeter = {
      id,
      manufacturer: header.manufacturer,
      medium: header.medium,
      encrypted,
      mode: frame.mode,
      firstSeen: prev?.firstSeen ?? frame.time,
      lastSeen: frame.time,
      telegrams: (prev?.telegrams ?? 0) + 1,
    };
    if (header.deviceType !== undefined) entry.deviceType = header.deviceType;
    if (header.version !== undefined) entry.version = header.version;
    if (frame.rssi !== undefined) entry.rssi = frame.rssi;
    // Room is made before the newcomer goes in, so it is never the one forgotten.
    if (!prev && Object.keys(nearby).length >= NEARBY_LIMIT) this.#forgetNearby(oldestNearby(nearby));
    nearby[id] = entry;
    const { telegram, ...meta } = frame;
    this.#lastHeard.set(id, { bytes: telegram, frame: meta });
    this.store.touch();
    if (!this.#announcedNearby.has(id)) {
      this.#announcedNearby.add(id);
      this.#log.info(
        `heard meter ${id} nearby (${entry.manufacturer} ${entry.medium}, ${encrypted ? 'encrypted' : 'not encrypted'}${entry.rssi !== undefined ? `, ${entry.rssi} dBm` : ''}): claim it to read it`,
      );
    }
    this.emit('nearby', { change: 'heard', id, nearby: { ...entry } });
  }

  #forgetNearby(id: string): void {
    if (!this.store.state.nearby[id]) return;
    delete this.store.state.nearby[id];
    this.#lastHeard.delete(id);
    this.#announcedNearby.delete(id);
    this.store.touch();
    this.emit('nearby', { change: 'removed', id });
  }

  #setStatus(meter: StoredMeter, state: MeterState, message: string | undefined): void {
    if (meter.status.state === state && meter.status.message === message) return;
    const was = meter.status.state;
    meter.status = { state, since: this.#clock(), ...(message ? { message } : {}) };
    this.store.touch();
    if (state === 'ok') {
      if (was !== 'waiting' && was !== 'ok') this.#log.info(`meter ${meter.id} (${meter.name}): telegrams decode again`);
    } else if (message) {
      this.#log.warn(message);
    }
    this.emit('meter', { change: 'status', id: meter.id, meter: this.#view(meter) });
  }

  #onRadioStats(s: RadioCounters): void {
    this.#radio = { ...s };
    this.#emitRadio(true);
  }

  // Frame counters change with every frame; listeners hear about it at most once a second.
  #emitRadio(force: boolean): void {
    const now = this.#clock();
    if (!force && now - this.#radioEventAt < 1000) return;
    this.#radioEventAt = now;
    this.emit('radio', this.radioStats());
  }

  #logTelegram(e: TelegramEvent): void {
    this.#telegramLog.push(e);
    if (this.#telegramLog.length > TELEGRAM_LOG) this.#telegramLog.shift();
    this.emit('telegram', e);
  }

  #maintain(): void {
    const before = this.#clock() - this.config.store.nearbyRetentionDays * DAY_MS;
    for (const n of Object.values(this.store.state.nearby)) if (n.lastSeen < before) this.#forgetNearby(n.id);
  }

  // ---------------------------------------------------------------- meters: changes

  /** Claims a meter (with its key when it encrypts) and writes the store before returning. */
  async claim(req: ClaimRequest): Promise<MeterView> {
    const id = checkId(req.id);
    if (this.store.state.meters[id]) throw new GatewayInputError(`meter ${id} is already claimed: rename it or set its key instead`);
    const name = checkName(req.name, id);
    const key = req.key === undefined || req.key === '' ? undefined : checkKey(req.key);
    if (key) await this.#keys.set(id, key);
    const heard = this.store.state.nearby[id];
    const meter: StoredMeter = {
      id,
      name,
      claimedAt: this.#clock(),
      status: { state: 'waiting', since: this.#clock() },
      telegrams: 0,
    };
    if (heard) {
      meter.manufacturer = heard.manufacturer;
      meter.medium = heard.medium;
      if (heard.deviceType !== undefined) meter.deviceType = heard.deviceType;
      if (heard.rssi !== undefined) meter.rssi = heard.rssi;
    }
    this.store.state.meters[id] = meter;
    this.store.touch();
    this.#log.info(`claimed meter ${id} as "${name}"${key ? ' with a key' : ''}`);
    this.emit('meter', { change: 'claimed', id, meter: this.#view(meter) });
    const last = this.#lastHeard.get(id);
    this.#forgetNearby(id);
    if (last) this.#ingestLink({ ...last.frame, telegram: last.bytes }, true);
    await this.flush();
    return this.#view(meter);
  }

  async rename(id: string, name: string): Promise<MeterView> {
    const meter = this.#claimed(id);
    const clean = checkName(name, meter.id);
    meter.name = clean;
    this.store.touch();
    this.emit('meter', { change: 'renamed', id: meter.id, meter: this.#view(meter) });
    await this.flush();
    return this.#view(meter);
  }

  /** Sets the key (32 hex digits) or removes it (null); the status waits for the next telegram. */
  async setKey(id: string, key: string | null): Promise<MeterView> {
    const meter = this.#claimed(id);
    const hex = key === null || key === '' ? undefined : checkKey(key);
    await this.#keys.set(meter.id, hex);
    meter.status = { state: 'waiting', since: this.#clock() };
    this.store.touch();
    this.#log.info(`meter ${meter.id} (${meter.name}): key ${hex ? 'set' : 'removed'}`);
    this.emit('meter', { change: 'key', id: meter.id, meter: this.#view(meter) });
    await this.flush();
    return this.#view(meter);
  }

  /** Forgets a claimed meter and its key. Its history stays (until retention drops it) for a later claim. */
  async remove(id: string): Promise<void> {
    const meter = this.#claimed(id);
    await this.#keys.set(meter.id, undefined);
    delete this.store.state.meters[meter.id];
    this.#liveRecords.delete(meter.id);
    this.store.touch();
    this.#log.info(`removed meter ${meter.id} (${meter.name})`);
    this.emit('meter', { change: 'removed', id: meter.id });
    await this.flush();
  }

  async #claimConfigured(): Promise<void> {
    for (const m of this.config.meters) {
      const existing = this.store.state.meters[m.id];
      if (!existing) await this.claim({ id: m.id, name: m.name, key: m.key });
      else if (m.key && !this.#keys.has(m.id)) await this.setKey(m.id, m.key);
    }
  }

  #claimed(id: string): StoredMeter {
    const meter = this.store.state.meters[typeof id === 'string' ? id.toUpperCase() : ''];
    if (!meter) throw new UnknownMeterError(`meter ${String(id)} is not claimed`);
    return meter;
  }

  // ---------------------------------------------------------------- queries

  meters(): MeterView[] {
    return Object.values(this.store.state.meters)
      .map((m) => this.#view(m))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  meter(id: string): MeterView | undefined {
    const m = this.store.state.meters[id.toUpperCase()];
    return m ? this.#view(m) : undefined;
  }

  /** The newest reading of a claimed meter (with records when it arrived since start). */
  latest(id: string): Reading | undefined {
    const key = id.toUpperCase();
    const m = this.store.state.meters[key];
    if (!m) return undefined;
    return this.#liveRecords.get(key) ?? (m.latest ? { ...m.latest } : undefined);
  }

  /** Hourly or daily buckets overlapping [from, to), oldest first; the open ones are marked partial. */
  history(id: string, q: HistoryQuery): HistoryBucket[] {
    const key = id.toUpperCase();
    const now = this.#clock();
    const to = q.to ?? now + 1;
    const from = q.from ?? (q.resolution === 'hour' ? now - 48 * HOUR_MS : now - 31 * DAY_MS);
    const series = this.store.state.series[key];
    const closed = q.resolution === 'hour' ? this.store.hourly.rows(key) : this.store.daily.rows(key);
    const open = series ? (q.resolution === 'hour' ? series.openHours : series.openDays) : {};
    // Archived rows from the state's open range on are not confirmed yet (see GatewayStore).
    const floor = series ? (q.resolution === 'hour' ? series.hourFloor : series.dayFloor) || Infinity : Infinity;
    const endOf = q.resolution === 'hour' ? (t: number) => t + HOUR_MS : (t: number) => this.timeZone.nextDayStart(t);
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

  #bucket(start: number, end: number, deltas: Deltas, partial: boolean): HistoryBucket {
    return { start, end, local: this.timeZone.isoLocal(start), deltas: { ...deltas }, partial };
  }

  /** Averaged voltage/power samples in [from, to), oldest first (default: the retention window). */
  samples(id: string, q: { from?: number; to?: number } = {}): SamplePoint[] {
    const key = id.toUpperCase();
    const now = this.#clock();
    const from = q.from ?? now - this.config.store.sampleRetentionHours * HOUR_MS;
    const to = q.to ?? now + 1;
    const series = this.store.state.series[key];
    // Archived samples from the open one on are not confirmed yet (see GatewayStore).
    const open = series?.openSample;
    const rows = this.store.samples.rows(key).filter((r) => r.t < (open?.t ?? Infinity));
    if (open) rows.push(averageOf(open));
    return rows.filter((r) => r.t >= from && r.t < to).map((r) => ({ t: r.t, values: { ...r.v } }));
  }

  /** Consumption of the current local day, month and year, per register. */
  summary(id: string, now = this.#clock()): Summary {
    const tz = this.timeZone;
    const todayStart = tz.dayStart(now);
    const monthStart = tz.monthStart(now);
    const p = tz.parts(now);
    const yearStart = tz.dayStart(Date.UTC(p.year, 0, 1, 12) - tz.offset(Date.UTC(p.year, 0, 1, 12)));
    const days = this.history(id, { resolution: 'day', from: yearStart, to: now + 1 });
    const sum = (from: number) => days.filter((d) => d.start >= from).reduce((acc, d) => addDeltas(acc, d.deltas), {} as Deltas);
    return { today: sum(todayStart), month: sum(monthStart), year: sum(yearStart), todayStart, monthStart, yearStart };
  }

  /** Unclaimed meters heard, most recent first. */
  nearby(): NearbyMeter[] {
    return Object.values(this.store.state.nearby)
      .map((n) => ({ ...n }))
      .sort((a, b) => b.lastSeen - a.lastSeen);
  }

  radioStats(): RadioStatsView {
    const rssi: Record<string, number> = {};
    for (const n of Object.values(this.store.state.nearby)) if (n.rssi !== undefined) rssi[n.id] = n.rssi;
    for (const m of Object.values(this.store.state.meters)) if (m.rssi !== undefined) rssi[m.id] = m.rssi;
    const view: RadioStatsView = {
      gateway: { ...this.#counters, decodeErrors: { ...this.#counters.decodeErrors } },
      rssi,
    };
    if (this.#radio) view.radio = { ...this.#radio };
    return view;
  }

  /** The last frames received, oldest first. */
  recentTelegrams(): TelegramEvent[] {
    return [...this.#telegramLog];
  }

  health(): Health {
    const h: Health = {
      ok: this.store.lastError === undefined,
      uptimeS: Math.round((this.#clock() - this.#startedAt) / 1000),
    };
    if (this.#counters.lastFrameAt !== undefined) h.lastFrameAt = this.#counters.lastFrameAt;
    if (this.#radio) h.radioState = this.#radio.state;
    if (this.store.lastFlushAt !== undefined) h.lastFlushAt = this.store.lastFlushAt;
    if (this.store.lastError !== undefined) h.storeError = this.store.lastError;
    return h;
  }

  #view(m: StoredMeter): MeterView {
    const { lastCounter, latest, ...shown } = m;
    return { ...shown, status: { ...m.status }, hasKey: this.#keys.has(m.id) };
  }
}

/** The store as the gateway keeps it: its rule for applying a reading, the configured retention. */
export function openStore(config: GatewayConfig, log: Logger = silentLogger): Promise<GatewayStore> {
  const tz = new TimeZone(config.timeZone);
  const s = config.store;
  const sampleMs = s.sampleIntervalS * 1000;
  return GatewayStore.open({
    dir: config.dataDir,
    apply: (state, reading) => recordReading(state, reading, tz, sampleMs),
    retention: { hourlyDays: s.hourlyRetentionDays, dailyDays: s.dailyRetentionDays, sampleHours: s.sampleRetentionHours },
    warn: (m) => log.warn(m),
    info: (m) => log.info(m),
  });
}

function oldestNearby(nearby: Record<string, NearbyMeter>): string {
  let oldest: NearbyMeter | undefined;
  for (const n of Object.values(nearby)) if (!oldest || n.lastSeen < oldest.lastSeen) oldest = n;
  return oldest!.id;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(id.trim()))
    throw new GatewayInputError('a meter id is the 8 digits printed on the meter (as shown in the heard-nearby list)');
  return id.trim().toUpperCase();
}

function checkName(name: unknown, id: string): string {
  if (name === undefined || name === null || name === '') return `Meter ${id}`;
  if (typeof name !== 'string') throw new GatewayInputError('a meter name is text');
  const clean = name.replace(/\s+/g, ' ').trim();
  if (clean === '') return `Meter ${id}`;
  if (clean.length > NAME_MAX) throw new GatewayInputError(`a meter name has at most ${NAME_MAX} characters`);
  return clean;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new GatewayInputError('a key is 32 hexadecimal digits (AES-128)');
  try {
    return normaliseKey(key);
  } catch (err) {
    if (err instanceof KeyFormatError) throw new GatewayInputError(err.message);
    throw err;
  }
}

function describeReading(meter: StoredMeter, r: Reading): string {
  const parts: string[] = [];
  for (const [name, v] of Object.entries(r.counters)) {
    if (/_t\d+$/.test(name)) continue;
    parts.push(`${name.replace('_', ' ')} ${v.toFixed(3)} ${name.startsWith('volume') ? 'm3' : 'kWh'}`);
  }
  for (const name of ['power_import', 'power_export', 'power']) {
    const v = r.instant[name];
    if (v !== undefined) parts.push(`${name.replace('_', ' ')} ${Math.round(v)} W`);
  }
  const rssi = r.rssi !== undefined ? `, ${r.rssi} dBm` : '';
  return `meter ${meter.id} (${meter.name}): ${parts.join(', ') || `${Object.keys(r.fields).length} values`}${rssi}`;
}
