/**
 * The TPL's security shapes (EN 13757-7 §7.5, §9): mode 5 with "all whole blocks", mode 7 with its
 * counter in the TPL instead of the AFL, a key version byte, the key derivation named by the AFL's
 * key information, and meters that do not put 2F2F first. Telegrams are encrypted here with the
 * project's AES and KDF-A (checked against published vectors in known-answers.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { aflMac } from '../../src/wmbus/afl.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { MeterFamilySet, decodeTelegram, keyForAll } from '../../src/wmbus/decode.js';
import type { AflFields } from '../../src/wmbus/decode-state.js';
import { aesKey, cbcEncryptInPlace } from '../../src/wmbus/security/aes.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from '../../src/wmbus/security/kdf.js';
import type { DecodeResult } from '../../src/wmbus/types.js';
import { hex } from '../support/bytes.js';

const KEY = hex('000102030405060708090A0B0C0D0E0F');
const keys = keyForAll(KEY);
// DLL: C 44, manufacturer ELS (93 15), id 12345678, version 33, device type 03 (gas)
const DLL = hex('44 9315 78563412 33 03');
const METER_ID = hex('78563412');
const COUNTER = hex('2A000000');
/** volume 12345.678 m3, then filler to the end of the block */
const VOLUME_BLOCK = hex('2F2F 0C13 78563412 2F2F2F2F2F2F2F2F');

const error = (r: DecodeResult) => (r.ok ? undefined : { code: r.error.code, message: r.error.message });
const readings = (r: DecodeResult) => (r.ok ? r.telegram.records.map((x) => [x.quantity, x.value]) : r.error);

/** L + DLL + `rest`, L set. */
function frame(...rest: Uint8Array[]): Uint8Array {
  const body = [...DLL, ...rest.flatMap((part) => [...part])];
  return Uint8Array.from([body.length, ...body]);
}

interface Mode7Shape {
  /** where the message counter travels: the AFL (with a MAC) or the TPL (CW bit 13, no AFL) */
  counterIn: 'afl' | 'tpl';
  /** TPL configuration field extension: bits 4-5 key derivation, bit 6 a key version byte follows */
  cfe: number;
  /** the AFL's key information field (2 bytes), when it carries one */
  ki?: Uint8Array;
  plain: Uint8Array;
}

/** A mode 7 telegram (EN 13757-7 §9.6): AES-CBC with a zero IV under the KDF-A key, the AFL MAC over it. */
function mode7(shape: Mode7Shape): Uint8Array {
  const parts: number[] = [];
  let afl: AflFields | undefined;
  if (shape.counterIn === 'afl') {
    // FCL: MCL, MCR, MAC and, with a KI, the KI field; MCL 25: MAC of 8 bytes (AT 5)
    const fcl = 0x2c00 | (shape.ki ? 0x0200 : 0);
    const fields = [0x25, ...(shape.ki ?? []), ...COUNTER, ...new Uint8Array(8)];
    const at = 1 + DLL.length;
    parts.push(0x90, 2 + fields.length, fcl & 0xff, fcl >> 8, ...fields);
    const kiAt = shape.ki ? at + 5 : -1;
    const mcrAt = at + 5 + (shape.ki ? 2 : 0);
    afl = { mcl: 0x25, mclAt: at + 4, kiAt, mcrAt, macAt: mcrAt + 4, macLength: 8, mlAt: -1 };
  }
  const tplAt = 1 + DLL.length + parts.length;
  const blocks = shape.plain.length / 16;
  const cw = 0x0700 | (blocks << 4) | (shape.counterIn === 'tpl' ? 0x2000 : 0);
  parts.push(0x7a, 0x2a, 0x00, cw & 0xff, cw >> 8, shape.cfe);
  if (shape.counterIn === 'tpl') parts.push(...COUNTER);
  if (shape.cfe & 0x40) parts.push(0x03); // key version
  const payloadAt = 1 + DLL.length + parts.length;
  const telegram = frame(Uint8Array.from(parts), shape.plain);
  cbcEncryptInPlace(aesKey(kdfA(KEY, KDF_ENC_FROM_METER, COUNTER, METER_ID)), new Uint8Array(16), telegram, payloadAt, telegram.length);
  if (afl) telegram.set(aflMac(kdfA(KEY, KDF_MAC_FROM_METER, COUNTER, METER_ID), telegram, afl, tplAt, telegram.length), afl.macAt);
  return telegram;
}

/** A mode 5 telegram of the project's builder for the DLL above. */
function mode5(plain: Uint8Array): Uint8Array {
  return buildTelegram({
    manufacturer: 'ELS',
    id: '12345678',
    version: 0x33,
    deviceType: 0x03,
    accessNumber: 0x2a,
    apl: plain,
    security: { mode: 5, key: KEY },
  });
}

/** `telegram` with `bytes` put in after the DLL (before the first CI), L set. */
function withAfter(telegram: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from([...telegram.subarray(0, at), ...bytes, ...telegram.subarray(at)]);
  out[0] = out.length - 1;
  return out;
}

describe('mode 5', () => {
  it('a block count of 0 decrypts all whole blocks and reads the bytes after them in clear', () => {
    const telegram = mode5(VOLUME_BLOCK);
    telegram[13] = 0x00; // CW low byte: block count 0
    const withTail = Uint8Array.from([...telegram, ...hex('01 FD17 04')]); // error flags 4, in clear
    withTail[0] = withTail.length - 1;
    const r = decodeTelegram(withTail, { keys });
    expect(readings(r)).toEqual([
      ['volume', 12345.678],
      ['error_flags', 4],
    ]);
    expect(r.ok && r.telegram.security).toMatchObject({ mode: 5, decrypted: true, blocks: 1 });
  });

  it('behind an AFL without a MAC, with a key: decrypted (only a MAC needs mode 7)', () => {
    const afl = hex('90 06 0008 01000000'); // FCL: MCR only
    const r = decodeTelegram(withAfter(mode5(VOLUME_BLOCK), 10, afl), { keys });
    expect(readings(r)).toEqual([['volume', 12345.678]]);
  });
});

describe('mode 7', () => {
  it('with the counter in the TPL (CW bit 13) instead of an AFL', () => {
    const r = decodeTelegram(mode7({ counterIn: 'tpl', cfe: 0x10, plain: VOLUME_BLOCK }), { keys });
    expect(readings(r)).toEqual([['volume', 12345.678]]);
    expect(r.ok && r.telegram.security).toMatchObject({ mode: 7, decrypted: true, blocks: 1 });
  });

  it('with a key version byte after the counter (CFE bit 6)', () => {
    expect(readings(decodeTelegram(mode7({ counterIn: 'tpl', cfe: 0x50, plain: VOLUME_BLOCK }), { keys }))).toEqual([
      ['volume', 12345.678],
    ]);
    expect(readings(decodeTelegram(mode7({ counterIn: 'afl', cfe: 0x50, plain: VOLUME_BLOCK }), { keys }))).toEqual([
      ['volume', 12345.678],
    ]);
  });

  it('the key derivation the AFL key information names wins over the TPL extension', () => {
    const kdfAInKi = mode7({ counterIn: 'afl', cfe: 0x00, ki: hex('1000'), plain: VOLUME_BLOCK });
    const r = decodeTelegram(kdfAInKi, { keys });
    expect(readings(r)).toEqual([['volume', 12345.678]]);
    expect(r.ok && r.telegram.security.macVerified).toBe(true);
    const kdf2InKi = mode7({ counterIn: 'afl', cfe: 0x10, ki: hex('2000'), plain: VOLUME_BLOCK });
    expect(error(decodeTelegram(kdf2InKi, { keys }))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses mode 7 with key derivation 2; only KDF-A is supported',
    });
  });

  it('refuses a key derivation other than KDF-A', () => {
    expect(error(decodeTelegram(mode7({ counterIn: 'tpl', cfe: 0x20, plain: VOLUME_BLOCK }), { keys }))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses mode 7 with key derivation 2; only KDF-A is supported',
    });
  });

  it('says where a telegram ends inside its mode 7 header', () => {
    expect(error(decodeTelegram(frame(hex('7A 2A 00 1007')), { keys }))).toEqual({
      code: 'TRUNCATED',
      message: 'telegram ends inside the TPL configuration field extension (needs 1 bytes at offset 15, 0 left)',
    });
    expect(error(decodeTelegram(frame(hex('7A 2A 00 1027 10 2A00')), { keys }))).toEqual({
      code: 'TRUNCATED',
      message: 'telegram ends inside the TPL message counter (needs 4 bytes at offset 16, 2 left)',
    });
  });

  it('a meter that does not put 2F2F first is read in mode 7 too', () => {
    const plain = hex('609B 0C13 78563412 2F2F2F2F2F2F2F2F');
    expect(readings(decodeTelegram(mode7({ counterIn: 'afl', cfe: 0x10, plain }), { keys }))).toEqual([['volume', 12345.678]]);
  });
});

describe('content without the 2F2F check bytes first', () => {
  // Such content is trusted only when the encrypted blocks end in 2F filler and the records after
  // the first two bytes parse: a telegram a user's meter sent with the right key, refused because
  // nothing confirms the key, beats wrong values from a wrong one.
  it('is read when both last bytes are filler', () => {
    expect(readings(decodeTelegram(mode5(hex('609B 0C13 78563412 2F2F2F2F2F2F2F2F')), { keys }))).toEqual([['volume', 12345.678]]);
  });

  it.each([
    ['the last byte is data that happens to be 2F', '609B 0C13 78563412 2F2F2F2F2F 0113 2F'],
    ['the byte before the last is filler, the last a record', '609B 0C13 78563412 2F2F2F2F2F2F2F 0F'],
  ])('is refused as a wrong key when %s', (_, plain) => {
    expect(error(decodeTelegram(mode5(hex(plain)), { keys }))).toEqual({
      code: 'WRONG_KEY',
      message: 'the key for meter 12345678 is wrong: the decrypted content fails its check',
    });
  });
});

describe('the 2F2F of records sent in clear under a mode the decoder cannot decrypt', () => {
  it.each([
    ['only the second byte is 2F', frame(hex('7A 2A 00 1003 012F 0C13 78563412'))],
    ['only the first byte is 2F', frame(hex('7A 2A 00 1003 2F0C 13 78563412'))],
    // L ends after one 2F; the byte after it (an appended RSSI, say) is not the telegram's
    ['the second byte is past L', Uint8Array.from([...frame(hex('7A 2A 00 1003 2F')), 0x2f])],
  ])('needs both bytes: refused when %s', (_, telegram) => {
    expect(error(decodeTelegram(telegram))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses TPL security mode 3; only modes 0, 5 and 7 are supported',
    });
  });
});

describe('security modes of the manufacturers (16 to 31, EN 13757-7 table 19)', () => {
  /** A family for ELS meters whose "scrambling" inverts every byte; it notes what it was asked. */
  function invertingFamily() {
    const asked: Array<{ apduAt: number; configuration: number; key: string | undefined }> = [];
    const meters = new MeterFamilySet([
      {
        name: 'inverting',
        matches: (h) => h.manufacturer === 'ELS',
        unscrambleApdu: (frame, apduAt, configuration, key) => {
          asked.push({ apduAt, configuration, key: key && Buffer.from(key).toString('hex') });
          return frame.subarray(apduAt).map((b) => b ^ 0xff);
        },
      },
    ]);
    return { meters, asked };
  }
  const inverted = (text: string) => hex(text).map((b) => b ^ 0xff);

  it.each([16, 21, 31])('mode %i is read by the meter family that knows it, with the key configured', (mode) => {
    const { meters, asked } = invertingFamily();
    const telegram = frame(hex(`7A 2A 00 00 ${mode.toString(16)}`), inverted('0C13 78563412'));
    expect(readings(decodeTelegram(telegram, { keys, meters }))).toEqual([['volume', 12345.678]]);
    expect(asked).toEqual([{ apduAt: 15, configuration: mode << 8, key: '000102030405060708090a0b0c0d0e0f' }]);
  });

  it('mode 15 is not the manufacturers’: refused without asking the family', () => {
    const { meters, asked } = invertingFamily();
    const telegram = frame(hex('7A 2A 00 00 0F'), inverted('0C13 78563412'));
    expect(error(decodeTelegram(telegram, { keys, meters }))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses TPL security mode 15; only modes 0, 5 and 7 are supported',
    });
    expect(asked).toEqual([]);
  });

  it('a mode no family can read is refused', () => {
    const meters = new MeterFamilySet([{ name: 'cannot', matches: () => true, unscrambleApdu: () => undefined }]);
    expect(error(decodeTelegram(frame(hex('7A 2A 00 00 15'), inverted('0C13 78563412')), { keys, meters }))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses TPL security mode 21; only modes 0, 5 and 7 are supported',
    });
  });
});
