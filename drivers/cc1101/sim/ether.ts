/**
 * One burst put on air by a simulated meter: the bytes the demodulator delivers after the sync
 * word and their timing. What the bytes mean (3-of-6, frame formats) is the sender's business.
 */
export interface OnAir {
  /** ms after the simulated chip first listens, at the first preamble chip */
  atMs: number;
  /** bytes after the 16-bit sync word, as they enter the FIFO */
  bytes: Uint8Array;
  /** dBm at the receiver; default -70 */
  rssi?: number;
  /** sender's carrier error in Hz; default 0 */
  freqOffsetHz?: number;
}

/** What the chip's demodulator sees of one burst: bytes after the sync word, and how it sounds. */
export interface AirBurst {
  /** clock ms (relative to the ether's epoch) at which the last chip of the sync word arrives */
  syncMs: number;
  /** bytes that follow the sync word; after them the demodulator hears only noise */
  bytes: Uint8Array;
  syncWord: number;
  carrierHz: number;
  baud: number;
  rssi: number;
  /** noise that happened to look like a sync word: heard whatever the sync word setting */
  noise: boolean;
}

export const WMBUS_T_C_CARRIER_HZ = 868_950_000;
export const WMBUS_T_C_SYNC = 0x543d;
const CHIP_RATE = 100_000;
/** T: 19 preamble pairs + 10 sync chips; C: 16 preamble pairs + 16 sync chips (radio notes §2.1). */
const CHIPS_BEFORE_SYNC_END = 48;
export const NOISE_RSSI_DBM = -100;

export interface NoiseOptions {
  /** false syncs the demodulator finds in noise per second of listening */
  falseSyncsPerSecond: number;
  seed?: number;
}

export interface ChipErrorOptions {
  /** probability that one chip (an on-air bit after the sync word) arrives inverted */
  perChip: number;
  seed?: number;
}

/** Small seeded generator (mulberry32) so simulated noise repeats run to run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The air around the simulated chip: scheduled transmissions plus random false syncs. Times are
 * relative to the moment the chip first listens (the epoch), which the chip sets.
 */
export class Ether {
  readonly #bursts: AirBurst[] = [];
  #first = 0;
  readonly #noiseRandom: (() => number) | undefined;
  #nextNoiseMs = 0;
  readonly #noiseRate: number;
  readonly #errorRandom: (() => number) | undefined;
  readonly #perChip: number;
  epoch: number | undefined;

  constructor(noise?: NoiseOptions, chipErrors?: ChipErrorOptions) {
    this.#noiseRate = noise?.falseSyncsPerSecond ?? 0;
    if (this.#noiseRate > 0) {
      this.#noiseRandom = seededRandom(noise?.seed ?? 1);
      this.#nextNoiseMs = this.#noiseGap();
    }
    this.#perChip = chipErrors?.perChip ?? 0;
    if (!(this.#perChip >= 0 && this.#perChip < 1)) throw new RangeError(`chip error rate must be in [0, 1), got ${this.#perChip}`);
    if (this.#perChip > 0) this.#errorRandom = seededRandom(chipErrors?.seed ?? 1);
  }

  /** Puts a burst on air; returns how many of its chips arrive inverted (chip errors). */
  add(tx: OnAir): number {
    const { bytes, flipped } = this.#withChipErrors(tx.bytes);
    const burst: AirBurst = {
      syncMs: tx.atMs + (CHIPS_BEFORE_SYNC_END / CHIP_RATE) * 1000,
      bytes,
      syncWord: WMBUS_T_C_SYNC,
      carrierHz: WMBUS_T_C_CARRIER_HZ + (tx.freqOffsetHz ?? 0),
      baud: CHIP_RATE,
      rssi: tx.rssi ?? -70,
      noise: false,
    };
    let i = this.#bursts.length;
    while (i > this.#first && this.#bursts[i - 1]!.syncMs > burst.syncMs) i--;
    this.#bursts.splice(i, 0, burst);
    return flipped;
  }

  /**
   * Independent chip errors at the configured rate: the distance to the next inverted chip is
   * drawn from the geometric distribution, so a clean channel costs one draw per burst.
   */
  #withChipErrors(clean: Uint8Array): { bytes: Uint8Array; flipped: number } {
    const random = this.#errorRandom;
    if (!random) return { bytes: clean, flipped: 0 };
    const chips = clean.length * 8;
    const skip = () => Math.floor(Math.log(1 - random()) / Math.log(1 - this.#perChip));
    let bytes = clean;
    let flipped = 0;
    for (let chip = skip(); chip < chips; chip += 1 + skip()) {
      if (bytes === clean) bytes = clean.slice();
      bytes[chip >> 3]! ^= 0x80 >> (chip & 7);
      flipped++;
    }
    return { bytes, flipped };
  }

  /** ms (relative) of the last scheduled sync, or -Infinity when nothing is scheduled */
  get lastSyncMs(): number {
    return this.#bursts.length > this.#first ? this.#bursts[this.#bursts.length - 1]!.syncMs : -Infinity;
  }

  /**
   * Earliest burst whose sync ends at or after `fromMs` (relative). Bursts before it are gone for
   * good: the chip asks in time order.
   */
  nextBurst(fromMs: number): AirBurst | undefined {
    while (this.#first < this.#bursts.length && this.#bursts[this.#first]!.syncMs < fromMs) this.#first++;
    if (this.#first > 1024) {
      this.#bursts.splice(0, this.#first);
      this.#first = 0;
    }
    const scheduled = this.#bursts[this.#first];
    if (this.#noiseRandom) {
      while (this.#nextNoiseMs < fromMs) this.#nextNoiseMs += this.#noiseGap();
      if (!scheduled || this.#nextNoiseMs < scheduled.syncMs) return this.#noiseBurst(this.#nextNoiseMs);
    }
    return scheduled;
  }

  #noiseGap(): number {
    return (-Math.log(1 - this.#noiseRandom!()) / this.#noiseRate) * 1000;
  }

  #noiseBurst(syncMs: number): AirBurst {
    return { syncMs, bytes: EMPTY, syncWord: -1, carrierHz: NaN, baud: NaN, rssi: NOISE_RSSI_DBM, noise: true };
  }
}

const EMPTY = new Uint8Array(0);
