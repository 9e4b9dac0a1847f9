import { type FrameFormat } from '../../src/wmbus/frame/blocks.js';
import { addBlockCrcs, onAirAfterSync } from '../../src/wmbus/frame/encode.js';
import type { RadioMode } from '../../src/wmbus/frame/types.js';

/** A simulated sender for frame-core tests: random telegrams with correct CRCs, laid out as bits on air. */

export interface Sent {
  mode: RadioMode;
  frameFormat: FrameFormat;
  telegram: Uint8Array;
  /** what follows the sync word on air */
  afterSync: Uint8Array;
  /** stream position of the first bit after the sync word */
  bitOffset: number;
}

/** The simulator's seeded PRNG, so a failing case can be rerun. */
export { seededRandom as prng } from '../../drivers/cc1101/sim/ether.js';

export const KINDS: ReadonlyArray<{ mode: RadioMode; frameFormat: FrameFormat }> = [
  { mode: 'T', frameFormat: 'A' },
  { mode: 'C', frameFormat: 'A' },
  { mode: 'C', frameFormat: 'B' },
];

/** Longest L each kind can carry after CRC removal (format B: 255 on air minus two CRCs). */
export function maxL(frameFormat: FrameFormat): number {
  return frameFormat === 'A' ? 255 : 251;
}

/** A telegram of L = `l` with random content: L, C = 0x44 SND_NR, then random bytes. */
export function randomTelegram(l: number, random: () => number): Uint8Array {
  const t = new Uint8Array(l + 1);
  for (let i = 0; i < t.length; i++) t[i] = Math.floor(random() * 256);
  t[0] = l;
  t[1] = 0x44;
  return t;
}

export function frameOnAir(mode: RadioMode, frameFormat: FrameFormat, telegram: Uint8Array): Uint8Array {
  return onAirAfterSync(mode, frameFormat, addBlockCrcs(frameFormat, telegram));
}

/** Packs bits MSB first. */
export class BitWriter {
  #bytes = new Uint8Array(1 << 16);
  length = 0;

  bit(b: number): void {
    if (this.length >> 3 >= this.#bytes.length) {
      const bigger = new Uint8Array(this.#bytes.length * 2);
      bigger.set(this.#bytes);
      this.#bytes = bigger;
    }
    if (b) this.#bytes[this.length >> 3]! |= 0x80 >> (this.length & 7);
    this.length++;
  }

  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bit((value >>> i) & 1);
  }

  byteArray(bytes: Uint8Array): void {
    for (const b of bytes) this.bits(b, 8);
  }

  noise(count: number, random: () => number): void {
    for (let i = 0; i < count; i++) this.bit(random() < 0.5 ? 1 : 0);
  }

  /** n x 01 preamble, the 0x543D sync word, then `afterSync`; returns the bit offset after the sync. */
  frame(afterSync: Uint8Array, preamblePairs: number): number {
    for (let i = 0; i < preamblePairs; i++) this.bits(0b01, 2);
    this.bits(0x543d, 16);
    const at = this.length;
    this.byteArray(afterSync);
    return at;
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, (this.length + 7) >> 3);
  }
}
