import { crc16En13757 } from '../crc.js';
import { NEIGHBOURS_OF_CODE, symbolChips } from '../phy/three-of-six.js';

/**
 * Repair of frames damaged on air, and why a repaired frame is never wrong in practice.
 *
 * The block CRC of EN 13757-4 (poly 0x3D65) has Hamming distance 6 on every format A block (at most
 * 16 data bytes + CRC = 144 bits): any 1..5 flipped bits, or any burst up to 16 bits, is always
 * detected. The polynomial's period is only 151 bits, so on the long blocks of format B (up to
 * 126 bytes) two flips 151 bits apart cancel and a flip's position cannot be told: format B is
 * never repaired. (test/wmbus/frame/crc-distance.test.ts verifies both facts by exhaustive search;
 * test/wmbus/frame/repair.test.ts shows that two candidates of one format A block never both match.)
 *
 * Policy, for every block that fails:
 * - T mode: a flipped chip always breaks its symbol (every code word has three 1s, one flip leaves
 *   two or four), so the decoder knows where the damage is. Only those symbols are repaired, each
 *   with the code words one chip away (3.3 on average, at most 4): at most 2 symbols per block and
 *   3 per frame. A block with a failing CRC and no broken symbol is not repaired.
 * - C mode, format A: one flipped bit per block, found from the CRC syndrome (unique within 151
 *   bits), at most 2 per frame.
 * - Every candidate of a block is tried; the repair is accepted only when exactly one candidate
 *   matches the CRC. With single flips the true content is always a candidate and passes, so a
 *   second match means ambiguity and the frame is dropped, not guessed.
 *
 * False-accept probability (p = chip or bit error rate after the sync). A repair can be wrong only
 * when the true content is not among the candidates and a wrong candidate still matches the CRC:
 * - T: a block also holds a symbol with two flips that turned it into another code word (7 of the
 *   15 two-chip patterns do): about 36 symbols x 7 p^2 = 252 p^2 per 18-byte block. Choosing the
 *   true candidates then leaves a single wrong nibble, a burst the CRC always catches; each of the
 *   other (3.3 - 1) candidates matches with probability 2^-16. Wrong / repaired blocks
 *   ~ 252 p^2 x 2.3 / 65536 ~ 0.009 p^2: 2e-9 at p = 1/2000, 9e-9 at 1e-3, 9e-7 at 1e-2.
 * - C: the block needs 5 or more flips (distance 6), and the syndrome must then point at one of its
 *   144 positions: wrong / repaired blocks ~ C(144,5) p^5 / (144 p) x 144 / 65536 ~ 7.4e3 p^4:
 *   5e-10 at 1/2000, 7e-9 at 1e-3, 7e-5 at 1e-2.
 * With at most 3 repaired blocks per frame, fewer than 1 in 10^8 repaired frames is wrong at any
 * error rate up to 1e-3; at 1e-2, where most frames are lost anyway, about 1 in 10^4 (C mode).
 * A frame with more damage than the caps allow is dropped. The sensitivity test checks one
 * million damaged frames at 1/2000 and finds no wrong repair.
 */

/** Most broken 3-of-6 symbols repaired in one block and in one frame. */
export const MAX_REPAIRED_SYMBOLS_PER_BLOCK = 2;
export const MAX_REPAIRED_SYMBOLS_PER_FRAME = 3;
/** Most flipped bits repaired in a C-mode frame (one per block). */
export const MAX_REPAIRED_BITS_PER_FRAME = 2;

/** The CRC's period: single-bit syndromes are unique in a block of at most this many bits. */
export const CRC_PERIOD_BITS = 151;

const POLY = 0x3d65;

/**
 * Bit position (0 = last bit of the block's CRC, counting backwards) of each single-bit syndrome,
 * or -1. The CRC is linear apart from its final complement, which cancels in the syndrome, so a
 * flip at position e always leaves the syndrome x^e mod g.
 */
const POSITION_OF_SYNDROME: Readonly<Int16Array> = (() => {
  const t = new Int16Array(65536).fill(-1);
  let s = 1;
  for (let e = 0; e < CRC_PERIOD_BITS; e++) {
    t[s] = e;
    s = ((s << 1) ^ (s & 0x8000 ? POLY : 0)) & 0xffff;
  }
  return t;
})();

function blockCrcMatches(frame: Uint8Array, start: number, crcAt: number): boolean {
  return crc16En13757(frame, start, crcAt) === ((frame[crcAt]! << 8) | frame[crcAt + 1]!);
}

function setNibble(frame: Uint8Array, symbol: number, nibble: number): void {
  const at = symbol >>> 1;
  frame[at] = symbol & 1 ? (frame[at]! & 0xf0) | nibble : (frame[at]! & 0x0f) | (nibble << 4);
}

/**
 * Repair the broken symbols `bad[0..badCount)` (ascending) of a T-mode frame decoded from `chips`
 * into `frame`, block by block as `layout` gives them. Returns the number of repaired symbols, or
 * -1 when the policy above does not allow a repair. `frame` is changed only in repaired blocks.
 */
export function repairSymbols(
  chips: Uint8Array,
  frame: Uint8Array,
  bad: Int32Array,
  badCount: number,
  layout: Int32Array,
  blocks: number,
): number {
  if (badCount > MAX_REPAIRED_SYMBOLS_PER_FRAME || badCount > bad.length) return -1;
  let next = 0;
  for (let b = 0; b < blocks && next < badCount; b++) {
    const start = layout[2 * b]!;
    const crcAt = layout[2 * b + 1]!;
    const endSymbol = 2 * (crcAt + 2);
    const first = next;
    while (next < badCount && bad[next]! < endSymbol) next++;
    const count = next - first;
    if (count === 0) continue;
    if (count > MAX_REPAIRED_SYMBOLS_PER_BLOCK) return -1;
    const n0 = NEIGHBOURS_OF_CODE[symbolChips(chips, bad[first]!)]!;
    const n1 = count === 2 ? NEIGHBOURS_OF_CODE[symbolChips(chips, bad[first + 1]!)]! : 0x10; /* one empty choice */
    const c0 = n0 & 0xf;
    const c1 = count === 2 ? n1 & 0xf : 1;
    // A symbol with no code word one chip away (c0 or c1 = 0) leaves no candidate: matches stays 0.
    let matches = 0;
    let chosen0 = 0;
    let chosen1 = 0;
    for (let i = 0; i < c0; i++) {
      const nibble0 = (n0 >>> (4 + 4 * i)) & 0xf;
      setNibble(frame, bad[first]!, nibble0);
      for (let j = 0; j < c1; j++) {
        const nibble1 = (n1 >>> (4 + 4 * j)) & 0xf;
        if (count === 2) setNibble(frame, bad[first + 1]!, nibble1);
        if (blockCrcMatches(frame, start, crcAt)) {
          matches++;
          chosen0 = nibble0;
          chosen1 = nibble1;
        }
      }
    }
    if (matches !== 1) return -1;
    setNibble(frame, bad[first]!, chosen0);
    if (count === 2) setNibble(frame, bad[first + 1]!, chosen1);
  }
  return badCount;
}

/**
 * Repair single flipped bits in the blocks of a C-mode format A frame (every block at most
 * 144 bits). Returns the number of repaired bits, or -1 when the policy does not allow it.
 */
export function repairBits(frame: Uint8Array, layout: Int32Array, blocks: number): number {
  let repaired = 0;
  for (let b = 0; b < blocks; b++) {
    const start = layout[2 * b]!;
    const crcAt = layout[2 * b + 1]!;
    const syndrome = crc16En13757(frame, start, crcAt) ^ ((frame[crcAt]! << 8) | frame[crcAt + 1]!);
    if (syndrome === 0) continue;
    const position = POSITION_OF_SYNDROME[syndrome]!;
    const blockBits = 8 * (crcAt + 2 - start);
    if (position < 0 || position >= blockBits || blockBits > CRC_PERIOD_BITS) return -1;
    if (++repaired > MAX_REPAIRED_BITS_PER_FRAME) return -1;
    // position < blockBits, so the flipped byte lies inside this block
    const at = crcAt + 1 - (position >>> 3);
    frame[at] = frame[at]! ^ (1 << (position & 7));
  }
  return repaired;
}
