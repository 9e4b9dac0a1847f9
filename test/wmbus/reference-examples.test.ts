import { describe, expect, it } from 'vitest';
import { meterFamilies } from '../../src/meters/index.js';
import { FormatMemory, decodeTelegram, keyForAll, parseKey } from '../../src/wmbus/decode.js';
import { idToBytes } from '../../src/wmbus/hex.js';
import { cmac } from '../../src/wmbus/security/cmac.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from '../../src/wmbus/security/kdf.js';
import type { DecodedTelegram } from '../../src/wmbus/types.js';
import { type ReferenceExample, haveShared, referenceExamples, sharedMissing } from '../conformance/shared-files.js';
import { recordMatches } from './decoder-fixtures.js';
import { hex, toHex } from '../support/bytes.js';

// Without the shared folder the tests that need its telegrams skip (shared-present.test.ts fails on CI instead).
if (!haveShared) console.warn(sharedMissing);

// Every worked example of the shared conformance file, decoded from its bytes and key.

const examples = referenceExamples();
const telegrams = examples.filter((e) => e.telegram_hex !== undefined);

function decodeExample(e: ReferenceExample, telegram = hex(e.telegram_hex!)): ReturnType<typeof decodeTelegram> {
  return decodeTelegram(telegram, {
    keys: e.key ? keyForAll(parseKey(e.key)) : undefined,
    formats: new FormatMemory(),
    meters: meterFamilies,
  });
}

function decoded(e: ReferenceExample): DecodedTelegram {
  const result = decodeExample(e);
  if (!result.ok) throw new Error(`${e.name}: ${result.error.code} ${result.error.message}`);
  return result.telegram;
}

/** A DLL header (ELS gas meter 12345678) in front of a bare APDU, so the decoder sees a whole telegram. */
function withDll(apdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + apdu.length);
  out.set(hex('00449315785634123303'));
  out.set(apdu, 10);
  out[0] = out.length - 1;
  return out;
}

describe.skipIf(!haveShared)('reference examples (conformance/reference-examples.jsonl)', () => {
  it('has its nine telegrams to decode', () => {
    expect(telegrams.length).toBe(9);
  });

  for (const e of telegrams) {
    it(`decodes ${e.name}`, () => {
      const t = decoded(e);
      const x = e.expect;
      if (x.manufacturer !== undefined) expect(t.manufacturer).toBe(x.manufacturer);
      if (x.id !== undefined) expect(t.id).toBe(x.id);
      if (x.id_dll !== undefined) expect(t.link.dllId).toBe(x.id_dll);
      if (x.version !== undefined) expect(t.version).toBe(x.version);
      if (x.deviceType !== undefined) expect(t.deviceType).toBe(x.deviceType);
      if (x.security_mode !== undefined) expect(t.security.mode).toBe(x.security_mode);
      if (x.security === 'ell-ctr') expect(t.security.ell).toBe(true);
      // Every example with a key is really encrypted on air.
      if (e.key) expect(t.security.decrypted).toBe(true);
      for (const want of x.records ?? []) {
        const found = t.records.find((r) => recordMatches(r, want));
        expect(found, `record ${JSON.stringify(want)} in ${JSON.stringify(t.records)}`).toBeDefined();
      }
    });
  }

  for (const e of telegrams.filter((x) => x.expect.derived)) {
    it(`derives the mode 7 keys and MAC of ${e.name}`, () => {
      const t = decoded(e);
      const bytes = hex(e.telegram_hex!);
      const key = parseKey(e.key!);
      const counter = new Uint8Array(new Uint32Array([t.security.counter!]).buffer);
      const id = idToBytes(t.id);
      const kenc = kdfA(key, KDF_ENC_FROM_METER, counter, id);
      const kmac = kdfA(key, KDF_MAC_FROM_METER, counter, id);
      const d = e.expect.derived!;
      if (d.Kenc) expect(toHex(kenc)).toBe(d.Kenc);
      if (d.Kmac) expect(toHex(kmac)).toBe(d.Kmac);
      if (d.mac) {
        // OMS AFL: ... MCL MCR(4) MAC(8), then the TPL; the MAC covers MCL, MCR and the TPL onwards.
        const macAt = toHex(bytes).indexOf(d.mac) / 2;
        expect(Number.isInteger(macAt) && macAt > 5).toBe(true);
        const message = new Uint8Array([...bytes.subarray(macAt - 5, macAt), ...bytes.subarray(macAt + 8)]);
        expect(toHex(cmac(kmac, message).subarray(0, 8))).toBe(d.mac);
        expect(t.security.macVerified).toBe(true);
      }
    });
  }

  for (const e of telegrams.filter((x) => x.negative_variant && x.expect.derived?.mac)) {
    it(`rejects ${e.name} with any MAC byte changed`, () => {
      const bytes = hex(e.telegram_hex!);
      const macAt = toHex(bytes).indexOf(e.expect.derived!.mac!) / 2;
      for (let i = 0; i < 8; i++) {
        const tampered = bytes.slice();
        tampered[macAt + i]! ^= 0x01;
        const result = decodeExample(e, tampered);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('MAC_MISMATCH');
      }
    });
  }

  for (const e of examples.filter((x) => x.apl_hex && x.expect.compact_form)) {
    it(`decodes the compact form of ${e.name} with the format learned from its full frame`, () => {
      const formats = new FormatMemory();
      const full = decodeTelegram(withDll(hex(e.apl_hex!)), { formats });
      const compactTelegram = withDll(hex(e.expect.compact_form!));
      expect(decodeTelegram(compactTelegram, { formats: new FormatMemory() })).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_FORMAT' },
      });
      const compact = decodeTelegram(compactTelegram, { formats });
      for (const result of [full, compact]) {
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        for (const want of e.expect.records ?? []) expect(result.telegram.records.some((r) => recordMatches(r, want))).toBe(true);
      }
    });
  }
  // The examples with raw radio bytes (3-of-6 chips, frame A/B after the sync word) are the frame
  // core's input: test/wmbus/frame checks them.
});
