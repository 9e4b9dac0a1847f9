/**
 * The gateway's durable store, in the data folder, written so that an SD card lasts:
 *
 *   state.json          checkpoint: meters, latest readings, heard-nearby list, open hours, days and
 *                       samples (lowdb through DurableJsonFile: temp, fsync, rename, fsync the folder;
 *                       state.json.prev is the checkpoint before). Rewritten only when the journal
 *                       has grown past checkpointBytes.
 *   journal.jsonl       one line per flush since the checkpoint, appended and fsynced: the readings
 *                       accepted (each a merge patch against the meter's previous reading) and a merge
 *                       patch of whatever else changed (status, nearby list). journal.prev.jsonl holds
 *                       the lines between state.json.prev and state.json.
 *   history/            closed rows, appended once: hourly-YYYY-MM.jsonl, daily-YYYY.jsonl,
 *                       samples-YYYY-MM-DD.jsonl (see RowArchive); retention deletes whole files.
 *
 * Loading takes the checkpoint and re-applies the journal lines after it, each reading through the
 * same function the gateway applies live readings with, so open hours, days and samples come back
 * exactly as they were. A flush appends closed rows before the journal line of the readings that
 * closed them: the journal line is the commit. Rows appended without their journal line (power cut
 * between the two) belong to buckets the loaded state still has open; they are closed and appended
 * again, and the later copy wins.
 */
import { access, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { ApplyResult, HistoryRow, SampleRow } from '../model/history.js';
import type { Reading } from '../model/reading.js';
import { AppendFile } from './append-file.js';
import { DurableJsonFile, fsyncDir } from './durable-file.js';
import { type Json, applyPatch, clone, diffPatch } from './merge-patch.js';
import { FORMAT_1_FILES, convertFormat1, isFormat1 } from './format1.js';
import { RowArchive } from './row-archive.js';
import type { StateDoc } from './state-doc.js';

export const STORE_FORMAT = 2;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Applies one accepted reading to the state (the meter's latest values, its history). The gateway's
 * rule: the store calls it for live readings and again when it replays the journal on start.
 */
export type ApplyReading = (state: StateDoc, reading: Reading) => ApplyResult;

export interface Retention {
  hourlyDays: number;
  dailyDays: number;
  sampleHours: number;
}

export interface StoreOptions {
  dir: string;
  apply: ApplyReading;
  retention?: Retention;
  /** a file was damaged or cut off and what was done about it */
  warn?: (message: string) => void;
  /** things a person may like to know (a conversion from an older format) */
  info?: (message: string) => void;
  /** journal size that makes the next flush write a new checkpoint (default 512 KiB) */
  checkpointBytes?: number;
  /** aborts open() between the files it reads, before it writes anything */
  signal?: AbortSignal;
}

export interface FlushResult {
  /** files written, in order */
  written: string[];
  bytes: number;
}

interface JournalLine {
  seq: number;
  /** readings in the order they were accepted: [meter id, merge patch against its previous reading] */
  r?: Array<[string, Json]>;
  /** merge patch of meters, nearby and series after the readings were applied */
  s?: Json;
}

/** A flush failed. `committed`: its journal line (or checkpoint) is on disk all the same; only the work after it failed. */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError';
  readonly committed: boolean;

  constructor(message: string, committed: boolean) {
    super(message);
    this.committed = committed;
  }
}

export const DEFAULT_RETENTION: Retention = { hourlyDays: 90, dailyDays: 3660, sampleHours: 48 };

function emptyState(): StateDoc {
  return { format: STORE_FORMAT, savedAt: 0, journalSeq: 0, meters: {}, nearby: {}, series: {} };
}

function validateState(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return 'not an object';
  const d = data as Record<string, unknown>;
  if (d['format'] !== STORE_FORMAT && !isFormat1(d)) return `format ${String(d['format'])}, expected ${STORE_FORMAT}`;
  for (const m of ['meters', 'nearby', 'series']) if (typeof d[m] !== 'object' || d[m] === null) return `"${m}" missing`;
  if (d['format'] === STORE_FORMAT && !Number.isInteger(d['journalSeq'])) return '"journalSeq" missing';
  return undefined;
}

function isJournalLine(v: unknown): v is JournalLine {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  return (
    Number.isInteger(l['seq']) && (l['r'] === undefined || Array.isArray(l['r'])) && (l['s'] === undefined || typeof l['s'] === 'object')
  );
}

// The parts of the state the journal patches (format, savedAt and journalSeq belong to checkpoints).
function persisted(s: StateDoc): { meters: StateDoc['meters']; nearby: StateDoc['nearby']; series: StateDoc['series'] } {
  return { meters: s.meters, nearby: s.nearby, series: s.series };
}

export class GatewayStore {
  readonly dir: string;
  readonly hourly: RowArchive<HistoryRow>;
  readonly daily: RowArchive<HistoryRow>;
  readonly samples: RowArchive<SampleRow>;
  readonly #apply: ApplyReading;
  readonly #warn: (message: string) => void;
  readonly #info: (message: string) => void;
  readonly #checkpointBytes: number;
  readonly #checkpointFile: DurableJsonFile<StateDoc>;
  readonly #checkpoint: Low<StateDoc>;
  readonly #journal: AppendFile;
  readonly #journalPrev: AppendFile;
  #state: StateDoc = emptyState();
  /** what the files hold: the checkpoint with the journal applied */
  #shadow: StateDoc = emptyState();
  #seq = 0;
  #pending: Reading[] = [];
  #dirty = false;
  #needCheckpoint = false;
  /** a state.json was loaded or written: the journal extends it */
  #checkpointOnDisk = false;
  #flushing: Promise<FlushResult> | undefined;
  lastFlushAt: number | undefined;
  lastError: string | undefined;

  private constructor(o: StoreOptions) {
    this.dir = o.dir;
    this.#apply = o.apply;
    this.#warn = o.warn ?? (() => {});
    this.#info = o.info ?? (() => {});
    this.#checkpointBytes = o.checkpointBytes ?? 512 * 1024;
    const r = o.retention ?? DEFAULT_RETENTION;
    const history = path.join(o.dir, 'history');
    const warn = this.#warn;
    this.hourly = new RowArchive({ dir: history, kind: 'hourly', period: 'month', retentionMs: r.hourlyDays * DAY_MS, warn });
    this.daily = new RowArchive({ dir: history, kind: 'daily', period: 'year', retentionMs: r.dailyDays * DAY_MS, warn });
    this.samples = new RowArchive({ dir: history, kind: 'samples', period: 'day', retentionMs: r.sampleHours * HOUR_MS, warn });
    this.#checkpointFile = new DurableJsonFile<StateDoc>(path.join(o.dir, 'state.json'), { warn, validate: validateState });
    this.#checkpoint = new Low(this.#checkpointFile, emptyState());
    this.#journal = new AppendFile(path.join(o.dir, 'journal.jsonl'), warn);
    this.#journalPrev = new AppendFile(path.join(o.dir, 'journal.prev.jsonl'), warn);
  }

  /** Loads the store (checkpoint, journal, history), converting a format 1 folder, or starts empty. */
  static async open(options: StoreOptions): Promise<GatewayStore> {
    const store = new GatewayStore(options);
    await store.#load(options.signal);
    return store;
  }

  /** The live state: the gateway changes it and calls touch(); readings go through addReading(). */
  get state(): StateDoc {
    return this.#state;
  }

  /** Records that the state changed outside a reading; the next flush writes it. */
  touch(): void {
    this.#dirty = true;
  }

  /** Applies an accepted reading to the state and its closed rows to the archives; the next flush writes them. */
  addReading(reading: Reading): ApplyResult {
    const result = this.#apply(this.#state, reading);
    this.#pending.push(reading);
    this.hourly.add(reading.meterId, result.closedHours);
    this.daily.add(reading.meterId, result.closedDays);
    this.samples.add(reading.meterId, result.closedSamples);
    return result;
  }

  /** Bytes this store has written since it was opened. */
  get bytesWritten(): number {
    return (
      this.#checkpointFile.bytesWritten +
      this.#journal.bytesWritten +
      this.hourly.bytesWritten +
      this.daily.bytesWritten +
      this.samples.bytesWritten
    );
  }

  /** Writes what changed now; concurrent calls wait for the write in progress, then run once more. */
  async flush(): Promise<FlushResult> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#pending.length === 0 && !this.#dirty && !this.#needCheckpoint) return { written: [], bytes: 0 };
    this.#flushing = this.#write();
    try {
      return await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #write(): Promise<FlushResult> {
    if (!this.#needCheckpoint && !(await this.#journalIntact())) {
      // The folder was deleted or emptied while running: the checkpoint the journal extends is gone
      // too, so the next lines would be an orphan run. Write the whole state again instead.
      this.#warn(`the store in ${this.dir} was removed or changed from outside while running: writing it again from memory`);
      this.#needCheckpoint = true;
    }
    const before = this.bytesWritten;
    const readings = this.#pending;
    const dirty = this.#dirty;
    this.#pending = [];
    this.#dirty = false;
    // Up to the first await this sees one moment of the state: the journal line turns what the
    // files hold (the shadow) into it, readings first, the same way loading will.
    const next = clone(this.#shadow);
    const r: Array<[string, Json]> = [];
    for (const reading of readings) {
      const copy = clone(reading);
      r.push([copy.meterId, diffPatch(next.meters[copy.meterId]?.latest ?? {}, copy) ?? {}]);
      this.#apply(next, copy);
    }
    const s = diffPatch(persisted(next), persisted(this.#state));
    if (s !== undefined) applyPatch(persisted(next), s);
    const changed = r.length > 0 || s !== undefined;
    const seq = changed ? this.#seq + 1 : this.#seq;
    const written: string[] = [];
    let committed = false;
    try {
      for (const archive of [this.daily, this.hourly, this.samples]) written.push(...(await archive.write()));
      if (this.#needCheckpoint) {
        await this.#writeCheckpoint(next, seq);
        written.push('state.json');
      } else if (changed) {
        await this.#journal.append([{ seq, ...(r.length > 0 ? { r } : {}), ...(s !== undefined ? { s } : {}) } satisfies JournalLine]);
        written.push('journal.jsonl');
      }
      committed = true;
      this.#shadow = next;
      this.#seq = seq;
      if (this.#journal.size > this.#checkpointBytes) {
        await this.#writeCheckpoint(next, seq);
        written.push('state.json');
      }
      this.lastFlushAt = Date.now();
      this.lastError = undefined;
    } catch (err) {
      if (!committed) {
        this.#pending = [...readings, ...this.#pending];
        this.#dirty ||= dirty;
        // A failed append may have left part of a line behind: the next flush writes a checkpoint instead.
        this.#needCheckpoint = true;
      }
      this.lastError = `writing the store in ${this.dir} failed: ${(err as Error).message}`;
      throw new StoreWriteError(this.lastError, committed);
    }
    return { written, bytes: this.bytesWritten - before };
  }

  async #journalIntact(): Promise<boolean> {
    if (!(await this.#journal.intact())) return false;
    return (
      !this.#checkpointOnDisk ||
      (await access(this.#checkpointFile.file).then(
        () => true,
        () => false,
      ))
    );
  }

  // A checkpoint holds what the files hold (never the live state: readings accepted while this
  // flush runs are not in the journal yet and would be counted twice on load). The journal it
  // replaces becomes journal.prev.jsonl, which goes with state.json.prev.
  async #writeCheckpoint(doc: StateDoc, seq: number): Promise<void> {
    this.#checkpoint.data = { ...clone(doc), format: STORE_FORMAT, savedAt: Date.now(), journalSeq: seq };
    await this.#checkpoint.write();
    await rename(this.#journal.file, this.#journalPrev.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await fsyncDir(this.dir);
    this.#journal.reset();
    this.#needCheckpoint = false;
    this.#checkpointOnDisk = true;
  }

  // Reading is stopped only before a write: a conversion or a repair, once begun, is finished.
  async #load(signal: AbortSignal | undefined): Promise<void> {
    await Promise.all([this.hourly.load(signal), this.daily.load(signal), this.samples.load(signal)]);
    signal?.throwIfAborted();
    await this.#checkpoint.read();
    signal?.throwIfAborted();
    const converted = await convertFormat1(this.dir, this.#checkpoint.data, {
      hourly: this.hourly,
      daily: this.daily,
      samples: this.samples,
      warn: this.#warn,
    });
    if (converted) {
      this.#checkpoint.data = converted;
      await this.#checkpoint.write();
      await removeFormat1Files(this.dir);
      this.#info(`converted the store in ${this.dir} to format ${STORE_FORMAT}: history now in ${path.join(this.dir, 'history')}`);
    }
    this.#checkpointOnDisk = this.#checkpoint.data.savedAt > 0;
    const state = clone(this.#checkpoint.data);
    this.#seq = state.journalSeq;
    const lost = await this.#replayJournal(state);
    this.#state = state;
    this.#shadow = clone(state);
    if (lost) {
      const aside = `${this.#journal.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.#journal.file, aside).catch(() => {});
      this.#journal.reset();
      this.#warn(
        `${lost}; moved ${this.#journal.file} to ${aside}: the store starts from journal entry ${this.#seq}, readings after it are lost`,
      );
      this.#needCheckpoint = true;
      await this.flush();
    }
  }

  // Applies the journal lines after the checkpoint to `state`; returns what went wrong if the run of lines broke off.
  async #replayJournal(state: StateDoc): Promise<string | undefined> {
    const prev = await this.#journalPrev.load();
    const current = await this.#journal.load();
    for (const loaded of [prev, current]) {
      for (const line of loaded.lines) {
        if (!isJournalLine(line)) return `${this.#journal.file} holds a line that is not a journal entry`;
        if (line.seq <= this.#seq) continue;
        if (line.seq !== this.#seq + 1) {
          const why = prev.damage ? ` (${prev.damage})` : '';
          return `journal entries ${this.#seq + 1} to ${line.seq - 1} are missing${why}`;
        }
        const readings = readingsOf(line, state);
        if (typeof readings === 'string') return `journal entry ${line.seq} in ${this.#journal.file} is damaged (${readings})`;
        for (const reading of readings) this.#apply(state, reading);
        if (line.s) applyPatch(persisted(state), line.s);
        this.#seq = line.seq;
      }
    }
    return current.damage;
  }
}

// The readings of a journal line, each patched onto the previous reading of its meter as the
// line's writer saw it (a meter not claimed has none); a message when one cannot be a reading.
function readingsOf(line: JournalLine, state: StateDoc): Reading[] | string {
  const latest = new Map<string, Reading | undefined>();
  const out: Reading[] = [];
  for (const [id, patch] of line.r ?? []) {
    const claimed = state.meters[id] !== undefined;
    const base = latest.has(id) ? latest.get(id) : state.meters[id]?.latest;
    const r = applyPatch(clone(claimed ? (base ?? {}) : {}), patch) as Reading;
    if (
      r.meterId !== id ||
      typeof r.time !== 'number' ||
      typeof r.counters !== 'object' ||
      typeof r.instant !== 'object' ||
      typeof r.fields !== 'object'
    )
      return `the reading of meter ${id} lacks its time or values`;
    if (claimed) latest.set(id, r);
    out.push(r);
  }
  return out;
}

async function removeFormat1Files(dir: string): Promise<void> {
  for (const name of FORMAT_1_FILES) {
    await unlink(path.join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
