/**
 * encodeRecord is the inverse of parseRecords: each record of the worked examples (docs
 * PROTOCOL §7), re-encoded from its decoded value, gives back the bytes the meter sent.
 */
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../../src/wmbus/apl/encode.js';
import { parseRecords } from '../../../src/wmbus/apl/records.js';
import { hex, toHex } from '../../support/bytes.js';

const SENT = [
  '0C1427048502', // E1 volume 28504.27 m3 (BCD8)
  '046D32371F15', // E1 date/time type F
  '02FD170000', // E1 error flags
  '0B6E341200', // E5 HCA
  '426CFE04', // E5 date type G, storage 1
  '0CFD1078563412', // E5 customer location
  '0413 08190000', // E6 volume in litres (int32)
  '615B7F', // E6 minimum flow temperature
  '04FB8275CF0C0000', // E8 reactive energy with correction factor
  '04853CCC0F0000', // E8 exported energy
  '0E03504069150000', // amiplus energy, BCD12 Wh -> kWh
  '0AFDC9FC013602', // amiplus voltage L1
  '066D2D0C0DD62C00', // type I date/time (E11 example with week and DST byte 0, which is not reported)
  '8240ACFF01EEFF', // libmbus negative power, subunit 1
  '0A1323F1', // BCD with sign nibble
  '05FDC9FF0164F84742', // real32
  '0DFD0A126369727463656C452072656469656E686353', // LVAR text
];

describe('encodeRecord', () => {
  it.each(SENT)('round-trips %s', (sentHex) => {
    const sent = hex(sentHex);
    const parsed = parseRecords(sent);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const r = parsed.apl.records[0]!;
    expect(toHex(encodeRecord({ dif: r.dif, vif: r.vif, value: r.value! }))).toBe(toHex(sent));
  });

  it('sends a bigint as the raw integer, unscaled', () => {
    expect(toHex(encodeRecord({ dif: '04', vif: '13', value: 6408n }))).toBe('0413' + '08190000');
  });

  it('encodes what a simulated GAMA 350 sends: kWh to BCD12 Wh, W to BCD6', () => {
    const energy = encodeRecord({ dif: '0E', vif: '03', value: 7064.63 });
    expect(toHex(energy)).toBe('0E03304606070000');
    const back = parseRecords(energy);
    expect(back.ok && back.apl.records[0]!.value).toBe(7064.63);
    expect(toHex(encodeRecord({ dif: '0B', vif: '2B', value: 317 }))).toBe('0B2B170300');
  });

  it('refuses values the data field cannot carry', () => {
    expect(() => encodeRecord({ dif: '01', vif: '13', value: 1000n })).toThrow(RangeError);
    expect(() => encodeRecord({ dif: '0A', vif: '13', value: 100 })).toThrow(RangeError);
    expect(() => encodeRecord({ dif: '04', vif: '6D', value: 'yesterday' })).toThrow(RangeError);
    expect(() => encodeRecord({ dif: 'zz', vif: '13', value: 1 })).toThrow(RangeError);
  });
});
