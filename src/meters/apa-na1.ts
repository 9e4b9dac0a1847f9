/**
 * Apator NA-1 water meters (APA, version 0x14, device type 7). They send a manufacturer CI 0xA0:
 * access number, a clear status byte, then one block AES-128-CBC encrypted as TPL mode 5 does it
 * (IV from the link header and the access number; the meters ship with an all-zero key). Layout
 * of the decrypted block, learned from the published telegrams against their readings:
 *
 *   0      0x2F (checked)
 *   1..4   total volume: bits 4-5 a decimal exponent e, the low nibble and bits 8.. the digits,
 *          (bits 8.. * 16 + low nibble) * 10^e litres
 *   5..8   the meter's clock, seconds since 2000-01-01 00:00
 *   9..13  the last history point: its age in hours (byte 9, and byte 10 bits 2-7 above it) and how
 *          much less the total was then (byte 10 bits 0-1, then bytes 11..13), in the total's litres
 *   14, 15 current and historic alarm flags
 *
 * A wrong key passes the check byte once in 256; a clock outside 2010-2045 refuses it as well.
 */
import { shiftDecimal } from '../wmbus/apl/scale.js';
import type { MeterFamily, ProprietaryPayload } from '../wmbus/meter-family.js';
import { aesKey, cbcDecrypt } from '../wmbus/security/aes.js';
import { mode5Iv } from '../wmbus/security/iv.js';
import type { MbusRecord } from '../wmbus/types.js';
import { proprietaryRecord, uintLe } from './record.js';

const BLOCK = 16;
const CLEAR = 2;
const CHECK = 0x2f;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const PLAUSIBLE_CLOCK = [Date.UTC(2010, 0, 1), Date.UTC(2045, 0, 1)] as const;
const ZERO_KEY = new Uint8Array(16);

const STATUS_FLAGS: readonly [number, string][] = [
  [0x80, 'minimum_flow'],
  [0x40, 'maximum_flow'],
  [0x20, 'reverse_flow'],
  [0x10, 'measurement_unchanged'],
  [0x08, 'leak'],
  [0x04, 'device_disconnected'],
  [0x02, 'magnetic_field'],
  [0x01, 'battery'],
];

function flags(b: number): string {
  const set = STATUS_FLAGS.filter(([mask]) => (b & mask) !== 0).map(([, name]) => name);
  return set.length > 0 ? set.join(',') : 'none';
}

/** The meter's clock as a local ISO string to the minute, like the standard's type F dates. */
function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

function decode(p: ProprietaryPayload): MbusRecord[] | undefined {
  const d = p.data;
  const t = p.telegram;
  if (p.ci !== 0xa0 || d.length !== CLEAR + BLOCK || t.length < 10) return undefined;
  const iv = mode5Iv(t, 2, 4, t[8]!, t[9]!, d[0]!);
  const plain = cbcDecrypt(aesKey(p.key ?? ZERO_KEY), iv, d, CLEAR, CLEAR + BLOCK);
  if (plain[0] !== CHECK) return undefined;
  const clock = EPOCH_2000 + uintLe(plain, 5, 4) * 1000;
  if (clock < PLAUSIBLE_CLOCK[0] || clock >= PLAUSIBLE_CLOCK[1]) return undefined;
  const raw = uintLe(plain, 1, 4);
  const exponent = (raw >> 4) & 3;
  const litres = (Math.floor(raw / 256) * 16 + (raw & 0x0f)) * 10 ** exponent;
  const ageH = (plain[10]! >> 2) * 256 + plain[9]!;
  const lessLitres = (plain[13]! * 2 ** 18 + plain[12]! * 2 ** 10 + plain[11]! * 4 + (plain[10]! & 3)) * 10 ** exponent;
  const bytes = (from: number, to: number): Uint8Array => plain.subarray(from, to);
  return [
    proprietaryRecord({ quantity: 'volume', unit: 'm3', value: shiftDecimal(litres, -3), bytes: bytes(1, 5) }),
    proprietaryRecord({ quantity: 'datetime', unit: '', value: clockText(clock), bytes: bytes(5, 9) }),
    proprietaryRecord({ quantity: 'alarms', unit: '', value: flags(plain[14]!), bytes: bytes(14, 15) }),
    proprietaryRecord({ quantity: 'volume', unit: 'm3', value: shiftDecimal(litres - lessLitres, -3), bytes: bytes(9, 14), storage: 1 }),
    proprietaryRecord({ quantity: 'datetime', unit: '', value: clockText(clock - ageH * 3600_000), bytes: bytes(9, 11), storage: 1 }),
    proprietaryRecord({ quantity: 'age', unit: 'h', value: ageH, bytes: bytes(9, 11), storage: 1 }),
    proprietaryRecord({ quantity: 'alarms', unit: '', value: flags(plain[15]!), bytes: bytes(15, 16), storage: 1 }),
  ];
}

const SOURCE = 'wmbusmeters drivers/src/apatorna1.xmq test telegram (GPL-3.0 project, data only)';

export const apatorNa1: MeterFamily = {
  name: 'Apator NA-1',
  matches: (h) => h.manufacturer === 'APA' && h.version === 0x14 && h.deviceType === 0x07,
  decodeProprietary: decode,
  examples: [
    {
      source: SOURCE,
      telegram: '1C440106813591041407A0B000266A705474DDB80D9A0EB9AE2EF29D96',
      key: '00000000000000000000000000000000',
      fields: {
        volume_m3: 345.312,
        meter_datetime: '2024-03-23T15:22',
        volume_storage1_m3: 300.619,
        datetime_storage1: '2024-02-29T22:22',
        age_storage1_h: 545,
        alarms_storage1: 'minimum_flow',
      },
    },
    {
      source: SOURCE,
      telegram: '1C440106813591041407A07F018D43B54E718E8718D5D2C8F939194847',
      fields: { volume_m3: 687.361, meter_datetime: '2024-10-15T12:23', volume_storage1_m3: 662.325, age_storage1_h: 351, alarms: 'none' },
    },
  ],
};
