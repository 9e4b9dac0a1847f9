/**
 * The 3-of-6 repair accepts a block only when exactly one candidate matches its CRC (repair.ts).
 * Within a format A block (at most 18 bytes) two candidates can never both match: they differ in
 * at most two nibbles, and no such pattern is a multiple of the CRC polynomial (checked here over
 * every pair). So the refusal of an ambiguous repair cannot be reached from the air; it is checked
 * on repairSymbols directly with a pinned 19-byte block, one bit longer than the CRC's period of
 * 151 bits, where two candidates do match.
 */
import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../../src/wmbus/crc.js';
import { CRC_PERIOD_BITS, repairSymbols } from '../../../src/wmbus/frame/repair.js';
import { CODE_OF_NIBBLE, encode3of6 } from '../../../src/wmbus/phy/three-of-six.js';
import { hex } from '../../support/bytes.js';

const FORMAT_A_LONGEST_BLOCK = 18;

/** CRC change of flipping nibble `symbol` of an 18-byte block by `d` (data and CRC field alike). */
function nibbleSyndrome(symbol: number, d: number): number {
  const block = new Uint8Array(FORMAT_A_LONGEST_BLOCK);
  const zero = crc16En13757(block, 0, FORMAT_A_LONGEST_BLOCK - 2);
  block[symbol >> 1] = symbol & 1 ? d : d << 4;
  const crcField = (block[FORMAT_A_LONGEST_BLOCK - 2]! << 8) | block[FORMAT_A_LONGEST_BLOCK - 1]!;
  return crc16En13757(block, 0, FORMAT_A_LONGEST_BLOCK - 2) ^ zero ^ crcField;
}

/** Flip chip `chip` (0 = first chip of the frame) of packed chips. */
function flipChip(chips: Uint8Array, chip: number): void {
  chips[chip >> 3]! ^= 0x80 >> (chip & 7);
}

describe('3-of-6 repair with two matching candidates', () => {
  it('cannot happen in a format A block: every one- or two-nibble change breaks the CRC', () => {
    const seen = new Map<number, string>();
    for (let symbol = 0; symbol < 2 * FORMAT_A_LONGEST_BLOCK; symbol++) {
      for (let d = 1; d < 16; d++) {
        const s = nibbleSyndrome(symbol, d);
        // s === 0: one nibble change passes; a repeated s: two nibble changes cancel
        expect(s, `nibble ${symbol} ^ ${d}`).not.toBe(0);
        expect(seen.get(s), `nibble ${symbol} ^ ${d}`).toBeUndefined();
        seen.set(s, `${symbol}^${d}`);
      }
    }
    expect(seen.size).toBe(36 * 15);
  });

  it('is refused, not guessed, when the block is long enough for it (pinned 19-byte block)', () => {
    // 17 data bytes (the OMS Annex N telegram's first bytes, then 00) and their CRC FB86. Flipping
    // the first bit and the last bit, 151 bits apart, leaves the CRC matching.
    const block = hex('2E4493157856341233037A2A0020255900 FB86');
    const other = block.slice();
    other[0]! ^= 0x80;
    other[18]! ^= 0x01;
    const crcOk = (b: Uint8Array) => crc16En13757(b, 0, 17) === ((b[17]! << 8) | b[18]!);
    const bitsApart = 8 * block.length - 1;
    expect([crcOk(block), crcOk(other), bitsApart]).toEqual([true, true, CRC_PERIOD_BITS]);

    // Symbols 0 and 37 are damaged by one chip each so that both readings are one flip away.
    const chips = encode3of6(block);
    for (const [symbol, a, b] of [
      [0, block[0]! >> 4, other[0]! >> 4],
      [37, block[18]! & 0xf, other[18]! & 0xf],
    ] as const) {
      const differing = CODE_OF_NIBBLE[a]! ^ CODE_OF_NIBBLE[b]!;
      expect(differing.toString(2).replace(/0/g, '')).toBe('11');
      const chipInSymbol = 5 - Math.log2(differing & -differing);
      flipChip(chips, 6 * symbol + chipInSymbol);
    }
    const frame = block.slice();
    const repaired = repairSymbols(chips, frame, Int32Array.of(0, 37), 2, Int32Array.of(0, 17), 1);
    expect(repaired).toBe(-1);
  });

  it('repairs the same block when only one of the two symbols is damaged (the control)', () => {
    const block = hex('2E4493157856341233037A2A0020255900 FB86');
    const chips = encode3of6(block);
    flipChip(chips, 6 * 5 + 2);
    const frame = block.slice();
    frame[2]! &= 0xf0; // the broken symbol decodes to nothing
    expect(repairSymbols(chips, frame, Int32Array.of(5), 1, Int32Array.of(0, 17), 1)).toBe(1);
    expect(frame).toEqual(block);
  });
});
