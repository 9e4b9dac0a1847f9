/**
 * Hydrodigit water meters (BMT, device type 7, version 0x13). The standard records give the total
 * and the clock; after DIF 0F the meter appends a block of its own, opened by a content byte that
 * says which parts follow: 0x04 a battery byte, 0x01 a 4-byte backflow register, 0x10 the volume
 * at the end of each calendar month, January first, 3 bytes each in 0.01 m3 (layout read from the
 * published test telegram against its known monthly values). The rest is padding. A content
 * byte with other bits, or any other length, is left as manufacturer data.
 * The battery byte's scale is not known, so it is not turned into a voltage.
 */
import { shiftDecimal } from '../wmbus/apl/scale.js';
import type { MeterFamily, ProprietaryPayload } from '../wmbus/meter-family.js';
import type { MbusRecord } from '../wmbus/types.js';
import { onlyPadding, proprietaryRecord, uintLe } from './record.js';

const BACKFLOW = 0x01;
const BATTERY = 0x04;
const MONTHLY = 0x10;
const KNOWN = BACKFLOW | BATTERY | MONTHLY;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function decode(p: ProprietaryPayload): MbusRecord[] | undefined {
  const d = p.data;
  if (p.ci !== undefined || d.length === 0) return undefined;
  const content = d[0]!;
  if (content & ~KNOWN) return undefined;
  let at = 1;
  const records: MbusRecord[] = [];
  if (content & BATTERY) at += 1;
  if (content & BACKFLOW) {
    if (at + 4 > d.length) return undefined;
    // counted like the total register the meter sends in litres (VIF 0x13)
    records.push(
      proprietaryRecord({
        quantity: 'volume',
        unit: 'm3',
        value: shiftDecimal(uintLe(d, at, 4), -3),
        bytes: d.subarray(at, at + 4),
        qualifiers: ['backflow'],
      }),
    );
    at += 4;
  }
  if (content & MONTHLY) {
    if (at + 36 > d.length) return undefined;
    MONTHS.forEach((month, i) => {
      const b = d.subarray(at + 3 * i, at + 3 * i + 3);
      records.push(
        proprietaryRecord({ quantity: 'volume', unit: 'm3', value: shiftDecimal(uintLe(b, 0, 3), -2), bytes: b, qualifiers: [month] }),
      );
    });
    at += 36;
  }
  return onlyPadding(d, at) ? records : undefined;
}

export const bmtHydrodigit: MeterFamily = {
  name: 'BMT Hydrodigit',
  matches: (h) => h.manufacturer === 'BMT' && h.deviceType === 0x07 && h.version === 0x13,
  decodeProprietary: decode,
  examples: [
    {
      source: 'wmbusmeters drivers/src/hydrodigit.xmq test telegram (GPL-3.0 project, data only)',
      telegram:
        '4E44B4098686868613077AF00040052F2F0C1366380000046D27287E2A0F150E00000000C10000D10000E60000FD00000C01002F0100410100540100680100890000A00000B30000002F2F2F2F2F2F',
      fields: {
        volume_m3: 3.866,
        volume_backflow_m3: 0,
        volume_january_m3: 1.93,
        volume_june_m3: 3.03,
        volume_december_m3: 1.79,
        meter_datetime: '2019-10-30T08:39',
      },
    },
  ],
};
