/**
 * The authentication and fragmentation layer (EN 13757-7 §6) with every optional field the FCL can
 * announce: key information, message counter, MAC of each AES-CMAC length, message length. The
 * MAC is computed here from the standard's definition (CMAC over MCL ‖ KI ‖ MCR ‖ ML ‖ TPL onwards,
 * with Kmac from KDF-A, both checked against published vectors elsewhere), not with the decoder's
 * helper, so a field left out of the MAC or read from the wrong place shows.
 */
import { describe, expect, it } from 'vitest';
import { buildTelegram } from '../../src/wmbus/build.js';
import { decodeTelegram, keyForAll, parseKey } from '../../src/wmbus/decode.js';
import { cmac } from '../../src/wmbus/security/cmac.js';
import { KDF_MAC_FROM_METER, kdfA } from '../../src/wmbus/security/kdf.js';
import type { DecodeResult } from '../../src/wmbus/types.js';
import { hex } from '../support/bytes.js';

const KEY = parseKey('000102030405060708090A0B0C0D0E0F');
const APL = hex('2F2F 0C14 27048502 046D 32371F15 02FD17 0000');
const meter = { manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 0x03, accessNumber: 0x2a };
const COUNTER = 0x89abcdef; // above 2^31: the counter must come out unsigned
const sent = buildTelegram({ ...meter, apl: APL, security: { mode: 7, key: KEY, counter: COUNTER } });
// DLL(10), then the AFL the builder writes: CI 90, AFLL 0F, FCL 2C00, MCL 25, MCR(4), MAC(8); the TPL follows.
const DLL = sent.subarray(0, 10);
const MCR = sent.subarray(15, 19);
const TPL = sent.subarray(27);

// FCL bits (EN 13757-7 table 6)
const MORE_FRAGMENTS = 0x4000;
const MCL_PRESENT = 0x2000;
const ML_PRESENT = 0x1000;
const MCR_PRESENT = 0x0800;
const MAC_PRESENT = 0x0400;
const KI_PRESENT = 0x0200;

interface Afl {
  fcl: number;
  /** MCL byte; its low nibble is the authentication type (AT) */
  mcl?: number;
  ki?: Uint8Array;
  ml?: Uint8Array;
  /** MAC bytes to send instead of the right ones */
  mac?: Uint8Array;
  macLength?: number;
  /** AFLL to send instead of the right one */
  afll?: number;
}

/** The telegram with this AFL in front of the same TPL, its MAC computed as EN 13757-7 §9.3.3 defines it. */
function withAfl(a: Afl): Uint8Array {
  const mcl = a.mcl === undefined ? [] : [a.mcl];
  const ki = a.ki ? [...a.ki] : [];
  const mcr = a.fcl & MCR_PRESENT ? [...MCR] : [];
  const ml = a.ml ? [...a.ml] : [];
  let mac: number[] = [];
  if (a.fcl & MAC_PRESENT) {
    const kmac = kdfA(KEY, KDF_MAC_FROM_METER, MCR, DLL.subarray(4, 8));
    const right = cmac(kmac, Uint8Array.from([...mcl, ...ki, ...mcr, ...ml, ...TPL])).subarray(0, a.macLength ?? 8);
    mac = [...(a.mac ?? right)];
  }
  const fields = [a.fcl & 0xff, a.fcl >> 8, ...mcl, ...ki, ...mcr, ...mac, ...ml];
  const out = Uint8Array.from([...DLL, 0x90, a.afll ?? fields.length, ...fields, ...TPL]);
  out[0] = out.length - 1;
  return out;
}

const decode = (t: Uint8Array): DecodeResult => decodeTelegram(t, { keys: keyForAll(KEY) });
const outcome = (r: DecodeResult) =>
  r.ok ? { ok: true, counter: r.telegram.security.counter, mac: r.telegram.security.macVerified } : r.error;

const BASE = MCL_PRESENT | MCR_PRESENT | MAC_PRESENT;

describe('AFL fields (EN 13757-7 §6)', () => {
  it('the telegram as the builder sends it: MAC verified, counter read unsigned', () => {
    expect(outcome(decode(sent))).toEqual({ ok: true, counter: COUNTER, mac: true });
    expect(outcome(decode(withAfl({ fcl: BASE, mcl: 0x25 })))).toEqual({ ok: true, counter: COUNTER, mac: true });
  });

  for (const [at, length] of [
    [3, 2],
    [4, 4],
    [5, 8],
    [6, 12],
    [7, 16],
  ] as const) {
    it(`MAC type ${at} is an AES-CMAC of ${length} bytes: the right one passes, its last byte changed is refused`, () => {
      expect(outcome(decode(withAfl({ fcl: BASE, mcl: 0x20 | at, macLength: length })))).toMatchObject({ ok: true, mac: true });
      const right = withAfl({ fcl: BASE, mcl: 0x20 | at, macLength: length });
      const macEnd = 10 + 2 + 2 + 1 + 4 + length;
      right[macEnd - 1]! ^= 0x01;
      expect(outcome(decode(right))).toMatchObject({ code: 'MAC_MISMATCH' });
    });
  }

  it('key information and message length are read from their places and covered by the MAC', () => {
    // KI: key version 0, bits 4-5 = 01: KDF-A (EN 13757-7 table 9)
    const ki = hex('1000');
    const ml = hex(TPL.length.toString(16).padStart(2, '0') + '00');
    const fcl = BASE | KI_PRESENT | ML_PRESENT;
    expect(outcome(decode(withAfl({ fcl, mcl: 0x65, ki, ml })))).toEqual({ ok: true, counter: COUNTER, mac: true });
    // A KI or ML changed on the way, with the MAC of the original: refused.
    const macOfOriginal = withAfl({ fcl, mcl: 0x65, ki, ml }).subarray(10 + 2 + 2 + 1 + 2 + 4, 10 + 2 + 2 + 1 + 2 + 4 + 8);
    expect(outcome(decode(withAfl({ fcl, mcl: 0x65, ki: hex('1001'), ml, mac: macOfOriginal })))).toMatchObject({ code: 'MAC_MISMATCH' });
    expect(outcome(decode(withAfl({ fcl, mcl: 0x65, ki, ml: hex('0001'), mac: macOfOriginal })))).toMatchObject({
      code: 'MAC_MISMATCH',
    });
  });

  it('refuses fragmented messages: more fragments to come, or a fragment number', () => {
    for (const fcl of [BASE | MORE_FRAGMENTS, BASE | 0x01, BASE | 0x80]) {
      expect(outcome(decode(withAfl({ fcl, mcl: 0x25 })))).toMatchObject({
        code: 'UNSUPPORTED_CI',
        message: 'fragmented AFL messages are not supported',
      });
    }
  });

  it('refuses a MAC that is not an AES-CMAC, and a MAC without the MCL that says its type', () => {
    for (const at of [0, 1, 2, 8, 15]) {
      expect(outcome(decode(withAfl({ fcl: BASE, mcl: 0x20 | at })))).toMatchObject({
        code: 'UNSUPPORTED_SECURITY',
        message: expect.stringContaining(`AFL MAC type ${at} is not supported`),
      });
    }
    expect(outcome(decode(withAfl({ fcl: MCR_PRESENT | MAC_PRESENT })))).toMatchObject({ code: 'UNSUPPORTED_SECURITY' });
  });

  it('refuses an AFL length that does not match its fields, or that runs past the end', () => {
    for (const afll of [14, 16]) {
      expect(outcome(decode(withAfl({ fcl: BASE, mcl: 0x25, afll })))).toMatchObject({
        code: 'MALFORMED',
        message: `AFL length ${afll} does not match the fields its FCL announces`,
      });
    }
    const t = withAfl({ fcl: BASE, mcl: 0x25, afll: 0xf0 });
    expect(outcome(decode(t))).toMatchObject({ code: 'TRUNCATED', message: 'AFL announces 240 bytes, the telegram ends before' });
    const cut = Uint8Array.from([...DLL, 0x90, 0x0f, 0x00]);
    cut[0] = cut.length - 1;
    expect(outcome(decode(cut))).toMatchObject({ code: 'TRUNCATED' });
  });

  it('reads an AFL with only a message counter: no MCL byte before it, and no MAC to verify', () => {
    expect(outcome(decode(withAfl({ fcl: MCR_PRESENT })))).toEqual({ ok: true, counter: COUNTER, mac: undefined });
  });

  it('says the AFL header is cut when fewer than its 4 bytes arrive', () => {
    const cut = Uint8Array.from([...DLL, 0x90, 0x00, 0x00]);
    cut[0] = cut.length - 1;
    expect(outcome(decode(cut))).toMatchObject({
      code: 'TRUNCATED',
      message: 'telegram ends inside the AFL header (needs 4 bytes at offset 10, 3 left)',
    });
  });

  it('reads an AFL that ends exactly where the telegram ends: nothing decrypted, no records', () => {
    // (the gateway refuses such a telegram from a meter that has a key: it is not encrypted)
    const t = Uint8Array.from(withAfl({ fcl: BASE, mcl: 0x25 }).subarray(0, 10 + 17));
    t[0] = t.length - 1;
    const r = decode(t);
    expect(r.ok && { counter: r.telegram.security.counter, decrypted: r.telegram.security.decrypted, records: r.telegram.records }).toEqual(
      {
        counter: COUNTER,
        decrypted: false,
        records: [],
      },
    );
  });

  it('an AFL without a message counter leaves nothing to derive the mode 7 keys from', () => {
    expect(outcome(decode(withAfl({ fcl: MCL_PRESENT, mcl: 0x05 })))).toMatchObject({
      code: 'MALFORMED',
      message: 'meter 12345678 uses mode 7 without a message counter to derive keys from',
    });
  });
});
