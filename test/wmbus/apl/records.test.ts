/**
 * Application records against the facts of docs PROTOCOL.md §6 and the worked examples of §7
 * (OMS Annex N, libmbus frames, wmbusmeters tests, EN 13757-3 G.5), and the reference examples.
 */
import { describe, expect, it } from 'vitest';
import { parseRecords } from '../../../src/wmbus/apl/records.js';
import type { MbusRecord } from '../../../src/wmbus/types.js';
import { haveShared, referenceExamples } from '../../conformance/shared-files.js';
import { hex } from '../../support/bytes.js';

function records(apl: string): MbusRecord[] {
  const r = parseRecords(hex(apl));
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.apl.records;
}
const one = (hex: string): MbusRecord => {
  const rs = records(hex);
  expect(rs).toHaveLength(1);
  return rs[0]!;
};

describe('data types (PROTOCOL §6.3)', () => {
  it('reads BCD with the F sign nibble as negative and other bad nibbles as invalid', () => {
    expect(one('0A13 23F1').value).toBe(-0.123); // volume in litres: -123 l
    expect(one('0A13 2A01').value).toBeNull();
    expect(one('0A13 FFFF').value).toBeNull();
    expect(one('0B13 563412').value).toBe(123.456); // wmbusmeters test_dvparser
  });

  it('reads two’s complement integers of every width', () => {
    expect(one('012B FF').value).toBe(-1);
    expect(one('032B FEFFFF').value).toBe(-2);
    expect(one('062B 010000000080').value).toBe(-(2 ** 47) + 1);
    expect(one('072B FFFFFFFFFFFFFF7F').value).toBe(Number(2n ** 63n - 1n));
  });

  it('reads real32 as the decimal the meter meant', () => {
    // 0x4247F864 is the float32 nearest 49.99257 (a mains frequency in a Schneider iEM3000 frame)
    expect(one('05FDC9FF01 64F84742').value).toBe(49.99257);
  });

  it('reads dates and times of types F, G, I and J', () => {
    expect(one('046D 32371F15').value).toBe('2008-05-31T23:50');
    expect(one('026C FE04').value).toBe('2007-04-30');
    expect(one('026C FF0C').value).toBe('2007-12-31');
    expect(one('066D 2D0C0DD62C33').value).toBe('2022-12-22T13:12:45');
    expect(one('036D 2D0C0D')).toMatchObject({ quantity: 'time', value: '13:12:45' });
    expect(one('026C FFFF').value).toBeNull();
    expect(one('046D B2371F15').value).toBeNull(); // IV bit
    expect(one('82046C 5F1C')).toMatchObject({ storage: 8, value: '2010-12-31' });
  });

  it('reads LVAR text sent last character first, and LVAR BCD', () => {
    const text = one('0DFD0A 12 6369727463656C452072656469656E686353');
    expect(text).toMatchObject({ quantity: 'manufacturer', value: 'Schneider Electric' });
    expect(one('0D13 C2 3412').value).toBe(1.234);
    expect(one('0D13 D2 3412').value).toBe(-1.234);
  });
});

describe('DIFE chains (PROTOCOL §6.2)', () => {
  it.each([
    ['82046C 5F1C', { storage: 8, tariff: 0, subunit: 0 }],
    ['C2046C 5F1C', { storage: 9, tariff: 0, subunit: 0 }],
    ['8C1004 52120000', { storage: 0, tariff: 1, subunit: 0 }],
    ['8C1104 52120000', { storage: 2, tariff: 1, subunit: 0 }],
    ['8240AC FF01 EEFF', { storage: 0, tariff: 0, subunit: 1 }],
    ['8B8200933E 674523', { storage: 4, tariff: 0, subunit: 0 }],
  ])('%s', (hex, where) => {
    expect(one(hex)).toMatchObject(where);
  });

  it('refuses more than ten DIFEs', () => {
    const r = parseRecords(hex(`8C${'80'.repeat(10)}00 13 00000000`));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('MALFORMED');
  });
});

describe('VIF tables and combinable VIFEs', () => {
  it('decodes the OMS Annex N N.2.1 plaintext (E1/E2)', () => {
    const rs = records('2F2F 0C1427048502 046D32371F15 02FD170000 2F2F2F');
    expect(rs.map((r) => [r.quantity, r.unit, r.value])).toEqual([
      ['volume', 'm3', 28504.27],
      ['datetime', '', '2008-05-31T23:50'],
      ['error_flags', '', 0],
    ]);
  });

  it('decodes libmbus oms_frame3 heat values (E11)', () => {
    expect(one('0C06 27048502')).toMatchObject({ quantity: 'energy', unit: 'kWh', value: 2850427, direction: 'import' });
    expect(one('0C13 76347000')).toMatchObject({ quantity: 'volume', unit: 'm3', value: 703.476 });
    expect(one('4C06 19144514')).toMatchObject({ storage: 1, value: 14451419 });
    expect(one('0B3B 270100')).toMatchObject({ quantity: 'volume_flow', unit: 'm3/h', value: 0.127 });
    expect(one('0B2A 973200')).toMatchObject({ quantity: 'power', unit: 'W', value: 3297 / 10 });
    expect(one('0A5A 4304')).toMatchObject({ quantity: 'flow_temperature', unit: 'C', value: 44.3 });
    expect(one('0A5E 5102')).toMatchObject({ quantity: 'return_temperature', unit: 'C', value: 25.1 });
  });

  it('decodes libmbus electricity-meter-1 values (E11)', () => {
    expect(one('8C1004 52120000')).toMatchObject({ quantity: 'energy', unit: 'kWh', value: 12.52 });
    expect(one('02FDC9FF01 ED00')).toMatchObject({ quantity: 'voltage', unit: 'V', value: 237 });
    expect(one('02FDDBFF01 2000')).toMatchObject({ quantity: 'current', unit: 'A', value: 3.2 });
    expect(one('02ACFF01 4F00')).toMatchObject({ quantity: 'power', unit: 'W', value: 790 });
    expect(one('8240ACFF01 EEFF')).toMatchObject({ quantity: 'power', subunit: 1, value: -180 });
  });

  it('gives BCD12 Wh energy in kWh with exact decimals (GAMA 350 / amiplus, E11)', () => {
    const energy = one('0E03 504069150000');
    expect(energy).toMatchObject({ quantity: 'energy', unit: 'kWh', direction: 'import' });
    expect(String(energy.value)).toBe('15694.05');
    expect(String(one('0E03 304606070000').value)).toBe('7064.63');
    expect(one('0B2B 300300')).toMatchObject({ quantity: 'power', unit: 'W', value: 330 });
  });

  it('maps VIFE 0x3C to export, 0x3B to import, and 0xFC 01–03 to phases', () => {
    expect(one('0E833C 807400000000')).toMatchObject({ quantity: 'energy', direction: 'export', value: 7.48 });
    expect(one('04933B 01000000')).toMatchObject({ quantity: 'volume', direction: 'import' });
    expect(one('0AFDC9FC01 3602')).toMatchObject({ quantity: 'voltage', phase: 'L1', value: 236 });
    expect(one('0AFDC9FC02 3602').phase).toBe('L2');
    expect(one('0AFDC9FC03 3602').phase).toBe('L3');
    expect(one('0BABC8FC10 000007')).toMatchObject({
      quantity: 'power',
      value: 70000,
      qualifiers: ['upper limit value', 'accumulation of absolute value'],
    });
  });

  it('applies multiplicative correction VIFEs and reads the 0xFB table (E8 omnipower)', () => {
    const rs = records('0405 00000000 04FB8275 CF0C0000 04853C CC0F0000 04FB82F53C 09000000 01FD17 00');
    expect(rs[1]).toMatchObject({ quantity: 'reactive_energy', unit: 'kvarh', value: 327.9 });
    expect(rs[2]).toMatchObject({ quantity: 'energy', direction: 'export', unit: 'kWh', value: 404.4 });
    expect(rs[3]).toMatchObject({ quantity: 'reactive_energy', direction: 'export', value: 0.9 });
  });

  it('reads reactive power of the 0xFB table in var', () => {
    expect(one('0BFB943C 490200')).toMatchObject({ quantity: 'reactive_power', unit: 'var', direction: 'export', value: 249 });
  });

  it('keeps manufacturer VIFs and manufacturer VIFEs as named, raw records', () => {
    const mfct = one('02FF20 7100');
    expect(mfct).toMatchObject({ quantity: 'manufacturer_specific', unit: '', value: 113, vif: 'FF20', data: '7100' });
    expect(one('0BABC8FF13 000007').qualifiers).toEqual(['upper limit value', 'manufacturer specific 13']);
  });

  it('reads the plain-text VIF', () => {
    const r = one('027C 03 6B6F6F 2A00');
    expect(r).toMatchObject({ quantity: 'plain_text', value: 42, qualifiers: ['ook'] });
  });

  it('names record error VIFEs', () => {
    expect(one('0493 15 00000000').qualifiers).toEqual(['error: no data available']);
  });

  it('reads the Kamstrup E6 plaintext, minimum function and storage 1', () => {
    const rs = records('02FF20 7100 0413 08190000 4413 08190000 615B 7F 6167 13');
    expect(rs.slice(1).map((r) => [r.quantity, r.function, r.storage, r.value])).toEqual([
      ['volume', 'instantaneous', 0, 6.408],
      ['volume', 'instantaneous', 1, 6.408],
      ['flow_temperature', 'minimum', 1, 127],
      ['external_temperature', 'minimum', 1, 19],
    ]);
  });

  it('splits a compact profile into one record per element, newest first for the inverse profile', () => {
    // Caltos HCA (wmbusmeters caltose test): inverse compact profile, monthly BCD6 elements
    const rs = records('8D04EE13 0E 3BFE 990000 520000 100000 000000');
    expect(rs.map((r) => [r.quantity, r.value, r.qualifiers?.at(-1)])).toEqual([
      ['hca', 99, 'profile element 1'],
      ['hca', 52, 'profile element 2'],
      ['hca', 10, 'profile element 3'],
      ['hca', 0, 'profile element 4'],
    ]);
  });
});

describe('special DIFs and broken records', () => {
  it('skips idle filler and keeps manufacturer data to the end as hex', () => {
    const rs = records('2F2F 0413 01000000 0F 0102AB');
    expect(rs).toHaveLength(2);
    expect(rs[1]).toMatchObject({ quantity: 'manufacturer_data', value: '0102AB', dif: '0F' });
    expect(records('1F 00FF').at(-1)).toMatchObject({ quantity: 'manufacturer_data', value: '00FF' });
  });

  it('reports a record cut short as TRUNCATED, a reserved DIF as MALFORMED', () => {
    const cut = parseRecords(hex('0413 0100'));
    expect(cut.ok ? 'ok' : cut.error.code).toBe('TRUNCATED');
    const reserved = parseRecords(hex('0413 01000000 3F 00'));
    expect(reserved.ok ? 'ok' : reserved.error.code).toBe('MALFORMED');
  });

  it('reads nothing of a region that breaks, and keeps the regions closed by fillers before it', () => {
    // amiplus telegram logged with two stray bytes after the filler (wmbusmeters amiplus test)
    const r = parseRecords(hex('0E03 504069150000 2F2F DE47'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('TRUNCATED');
    expect(r.kept.records.map((x) => x.value)).toEqual([15694.05]);
    expect(r.keptEnd).toBe(10);
    // the same energy record with the break in its own region: nothing of it is read
    const within = parseRecords(hex('0E03 504069150000 DE47'));
    expect(within.ok ? 'ok' : within.kept.records).toEqual([]);
  });

  it('collects the DIF/VIF bytes of all records for compact-frame learning', () => {
    const r = parseRecords(hex('2F2F 0202D204 02152E16 022A3423'));
    expect(r.ok && Buffer.from(r.apl.dibVib).toString('hex')).toBe('02020215022a');
  });

  it('never throws on random bytes: every answer is records or a typed error', () => {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const codes = new Set<string>();
    for (let n = 0; n < 20000; n++) {
      const buf = Uint8Array.from({ length: 1 + (next() % 64) }, next);
      const r = parseRecords(buf, 0, buf.length);
      if (!r.ok) codes.add(r.error.code);
      else for (const rec of r.apl.records) expect(typeof rec.quantity).toBe('string');
    }
    expect([...codes].every((c) => c === 'TRUNCATED' || c === 'MALFORMED')).toBe(true);
  });
});

describe.skipIf(!haveShared)('reference examples given as APL bytes', () => {
  it('decodes each to its expected records', () => {
    const withApl = referenceExamples().filter((l) => l.apl_hex);
    expect(withApl).toHaveLength(1);
    for (const line of withApl) {
      const hex = line.apl_hex!;
      // the CI byte (0x78, full frame without TPL header) opens the example
      const rs = records(hex.slice(2));
      expect(rs).toMatchObject(line.expect.records!);
    }
  });
});
