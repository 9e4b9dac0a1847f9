/**
 * Wrong admin tokens, per client address: after a few wrong tries an address waits before its
 * next try is even compared (doubling up to a minute), every wrong try is counted for /metrics,
 * and the log gets one line when a burst from an address starts, not one per try. A right token
 * clears the address. Guessing a 99-bit token is hopeless anyway; this keeps a script from
 * filling the log and the CPU, and makes the attempt visible.
 */
const FREE_TRIES = 10;
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 60_000;
// A burst ends (and the next wrong try is logged again) after this long without one.
const QUIET_MS = 10 * 60_000;
// Addresses remembered at most: a flood from many addresses cannot grow memory without bound.
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  last: number;
  /** no try from this address is compared before then */
  blockedUntil: number;
}

export class TokenGuard {
  readonly #byAddress = new Map<string, Failures>();
  readonly #log: (message: string) => void;
  readonly #clock: () => number;
  /** wrong tokens since start (wmbus_web_admin_token_failures_total) */
  failures = 0;

  constructor(log: (message: string) => void, clock: () => number = Date.now) {
    this.#log = log;
    this.#clock = clock;
  }

  /** Seconds the address must still wait before a token it sends is looked at; 0: go ahead. */
  waitS(address: string): number {
    const f = this.#byAddress.get(address);
    const ms = f ? f.blockedUntil - this.#clock() : 0;
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  wrong(address: string): void {
    const now = this.#clock();
    this.failures++;
    let f = this.#byAddress.get(address);
    if (!f || now - f.last > QUIET_MS) {
      f = { count: 0, last: now, blockedUntil: 0 };
      this.#log(`web: a wrong admin token from ${address}; after ${FREE_TRIES + 1} wrong tries an address waits before it may try again`);
    }
    f.count++;
    f.last = now;
    if (f.count > FREE_TRIES) f.blockedUntil = now + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (f.count - FREE_TRIES - 1));
    this.#byAddress.delete(address);
    this.#byAddress.set(address, f);
    if (this.#byAddress.size > MAX_ADDRESSES) this.#byAddress.delete(this.#byAddress.keys().next().value!);
  }

  right(address: string): void {
    this.#byAddress.delete(address);
  }

  /** Prometheus text of the counter. */
  metrics(): string {
    return [
      '# HELP wmbus_web_admin_token_failures_total Requests refused for a wrong admin token.',
      '# TYPE wmbus_web_admin_token_failures_total counter',
      `wmbus_web_admin_token_failures_total ${this.failures}`,
      '',
    ].join('\n');
  }
}
