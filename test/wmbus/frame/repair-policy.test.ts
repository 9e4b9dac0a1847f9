/**
 * The repair policy of repair.ts, case by case: how many broken 3-of-6 symbols a T frame may have
 * per block and per frame, and which C-mode CRC syndromes may be taken for one flipped bit. The
 * frame core checks every block CRC again after a repair, so a policy slip would mostly end in a
 * dropped frame; the caps are checked here on the repair functions themselves, where a slip shows.
 */
import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../../src/wmbus/crc.js';
import { blockLayout, MAX_BLOCKS } from '../../../src/wmbus/frame/blocks.js';
import { decodeRawFrame } from '../../../src/wmbus/frame/decode-raw.js';
import { addBlockCrcs } from '../../../src/wmbus/frame/encode.js';
import { CRC_PERIOD_BITS, repairBits, repairSymbols } from '../../../src/wmbus/frame/repair.js';
import { encode3of6 } from '../../../src/wmbus/phy/three-of-six.js';
import { frameOnAir, prng, randomTelegram } from '../../support/random-air.js';
import { hex, toHex } from '../../support/bytes.js';

/** Flip chip/bit `n` (0 = MSB of the first byte) of a copy. */
function flip(raw: Uint8Array, ...bits: number[]): Uint8Array {
  const copy = raw.slice();
  for (const b of bits) copy[b >> 3]! ^= 0x80 >> (b & 7);
  return copy;
}

// Seeded: a 60-byte telegram in format A: block 1 = bytes 0-11 with CRCs, block 2 = 12-29, block 3 = 30-47, block 4 = 48-65.
const telegram = randomTelegram(59, prng(17));
const t = frameOnAir('T', 'A', telegram);
/** First chip of 3-of-6 symbol `s` (two symbols per byte, six chips each). */
const chip = (s: number) => 6 * s + 2;

describe('3-of-6 repair caps (T mode)', () => {
  it('repairs two broken symbols in one block', () => {
    const r = decodeRawFrame({ raw: flip(t, chip(26), chip(33)) });
    expect(r.ok && [toHex(r.frame.telegram), r.frame.corrected]).toEqual([toHex(telegram), 2]);
  });

  it('drops a frame with three broken symbols in one block', () => {
    expect(decodeRawFrame({ raw: flip(t, chip(26), chip(33), chip(40)) })).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
  });

  it('refuses a third broken symbol in one block even when two repairs would pass the CRC', () => {
    // 17 data bytes and their CRC; symbols 3, 9 and 20 broken by one chip each. The frame holds the
    // right nibble for symbol 20 (a decoder's placeholder can be right by chance): repairing 3 and 9
    // would then match the CRC, but three broken symbols in a block is more damage than the policy trusts.
    const block = hex('2E4493157856341233037A2A0020255900 FB86');
    const chips = encode3of6(block);
    for (const symbol of [3, 9, 20]) chips[(6 * symbol + 2) >> 3]! ^= 0x80 >> ((6 * symbol + 2) & 7);
    const frame = block.slice();
    frame[1]! &= 0xf0;
    frame[4]! &= 0xf0;
    expect(repairSymbols(chips, frame, Int32Array.of(3, 9, 20), 3, Int32Array.of(0, 17), 1)).toBe(-1);
    expect(repairSymbols(chips, frame, Int32Array.of(3, 9), 2, Int32Array.of(0, 17), 1)).toBe(2);
    expect(frame).toEqual(block);
  });

  it('repairs three broken symbols in three blocks, and two plus one', () => {
    const three = decodeRawFrame({ raw: flip(t, chip(30), chip(70), chip(100)) });
    expect(three.ok && [toHex(three.frame.telegram), three.frame.corrected]).toEqual([toHex(telegram), 3]);
    const twoPlusOne = decodeRawFrame({ raw: flip(t, chip(30), chip(31), chip(100)) });
    expect(twoPlusOne.ok && [toHex(twoPlusOne.frame.telegram), twoPlusOne.frame.corrected]).toEqual([toHex(telegram), 3]);
  });
});

describe('one-bit repair of C-mode format A blocks', () => {
  const withCrcs = addBlockCrcs('A', telegram);
  const layout = new Int32Array(2 * MAX_BLOCKS);
  const blocks = blockLayout('A', withCrcs[0]!, layout);

  /** The CRC change a flip at `position` makes (0 = last bit of the CRC field, counting backwards): x^position mod g. */
  function singleBitSyndrome(position: number): number {
    let s = 1;
    for (let e = 0; e < position; e++) s = ((s << 1) ^ (s & 0x8000 ? 0x3d65 : 0)) & 0xffff;
    return s;
  }

  it('repairs one flip in each of two blocks, and refuses a third', () => {
    const two = flip(withCrcs, 8 * 14 + 3, 8 * 40 + 6);
    expect(repairBits(two, layout, blocks)).toBe(2);
    expect(toHex(two)).toBe(toHex(withCrcs));
    expect(repairBits(flip(withCrcs, 8 * 14 + 3, 8 * 40 + 6, 8 * 55 + 1), layout, blocks)).toBe(-1);
  });

  it('refuses two flips in one block (no single bit gives their syndrome)', () => {
    expect(repairBits(flip(withCrcs, 8 * 14 + 3, 8 * 20 + 6), layout, blocks)).toBe(-1);
  });

  it('refuses a syndrome that points past the start of its block', () => {
    // block 1 has 12 bytes (96 bits): a syndrome of position 120 names a bit that is not there
    const damaged = withCrcs.slice();
    const s = singleBitSyndrome(120);
    damaged[10]! ^= s >> 8;
    damaged[11]! ^= s & 0xff;
    expect(repairBits(damaged, layout, blocks)).toBe(-1);
    const justBefore = withCrcs.slice();
    const s96 = singleBitSyndrome(96);
    justBefore[10]! ^= s96 >> 8;
    justBefore[11]! ^= s96 & 0xff;
    expect(repairBits(justBefore, layout, blocks)).toBe(-1);
    // the same for the last bit that is there: repaired
    const last = withCrcs.slice();
    const s95 = singleBitSyndrome(95);
    last[10]! ^= s95 >> 8;
    last[11]! ^= s95 & 0xff;
    expect(repairBits(last, layout, blocks)).toBe(1);
  });

  it(`refuses a block longer than the CRC's period of ${CRC_PERIOD_BITS} bits`, () => {
    // one 20-byte block (160 bits incl. CRC): a single flip is found but cannot be trusted
    const block = Uint8Array.from(withCrcs.subarray(0, 20));
    const crc = crc16En13757(block, 0, 18);
    block[18] = crc >> 8;
    block[19] = crc & 0xff;
    expect(repairBits(flip(block, 8 * 15 + 2), Int32Array.of(0, 18), 1)).toBe(-1);
    // the longest format A block, 18 bytes (144 bits), is repaired
    const crc17 = crc16En13757(block, 0, 16);
    const short = Uint8Array.from([...block.subarray(0, 16), crc17 >> 8, crc17 & 0xff]);
    expect(repairBits(flip(short, 8 * 15 + 2), Int32Array.of(0, 16), 1)).toBe(1);
  });
});
