/**
 * Published known-answer vectors (OMS Vol.2 Annex N, CEN/TR 17167 annex F.3, two Kamstrup ELL telegrams), kept in
 * test/fixtures so they guard the security layer without the shared conformance folder. A bug made
 * the same way in the encoder and the decoder passes every round trip; it cannot pass these.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTelegram, keyForAll, parseKey } from '../../src/wmbus/decode.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from '../../src/wmbus/security/kdf.js';
import type { ExpectedRecord } from '../conformance/shared-files.js';
import { recordMatches } from './decoder-fixtures.js';
import { hex, toHex } from '../support/bytes.js';

interface KnownAnswers {
  kdfA: { name: string; key: string; counter_hex: string; id_hex: string; Kenc: string; Kmac: string }[];
  telegrams: {
    name: string;
    telegram_hex: string;
    key: string;
    expect: { id: string; security_mode?: number; mac?: string; records: ExpectedRecord[] };
  }[];
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/security-known-answers.json', import.meta.url), 'utf8')) as KnownAnswers;

describe('KDF-A (EN 13757-7 §9.6) against CEN/TR 17167 annex F.3', () => {
  it.each(vectors.kdfA)('$name: Kenc and Kmac', (v) => {
    const key = parseKey(v.key);
    expect(toHex(kdfA(key, KDF_ENC_FROM_METER, hex(v.counter_hex), hex(v.id_hex)))).toBe(v.Kenc);
    expect(toHex(kdfA(key, KDF_MAC_FROM_METER, hex(v.counter_hex), hex(v.id_hex)))).toBe(v.Kmac);
  });
});

describe('published telegrams decode to their published values', () => {
  it.each(vectors.telegrams)('$name', (v) => {
    const result = decodeTelegram(hex(v.telegram_hex), { keys: keyForAll(parseKey(v.key)) });
    if (!result.ok) throw new Error(`${v.name}: ${result.error.code} ${result.error.message}`);
    expect(result.telegram.id).toBe(v.expect.id);
    if (v.expect.security_mode !== undefined) expect(result.telegram.security.mode).toBe(v.expect.security_mode);
    expect(result.telegram.security.decrypted).toBe(true);
    if (v.expect.mac) expect(result.telegram.security.macVerified).toBe(true);
    for (const want of v.expect.records) {
      expect(
        result.telegram.records.some((r) => recordMatches(r, want)),
        `${v.name}: no record like ${JSON.stringify(want)}`,
      ).toBe(true);
    }
  });
});

describe('the AFL MAC is compared on every byte', () => {
  const withMac = vectors.telegrams.filter((v) => v.expect.mac);

  it('the vectors carry 8-byte MACs', () => {
    expect(withMac.map((v) => v.expect.mac!.length / 2)).toEqual([8, 8]);
  });

  for (const v of withMac) {
    const telegram = hex(v.telegram_hex);
    const macAt = v.telegram_hex.indexOf(v.expect.mac!) / 2;
    it.each([...Array(8).keys()])(`${v.name}: MAC byte %i changed is refused`, (i) => {
      const forged = telegram.slice();
      forged[macAt + i]! ^= 0x01;
      const result = decodeTelegram(forged, { keys: keyForAll(parseKey(v.key)) });
      expect(result.ok ? 'ok' : result.error.code).toBe('MAC_MISMATCH');
    });

    it(`${v.name}: the last ciphertext byte changed is refused`, () => {
      const forged = telegram.slice();
      forged[forged.length - 1]! ^= 0x80;
      const result = decodeTelegram(forged, { keys: keyForAll(parseKey(v.key)) });
      expect(result.ok ? 'ok' : result.error.code).toBe('MAC_MISMATCH');
    });
  }
});
