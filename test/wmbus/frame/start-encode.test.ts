import { describe, expect, it } from 'vitest';
import { formatAOnAirLength, stripBlockCrcs } from '../../../src/wmbus/frame/blocks.js';
import { addBlockCrcs, encode3of6, onAirAfterSync } from '../../../src/wmbus/frame/encode.js';
import { FRAME_START_BYTES, frameStart } from '../../../src/wmbus/frame/start.js';
import { haveShared, referenceExample, sharedMissing } from '../../conformance/shared-files.js';
import { hex, toHex } from '../../support/bytes.js';

if (!haveShared) console.warn(sharedMissing);

describe.skipIf(!haveShared)('frame start and encoders on the reference vectors', () => {
  it('classifies the real T1 chips as T, frame A, and reads all 45 raw bytes', () => {
    const t1 = referenceExample('T1 raw chips');
    const raw = hex(t1.raw_hex!);
    const r = frameStart(raw.subarray(0, FRAME_START_BYTES));
    expect(r).toEqual({
      ok: true,
      start: { mode: 'T', frameFormat: 'A', rawLength: raw.length, frameLength: (t1.expect['frame_with_crc'] as string).length / 2 },
    });
  });

  it('encodes the decoded T1 frame back into exactly the chips that were received', () => {
    const t1 = referenceExample('T1 raw chips');
    const frame = hex(t1.expect['frame_with_crc'] as string);
    expect(toHex(encode3of6(frame))).toBe(t1.raw_hex);
    expect(toHex(onAirAfterSync('T', 'A', frame))).toBe(t1.raw_hex);
  });

  it('adds the same block CRCs the T1 meter sent', () => {
    const frame = hex(referenceExample('T1 raw chips').expect['frame_with_crc'] as string);
    const stripped = stripBlockCrcs('A', frame);
    expect(stripped.ok).toBe(true);
    if (stripped.ok) expect(toHex(addBlockCrcs('A', stripped.frame))).toBe(toHex(frame));
  });

  it('adds the CRCs of OMS Annex N N.2.1 (three blocks with a short last block)', () => {
    const withCrcs = referenceExample('N.2.1 gas meter').telegram_hex!;
    const without = referenceExample('N.2.1 without CRCs').telegram_hex!;
    expect(toHex(addBlockCrcs('A', hex(without)))).toBe(withCrcs);
  });

  it('classifies C1 frame A after 54 CD and computes its length from L', () => {
    const c = referenceExample('C1 frame A');
    const raw = hex(c.raw_hex!);
    const r = frameStart(Uint8Array.of(0x54, 0xcd, raw[0]!));
    expect(r).toEqual({ ok: true, start: { mode: 'C', frameFormat: 'A', rawLength: 2 + raw.length, frameLength: raw.length } });
    expect(raw[0]).toBe(c.expect['L']);
    expect(toHex(onAirAfterSync('C', 'A', raw))).toBe('54CD' + c.raw_hex);
  });

  it('classifies C1 frame B after 54 3D and rebuilds its CRC and on-air L from the stripped telegram', () => {
    const c = referenceExample('C1 frame B');
    const raw = hex(c.raw_hex!);
    expect(frameStart(Uint8Array.of(0x54, 0x3d, raw[0]!))).toEqual({
      ok: true,
      start: { mode: 'C', frameFormat: 'B', rawLength: 2 + raw.length, frameLength: raw.length },
    });
    const stripped = stripBlockCrcs('B', raw);
    expect(stripped.ok && stripped.frame[0]).toBe(c.expect['stripped_L']);
    if (stripped.ok) expect(toHex(addBlockCrcs('B', stripped.frame))).toBe(c.raw_hex);
  });
});

describe('frame start rejects what cannot be a frame', () => {
  it('rejects at once when the first symbols are not 3-of-6 (no "L = 0" fallback)', () => {
    // 0xFF 0xFF 0xFF: chips 111111 are no code word
    expect(frameStart(Uint8Array.of(0xff, 0xff, 0xff))).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
    // valid L symbols, C field's second symbol 000000 invalid
    const chips = encode3of6(Uint8Array.of(0x2e, 0x44));
    chips[2] = chips[2]! & 0xc0;
    expect(frameStart(chips)).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
  });

  it('rejects a 54 marker followed by anything but CD or 3D', () => {
    expect(frameStart(Uint8Array.of(0x54, 0x3c, 0x20))).toMatchObject({ ok: false, reason: 'NOT_3OF6' });
  });

  it('rejects lengths no frame can have', () => {
    expect(frameStart(encode3of6(Uint8Array.of(9, 0x44)))).toMatchObject({ ok: false, reason: 'LENGTH' });
    expect(frameStart(Uint8Array.of(0x54, 0xcd, 9))).toMatchObject({ ok: false, reason: 'LENGTH' });
    expect(frameStart(Uint8Array.of(0x54, 0x3d, 11))).toMatchObject({ ok: false, reason: 'LENGTH' });
    expect(frameStart(Uint8Array.of(0x54, 0x3d, 128))).toMatchObject({ ok: false, reason: 'LENGTH' });
    expect(frameStart(Uint8Array.of(0x54, 0xcd))).toMatchObject({ ok: false, reason: 'TRUNCATED' });
  });

  it('gives the longest T frame (L = 255) 435 raw bytes, as RADIO.md §2.3 computes', () => {
    const r = frameStart(encode3of6(Uint8Array.of(255, 0x44)));
    expect(r.ok && r.start.rawLength).toBe(435);
    expect(formatAOnAirLength(255)).toBe(290);
  });

  it('ends an odd-length T frame with the 0101 postamble', () => {
    const chips = encode3of6(Uint8Array.of(0x0f));
    // 0 -> 010110, F -> 101001, then 0101
    expect([...chips]).toEqual([0b01011010, 0b10010101]);
  });
});

describe('format B CRC layout', () => {
  it('splits a telegram longer than 126 bytes into two CRC blocks and never produces L = 128', () => {
    for (let n = 11; n <= 252; n++) {
      const telegram = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      telegram[0] = n - 1;
      const onAir = addBlockCrcs('B', telegram);
      expect(onAir[0]).not.toBe(128);
      expect(onAir.length).toBe(onAir[0]! + 1);
      expect(onAir.length).toBe(n + (n > 126 ? 4 : 2));
      const back = stripBlockCrcs('B', onAir);
      expect(back.ok && toHex(back.frame)).toBe(toHex(telegram));
    }
  });
});
