/**
 * Time as the radio code sees it. The drain loop sleeps synchronously (it must not yield to an
 * event loop mid-telegram), and the simulated chip computes its FIFO from the same clock, so a
 * test can swap in a virtual clock and run simulated minutes in seconds.
 */
export interface Clock {
  /** milliseconds, monotonic, fractional */
  now(): number;
  /** block the calling thread; the simulator's clock just moves on */
  sleep(ms: number): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms: number) => {
    if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
  },
};

/** Time that moves only when someone sleeps: deterministic and as fast as the CPU allows. */
export class VirtualClock implements Clock {
  /** A typed-array cell, not a number field: storing a fresh double in a field allocates a heap number per sleep. */
  readonly #t = new Float64Array(1);
  constructor(startMs = 0) {
    this.#t[0] = startMs;
  }
  now(): number {
    return this.#t[0]!;
  }
  sleep(ms: number): void {
    if (ms > 0) this.#t[0]! += ms;
  }
}

/** Busy-waits: used where a sleep would hide the very delay being simulated. */
export function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/**
 * Time that moves only when the radio loop sleeps, paced against real time at `speed` simulated
 * ms per real ms (Infinity: no pacing). The host's own stalls cost no simulated time, so a
 * simulated run depends only on what the driver does, not on how busy the machine is; the
 * benchmark uses the real clock to measure the stalls themselves.
 */
export class SteadyClock extends VirtualClock {
  constructor(readonly speed: number) {
    super(performance.now());
    if (!(speed > 0)) throw new RangeError(`clock speed must be positive, got ${speed}`);
  }
  override sleep(ms: number): void {
    super.sleep(ms);
    if (Number.isFinite(this.speed)) realClock.sleep(ms / this.speed);
  }
}
