import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { RADIO_OPTIONS_ENV, type RadioCommand, type RadioMessage, type RadioOptions, type RadioStats } from './messages.js';

export type { RadioFrame, RadioOptions, RadioStats, SimOptions } from './messages.js';

export class RadioError extends Error {
  override name = 'RadioError';
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** a radio process that ran this long resets the backoff */
const STABLE_MS = 60_000;

const here = import.meta.url;
const fromSources = here.endsWith('.ts');
const ENTRY = fileURLToPath(new URL(fromSources ? './process.ts' : './process.js', here));
/**
 * Heap flags of the radio process, chosen by measurement (BENCHMARKS.md, radio notes):
 * - a 1 MB young generation instead of 16 MB: its memory stays flat and a scavenge stays short;
 * - GC on the main thread: V8's parallel scavenge waits for helper threads that `chrt -p` leaves at
 *   normal priority, so under SCHED_FIFO on a loaded machine a 1 ms scavenge stretched to 114 ms;
 *   single-threaded, the longest scavenge measured was 2 ms.
 * No --lite-mode: without the optimising compiler the loop takes half as much CPU again (footprint notes).
 */
export const RADIO_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--single-threaded-gc'];

/**
 * Runs the radio in its own Node process (its event loop does nothing else, so a busy gateway
 * never delays the FIFO) and restarts it with backoff when it dies.
 * Events: 'frame' (RadioFrame), 'stats' (RadioStats), 'warning' (string: a radio that works but
 * needs a look, e.g. a clone chip), 'error' (Error), 'exit' (code, signal).
 */
export class RadioSupervisor extends EventEmitter {
  stats: RadioStats | undefined;
  #child: ChildProcess | undefined;
  #stopping = false;
  #backoffMs = FIRST_BACKOFF_MS;
  #processRestarts = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: RadioOptions) {
    super();
  }

  /** Resolves when the radio listens; rejects with the radio's own message (e.g. no chip answered). */
  start(): Promise<void> {
    this.#stopping = false;
    return this.#launch();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#command(child, { type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** pid of the running radio process */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Asks the radio process for fresh counters ('stats' follows). */
  requestStats(): void {
    if (this.#child) this.#command(this.#child, { type: 'stats' });
  }

  #command(child: ChildProcess, command: RadioCommand): void {
    if (child.connected) child.send(command);
  }

  #launch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(ENTRY, [], {
        execArgv: fromSources ? ['--import', 'tsx', ...RADIO_NODE_FLAGS] : [...RADIO_NODE_FLAGS],
        env: { ...process.env, [RADIO_OPTIONS_ENV]: JSON.stringify(this.options) },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.#child = child;
      const startedAt = Date.now();
      let ready = false;
      let lastError: string | undefined;
      child.on('message', (message: RadioMessage) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            resolve();
            break;
          case 'frame':
            this.emit('frame', message.frame);
            break;
          case 'stats':
            this.stats = { ...message.stats, restarts: message.stats.restarts + this.#processRestarts };
            this.emit('stats', this.stats);
            break;
          case 'warning':
            if (this.listenerCount('warning') > 0) this.emit('warning', message.message);
            break;
          case 'error':
            lastError = message.message;
            if (ready) this.#emitError(new RadioError(message.message));
            break;
        }
      });
      // A failed spawn (ENOENT, EAGAIN) comes only as 'error', without 'exit'; so does a send on a
      // channel that closed under it. Unheard, either would take the gateway down.
      child.on('error', (err) => {
        if (ready) this.#emitError(new RadioError(`the radio process: ${err.message}`));
        else if (child.pid === undefined) reject(new RadioError(`cannot start the radio process: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        this.emit('exit', code, signal);
        if (!ready) {
          reject(new RadioError(lastError ?? `the radio process exited (${signal ?? `code ${code}`}) before it was ready`));
          return;
        }
        if (this.#stopping) return;
        this.#emitError(new RadioError(`the radio process died (${lastError ?? signal ?? `code ${code}`}); restarting it`));
        if (Date.now() - startedAt > STABLE_MS) this.#backoffMs = FIRST_BACKOFF_MS;
        this.#scheduleRestart();
      });
    });
  }

  #scheduleRestart(): void {
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      this.#processRestarts++;
      this.#launch().then(
        () => {},
        (err: Error) => {
          this.#emitError(err);
          if (!this.#stopping) this.#scheduleRestart();
        },
      );
    }, delay);
  }

  #emitError(err: Error): void {
    // An EventEmitter throws on an unheard 'error'; a radio hiccup must not take the gateway down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
