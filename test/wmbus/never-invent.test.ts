/**
 * The decoder never turns bytes that are not standard records into values, and reads counters
 * unsigned. The BFW telegram is built the way a BFW 240 radio heat cost allocator sends: TPL
 * without encryption, 2F2F, then a block of the manufacturer's own that happens to start like an
 * energy record and a volume flow record and then breaks.
 */
import { describe, expect, it } from 'vitest';
import { meterFamilies } from '../../src/meters/index.js';
import { parseRecords } from '../../src/wmbus/apl/records.js';
import { decodeTelegram } from '../../src/wmbus/decode.js';
import { hex } from '../support/bytes.js';

function withL(text: string): Uint8Array {
  const body = hex(text);
  return Uint8Array.of(body.length, ...body);
}

describe('counters are unsigned', () => {
  it('reads access number 0x80 (01 FD08 80) as 128', () => {
    const r = parseRecords(hex('01FD0880'));
    expect(r.ok && r.apl.records[0]).toMatchObject({ quantity: 'access_number', value: 128 });
  });

  it('reads counters, HCA units and durations past half their range as positive', () => {
    const r = parseRecords(hex('04FD61 FFFFFFF0' + '026E 00FF' + '0227 FEFF' + '02FD74 0080'));
    expect(r.ok && r.apl.records.map((x) => [x.quantity, x.value])).toEqual([
      ['cumulation_counter', 0xf0ffffff],
      ['hca', 0xff00],
      ['operating_time', 0xfffe],
      ['remaining_battery_lifetime', 0x8000],
    ]);
  });

  it('keeps measurements that can go either way signed', () => {
    const r = parseRecords(hex('022B FFFF'));
    expect(r.ok && r.apl.records[0]!.value).toBe(-1);
  });
});

describe('bytes that are not records are never read as values', () => {
  // BFW (0x08D7), device type 0x08 (heat cost allocator), CI 7A, access number 0x80, mode 0
  const BFW = '44 D708 78563412 02 08 7A 80 00 0000 2F2F' + ' 0400 0404000E' + ' 023B 1234' + ' 1D280221';

  it('a BFW 240-like telegram: no energy or flow invented, the block kept as hex with the reason', () => {
    const r = decodeTelegram(withL(BFW), { meters: meterFamilies });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = r.telegram;
    expect(t.accessNumber).toBe(128);
    expect(t.records.some((x) => typeof x.value === 'number')).toBe(false);
    expect(Object.keys(t.fields).filter((k) => k.startsWith('energy') || k.startsWith('volume_flow'))).toEqual([]);
    expect(t.unparsed).toMatchObject({ hex: '04000404000E023B12341D280221' });
    expect(t.unparsed!.reason).toMatch(/announces more data/);
  });

  it('bytes after DIF 0F stay manufacturer data, even when they look like records', () => {
    const r = decodeTelegram(withL('44 D708 78563412 02 08 7A 80 00 0000 2F2F 0413 10000000 0F 0413 99999999'));
    expect(r.ok && r.telegram.records.map((x) => [x.quantity, x.value])).toEqual([
      ['volume', 0.016],
      ['manufacturer_data', '041399999999'],
    ]);
  });

  it('keeps the records closed by fillers before a stray trailer, and reads nothing of the trailer', () => {
    const r = decodeTelegram(withL('44 D708 78563412 02 07 7A 80 00 0000 2F2F 0413 10000000 2F2F DE47'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.telegram.fields).toEqual({ volume_m3: 0.016, unparsed: 'DE47' });
    expect(r.telegram.unparsed?.hex).toBe('DE47');
  });
});
