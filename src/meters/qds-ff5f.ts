/**
 * Qundis (QDS) water meters send their readings in a block of their own: one record with DIF 0D
 * (variable length), the manufacturer VIF FF and VIFE 5F, whose bytes are read by position
 * (learned from the published Qundis water telegrams against their known readings):
 *
 *   0..11  header; byte 9 is a standard VIF (EN 13757-3 table 10) giving quantity and scale
 *   12..15 current value, 8-digit BCD
 *   16..17 due date (type G), 18..21 the value on it, BCD  -> storage 1
 *   22..23 last month end (type G), 24..27 the value on it -> storage 2
 *
 * The rest of the block (older history) is not read. A block shorter than that, a VIF other than
 * a volume, energy or HCA, or a digit that is not BCD leaves the record as the standard read it.
 * When the telegram ends inside the records after the block, the block is still read from the
 * region and the rest kept as hex.
 */
import { readBcd, readDateG } from '../wmbus/apl/datatypes.js';
import { parseRecords } from '../wmbus/apl/records.js';
import { scaleValue } from '../wmbus/apl/scale.js';
import { PRIMARY_VIF } from '../wmbus/apl/vif.js';
import { parseHex, toHex } from '../wmbus/hex.js';
import type { MeterFamily, ProprietaryPayload } from '../wmbus/meter-family.js';
import type { MbusRecord } from '../wmbus/types.js';
import { proprietaryRecord } from './record.js';

const BLOCK_VIB = [0xff, 0x5f];
const LVAR_DIF = 0x0d;
const MIN_BLOCK = 28;

/** Records of a block (the bytes after its LVAR length byte); undefined when it does not fit the layout. */
function blockRecords(b: Uint8Array): MbusRecord[] | undefined {
  if (b.length < MIN_BLOCK) return undefined;
  const info = PRIMARY_VIF[b[9]! & 0x7f]!;
  if (!['volume', 'energy', 'hca'].includes(info.quantity) || (b[9]! & 0x80) !== 0) return undefined;
  const value = (at: number, storage: number): MbusRecord | undefined => {
    const raw = readBcd(b, at, 4);
    if (raw === null) return undefined;
    const v = info.kind === 'number' ? scaleValue(raw, info.exp, info.mul, info.div) : raw;
    return proprietaryRecord({ quantity: info.quantity, unit: info.unit, value: v, bytes: b.subarray(at, at + 4), storage });
  };
  const date = (at: number, storage: number): MbusRecord =>
    proprietaryRecord({ quantity: 'date', unit: '', value: readDateG(b, at), bytes: b.subarray(at, at + 2), storage });
  const current = value(12, 0);
  const due = value(18, 1);
  const monthEnd = value(24, 2);
  if (!current || !due || !monthEnd) return undefined;
  return [current, date(16, 1), due, date(22, 2), monthEnd];
}

function isBlockRecord(r: MbusRecord): boolean {
  return r.quantity === 'manufacturer_specific' && r.vif === 'FF5F' && r.dif === '0D';
}

function expand(r: MbusRecord): MbusRecord[] | undefined {
  if (!isBlockRecord(r)) return undefined;
  const data = parseHex(r.data);
  return data && blockRecords(data.subarray(1));
}

/** A region that failed to parse: read when it opens with the block, the rest parsed or kept as hex. */
function decodeRegion(p: ProprietaryPayload): MbusRecord[] | undefined {
  const d = p.data;
  if (p.ci !== undefined || d.length < 4 || d[0] !== LVAR_DIF || d[1] !== BLOCK_VIB[0] || d[2] !== BLOCK_VIB[1]) return undefined;
  const end = 4 + d[3]!;
  if (d[3]! > 0xbf || end > d.length) return undefined;
  const block = blockRecords(d.subarray(4, end));
  if (!block) return undefined;
  const rest = parseRecords(d, end);
  if (rest.ok) return [...block, ...rest.apl.records];
  const hex = toHex(d, end);
  return [...block, proprietaryRecord({ quantity: 'unparsed', unit: '', value: hex, bytes: d.subarray(end) })];
}

export const qundisBlock: MeterFamily = {
  name: 'Qundis',
  matches: (h) => h.manufacturer === 'QDS',
  expand,
  decodeProprietary: decodeRegion,
  examples: [
    {
      source: 'wmbusmeters src/driver_qwater.cc test telegram (GPL-3.0 project, data only)',
      telegram:
        '49449344153119611D06780DFF5F350082EC0000F10007C113FFFF69000000FFFF000000005F31680000000080008000800080008000800080008000800080008006002F046D1C0A4132',
      fields: {
        volume_m3: 0.069,
        volume_storage1_m3: 0,
        date_storage2: '2026-01-31',
        volume_storage2_m3: 0.068,
        meter_datetime: '2026-02-01T10:28',
      },
    },
  ],
};
