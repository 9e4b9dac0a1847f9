/**
 * Apator 16-2 water meters (APA, version 0x05, device types 6 and 7). After the standard header
 * records the meter sends DIF 0F (older ones open the APDU with 0x80) and a block of its own: seven status bytes, then registers, each
 * an id byte and a length fixed by the id, then 0xFF padding and a 2-byte checksum. Register 0x10
 * is the total volume in litres (4 bytes). The lengths below are those seen in the published
 * telegrams; a register id not among them, or registers that do not end exactly at the padding
 * and checksum, leave the block as manufacturer data. Only the total is read; the block's bytes
 * stay beside it as manufacturer data.
 */
import { shiftDecimal } from '../wmbus/apl/scale.js';
import { toHex } from '../wmbus/hex.js';
import type { MeterFamily, ProprietaryPayload } from '../wmbus/meter-family.js';
import type { MbusRecord } from '../wmbus/types.js';
import { proprietaryRecord, uintLe } from './record.js';

const STATUS = 7;
const CHECKSUM = 2;
const PADDING = 0xff;
const TOTAL = 0x10;
const OLD_BLOCK = 0x80;

/** Register id -> bytes after the id. */
const LENGTHS: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>([
    [0x00, 4],
    [0x01, 3],
    [0x10, 4],
    [0x11, 2],
    [0x40, 6],
    [0x41, 2],
    [0x42, 4],
    [0x43, 2],
    [0x44, 3],
    [0x8a, 9],
    [0x8b, 6],
    [0x8c, 6],
    [0x8e, 7],
    [0xa0, 4],
    [0xa1, 4],
    [0xa2, 1],
    [0xa3, 7],
    [0xa4, 4],
    [0xa5, 1],
    [0xa6, 3],
    [0xa9, 1],
    [0xaf, 1],
    [0xb0, 5],
    [0xb1, 8],
    [0xb2, 16],
    [0xb3, 8],
    [0xb4, 2],
    [0xb5, 16],
    [0xd0, 3],
    [0xd3, 3],
    [0xf0, 4],
  ]);
  // 0x71..0x7C: a byte and 2..13 monthly values of 4 bytes
  for (let id = 0x71; id <= 0x7c; id++) m.set(id, 1 + 4 * (id - 0x6f));
  for (const id of [0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x87]) m.set(id, 10);
  for (const id of [0x85, 0x88, 0x8f]) m.set(id, 11);
  for (const id of [0xa7, 0xa8, 0xaa, 0xab, 0xac, 0xad]) m.set(id, 2);
  for (let id = 0xb6; id <= 0xbf; id++) m.set(id, 3);
  for (let id = 0xc0; id <= 0xc7; id++) m.set(id, 3);
  return m;
})();

function onlyPaddingUntil(d: Uint8Array, at: number, end: number): boolean {
  for (let i = at; i < end; i++) if (d[i] !== PADDING) return false;
  return true;
}

/** The total from the registers after the status bytes at `from`, or undefined when they do not walk strictly. */
function readRegisters(d: Uint8Array, from: number): MbusRecord[] | undefined {
  const end = d.length - CHECKSUM;
  let total: MbusRecord | undefined;
  let at = from + STATUS;
  while (!onlyPaddingUntil(d, at, end)) {
    const length = LENGTHS.get(d[at]!);
    if (length === undefined || at + 1 + length > end) return undefined;
    if (d[at] === TOTAL) {
      const bytes = d.subarray(at + 1, at + 5);
      total = proprietaryRecord({ quantity: 'volume', unit: 'm3', value: shiftDecimal(uintLe(bytes, 0, 4), -3), bytes });
    }
    at += 1 + length;
  }
  if (!total) return undefined;
  return [total, proprietaryRecord({ quantity: 'manufacturer_data', unit: '', value: toHex(d), bytes: d })];
}

function decode(p: ProprietaryPayload): MbusRecord[] | undefined {
  if (p.ci !== undefined) return undefined;
  // The block follows DIF 0F, or (older meters) opens the APDU with 0x80, which the standard
  // parser refuses as a record, so the family gets the whole region, 0x80 included.
  return readRegisters(p.data, 0) ?? (p.data[0] === OLD_BLOCK ? readRegisters(p.data, 1) : undefined);
}

const SOURCE = 'wmbusmeters drivers/src/apator162.xmq test telegram (GPL-3.0 project, data only)';

export const apator162: MeterFamily = {
  name: 'Apator 16-2',
  matches: (h) => h.manufacturer === 'APA' && h.version === 0x05 && (h.deviceType === 0x06 || h.deviceType === 0x07),
  decodeProprietary: decode,
  examples: [
    {
      source: SOURCE,
      telegram:
        '6E4401062020202005077A9A0060852F2F0F0A734393CC0000435B0183001A54E06F630291342510030F00007B013E0B00003E0B00003E0B00003E0B00003E0B00003E0B00003E0B0000650000003D0000003D0000003D00000000000000A0910CB003FFFFFFFFFFFFFFFFFFFFA62B',
      fields: { volume_m3: 3.843 },
    },
    {
      source: SOURCE,
      telegram: '2E4401064052030205077A2D0020852F2F0F334DA39A00000071011ABF0D00039A0D00A01053850310CECC0D008943',
      fields: { volume_m3: 904.398 },
    },
    {
      source: SOURCE,
      telegram:
        '4E4401062020202105077A130040852F2F0F6D4C389300020043840210351F040075012C0B040048D603003E630300CD2C03001EF402000ACE0200A098A39603FFFFFFFFFFFFFFFFFFFFFFFFFF1977',
      fields: { volume_m3: 270.133 },
    },
    {
      source: SOURCE,
      telegram:
        '6E4401060336530005077A210060852F2F0F141F539A12000243EE0E84E3BDD9B6593A040500001082C800007C01B2C4000064C10000B3BD00000DB900000EB500009FB0000054AB0000EDA30000A39D0000BF980000E394000038900000488B0000A034CB8C04FFFFFFFFFFFFFA8A',
      fields: { volume_m3: 51.33 },
    },
  ],
};
