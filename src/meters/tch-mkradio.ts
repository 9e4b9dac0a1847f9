/**
 * Techem radio water meters (mkradio3, version 0x74, and mkradio4, versions 0x70/0x95; device
 * types 0x62 warm and 0x72 cold water). They send a manufacturer CI 0xA2 whose first bytes are,
 * learned from the published telegrams against their readings:
 *
 *   0      not known
 *   1..2   due date: day bits 0-4, month bits 5-8, year since 2000 bits 9-15
 *   3..4   volume on the due date, 0.1 m3
 *   5..6   today: day bits 4-8, month bits 9-12 (no year, so it is not read)
 *   7..8   volume since the due date, 0.1 m3
 *
 * The meter's total is the sum of the two volumes (the meter sends it split so). The bytes after
 * them (history) are not known and not read; a due date or day that is not a date refuses the payload.
 */
import { shiftDecimal } from '../wmbus/apl/scale.js';
import type { MeterFamily, ProprietaryPayload } from '../wmbus/meter-family.js';
import type { MbusRecord } from '../wmbus/types.js';
import { proprietaryRecord, uintLe } from './record.js';

const CI = 0xa2;
const LAYOUT_END = 9;
const VERSIONS = new Set([0x70, 0x74, 0x95]);

const pad2 = (n: number): string => n.toString().padStart(2, '0');
const isDate = (day: number, month: number): boolean => day >= 1 && day <= 31 && month >= 1 && month <= 12;

function decode(p: ProprietaryPayload): MbusRecord[] | undefined {
  const d = p.data;
  if (p.ci !== CI || d.length < LAYOUT_END) return undefined;
  const due = uintLe(d, 1, 2);
  const [dueDay, dueMonth, dueYear] = [due & 0x1f, (due >> 5) & 0x0f, due >> 9];
  const today = uintLe(d, 5, 2);
  if (!isDate(dueDay, dueMonth) || !isDate((today >> 4) & 0x1f, (today >> 9) & 0x0f)) return undefined;
  const atDue = uintLe(d, 3, 2);
  const since = uintLe(d, 7, 2);
  const m3 = (tenths: number): number => shiftDecimal(tenths, -1);
  return [
    proprietaryRecord({ quantity: 'volume', unit: 'm3', value: m3(atDue + since), bytes: d.subarray(3, 9) }),
    proprietaryRecord({ quantity: 'volume', unit: 'm3', value: m3(since), bytes: d.subarray(7, 9), qualifiers: ['since_due_date'] }),
    proprietaryRecord({
      quantity: 'date',
      unit: '',
      value: `${2000 + dueYear}-${pad2(dueMonth)}-${pad2(dueDay)}`,
      bytes: d.subarray(1, 3),
      storage: 1,
    }),
    proprietaryRecord({ quantity: 'volume', unit: 'm3', value: m3(atDue), bytes: d.subarray(3, 5), storage: 1 }),
  ];
}

const SOURCE = 'wmbusmeters drivers/src/mkradio3.xmq and mkradio4.xmq test telegrams (GPL-3.0 project, data only)';

export const techemMkradio: MeterFamily = {
  name: 'Techem mkradio',
  matches: (h) => h.manufacturer === 'TCH' && VERSIONS.has(h.version) && (h.deviceType === 0x62 || h.deviceType === 0x72),
  decodeProprietary: decode,
  examples: [
    {
      source: SOURCE,
      telegram: '2F446850313233347462A2069F255900B029310000000306060906030609070606050509050505050407040605070500',
      fields: { volume_m3: 13.8, volume_since_due_date_m3: 4.9, date_storage1: '2018-12-31', volume_storage1_m3: 8.9 },
    },
    {
      source: SOURCE,
      telegram: '2F446850313233347462A2067F2459001008310000000306060906030609070606050509050505050407040605070500',
      fields: { volume_m3: 13.8, date_storage1: '2018-03-31', volume_storage1_m3: 8.9 },
    },
    {
      source: SOURCE,
      telegram: '2F446850200141029562A206702901006017030004000300000000000000000000000000000000000000000000000000',
      fields: { volume_m3: 0.4, volume_storage1_m3: 0.1 },
    },
  ],
};
