/**
 * Format and compact frames under each TPL header (EN 13757-7 table 2, EN 13757-3 Annex G): a
 * format frame (CI 69/6A/6B) teaches the record headers, a compact frame (CI 79/7B/73) then sends
 * only data. Frames are written out here; their CRCs come from the project's EN 13757 CRC, which
 * crc.test.ts checks against the standard's values.
 */
import { describe, expect, it } from 'vitest';
import { crc16En13757 } from '../../src/wmbus/crc.js';
import { FormatMemory, MeterFamilySet, decodeTelegram } from '../../src/wmbus/decode.js';
import type { DecodeResult } from '../../src/wmbus/types.js';
import { hex } from '../support/bytes.js';

// DLL: C 44, manufacturer ELS (93 15), id 12345678, version 33, device type 03 (gas)
const DLL = '44 9315 78563412 33 03';
/** record headers: volume, 8 BCD digits in litres (0C 13) */
const FORMAT = hex('0C13');
const DATA = hex('78563412');

const le16 = (n: number) => [n & 0xff, n >> 8];
const SIGNATURE = le16(crc16En13757(FORMAT));
/** format frame APDU: length, signature, record headers */
const FORMAT_APDU = Uint8Array.from([2 + FORMAT.length, ...SIGNATURE, ...FORMAT]);
/** compact frame APDU: signature, CRC of the full frame's records (here headers then data), data */
const COMPACT_APDU = Uint8Array.from([...SIGNATURE, ...le16(crc16En13757(Uint8Array.from([...FORMAT, ...DATA]))), ...DATA]);

const HEADERS = {
  none: '',
  short: '2A 00 0000',
  long: '78563412 9315 33 03 2A 00 0000',
} as const;

/** A telegram: DLL, CI, TPL header, APDU; L set. */
function telegram(ci: number, header: string, apdu: Uint8Array): Uint8Array {
  const body = [...hex(`${DLL} ${ci.toString(16).padStart(2, '0')} ${header}`), ...apdu];
  return Uint8Array.from([body.length, ...body]);
}

const error = (r: DecodeResult) => (r.ok ? undefined : { code: r.error.code, message: r.error.message, id: r.error.id });
const readings = (r: DecodeResult) => (r.ok ? r.telegram.records.map((x) => [x.quantity, x.value]) : r.error);

describe('format and compact frames', () => {
  it.each([
    ['none', 0x69, 0x79],
    ['short', 0x6a, 0x7b],
    ['long', 0x6b, 0x73],
  ] as const)('with %s TPL header: format frame CI %i teaches, compact frame CI %i reads', (header, formatCi, compactCi) => {
    const formats = new FormatMemory();
    const taught = decodeTelegram(telegram(formatCi, HEADERS[header], FORMAT_APDU), { formats });
    expect(readings(taught)).toEqual([]);
    expect(formats.size).toBe(1);
    expect(readings(decodeTelegram(telegram(compactCi, HEADERS[header], COMPACT_APDU), { formats }))).toEqual([['volume', 12345.678]]);
  });

  it('a format frame decodes (to no records) without a format memory', () => {
    expect(readings(decodeTelegram(telegram(0x69, '', FORMAT_APDU)))).toEqual([]);
  });

  it('a compact frame reads a format a meter family knows, without a format memory', () => {
    const meters = new MeterFamilySet([{ name: 'compact only', matches: () => false, compactFormats: [FORMAT] }]);
    expect(readings(decodeTelegram(telegram(0x79, '', COMPACT_APDU), { meters }))).toEqual([['volume', 12345.678]]);
  });

  it('a full frame without records teaches no format', () => {
    const formats = new FormatMemory();
    expect(readings(decodeTelegram(telegram(0x78, '', hex('2F2F2F2F')), { formats }))).toEqual([]);
    expect(formats.size).toBe(0);
  });

  it('refuses a format frame whose signature is not the CRC of its headers, naming the meter', () => {
    const broken = FORMAT_APDU.slice();
    broken[1]! ^= 0x01;
    const sig = ((SIGNATURE[1]! << 8) | (SIGNATURE[0]! ^ 0x01)).toString(16).toUpperCase().padStart(4, '0');
    const crc = ((SIGNATURE[1]! << 8) | SIGNATURE[0]!).toString(16).toUpperCase().padStart(4, '0');
    expect(error(decodeTelegram(telegram(0x69, '', broken), { formats: new FormatMemory() }))).toEqual({
      code: 'CRC',
      message: `format frame signature 0x${sig} does not match its record headers (CRC 0x${crc})`,
      id: '12345678',
    });
  });

  it('refuses a compact frame that does not fit the learned format, naming the meter', () => {
    const formats = new FormatMemory();
    decodeTelegram(telegram(0x69, '', FORMAT_APDU), { formats });
    const altered = COMPACT_APDU.slice();
    altered[altered.length - 1]! ^= 0x01;
    const result = decodeTelegram(telegram(0x79, '', altered), { formats });
    expect(error(result)).toMatchObject({ code: 'CRC', id: '12345678' });
    expect(error(result)?.message).toMatch(/^compact frame does not fit the learned format 0x[0-9A-F]{4}: full-frame CRC/);
  });

  it('reads a compact frame sent in clear whose format signature happens to be 2F2F (only encrypted ones open with 2F2F check bytes)', () => {
    // volume, flow temperature and volume flow: record headers whose CRC is 2F2F
    const format = hex('0C13 0258 0B3A');
    expect(crc16En13757(format)).toBe(0x2f2f);
    const data = hex('78563412 3412 563412');
    const formatApdu = Uint8Array.from([2 + format.length, 0x2f, 0x2f, ...format]);
    const fullRecords = hex('0C13 78563412 0258 3412 0B3A 563412'); // the full frame's records the CRC covers
    const compactApdu = Uint8Array.from([0x2f, 0x2f, ...le16(crc16En13757(fullRecords)), ...data]);
    const formats = new FormatMemory();
    decodeTelegram(telegram(0x6a, HEADERS.short, formatApdu), { formats });
    expect(readings(decodeTelegram(telegram(0x7b, HEADERS.short, compactApdu), { formats }))).toEqual([
      ['volume', 12345.678],
      ['flow_temperature', 4.66],
      ['volume_flow', 12.3456],
    ]);
  });

  it('reads a compact frame of signature and CRC alone, for a format that carries no data', () => {
    const format = hex('0F'); // only the marker of manufacturer data, which is empty
    const signature = le16(crc16En13757(format));
    const formats = new FormatMemory();
    decodeTelegram(telegram(0x69, '', Uint8Array.from([2 + format.length, ...signature, ...format])), { formats });
    const compact = decodeTelegram(telegram(0x79, '', Uint8Array.from([...signature, ...signature])), { formats });
    expect(compact.ok ? 'ok' : compact.error).toBe('ok');
  });
});
