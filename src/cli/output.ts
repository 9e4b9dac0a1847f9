import type { Writable } from 'node:stream';

/** A batch is handed to the stream once it holds this many characters (or when the event loop goes idle). */
const BATCH_CHARS = 64 * 1024;

/** The output stream failed for a reason other than its reader going away (a full disk, an I/O error). */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** EPIPE: the reader closed its end (`| head -1`); ERR_STREAM_DESTROYED: we wrote after that. */
function readerWentAway(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
}

/**
 * Keeps a stream's 'error' event from crashing the process when its reader goes away. For stderr
 * (logs, summaries) there is nowhere left to report anything; stdout's errors reach the command
 * through its LineOutput.
 */
export function survivesClosedReader(stream: Writable): void {
  stream.on('error', () => {});
}

/**
 * Where a command's results go. Text is gathered and written in batches (one write per input chunk
 * or per 64 kB, not one per telegram); a writer waits when its reader is slower (back-pressure, so
 * nothing piles up in memory); and a reader that goes away ends the output quietly, as for cat or
 * grep: `closed` turns true, further text is dropped, and the command stops early and exits 0.
 */
export class LineOutput {
  readonly #out: Writable;
  #batch = '';
  #closed = false;
  #failure: OutputError | undefined;
  #draining: Promise<void> | undefined;
  #flushQueued = false;
  readonly #wentAway: Promise<void>;
  #markGone: () => void = () => {};

  constructor(out: Writable) {
    this.#out = out;
    this.#wentAway = new Promise((resolve) => (this.#markGone = resolve));
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (!readerWentAway(err)) this.#failure ??= new OutputError(`cannot write the output: ${err.code ?? err.message}`);
      this.#close();
    });
    out.once('close', () => this.#close());
  }

  /** True once the reader went away or the stream failed: the command should stop producing. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the reader goes away (for commands that wait on something else meanwhile). */
  get gone(): Promise<void> {
    return this.#wentAway;
  }

  /**
   * Queues text. Returns a promise only when the writer has to wait for a slow reader; `await` it
   * either way.
   */
  write(text: string): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#batch += text;
    if (this.#draining) return this.#draining;
    if (this.#batch.length >= BATCH_CHARS) return this.flush();
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      // Once this turn of the event loop has used up its input, what it produced goes out: an
      // interactive reader sees each line at once, a bulk run still writes large batches.
      setImmediate(() => {
        this.#flushQueued = false;
        // a failure closes the output; the command's last flush throws it
        this.flush().catch(() => {});
      });
    }
    return undefined;
  }

  /** Hands the batch to the stream; resolves when the stream can take more; throws an OutputError when it failed. */
  async flush(): Promise<void> {
    if (this.#draining) await this.#draining;
    if (this.#failure) throw this.#failure;
    if (this.#closed || this.#batch === '') return;
    const chunk = this.#batch;
    this.#batch = '';
    if (this.#out.write(chunk)) return;
    this.#draining = new Promise<void>((resolve) => {
      const done = () => {
        this.#out.off('drain', done);
        this.#draining = undefined;
        resolve();
      };
      this.#out.once('drain', done);
      void this.#wentAway.then(done);
    });
    await this.#draining;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batch = '';
    this.#markGone();
  }
}
