/**
 * A lowdb adapter that survives power cuts on an SD card. A write goes to a temp file that is
 * fsynced, the current file is kept as FILE.prev (the last good copy), the temp file is renamed
 * over FILE and the folder is fsynced, so FILE is always either the old or the new content, whole.
 * Reading refuses a file that does not parse: it is moved aside (FILE.corrupt-<time>) and FILE.prev
 * is used, with a message saying so.
 */
import { constants } from 'node:fs';
import { type FileHandle, copyFile, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/** How the store opens the files it fsyncs; a test passes a wrapper to see every fsync. */
export type OpenFile = (file: string, flags: string, mode?: number) => Promise<FileHandle>;

export interface DurableFileOptions {
  /** file mode of a new file, e.g. 0o600 for keys */
  mode?: number;
  /** told when a corrupt file was moved aside or the previous copy was used */
  warn?: (message: string) => void;
  /** checks the parsed content; a message means the content is unusable */
  validate?: (data: unknown) => string | undefined;
  /** opens the temp file and the folder (default: fs.promises.open) */
  openFile?: OpenFile;
}

export class DurableJsonFile<T> implements Adapter<T> {
  readonly file: string;
  readonly #tmp: string;
  readonly #prev: string;
  readonly #mode: number;
  readonly #warn: (message: string) => void;
  readonly #validate: (data: unknown) => string | undefined;
  readonly #open: OpenFile;
  // Writes run one after another (they share FILE.tmp); a failed one must not stop the next.
  #tail: Promise<unknown> = Promise.resolve();
  /** bytes written by this adapter since it was made (for the SD card wear figures) */
  bytesWritten = 0;

  constructor(file: string, options: DurableFileOptions = {}) {
    this.file = file;
    this.#tmp = `${file}.tmp`;
    this.#prev = `${file}.prev`;
    this.#mode = options.mode ?? 0o644;
    this.#warn = options.warn ?? (() => {});
    this.#validate = options.validate ?? (() => undefined);
    this.#open = options.openFile ?? open;
  }

  async read(): Promise<T | null> {
    const current = await this.#load(this.file);
    if (current.ok) return current.data;
    if (current.missing) {
      // A crash can only leave FILE missing before the first write ever finished; a .prev then
      // exists only if someone removed FILE by hand.
      const prev = await this.#load(this.#prev);
      if (prev.ok) this.#warn(`${this.file} is missing; starting from the previous copy ${this.#prev}`);
      return prev.ok ? prev.data : null;
    }
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside);
    const prev = await this.#load(this.#prev);
    if (prev.ok) {
      this.#warn(`${this.file} is damaged (${current.why}); moved it to ${aside} and started from the previous good copy ${this.#prev}`);
      return prev.data;
    }
    this.#warn(`${this.file} is damaged (${current.why}) and no good previous copy exists; moved it to ${aside} and started empty`);
    return null;
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    const next = this.#tail
      .catch(() => {})
      .then(() => this.#writeText(text))
      .catch((err: unknown) => {
        throw namingPath(err, this.file);
      });
    this.#tail = next;
    return next;
  }

  async #writeText(text: string): Promise<void> {
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true });
    // A temp file left by a crash may carry another mode; open() would keep it.
    await unlink(this.#tmp).catch(() => {});
    const fh = await this.#open(this.#tmp, 'w', this.#mode);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.#keepPrevious();
    await rename(this.#tmp, this.file);
    await fsyncDir(dir, this.#open);
    this.bytesWritten += Buffer.byteLength(text);
  }

  // FILE becomes FILE.prev without FILE ever missing: a hard link, renamed over the old .prev.
  async #keepPrevious(): Promise<void> {
    const staged = `${this.#prev}.tmp`;
    await unlink(staged).catch(() => {});
    try {
      await link(this.file, staged);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // File systems without hard links (FAT, some container volumes): copy instead.
      await copyFile(this.file, staged, constants.COPYFILE_FICLONE);
    }
    await rename(staged, this.#prev);
  }

  async #load(file: string): Promise<{ ok: true; data: T } | { ok: false; missing: boolean; why: string }> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true, why: 'missing' };
      throw namingPath(err, file);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      return { ok: false, missing: false, why: `not valid JSON: ${printable((err as Error).message)}` };
    }
    const why = this.#validate(data);
    return why === undefined ? { ok: true, data: data as T } : { ok: false, missing: false, why };
  }
}

/**
 * The error with the file it concerns in its message: Node names the path for open() but not for
 * read or write on an open file (EISDIR, ENOSPC, EIO), and a user needs to know which file.
 */
export function namingPath(err: unknown, file: string): unknown {
  if (err instanceof Error && !err.message.includes(file)) err.message = `${file}: ${err.message}`;
  return err;
}

/** Text quoted from a damaged file, safe for a log line: control and undecodable characters as \\xNN / \\uNNNN. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Makes a rename or a new file in `dir` durable. */
export async function fsyncDir(dir: string, openFile: OpenFile = open): Promise<void> {
  let fh;
  try {
    fh = await openFile(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Some platforms refuse fsync on a folder (EISDIR/EINVAL/EPERM); the rename is then as durable as it gets.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await fh?.close();
  }
}
