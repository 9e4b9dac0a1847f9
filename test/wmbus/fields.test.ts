/**
 * Friendly fields from the records of public telegrams (docs PROTOCOL §7 and the amiplus
 * telegrams of wmbusmeters' tests, plaintext part), read the way users read their meters.
 */
import { describe, expect, it } from 'vitest';
import { parseRecords } from '../../src/wmbus/apl/records.js';
import { meterFamilies } from '../../src/meters/index.js';
import { FieldNames, buildFields } from '../../src/wmbus/fields.js';
import { hex } from '../support/bytes.js';

const ELECTRICITY = { manufacturer: 'APA', version: 1, deviceType: 2 };
const WATER = { manufacturer: 'KAM', version: 0x1b, deviceType: 0x16 };

// One run's remembered names for the whole file, as a gateway keeps them: every case also checks
// that names served from it (first built, then remembered) are the ones built afresh, in order.
const runNames = new FieldNames();

function fieldsOf(apl: string, header = ELECTRICITY): Record<string, number | string> {
  const r = parseRecords(hex(apl));
  if (!r.ok) throw new Error(r.error.message);
  const family = meterFamilies.familyFor(header);
  const fresh = buildFields(r.apl.records, family);
  // Consumers (JSON, MQTT, the store) get a plain object.
  expect(Object.getPrototypeOf(fresh)).toBe(Object.prototype);
  for (let pass = 0; pass < 2; pass++) {
    expect(Object.entries(buildFields(r.apl.records, family, runNames))).toEqual(Object.entries(fresh));
  }
  return fresh;
}

describe('buildFields', () => {
  it('names an Apator electricity meter’s registers by direction and phase (amiplus test 1)', () => {
    const f = fieldsOf(
      '2F2F0E035040691500000B2B300300066D00790C7423400C78371204860BABC8FC100000000E833C8074000000000BAB3C0000000AFDC9FC0136022F2F',
    );
    expect(f).toEqual({
      energy_import_kwh: 15694.05,
      power_import_w: 330,
      meter_datetime: '2019-03-20T12:57:00',
      fabrication_number: '86041237',
      power_import_upper_limit_absolute_w: 0,
      energy_export_kwh: 7.48,
      power_export_w: 0,
      voltage_l1_v: 236,
    });
  });

  it('names tariff registers and maximum power (amiplus test 3)', () => {
    const f = fieldsOf('8E1003611001250000 8E2003810653180000 8E10833C994900000000 1B2B522802 0AFDC9FC023102');
    expect(f).toMatchObject({
      energy_import_tariff1_kwh: 25011.061,
      energy_import_tariff2_kwh: 18530.681,
      energy_export_tariff1_kwh: 4.999,
      power_import_max_w: 22852,
      voltage_l2_v: 231,
    });
  });

  it('suffixes storage numbers and functions (Kamstrup E6)', () => {
    const f = fieldsOf('0413 08190000 4413 08190000 615B 7F 6167 13', WATER);
    expect(f).toEqual({
      volume_m3: 6.408,
      volume_storage1_m3: 6.408,
      flow_temperature_min_storage1_c: 127,
      external_temperature_min_storage1_c: 19,
    });
  });

  it('shows Wh-resolution energy in kWh', () => {
    expect(fieldsOf('0202D204')).toEqual({ energy_import_kwh: 0.1234 });
  });

  it('gives a repeated name _2 before the unit, in record order', () => {
    expect(fieldsOf('0413 01000000 0413 02000000')).toEqual({ volume_m3: 0.001, volume_2_m3: 0.002 });
  });

  it('leaves out records without a value and names manufacturer records by their VIF', () => {
    expect(fieldsOf('0A13 FFFF 02FF20 7100')).toEqual({ manufacturer_specific_ff20: 113 });
  });

  it('names backward volume without calling water an export', () => {
    expect(fieldsOf('04933C 00000000')).toEqual({ volume_backward_m3: 0 });
  });
});
