/**
 * Block CRCs of frame formats A and B (EN 13757-4 §5.2.2 and §5.2.3): which block a damaged frame
 * names (what `listen` and the traffic view tell a user), the shortest L each format can have, a
 * frame cut short, and the quick check the radio uses (blockCrcsHold) agreeing with the full one on
 * seeded random damage.
 */
import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../../src/wmbus/crc.js';
import { blockCrcsHold, stripBlockCrcs } from '../../../src/wmbus/frame/blocks.js';
import { addBlockCrcs } from '../../../src/wmbus/frame/encode.js';
import { prng, randomTelegram } from '../../support/random-air.js';
import { toHex } from '../../support/bytes.js';

const random = prng(0xb10c);
// L = 59: format A blocks at bytes 0-11, 12-29, 30-47, 48-65, 66-69 (CRCs included).
const telegram = randomTelegram(59, random);
const a = addBlockCrcs('A', telegram);
// format B: one CRC over the first 126 bytes ("block 1+2"), a second over the rest ("block 3")
const long = randomTelegram(150, random);
const b = addBlockCrcs('B', long);

function damaged(frame: Uint8Array, at: number): Uint8Array {
  const copy = frame.slice();
  copy[at]! ^= 0x10;
  return copy;
}

describe('stripBlockCrcs', () => {
  it('returns the telegram of undamaged frames, L rewritten for format B', () => {
    expect([a.length, b.length]).toEqual([70, 155]);
    const stripped = [stripBlockCrcs('A', a), stripBlockCrcs('B', b)].map((r) => r.ok && toHex(r.frame));
    expect(stripped).toEqual([toHex(telegram), toHex(long)]);
  });

  it('names the format A block whose CRC fails', () => {
    for (const [at, block] of [
      [5, 0],
      [11, 0],
      [12, 1],
      [40, 2],
      [67, 4],
    ] as const) {
      expect(stripBlockCrcs('A', damaged(a, at)), `byte ${at}`).toEqual({
        ok: false,
        reason: 'CRC',
        block,
        message: `block ${block + 1} CRC mismatch`,
      });
    }
  });

  it('names the format B part whose CRC fails as a user counts blocks', () => {
    expect(stripBlockCrcs('B', damaged(b, 100))).toEqual({ ok: false, reason: 'CRC', block: 0, message: 'block 1+2 CRC mismatch' });
    expect(stripBlockCrcs('B', damaged(b, 140))).toEqual({ ok: false, reason: 'CRC', block: 1, message: 'block 3 CRC mismatch' });
  });

  it('refuses an L too short for the format, and takes the shortest one there is', () => {
    const shortA = a.slice();
    shortA[0] = 8;
    expect(stripBlockCrcs('A', shortA)).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      block: 0,
      message: 'L=8 is too short for a format A frame',
    });
    const shortB = b.slice();
    shortB[0] = 11;
    expect(stripBlockCrcs('B', shortB)).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      block: 0,
      message: 'L=11 is too short for a format B frame',
    });
    // L = 9: the first block alone (C, M, A), e.g. an acknowledgement
    const shortest = new Uint8Array(12);
    shortest.set(randomTelegram(9, random));
    const crc = crc16En13757(shortest, 0, 10);
    shortest.set([crc >> 8, crc & 0xff], 10);
    expect(stripBlockCrcs('A', shortest)).toMatchObject({ ok: true, frame: shortest.subarray(0, 10) });
    expect(blockCrcsHold('A', shortest)).toBe(true);
  });

  it('says how many bytes a cut-short frame needs', () => {
    expect(stripBlockCrcs('A', a.subarray(0, 69))).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      block: 0,
      message: 'frame A with L=59 needs 70 bytes, got 69',
    });
  });

  it('refuses a format B length that leaves the second block without data', () => {
    // L = 129: 126 bytes and their CRC, then only a CRC
    const frame = new Uint8Array(130);
    frame[0] = 129;
    const crc = crc16En13757(frame, 0, 126);
    frame.set([crc >> 8, crc & 0xff], 126);
    expect(stripBlockCrcs('B', frame)).toEqual({ ok: false, reason: 'TRUNCATED', block: 1, message: 'L=129 leaves block 3 empty' });
    expect(blockCrcsHold('B', frame)).toBe(false);
  });
});

describe('blockCrcsHold', () => {
  it('holds for undamaged frames, and not for damage in the first or last block', () => {
    expect([blockCrcsHold('A', a), blockCrcsHold('B', b)]).toEqual([true, true]);
    expect([blockCrcsHold('A', damaged(a, 3)), blockCrcsHold('A', damaged(a, 68))]).toEqual([false, false]);
    expect([blockCrcsHold('B', damaged(b, 3)), blockCrcsHold('B', damaged(b, 150))]).toEqual([false, false]);
  });

  it('does not hold for an L too short or a frame cut short', () => {
    const shortA = a.slice();
    shortA[0] = 8;
    expect(blockCrcsHold('A', shortA)).toBe(false);
    expect(blockCrcsHold('A', a.subarray(0, 69))).toBe(false);
    expect(blockCrcsHold('A', new Uint8Array(0))).toBe(false);
  });

  it('agrees with stripBlockCrcs on seeded random damage (seed 0xb10c)', () => {
    for (let round = 0; round < 400; round++) {
      const format = round % 2 ? 'A' : 'B';
      const frame = (format === 'A' ? a : b).slice();
      const flips = Math.floor(random() * 3);
      for (let i = 0; i < flips; i++) frame[Math.floor(random() * frame.length)]! ^= 1 << Math.floor(random() * 8);
      expect(blockCrcsHold(format, frame), `round ${round}`).toBe(stripBlockCrcs(format, frame).ok);
    }
  });
});
