import { describe, expect, it } from 'vitest';
import { decodeRawFrame } from '../../../src/wmbus/frame/decode-raw.js';
import { addBlockCrcs } from '../../../src/wmbus/frame/encode.js';
import { CODE_OF_NIBBLE } from '../../../src/wmbus/phy/three-of-six.js';
import { frameOnAir, prng, randomTelegram } from '../../support/random-air.js';
import { haveShared, referenceExample, sharedMissing } from '../../conformance/shared-files.js';
import { hex, toHex } from '../../support/bytes.js';

if (!haveShared) console.warn(sharedMissing);

describe.skipIf(!haveShared)('decodeRawFrame on real frames', () => {
  it('decodes the real T1 chips to the telegram with its two CRCs removed', () => {
    const t1 = referenceExample('T1 raw chips');
    const withCrcs = t1.expect['frame_with_crc'] as string;
    // RADIO.md §10: block 1 = 10 bytes + CRC BCE8, block 2 = the rest + CRC 2DC6
    const expected = withCrcs.slice(0, 20) + withCrcs.slice(24, -4);
    const r = decodeRawFrame({ raw: hex(t1.raw_hex!), rssi: -71, lqi: 40, freqOffsetHz: -3200, time: 1750000000000 });
    expect(r).toEqual({
      ok: true,
      frame: {
        mode: 'T',
        frameFormat: 'A',
        telegram: hex(expected),
        corrected: 0,
        rssi: -71,
        lqi: 40,
        freqOffsetHz: -3200,
        time: 1750000000000,
      },
    });
  });

  it('decodes C1 frame A after 54 CD', () => {
    const c = referenceExample('C1 frame A');
    const r = decodeRawFrame({ raw: hex('54CD' + c.raw_hex!) });
    expect(r.ok && [r.frame.mode, r.frame.frameFormat, r.frame.telegram[0], r.frame.telegram.length]).toEqual([
      'C',
      'A',
      c.expect['L'],
      55,
    ]);
  });

  it('decodes C1 frame B after 54 3D and rewrites L', () => {
    const c = referenceExample('C1 frame B');
    const r = decodeRawFrame({ raw: hex('543D' + c.raw_hex!) });
    expect(r.ok && [r.frame.frameFormat, r.frame.telegram[0], toHex(r.frame.telegram)]).toEqual([
      'B',
      c.expect['stripped_L'],
      toHex(hex(c.raw_hex!).subarray(0, -2)).replace(/^28/, '26'),
    ]);
  });

  it('reports a cut-short frame as TRUNCATED', () => {
    const raw = hex(referenceExample('T1 raw chips').raw_hex!);
    expect(decodeRawFrame({ raw: raw.subarray(0, 40) })).toMatchObject({ ok: false, reason: 'TRUNCATED' });
  });
});

/** Flip chip/bit `n` (0 = MSB of the first raw byte) of a copy. */
function flip(raw: Uint8Array, ...bits: number[]): Uint8Array {
  const copy = raw.slice();
  for (const b of bits) copy[b >> 3]! ^= 0x80 >> (b & 7);
  return copy;
}

describe('repair of damaged frames', () => {
  const telegram = randomTelegram(60, prng(3));
  const t = frameOnAir('T', 'A', telegram);
  const ca = frameOnAir('C', 'A', telegram);
  const cb = frameOnAir('C', 'B', telegram);

  it('repairs one flipped chip anywhere after the L and C symbols of a T frame', () => {
    const symbolChips = 12 * addBlockCrcs('A', telegram).length;
    let repaired = 0;
    // the first 24 chips carry L and C, which a receiver must trust before it knows the length;
    // chips after the last symbol are the postamble, which carries nothing
    for (let chip = 24; chip < 8 * t.length; chip++) {
      const r = decodeRawFrame({ raw: flip(t, chip) });
      expect(r.ok && toHex(r.frame.telegram)).toBe(toHex(telegram));
      if (r.ok && r.frame.corrected === 1) repaired++;
    }
    expect(repaired).toBe(symbolChips - 24);
    expect(8 * t.length - symbolChips).toBe(4);
  });

  it('drops instead of repairing when asked not to', () => {
    expect(decodeRawFrame({ raw: flip(t, 100) }, { repair: false })).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
    expect(decodeRawFrame({ raw: flip(ca, 100) }, { repair: false })).toMatchObject({ ok: false, reason: 'CRC' });
  });

  it('rejects a flipped chip in the L or C symbols at once', () => {
    expect(decodeRawFrame({ raw: flip(t, 3) })).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
  });

  it('repairs one flipped bit per block of a C frame A, but not one that changed L', () => {
    for (let bit = 16 + 8; bit < 8 * ca.length; bit += 7) {
      const r = decodeRawFrame({ raw: flip(ca, bit) });
      expect(r.ok && [toHex(r.frame.telegram), r.frame.corrected]).toEqual([toHex(telegram), 1]);
    }
    // two flips in two different blocks (bytes 5 and 40)
    const two = decodeRawFrame({ raw: flip(ca, 16 + 5 * 8 + 3, 16 + 40 * 8 + 6) });
    expect(two.ok && [toHex(two.frame.telegram), two.frame.corrected]).toEqual([toHex(telegram), 2]);
    expect(decodeRawFrame({ raw: flip(ca, 16 + 2) }).ok).toBe(false);
  });

  it('does not repair two flipped bits in one block of a C frame A', () => {
    expect(decodeRawFrame({ raw: flip(ca, 16 + 30 * 8 + 1, 16 + 33 * 8 + 5) })).toMatchObject({ ok: false, reason: 'CRC' });
  });

  it('never repairs format B, whose long blocks cannot locate a flip', () => {
    expect(decodeRawFrame({ raw: flip(cb, 16 + 30 * 8) })).toMatchObject({ ok: false, reason: 'CRC' });
  });

  it('drops a T frame with more broken symbols than the caps allow', () => {
    // 4 broken symbols in 4 different blocks
    const r = decodeRawFrame({ raw: flip(t, 12 * 12 + 2, 12 * 30 + 2, 12 * 50 + 2, 12 * 70 + 2) });
    expect(r).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
    expect(!r.ok && r.message).toMatch(/4 invalid 3-of-6 symbols/);
  });

  it('drops a T frame whose broken symbol cannot come from one flipped chip', () => {
    const raw = t.slice();
    // byte 20's high nibble: replace its 6 chips by 000001 (weight 1: two chips away from every code word)
    const chip = 20 * 12;
    for (let i = 0; i < 6; i++) {
      const bit = chip + i;
      const want = i === 5 ? 1 : 0;
      raw[bit >> 3] = (raw[bit >> 3]! & ~(0x80 >> (bit & 7))) | (want ? 0x80 >> (bit & 7) : 0);
    }
    expect(CODE_OF_NIBBLE.includes(0b000001)).toBe(false);
    expect(decodeRawFrame({ raw })).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
  });
});
