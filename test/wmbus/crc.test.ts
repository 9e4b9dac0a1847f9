import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../src/wmbus/crc.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FormatMemory, decodeTelegram, keyForAll } from '../../src/wmbus/decode.js';
import { stripBlockCrcs } from '../../src/wmbus/frame/blocks.js';
import { addBlockCrcs } from '../../src/wmbus/frame/encode.js';
import { hex, toHex } from '../support/bytes.js';

describe('CRC-16 EN 13757', () => {
  it.each([
    ['313233343536373839', 0xc2b7],
    ['01FD1F01', 0xcc22],
    ['01FD1F00', 0xf147],
    ['EE449ACE010000802307', 0xaabc],
  ])('crc(%s) = %s', (data, expected) => {
    expect(crc16En13757(hex(data))).toBe(expected);
  });
});

describe('DLL block CRCs', () => {
  // OMS Vol.2 Annex N N.2.1, frame format A on air (shared/docs/PROTOCOL.md E1).
  const n21 = hex('2E449315785634123303|3363|7A2A0020255923C95AAA26D1B2E7493B|C2AD|013EC4A6F6D3529B520EDFF0EA6DEFC9|55B2|9D6D69EBF3|EC8A');
  it('strips format A CRCs and keeps every data byte', () => {
    const r = stripBlockCrcs('A', n21);
    expect(r.ok).toBe(true);
    if (r.ok) expect(toHex(r.frame)).toBe('2E4493157856341233037A2A0020255923C95AAA26D1B2E7493B013EC4A6F6D3529B520EDFF0EA6DEFC99D6D69EBF3');
  });
  it('names the failing block when one byte is wrong', () => {
    const bad = n21.slice();
    bad[20] = (bad[20] ?? 0) ^ 0x01;
    expect(stripBlockCrcs('A', bad)).toMatchObject({ ok: false, reason: 'CRC', block: 1 });
  });
  it('refuses a format A frame cut short', () => {
    expect(stripBlockCrcs('A', n21.subarray(0, n21.length - 3))).toMatchObject({ ok: false, reason: 'TRUNCATED' });
  });
  it('strips a short format B frame and rewrites L', () => {
    const r = stripBlockCrcs('B', hex('1444AE0C7856341201078C2027780B134365877AC5'));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.frame[0]).toBe(r.frame.length - 1);
      expect(toHex(r.frame.subarray(1))).toBe('44AE0C7856341201078C2027780B13436587');
    }
  });
});

describe('decoding with the DLL CRCs still in place', () => {
  // A sender's telegram of each size class, decoded as sent with format A and B CRCs and without:
  // the reading must not depend on whether the receiver stripped them first.
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const records = (n: number) => hex('0C1427048502' + '8E1003791337020000'.repeat(n));
  const telegrams = [2, 5, 13].map((n) =>
    buildTelegram({
      manufacturer: 'EGM',
      id: '30434741',
      version: 1,
      deviceType: 2,
      accessNumber: n,
      apl: hex('2F2F' + toHex(records(n))),
      security: { mode: 5, key },
    }),
  );

  it.each(telegrams.map((t) => [t.length, t]))('%s-byte telegram: format A, format B and stripped decode alike', (_length, t) => {
    const options = () => ({ keys: keyForAll(key), formats: new FormatMemory() });
    const plain = decodeTelegram(t, options());
    expect(plain.ok).toBe(true);
    for (const format of ['A', 'B'] as const) {
      expect(decodeTelegram(addBlockCrcs(format, t), options()), `format ${format}`).toEqual(plain);
    }
  });

  it('covers a format B frame with two blocks', () => {
    expect(telegrams.some((t) => t.length > 128)).toBe(true);
  });
});
