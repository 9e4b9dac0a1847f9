import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../../src/wmbus/crc.js';
import { CRC_PERIOD_BITS } from '../../../src/wmbus/frame/repair.js';

// The repair policy rests on two properties of the EN 13757 CRC; check them from the CRC itself.
// A block of n bits (data + CRC) is a code word when the CRC matches; flipping bit set E keeps it a
// code word iff the XOR of the single-flip syndromes in E is 0. Syndromes are measured by flipping
// bits of a real block and recomputing the CRC, not derived from the polynomial.

function syndromes(dataBytes: number): Uint16Array {
  const data = new Uint8Array(dataBytes).map((_, i) => (i * 91 + 7) & 0xff);
  const base = crc16En13757(data);
  const s = new Uint16Array(8 * dataBytes + 16);
  for (let bit = 0; bit < 8 * dataBytes; bit++) {
    data[bit >> 3]! ^= 0x80 >> (bit & 7);
    s[bit] = crc16En13757(data) ^ base;
    data[bit >> 3]! ^= 0x80 >> (bit & 7);
  }
  for (let bit = 0; bit < 16; bit++) s[8 * dataBytes + bit] = 0x8000 >> bit;
  return s;
}

/** Smallest number of flips (up to 6) that goes unnoticed, by exhaustive search over pairs. */
function minimumDistance(s: Uint16Array): number {
  const n = s.length;
  const single = new Int32Array(65536).fill(-1);
  for (let i = 0; i < n; i++) {
    if (s[i] === 0) return 1;
    if (single[s[i]!]! >= 0) return 2;
    single[s[i]!] = i;
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (single[s[i]! ^ s[j]!]! > j) return 3;
  const pair = new Int32Array(65536).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = s[i]! ^ s[j]!;
      if (pair[x]! >= 0) return 4;
      pair[x] = i * 1024 + j;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        const p = pair[s[i]! ^ s[j]! ^ s[k]!]!;
        if (p >= 0 && ![i, j, k].includes(p >> 10) && ![i, j, k].includes(p & 1023)) return 5;
      }
    }
  }
  return 6;
}

describe('EN 13757 block CRC', () => {
  it('notices any 1 to 5 flipped bits in every format A block (up to 16 data bytes)', () => {
    for (const bytes of [10, 16]) expect(minimumDistance(syndromes(bytes))).toBe(6);
  });

  it(`cannot tell two flips ${CRC_PERIOD_BITS} bits apart: format B's long blocks are not repairable`, () => {
    const s = syndromes(126);
    expect(minimumDistance(s)).toBe(2);
    expect(s[0]).toBe(s[CRC_PERIOD_BITS]);
    // and no shorter period: single-flip syndromes of a 144-bit block are all different
    expect(new Set(syndromes(16)).size).toBe(144);
  });
});
