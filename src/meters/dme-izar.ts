/**
 * Diehl IZAR radio water meters (PRIOS protocol; manufacturers SAP, DME, HYD; the family is in
 * dme-diehl.ts). The APDU after a
 * manufacturer CI (0xA0..0xA7) holds four clear bytes and a payload scrambled with Diehl's LFSR
 * (diehl-lfsr.ts). Telegram offsets, learned from the published IZAR telegrams and their readings:
 *
 *   11  bits 0-3: transmit period, 2^(n+2) s; bit 7: general alarm
 *   12  bits 0-4: remaining battery life in half years; bit 5 meter blocked; bit 6 leak before; bit 7 leak now
 *   13  alarms: bit 7 backflow, 6 underflow, 5 overflow, 4 submarine, 3/2 sensor fraud now/before,
 *       1/0 mechanical fraud now/before
 *   unscrambled: 0 check byte 0x4B; 1..4 total volume in litres; 5..8 volume at the last
 *       billing date; 9..10 that date (type G)
 *
 * The rest of the unscrambled payload is not known and not read. A payload whose check byte or
 * date does not hold stays manufacturer data. Only the default keys are tried.
 */
import { readDateG } from '../wmbus/apl/datatypes.js';
import { shiftDecimal } from '../wmbus/apl/scale.js';
import type { MeterExample, ProprietaryPayload } from '../wmbus/meter-family.js';
import type { MbusRecord } from '../wmbus/types.js';
import { SCRAMBLED_AT, unscrambleChecked } from './diehl-lfsr.js';
import { proprietaryRecord, uintLe } from './record.js';

const CHECK_BYTE = 0x4b;
const TOTAL_END = 5;
const BILLING_END = 11;

const CURRENT_ALARMS: readonly [number, number, string][] = [
  [12, 0x80, 'leak'],
  [12, 0x20, 'meter_blocked'],
  [13, 0x80, 'backflow'],
  [13, 0x40, 'underflow'],
  [13, 0x20, 'overflow'],
  [13, 0x10, 'submarine'],
  [13, 0x08, 'sensor_fraud'],
  [13, 0x02, 'mechanical_fraud'],
];
const PREVIOUS_ALARMS: readonly [number, number, string][] = [
  [12, 0x40, 'leak'],
  [13, 0x04, 'sensor_fraud'],
  [13, 0x01, 'mechanical_fraud'],
];

function alarmText(t: Uint8Array, bits: readonly [number, number, string][]): string {
  const set = bits.filter(([at, mask]) => (t[at]! & mask) !== 0).map(([, , name]) => name);
  return set.length > 0 ? set.join(',') : 'none';
}

function plausible(plain: Uint8Array): boolean {
  if (plain.length < TOTAL_END || plain[0] !== CHECK_BYTE) return false;
  return plain.length < BILLING_END || readDateG(plain, 9) !== null;
}

/** Records of a PRIOS telegram, or undefined when it is none (by CI, check byte and date). */
export function decodePrios(p: ProprietaryPayload): MbusRecord[] | undefined {
  if (p.ci === undefined || p.ci < 0xa0 || p.ci > 0xa7) return undefined;
  const t = p.telegram;
  const plain = unscrambleChecked(t, plausible);
  if (!plain) return undefined;
  const litres = (at: number, storage: number): MbusRecord =>
    proprietaryRecord({
      quantity: 'volume',
      unit: 'm3',
      value: shiftDecimal(uintLe(plain, at, 4), -3),
      bytes: plain.subarray(at, at + 4),
      storage,
    });
  const records = [litres(1, 0)];
  if (plain.length >= BILLING_END) {
    records.push(litres(5, 1));
    records.push(proprietaryRecord({ quantity: 'date', unit: '', value: readDateG(plain, 9), bytes: plain.subarray(9, 11), storage: 1 }));
  }
  const clear = t.subarray(11, SCRAMBLED_AT);
  records.push(
    proprietaryRecord({ quantity: 'remaining_battery_life', unit: 'y', value: (t[12]! & 0x1f) / 2, bytes: clear.subarray(1, 2) }),
    proprietaryRecord({ quantity: 'transmit_period', unit: 's', value: 2 ** ((t[11]! & 0x0f) + 2), bytes: clear.subarray(0, 1) }),
    proprietaryRecord({
      quantity: 'alarms',
      unit: '',
      value: (t[11]! & 0x80) !== 0 ? 'general_alarm' : alarmText(t, CURRENT_ALARMS),
      bytes: clear.subarray(0, 3),
    }),
    proprietaryRecord({
      quantity: 'alarms',
      unit: '',
      value: alarmText(t, PREVIOUS_ALARMS),
      bytes: clear.subarray(1, 3),
      qualifiers: ['previous'],
    }),
  );
  return records;
}

const SOURCE = 'wmbusmeters src/driver_izar.cc test telegram (GPL-3.0 project, data only)';

/** Published IZAR telegrams with their readings. */
export const izarExamples: readonly MeterExample[] = [
  {
    source: SOURCE,
    telegram: '1944304C72242421D401A2013D4013DD8B46A4999C1293E582CC',
    id: '21242472',
    fields: {
      volume_m3: 3.488,
      volume_storage1_m3: 3.486,
      date_storage1: '2019-09-30',
      remaining_battery_life_y: 14.5,
      transmit_period_s: 8,
      alarms: 'meter_blocked,underflow',
      alarms_previous: 'none',
    },
  },
  {
    source: SOURCE,
    telegram: '2944A511780729662366A20118001378D3B3DB8CEDD77731F25832AAF3DA8CADF9774EA673172E8C61F2',
    id: '66236629',
    fields: { volume_m3: 16.76, volume_storage1_m3: 11.84, date_storage1: '2019-11-30', remaining_battery_life_y: 12, alarms: 'none' },
  },
  {
    source: SOURCE,
    telegram: '1944A511780779194820A121170013355F8EDB2D03C6912B1E37',
    id: '20481979',
    fields: { volume_m3: 4.366, volume_storage1_m3: 0, date_storage1: '2020-12-31', remaining_battery_life_y: 11.5 },
  },
  {
    source: `${SOURCE}, CI A3`,
    telegram: '1944304c9c5824210c04a363140013716577ec59e8663ab0d31c',
    id: '2124589C',
    fields: {
      volume_m3: 38.944,
      volume_storage1_m3: 38.691,
      date_storage1: '2021-02-01',
      remaining_battery_life_y: 10,
      transmit_period_s: 32,
    },
  },
  {
    source: SOURCE,
    telegram: '1944304CDEFFE420CC01A263120013258F907B0AFF12529AC33B',
    fields: { volume_m3: 159.832, volume_storage1_m3: 157.76, date_storage1: '2021-02-01', remaining_battery_life_y: 9 },
  },
  {
    source: SOURCE,
    telegram: '19442423860775035048A251520015BEB6B2E1ED623A18FC74A5',
    id: '48500375',
    fields: { volume_m3: 521.602, volume_storage1_m3: 519.147, date_storage1: '2021-11-15', alarms: 'none', alarms_previous: 'leak' },
  },
];
