/**
 * The transport layer's answers to telegrams it cannot read (EN 13757-7 §7): the message a user
 * sees for each kind of CI, header, encryption announcement and compact frame that does not fit.
 * Telegrams are written out byte by byte here, not built by the project's encoder.
 */
import { describe, expect, it } from 'vitest';
import { FormatMemory, MeterFamilySet, decodeTelegram, keyForAll, parseKey } from '../../src/wmbus/decode.js';
import type { DecodeResult } from '../../src/wmbus/types.js';
import { hex } from '../support/bytes.js';

// DLL: C 44, manufacturer ELS (93 15), id 12345678, version 33, device type 03 (gas)
const DLL = '44 9315 78563412 33 03';
const KEY = keyForAll(parseKey('000102030405060708090A0B0C0D0E0F'));

/** A telegram of the DLL and `rest` (hex), L set. */
function telegram(rest: string): Uint8Array {
  const body = hex(`${DLL} ${rest}`);
  return Uint8Array.from([body.length, ...body]);
}

/** A wired M-Bus long frame (EN 13757-2 §5: 68 L L 68, C, A, then CI and data, checksum, 16) of C 08, address 00. */
function wired(rest: string): Uint8Array {
  const body = hex(`08 00 ${rest}`);
  const sum = body.reduce((a, b) => a + b, 0) & 0xff;
  return Uint8Array.from([0x68, body.length, body.length, 0x68, ...body, sum, 0x16]);
}

const error = (r: DecodeResult) => (r.ok ? undefined : { code: r.error.code, message: r.error.message });

describe('TPL', () => {
  it('names manufacturer-specific CIs (A0 to B7) apart from CIs that are no meter data at all', () => {
    for (const ci of ['A0', 'B7']) {
      expect(error(decodeTelegram(telegram(`${ci} 0102030405`)))).toEqual({
        code: 'UNSUPPORTED_CI',
        message: `CI ${ci} carries manufacturer-specific data that needs a meter-specific decoder`,
      });
    }
    for (const ci of ['9F', 'B8', '51']) {
      expect(error(decodeTelegram(telegram(`${ci} 0102030405`)))).toEqual({
        code: 'UNSUPPORTED_CI',
        message: `CI ${ci} is not a meter data response this decoder reads`,
      });
    }
  });

  it('says which header a telegram ends in', () => {
    expect(error(decodeTelegram(telegram('72 78563412 9315 33')))).toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining('telegram ends inside the long TPL header'),
    });
    expect(error(decodeTelegram(telegram('7A 2A 00 00')))).toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining('telegram ends inside the TPL header'),
    });
  });

  it('refuses more encrypted blocks than the telegram holds', () => {
    // CW 0520: mode 5, 2 blocks; 16 bytes follow
    expect(error(decodeTelegram(telegram(`7A 2A 00 2005 ${'00'.repeat(16)}`), { keys: KEY }))).toEqual({
      code: 'TRUNCATED',
      message: 'meter 12345678 announces 2 encrypted blocks, the telegram ends after 16 bytes',
    });
  });

  it('reads mode 5 with no whole block as records in clear, and all whole blocks when the count is 0', () => {
    // mode 5, block count 0, 6 bytes of records: nothing to decrypt
    const r = decodeTelegram(telegram('7A 2A 00 0005 0C13 78563412'), { keys: KEY });
    expect(r.ok && r.telegram.records.map((x) => [x.quantity, x.value])).toEqual([['volume', 12345.678]]);
  });

  it('refuses a security mode it cannot decrypt once a key is configured, and reads it in clear without one', () => {
    const mode3 = telegram('7A 2A 00 1003 2F2F 0C13 78563412 2F2F2F2F2F2F2F2F');
    expect(error(decodeTelegram(mode3, { keys: KEY }))).toEqual({
      code: 'UNSUPPORTED_SECURITY',
      message: 'meter 12345678 uses TPL security mode 3; only modes 0, 5 and 7 are supported',
    });
    const clear = decodeTelegram(mode3);
    expect(clear.ok && clear.telegram.records.map((x) => x.quantity)).toEqual(['volume']);
    expect(error(decodeTelegram(telegram('7A 2A 00 1003 0C13 78563412 2F2F2F2F2F2F2F2F2F2F')))).toMatchObject({
      code: 'UNSUPPORTED_SECURITY',
    });
  });

  it('refuses an AFL MAC in front of a CI without a TPL header', () => {
    const afl = '90 0F 002C 25 01000000 0102030405060708';
    expect(error(decodeTelegram(telegram(`${afl} 78 0C13 78563412`), { keys: KEY }))).toEqual({
      code: 'MALFORMED',
      message: 'an AFL MAC protects CI 78, which has no TPL header to say how',
    });
  });

  it('says a compact frame is too short, or of a format not learned yet', () => {
    expect(error(decodeTelegram(telegram('79 1234 56'), { formats: new FormatMemory() }))).toMatchObject({
      code: 'TRUNCATED',
      message: 'compact frame shorter than its signature and CRC',
    });
    expect(error(decodeTelegram(telegram('79 ABCD 0000 78563412'), { formats: new FormatMemory() }))).toEqual({
      code: 'UNKNOWN_FORMAT',
      message:
        'compact frame of meter 12345678 uses format 0xCDAB, not learned yet: it is decoded once a full frame of this meter has been seen',
    });
  });

  it('refuses a wired M-Bus frame whose TPL names no meter (only the long header does on a wired bus)', () => {
    for (const ci of ['78', '7A']) {
      const rest = ci === '7A' ? `${ci} 2A 00 0000 0C13 78563412` : `${ci} 0C13 78563412`;
      expect(error(decodeTelegram(wired(rest)))).toEqual({
        code: 'MALFORMED',
        message: `wired M-Bus frame with CI ${ci} names no meter (a long header, CI 72, is needed)`,
      });
    }
    const long = decodeTelegram(wired('72 78563412 9315 33 03 2A 00 0000 0C13 78563412'));
    expect(long.ok && long.telegram.link).toEqual({ kind: 'wired', c: 0x08, dllId: '12345678', dllManufacturer: 'ELS' });
  });

  it('reports the access number and status byte of the short header', () => {
    const r = decodeTelegram(telegram('7A 2A 10 0000 0C13 78563412'));
    expect(r.ok && { accessNumber: r.telegram.accessNumber, status: r.telegram.status }).toEqual({ accessNumber: 0x2a, status: 0x10 });
  });

  it('reads a CI without a TPL header behind an AFL that carries no MAC', () => {
    const r = decodeTelegram(telegram('90 06 0008 01000000 78 0C13 78563412'), { keys: KEY });
    expect(r.ok && r.telegram.records.map((x) => [x.quantity, x.value])).toEqual([['volume', 12345.678]]);
  });

  it('keeps a region whose records do not parse to the end as one unparsed record of hex, none of it read as values', () => {
    const r = decodeTelegram(telegram('78 0C13 78563412 0C13 7856'));
    expect(r.ok && r.telegram.records).toEqual([
      {
        quantity: 'unparsed',
        unit: '',
        value: '0C13785634120C137856',
        function: 'instantaneous',
        storage: 0,
        tariff: 0,
        subunit: 0,
        dif: '',
        vif: '',
        data: '0C13785634120C137856',
      },
    ]);
    expect(r.ok && r.telegram.unparsed?.hex).toBe('0C13785634120C137856');
  });

  it('hands a CI of the manufacturer’s own (A0 to B7) to the meter family that reads it', () => {
    const meters = new MeterFamilySet([
      {
        name: 'own CI',
        matches: (h) => h.manufacturer === 'ELS',
        decodeProprietary: (p) => [
          {
            quantity: 'volume',
            unit: 'm3',
            value: p.data.length,
            function: 'instantaneous',
            storage: 0,
            tariff: 0,
            subunit: 0,
            dif: '',
            vif: '',
            data: '',
          },
        ],
      },
    ]);
    const r = decodeTelegram(telegram('A0 0102030405'), { meters });
    expect(r.ok && r.telegram.records.map((x) => [x.quantity, x.value])).toEqual([['volume', 5]]);
  });
});
