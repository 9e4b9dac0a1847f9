/**
 * Closed rows of one kind (hourly, daily, samples) for every meter, as JSON lines in one file per
 * period: history/hourly-2025-03.jsonl, history/daily-2025.jsonl, history/samples-2025-03-30.jsonl
 * (periods in UTC, by the row's start). A closed row never changes, so it is appended once and
 * the files are never rewritten; retention deletes a whole file once its newest possible row is
 * older than the retention window. A line is {"m": meter id, "t": start, ...row}.
 *
 * The same row may be appended twice: when power was cut after the archive's append but before
 * the journal line that closed it, the state still has the bucket open and closes it again. The
 * later line wins when loading.
 */
import { readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppendFile } from './append-file.js';
import { upsertRow, pruneRows } from '../model/history.js';
import { byCodeUnits } from '../model/order.js';

export type Period = 'day' | 'month' | 'year';

export interface ArchiveOptions {
  dir: string;
  /** file name prefix: hourly, daily, samples */
  kind: string;
  period: Period;
  retentionMs: number;
  warn: (message: string) => void;
}

export class RowArchive<R extends { t: number }> {
  readonly #o: ArchiveOptions;
  readonly #rows = new Map<string, R[]>();
  readonly #files = new Map<string, AppendFile>();
  /** lines waiting for the next flush, by file key */
  #queued = new Map<string, Array<{ m: string } & R>>();
  #newest = 0;
  #bytesOfGoneFiles = 0;

  constructor(options: ArchiveOptions) {
    this.#o = options;
  }

  /** Reads every file of this kind; the later copy of a row wins. `signal` stops it between files. */
  async load(signal?: AbortSignal): Promise<void> {
    const names = await readdir(this.#o.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const pattern = new RegExp(`^${this.#o.kind}-(\\d{4}(?:-\\d{2}){0,2})\\.jsonl$`);
    for (const name of names.sort()) {
      signal?.throwIfAborted();
      const key = pattern.exec(name)?.[1];
      if (key === undefined || key.length !== keyLength(this.#o.period)) continue;
      const file = this.#file(key);
      const loaded = await file.load({ skipDamaged: true });
      for (const line of loaded.lines) {
        const row = rowOf<R>(line);
        if (row) this.#put(row.m, row.row);
      }
      if (loaded.damage) await this.#setAside(file, loaded.damage, loaded.lines);
    }
    for (const rows of this.#rows.values()) pruneRows(rows, this.#newest - this.#o.retentionMs);
  }

  /** Rows of a meter, oldest first (the caller must not change them). */
  rows(meterId: string): readonly R[] {
    return this.#rows.get(meterId) ?? [];
  }

  /** Adds closed rows: kept in memory at once, appended at the next write(). */
  add(meterId: string, rows: readonly R[]): void {
    for (const row of rows) {
      this.#put(meterId, row);
      const key = periodKey(row.t, this.#o.period);
      let q = this.#queued.get(key);
      if (!q) this.#queued.set(key, (q = []));
      q.push({ m: meterId, ...row });
    }
    const list = this.#rows.get(meterId);
    if (list) pruneRows(list, this.#newest - this.#o.retentionMs);
  }

  get pending(): boolean {
    return this.#queued.size > 0;
  }

  /** Appends the queued rows (fsynced) and deletes files past retention; returns the files written. */
  async write(): Promise<string[]> {
    const queued = this.#queued;
    this.#queued = new Map();
    const written: string[] = [];
    try {
      for (const [key, lines] of [...queued].sort(([a], [b]) => byCodeUnits(a, b))) {
        await this.#file(key).append(lines);
        queued.delete(key);
        written.push(path.basename(this.#file(key).file));
      }
    } finally {
      // What was not written goes back in front of anything queued meanwhile.
      for (const [key, lines] of queued) this.#queued.set(key, [...lines, ...(this.#queued.get(key) ?? [])]);
    }
    await this.#expire();
    return written;
  }

  get bytesWritten(): number {
    let n = this.#bytesOfGoneFiles;
    for (const f of this.#files.values()) n += f.bytesWritten;
    return n;
  }

  #put(meterId: string, row: R): void {
    let rows = this.#rows.get(meterId);
    if (!rows) this.#rows.set(meterId, (rows = []));
    upsertRow(rows, row);
    if (row.t > this.#newest) this.#newest = row.t;
  }

  #file(key: string): AppendFile {
    let f = this.#files.get(key);
    if (!f) this.#files.set(key, (f = new AppendFile(path.join(this.#o.dir, `${this.#o.kind}-${key}.jsonl`), this.#o.warn)));
    return f;
  }

  async #expire(): Promise<void> {
    const cutoff = this.#newest - this.#o.retentionMs;
    for (const [key, file] of this.#files) {
      if (periodEnd(key, this.#o.period) > cutoff || this.#queued.has(key)) continue;
      await unlink(file.file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.#bytesOfGoneFiles += file.bytesWritten;
      this.#files.delete(key);
    }
  }

  // A damaged line is not a power cut: keep the file for a person to look at, and write every line
  // that is still good into a fresh file of the same name (rows stand alone: one bad line costs one row).
  async #setAside(file: AppendFile, damage: string, good: unknown[]): Promise<void> {
    const aside = `${file.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(file.file, aside);
    file.reset();
    this.#o.warn(`${damage}; moved it to ${aside} and kept the other ${good.length} rows`);
    await file.append(good);
  }
}

function rowOf<R>(line: unknown): { m: string; row: R } | undefined {
  if (typeof line !== 'object' || line === null) return undefined;
  const { m, ...row } = line as { m?: unknown; t?: unknown };
  if (typeof m !== 'string' || typeof row.t !== 'number') return undefined;
  return { m, row: row as R };
}

function keyLength(period: Period): number {
  return period === 'year' ? 4 : period === 'month' ? 7 : 10;
}

export function periodKey(t: number, period: Period): string {
  return new Date(t).toISOString().slice(0, keyLength(period));
}

/** UTC ms where the period of a file key ends. */
export function periodEnd(key: string, period: Period): number {
  const [y, m = 1, d = 1] = key.split('-').map(Number);
  if (period === 'year') return Date.UTC(y! + 1, 0, 1);
  if (period === 'month') return Date.UTC(y!, m, 1);
  return Date.UTC(y!, m - 1, d + 1);
}
