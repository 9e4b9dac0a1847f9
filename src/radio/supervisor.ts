import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { NoiseOptions } from '../../drivers/cc1101/sim/ether.js';
import { RADIO_OPTIONS_ENV, type RadioCommand, type RadioMessage, type RadioStats } from './messages.js';

export type { RadioFrame, RadioStats } from './messages.js';

export interface SimOptions {
  /** JSON lines of Transmissions */
  scenarioFile?: string;
  /** ES module exporting createAir(options): AsyncIterable<Transmission> | Iterable<Transmission> */
  airModule?: string;
  airOptions?: unknown;
  /** false syncs found in noise */
  noise?: NoiseOptions;
  /** no chip on the bus: every read gives 0xFF */
  absent?: boolean;
  /**
   * 'real' (default): the chip runs on wall time, so stalls of this machine cost telegrams as on
   * a Pi. 'steady': time moves only while the radio loop sleeps (and SPI transfers take their
   * modelled time), so results depend on the driver alone: tests use it.
   */
  time?: 'real' | 'steady';
  /** steady time only: simulated ms per real ms (default 1; a large value runs minutes in seconds) */
  speed?: number;
  /** test hook: the radio process stops servicing the FIFO for `ms` in the packet with this index */
  stallOnPacket?: { index: number; ms: number };
}

export interface RadioOptions {
  radio: 'cc1101' | 'sim';
  spi?: { bus: number; device: number; speedHz?: number };
  /** BCM numbers; absent -> poll over SPI (a steady-time simulation always polls) */
  pins?: { gdo0?: number; gdo2?: number };
  sim?: SimOptions;
  /** move the average FREQEST into FSCTRL0 */
  afc?: boolean;
  /** per-unit frequency trim, FSCTRL0 steps of 1587 Hz (-128..127) */
  fsctrl0?: number;
  /** sysfs GPIO root, for tests */
  sysfsGpioRoot?: string;
}

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
 * Runs the radio in its own Node process (its event loop does nothing else, so a busy gateway
 * never delays the FIFO) and restarts it with backoff when it dies.
 * Events: 'frame' (RadioFrame), 'stats' (RadioStats), 'error' (Error), 'exit' (code, signal).
 */
export class RadioSupervisor extends EventEmitter {
  stats: RadioStats | undefined;
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private processRestarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: RadioOptions) {
    super();
  }

  /** Resolves when the radio listens; rejects with the radio's own message (e.g. no chip answered). */
  start(): Promise<void> {
    this.stopping = false;
    return this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.command(child, { type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** pid of the running radio process */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Asks the radio process for fresh counters ('stats' follows). */
  requestStats(): void {
    if (this.child) this.command(this.child, { type: 'stats' });
  }

  private command(child: ChildProcess, command: RadioCommand): void {
    if (child.connected) child.send(command);
  }

  private launch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(ENTRY, [], {
        execArgv: fromSources ? ['--import', 'tsx'] : [],
        env: { ...process.env, [RADIO_OPTIONS_ENV]: JSON.stringify(this.options) },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.child = child;
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
            this.stats = { ...message.stats, restarts: message.stats.restarts + this.processRestarts };
            this.emit('stats', this.stats);
            break;
          case 'error':
            lastError = message.message;
            if (ready) this.emitError(new RadioError(message.message));
            break;
        }
      });
      // A failed spawn (ENOENT, EAGAIN) comes only as 'error', without 'exit'; so does a send on a
      // channel that closed under it. Unheard, either would take the gateway down.
      child.on('error', (err) => {
        if (ready) this.emitError(new RadioError(`the radio process: ${err.message}`));
        else if (child.pid === undefined) reject(new RadioError(`cannot start the radio process: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        this.emit('exit', code, signal);
        if (!ready) {
          reject(new RadioError(lastError ?? `the radio process exited (${signal ?? `code ${code}`}) before it was ready`));
          return;
        }
        if (this.stopping) return;
        this.emitError(new RadioError(`the radio process died (${lastError ?? signal ?? `code ${code}`}); restarting it`));
        if (Date.now() - startedAt > STABLE_MS) this.backoffMs = FIRST_BACKOFF_MS;
        this.scheduleRestart();
      });
    });
  }

  private scheduleRestart(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.processRestarts++;
      this.launch().then(
        () => {},
        (err: Error) => {
          this.emitError(err);
          if (!this.stopping) this.scheduleRestart();
        },
      );
    }, delay);
  }

  private emitError(err: Error): void {
    // An EventEmitter throws on an unheard 'error'; a radio hiccup must not take the gateway down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
