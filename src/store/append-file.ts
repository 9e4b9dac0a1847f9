/**
 * A JSON-lines file that only grows: each append is written whole and fsynced before it returns,
 * and a new file's folder entry is fsynced too. A power cut during an append can leave a torn last
 * line (part of a line, or zeros); load() skips it with a message and cuts it off, so the next
 * append starts on a clean line. A line that does not parse before the last one is damage, not a
 * power cut: load() reports it and returns what came before it, or, for files whose lines stand
 * alone (history rows), every line that parses.
 */
import { mkdir, open, readFile, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { type OpenFile, fsyncDir, namingPath, printable } from './durable-file.js';

export interface LoadedLines {
  lines: unknown[];
  /** set when a line before the last one does not parse: what was wrong and where */
  damage?: string;
}

export class AppendFile {
  readonly file: string;
  readonly #warn: (message: string) => void;
  readonly #open: OpenFile;
  #size: number | undefined;
  /** bytes appended by this object (for the SD card wear figures) */
  bytesWritten = 0;

  /** `openFile` opens the file and its folder for fsync (default: fs.promises.open; a test passes a wrapper). */
  constructor(file: string, warn: (message: string) => void = () => {}, openFile: OpenFile = open) {
    this.file = file;
    this.#warn = warn;
    this.#open = openFile;
  }

  /**
   * The parsed lines, oldest first; a missing file has none. `skipDamaged`: a damaged line is left
   * out and the lines after it are read too (each line stands alone); otherwise reading stops there.
   */
  async load(options: { skipDamaged?: boolean } = {}): Promise<LoadedLines> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#size = 0;
        return { lines: [] };
      }
      throw namingPath(err, this.file);
    }
    const lines: unknown[] = [];
    const damaged: string[] = [];
    let start = 0;
    let good = 0; // byte length of the whole lines read so far
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      // A line without its end, even one that parses, may be a cut-off number: the append never finished.
      const parsed = nl < 0 ? undefined : parseLine(buf.toString('utf8', start, nl));
      if (parsed?.ok) {
        lines.push(parsed.value);
        start = nl + 1;
        good = start;
        continue;
      }
      // A line that does not parse, followed by more than padding (zeros, empty lines), is damage.
      if (parsed && !buf.subarray(nl + 1).every((b) => b === 0 || b === 0x0a)) {
        if (!options.skipDamaged) {
          this.#size = buf.length;
          return { lines, damage: `line ${lines.length + 1} of ${this.file} is damaged (${parsed.why})` };
        }
        damaged.push(`line ${lines.length + damaged.length + 1} (${parsed.why})`);
        start = nl + 1;
        good = start;
        continue;
      }
      this.#warn(`${this.file}: the last line was cut off (power lost while it was written); skipped it`);
      await truncate(this.file, good);
      this.#size = good;
      return withDamage(lines, damaged, this.file);
    }
    this.#size = buf.length;
    return withDamage(lines, damaged, this.file);
  }

  /** Appends one JSON value per line and fsyncs. On failure the file is cut back to where it was. */
  async append(values: readonly unknown[]): Promise<void> {
    if (values.length === 0) return;
    const text = values.map((v) => JSON.stringify(v)).join('\n') + '\n';
    // A new file's folder, or one gone while running (a card remounted, a volume recreated): make it.
    const fh = await this.#open(this.file, 'a', 0o644).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await mkdir(path.dirname(this.file), { recursive: true });
      return this.#open(this.file, 'a', 0o644);
    });
    const before = (await fh.stat()).size;
    try {
      await fh.writeFile(text);
      await fh.sync();
    } catch (err) {
      // Half a line must not become the start of the next one.
      await fh.truncate(before).catch(() => {});
      throw namingPath(err, this.file);
    } finally {
      await fh.close();
    }
    // A file that was empty is new (or made again): its name in the folder must be durable too.
    if (before === 0) await fsyncDir(path.dirname(this.file), this.#open);
    const bytes = Buffer.byteLength(text);
    this.#size = before + bytes;
    this.bytesWritten += bytes;
  }

  /** false when the file is not as this object left it: removed, cut or replaced from outside. */
  async intact(): Promise<boolean> {
    const size = await stat(this.file).then(
      (s) => s.size,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return 0;
        throw err;
      },
    );
    return size === this.size;
  }

  /** Bytes in the file (after load or an append). */
  get size(): number {
    return this.#size ?? 0;
  }

  /** Forget the size after the file was renamed or removed from outside. */
  reset(): void {
    this.#size = 0;
  }
}

function withDamage(lines: unknown[], damaged: string[], file: string): LoadedLines {
  if (damaged.length === 0) return { lines };
  const shown = damaged.slice(0, 3).join(', ') + (damaged.length > 3 ? ` and ${damaged.length - 3} more` : '');
  return { lines, damage: `${damaged.length} damaged line${damaged.length === 1 ? '' : 's'} in ${file}: ${shown}` };
}

function parseLine(text: string): { ok: true; value: unknown } | { ok: false; why: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, why: printable((err as Error).message) };
  }
}
