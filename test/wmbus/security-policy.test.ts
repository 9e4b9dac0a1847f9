import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FormatMemory, decodeTelegram, keyForAll, keysFromObject, parseKey } from '../../src/wmbus/decode.js';
import type { DecodeResult, ErrorCode } from '../../src/wmbus/types.js';
import { haveShared, referenceExamples, sharedMissing, wmbusmetersVectors } from '../conformance/shared-files.js';
import { recordMatches } from './decoder-fixtures.js';
import { hex } from '../support/bytes.js';

// Without the shared folder the tests that need its telegrams skip (shared-present.test.ts fails on CI instead).
if (!haveShared) console.warn(sharedMissing);

// Keys, wrong keys, missing keys and payloads that arrive in clear although the header announces
// encryption (no downgrade), plus the link-layer checks that guard them.

const KEY = parseKey('000102030405060708090A0B0C0D0E0F');
const OTHER_KEY = parseKey('000102030405060708090A0B0C0D0E1F');
// OMS Annex N records (PROTOCOL.md E1): 28504.27 m3, 2008-05-31 23:50, error flags 0.
const APL = hex('2F2F 0C14 27048502 046D 32371F15 02FD17 0000');
const VOLUME = { quantity: 'volume', unit: 'm3', value: 28504.27 };
const meter = { manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 0x03, accessNumber: 0x2a };

function code(result: DecodeResult): ErrorCode | 'ok' {
  return result.ok ? 'ok' : result.error.code;
}

/** The same telegram with its encrypted blocks replaced by the padded plaintext, as a log replay would carry it. */
function inClear(telegram: Uint8Array, payloadAt: number): Uint8Array {
  const out = telegram.slice();
  out.fill(0x2f, payloadAt);
  out.set(APL, payloadAt);
  return out;
}

describe('TPL mode 5 and 7 keys', () => {
  for (const security of [
    { mode: 5 as const, key: KEY },
    { mode: 7 as const, key: KEY, counter: 77 },
  ]) {
    const telegram = buildTelegram({ ...meter, apl: APL, security });
    // Mode 5: DLL(10) + TPL(5); mode 7: DLL(10) + AFL(17) + TPL(5) + CFE(1).
    const payloadAt = security.mode === 5 ? 15 : 33;

    it(`mode ${security.mode}: the right key decrypts`, () => {
      const result = decodeTelegram(telegram, { keys: keysFromObject({ '12345678': '000102030405060708090A0B0C0D0E0F' }) });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.telegram.security).toMatchObject({ mode: security.mode, decrypted: true, blocks: 2 });
      expect(result.telegram.records.some((r) => recordMatches(r, VOLUME))).toBe(true);
    });

    it(`mode ${security.mode}: a wrong key is an error, never records`, () => {
      expect(code(decodeTelegram(telegram, { keys: keyForAll(OTHER_KEY) }))).toBe(security.mode === 5 ? 'WRONG_KEY' : 'MAC_MISMATCH');
    });

    it(`mode ${security.mode}: no key says which meter needs one and where to add it`, () => {
      const result = decodeTelegram(telegram, { keys: keysFromObject({ '87654321': '000102030405060708090A0B0C0D0E0F' }) });
      expect(result).toMatchObject({ ok: false, error: { code: 'NO_KEY', id: '12345678', manufacturer: 'ELS', medium: 'gas' } });
      if (!result.ok) expect(result.error.message).toBe('no key for meter 12345678: add it on the Meters page or in keys.json');
    });

    it(`mode ${security.mode}: a payload in clear is read without a key but refused with one`, () => {
      const clear = inClear(telegram, payloadAt);
      const withoutKey = decodeTelegram(clear);
      expect(withoutKey.ok).toBe(true);
      if (withoutKey.ok) {
        expect(withoutKey.telegram.security.decrypted).toBe(false);
        expect(withoutKey.telegram.security.macVerified).toBeFalsy();
        expect(withoutKey.telegram.records.some((r) => recordMatches(r, VOLUME))).toBe(true);
      }
      expect(code(decodeTelegram(clear, { keys: keyForAll(KEY) }))).toBe('NOT_ENCRYPTED');
    });
  }

  it('an AFL MAC over a TPL switched to mode 0 (records in clear) is refused once a key is configured', () => {
    const sent = buildTelegram({ ...meter, apl: APL, security: { mode: 7, key: KEY, counter: 77 } });
    // DLL(10) + AFL(17) + CI ACC ST, as sent; then CW mode 0, no CFE, and the records in clear.
    const forged = new Uint8Array([...sent.subarray(0, 30), 0x00, 0x00, ...APL]);
    forged[0] = forged.length - 1;
    const result = decodeTelegram(forged, { keys: keyForAll(KEY) });
    expect(code(result)).toBe('UNSUPPORTED_SECURITY');
    if (!result.ok) expect(result.error.message).toMatch(/12345678.*AFL MAC.*mode 0/);
  });

  it('mode 5 with a long TPL header takes the IV from the TPL (meter behind a repeater)', () => {
    const telegram = buildTelegram({ ...meter, apl: APL, security: { mode: 5, key: KEY }, tpl: 'long' });
    expect(code(decodeTelegram(telegram, { keys: keyForAll(KEY) }))).toBe('ok');
  });

  it('never changes the bytes it is given', () => {
    const telegram = buildTelegram({ ...meter, apl: APL, security: { mode: 5, key: KEY } });
    const copy = telegram.slice();
    decodeTelegram(telegram, { keys: keyForAll(KEY) });
    expect(telegram).toEqual(copy);
  });
});

describe.skipIf(!haveShared)('ELL AES-CTR keys (Kamstrup, reference examples)', () => {
  const e = referenceExamples().find((x) => x.expect.security === 'ell-ctr')!;

  /** Decrypts the example independently with node's AES-CTR: everything after SN, CRC included. */
  function plaintextTelegram(): Uint8Array {
    const bytes = hex(e.telegram_hex!);
    const icb = new Uint8Array(16);
    icb.set(bytes.subarray(2, 10));
    icb[8] = bytes[11]! & ~0x12;
    icb.set(bytes.subarray(13, 17), 9);
    const d = createDecipheriv('aes-128-ctr', parseKey(e.key!), icb);
    const out = bytes.slice();
    out.set(d.update(bytes.subarray(17)), 17);
    return out;
  }

  it('a wrong key fails the payload CRC', () => {
    expect(code(decodeTelegram(hex(e.telegram_hex!), { keys: keyForAll(OTHER_KEY) }))).toBe('WRONG_KEY');
  });

  it('a payload in clear is read without a key, and with a key it is refused as sent in clear (no downgrade)', () => {
    const clear = plaintextTelegram();
    const withoutKey = decodeTelegram(clear);
    const withKey = decodeTelegram(hex(e.telegram_hex!), { keys: keyForAll(parseKey(e.key!)) });
    expect(withoutKey.ok && withKey.ok).toBe(true);
    if (withoutKey.ok && withKey.ok) {
      expect(withoutKey.telegram.security).toMatchObject({ ell: true, decrypted: false });
      expect(withoutKey.telegram.records).toEqual(withKey.telegram.records);
    }
    // The key is right: telling the user it is wrong would send them changing it.
    expect(code(decodeTelegram(clear, { keys: keyForAll(parseKey(e.key!)) }))).toBe('NOT_ENCRYPTED');
    expect(code(decodeTelegram(clear, { keys: keyForAll(OTHER_KEY) }))).toBe('NOT_ENCRYPTED');
  });
});

describe.skipIf(!haveShared)('wmbusmeters vectors: keys and downgrades', () => {
  const vectors = wmbusmetersVectors();
  const fakeKey = keyForAll(parseKey('00112233445566778899AABBCCDDEEFF'));

  it('refuses every pre-decrypted telegram once a key is configured', () => {
    const pre = vectors.filter((v) => v.frame.payload_already_decrypted);
    expect(pre.length).toBe(36);
    for (const v of pre) {
      const result = decodeTelegram(hex(v.telegram_hex), { keys: fakeKey, formats: new FormatMemory() });
      const mode = v.frame.tpl_security_mode;
      const want: ErrorCode[] = v.frame.ell_security || mode === 5 || mode === 7 ? ['NOT_ENCRYPTED'] : ['UNSUPPORTED_SECURITY'];
      expect(want, `${v.source} ${v.telegram_hex.slice(0, 30)}`).toContain(code(result));
    }
  });

  it('rejects the wrong-key negatives', () => {
    const negatives = vectors.filter((v) => v.expected === null);
    expect(negatives.length).toBe(4);
    for (const v of negatives) {
      const result = decodeTelegram(hex(v.telegram_hex), { keys: keyForAll(parseKey(v.key!)), formats: new FormatMemory() });
      expect(code(result), v.expected_error).toBe(/mac/i.test(v.expected_error ?? '') ? 'MAC_MISMATCH' : 'WRONG_KEY');
    }
  });

  it('passes the key check of every really encrypted AES telegram with its key', () => {
    const encrypted = vectors.filter(
      (v) =>
        v.expected &&
        v.key?.length === 32 &&
        v.frame.encrypted_on_air &&
        !v.frame.payload_already_decrypted &&
        (v.frame.tpl_security_mode === 5 || v.frame.tpl_security_mode === 7 || v.frame.ell_security === 'AES_CTR'),
    );
    expect(encrypted.length).toBe(20);
    for (const v of encrypted) {
      const formats = new FormatMemory();
      const keys = keyForAll(parseKey(v.key!));
      for (const prior of v.prior_telegrams_hex ?? []) decodeTelegram(hex(prior), { keys, formats });
      const result = decodeTelegram(hex(v.telegram_hex), { keys, formats });
      if (result.ok) expect(result.telegram.security.decrypted, v.source).toBe(true);
      else
        expect(['WRONG_KEY', 'NO_KEY', 'MAC_MISMATCH', 'NOT_ENCRYPTED', 'CRC'], `${v.source}: ${result.error.message}`).not.toContain(
          result.error.code,
        );
    }
  });

  it('accepts the right key of a Sanxing meter whose content starts 609B, and still spots a wrong one', () => {
    const v = vectors.find((x) => x.frame.mfct === 'KPL')!;
    const right = decodeTelegram(hex(v.telegram_hex), { keys: keyForAll(parseKey(v.key!)) });
    expect(right.ok).toBe(true);
    if (right.ok) {
      expect(right.telegram.security.decrypted).toBe(true);
      const energy = v.expected!.total_energy_consumption_kwh as number;
      expect(right.telegram.records.some((r) => recordMatches(r, { quantity: 'energy', unit: 'kWh', value: energy }))).toBe(true);
    }
    const wrongKey = v.key!.slice(0, -1) + (v.key!.endsWith('0') ? '1' : '0');
    expect(code(decodeTelegram(hex(v.telegram_hex), { keys: keyForAll(parseKey(wrongKey)) }))).toBe('WRONG_KEY');
  });
});

describe('link layer checks', () => {
  // PROTOCOL.md E1 on air, frame format A with its block CRCs.
  const withCrcs = hex('2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A');
  const e1Key = keyForAll(parseKey('0102030405060708090A0B0C0D0E0F11'));
  // PROTOCOL.md E2: the same reading in a wired M-Bus long frame.
  const wired = hex('6820206808FD72785634129315330 32A0000000C1427048502046D32371F1502FD17000089 16'.replace(/ /g, ''));

  it('verifies and strips format A block CRCs', () => {
    expect(code(decodeTelegram(withCrcs, { keys: e1Key }))).toBe('ok');
    for (const at of [5, 20, 40, 52]) {
      const damaged = withCrcs.slice();
      damaged[at]! ^= 0x04;
      expect(code(decodeTelegram(damaged, { keys: e1Key })), `byte ${at}`).toBe('CRC');
    }
  });

  it('reads a wired M-Bus long frame and checks its checksum', () => {
    const result = decodeTelegram(wired);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.telegram).toMatchObject({ id: '12345678', manufacturer: 'ELS', link: { kind: 'wired', c: 0x08 } });
      expect(result.telegram.records.some((r) => recordMatches(r, VOLUME))).toBe(true);
    }
    const damaged = wired.slice();
    damaged[20]! ^= 0x01;
    expect(code(decodeTelegram(damaged))).toBe('CRC');
  });

  it('says TRUNCATED when the bytes end before L says', () => {
    const telegram = buildTelegram({ ...meter, apl: APL });
    expect(code(decodeTelegram(telegram.subarray(0, telegram.length - 3)))).toBe('TRUNCATED');
  });
});
