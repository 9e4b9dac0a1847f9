/**
 * Application-layer data records (EN 13757-3 §6): DIB + VIB + data, repeated to the end of the
 * payload, normalised into MbusRecords.
 */
import { hexByte, toHex } from '../hex.js';
import type { DecodeErrorInfo, MbusRecord, Unit } from '../types.js';
import {
  readBcd, readDateG, readDateTimeF, readDateTimeI, readInt, readReal32, readReversedText, readTimeJ, lvarLayout,
} from './datatypes.js';
import {
  DATA_SIZE, DF_LVAR, DF_SPECIAL, DIF_GLOBAL_READOUT, DIF_IDLE_FILLER, DIF_MFCT_DATA, DIF_MFCT_DATA_MORE,
  readDib, readVib, type Dib, type Vib, type WalkError,
} from './dib.js';
import { scaleValue } from './scale.js';
import { DIRECTED_QUANTITIES } from './vif.js';

export interface ParsedApl {
  records: MbusRecord[];
  /** all DIF/DIFE/VIF/VIFE bytes concatenated (compact-frame format learning) */
  dibVib: Uint8Array;
  /** with `partial`: why parsing stopped early; the rest is the last record, quantity "unparsed" */
  unparsed?: DecodeErrorInfo;
}

export interface ParseOptions {
  /**
   * Keep the records before one that cannot be parsed (cut short, reserved DIF, too many
   * extensions) and the rest as raw hex, instead of failing. For the final decode of a telegram
   * whose key is already confirmed; a key check must use the strict default.
   */
  partial?: boolean;
}
export type AplResult = { ok: true; apl: ParsedApl } | { ok: false; error: DecodeErrorInfo };


function errorInfo(e: WalkError): DecodeErrorInfo {
  return { code: e.code, message: `application layer: ${e.message}` };
}

/**
 * Size of the data that follows a DIB at pos: fixed by the data field, or read from the LVAR byte.
 * -1 when the bytes end first.
 */
export function dataSize(dataField: number, bytes: Uint8Array, pos: number, end: number): number {
  if (dataField !== DF_LVAR) return pos + DATA_SIZE[dataField]! <= end ? DATA_SIZE[dataField]! : -1;
  if (pos >= end) return -1;
  const size = 1 + lvarLayout(bytes[pos]!).len;
  return pos + size <= end ? size : -1;
}

/** Parses the records in bytes[start, end). Never throws: bad input is a typed error. */
export function parseRecords(bytes: Uint8Array, start = 0, end = bytes.length, options?: ParseOptions): AplResult {
  const records: MbusRecord[] = [];
  const dibVib = new Uint8Array(Math.max(0, end - start));
  let dibVibLen = 0;
  let pos = start;
  let broken: WalkError | undefined;
  while (pos < end) {
    const dif = bytes[pos]!;
    if ((dif & 0x0f) === DF_SPECIAL) {
      if (dif === DIF_IDLE_FILLER) {
        pos++;
        continue;
      }
      if (dif === DIF_GLOBAL_READOUT) {
        dibVib[dibVibLen++] = dif;
        pos++;
        continue;
      }
      if (dif === DIF_MFCT_DATA || dif === DIF_MFCT_DATA_MORE) {
        dibVib[dibVibLen++] = dif;
        records.push(manufacturerData(bytes, pos, end));
        break;
      }
      broken = { code: 'MALFORMED', message: `reserved DIF 0x${dif.toString(16).toUpperCase()} at byte ${pos - start}` };
      break;
    }
    const dib = readDib(bytes, pos, end);
    if ('code' in dib) {
      broken = dib;
      break;
    }
    const vib = readVib(bytes, dib.end, end);
    if ('code' in vib) {
      broken = vib;
      break;
    }
    const size = dataSize(dib.dataField, bytes, vib.end, end);
    if (size < 0) {
      broken = { code: 'TRUNCATED', message: `record at byte ${pos - start} announces more data than the payload holds` };
      break;
    }
    for (let i = pos; i < vib.end; i++) dibVib[dibVibLen++] = bytes[i]!;
    if (vib.profile && dib.dataField === DF_LVAR) pushProfile(records, bytes, pos, dib, vib, size);
    else records.push(makeRecord(bytes, pos, dib, vib, size));
    pos = vib.end + size;
  }
  if (!broken) return { ok: true, apl: { records, dibVib: dibVib.slice(0, dibVibLen) } };
  if (!options?.partial) return { ok: false, error: errorInfo(broken) };
  const data = toHex(bytes, pos, end);
  records.push({
    quantity: 'unparsed', unit: '', value: data, function: 'instantaneous',
    storage: 0, tariff: 0, subunit: 0, dif: '', vif: '', data,
  });
  return { ok: true, apl: { records, dibVib: dibVib.slice(0, dibVibLen), unparsed: errorInfo(broken) } };
}

function manufacturerData(bytes: Uint8Array, pos: number, end: number): MbusRecord {
  const data = toHex(bytes, pos + 1, end);
  return {
    quantity: 'manufacturer_data', unit: '', value: data, function: 'instantaneous',
    storage: 0, tariff: 0, subunit: 0, dif: toHex(bytes, pos, pos + 1), vif: '', data,
  };
}

/**
 * A compact profile (EN 13757-3 Annex F): LVAR data holding a spacing-control byte (b7..6 absolute
 * or increments, b5..4 time unit, b3..0 element data field), a spacing value, then the elements.
 * One record per element, qualified "profile element N" with N = 1 for the newest.
 */
function pushProfile(records: MbusRecord[], bytes: Uint8Array, pos: number, dib: Dib, vib: Vib, size: number): void {
  const at = vib.end + 1;
  const control = bytes[at]!;
  const elementField = control & 0x0f;
  const elementSize = DATA_SIZE[elementField]!;
  if (size < 3 || elementSize <= 0 || elementField === DF_LVAR) {
    records.push(makeRecord(bytes, pos, dib, vib, size));
    return;
  }
  const count = Math.floor((size - 3) / elementSize);
  const mode = PROFILE_MODES[control >> 6]!;
  const elementDib: Dib = { ...dib, dataField: elementField };
  for (let i = 0; i < count; i++) {
    const n = vib.profile!.newestFirst ? i + 1 : count - i;
    const qualifiers = [...(vib.qualifiers ?? []), `profile element ${n}`];
    if (mode) qualifiers.push(mode);
    records.push(makeRecord(bytes, pos, elementDib, { ...vib, qualifiers }, elementSize, at + 2 + i * elementSize));
  }
}
const PROFILE_MODES: readonly string[] = ['', 'increments', 'decrements', 'signed differences'];

/** One record from its DIB at pos and its data at `at` (right after the VIB unless in a profile). */
function makeRecord(bytes: Uint8Array, pos: number, dib: Dib, vib: Vib, size: number, at = vib.end): MbusRecord {
  const { value, unit, quantity } = readValue(bytes, at, size, dib, vib);
  const r: MbusRecord = {
    quantity, unit, value, function: dib.function,
    storage: dib.storage, tariff: dib.tariff, subunit: dib.subunit,
    dif: toHex(bytes, pos, dib.end), vif: toHex(bytes, dib.end, vib.end), data: toHex(bytes, at, at + size),
  };
  const direction = vib.direction ?? (DIRECTED_QUANTITIES.has(quantity) ? 'import' : undefined);
  if (direction) r.direction = direction;
  if (vib.phase) r.phase = vib.phase;
  if (vib.qualifiers) r.qualifiers = vib.qualifiers;
  return r;
}

type Read = { value: number | string | null; unit: Unit; quantity: string };

function readValue(bytes: Uint8Array, at: number, size: number, dib: Dib, vib: Vib): Read {
  const { info } = vib;
  const df = dib.dataField;
  const asDate = info.kind === 'date' || info.kind === 'datetime' || vib.isDate;
  if (asDate) {
    const date = readDate(bytes, at, df);
    if (date !== undefined) return { value: date, unit: '', quantity: df === 3 && info.kind === 'datetime' ? 'time' : info.quantity };
  }
  if (info.kind === 'id') return { value: readId(bytes, at, size, df), unit: '', quantity: info.quantity };
  const raw = readRaw(bytes, at, size, df, vib.unsigned || info.kind === 'bits');
  if (typeof raw === 'string') return { value: raw, unit: '', quantity: info.quantity };
  if (vib.durationUnit) return { value: raw === null ? null : scaleValue(raw, vib.exp, 1, 1), unit: vib.durationUnit, quantity: info.quantity };
  if (raw === null) return { value: null, unit: info.unit, quantity: info.quantity };
  if (info.kind === 'number') return { value: scaleValue(raw, info.exp + vib.exp, info.mul, info.div), unit: info.unit, quantity: info.quantity };
  return { value: scaleValue(raw, vib.exp, 1, 1), unit: info.unit, quantity: info.quantity };
}

/** Date types by data size: G (2), J time (3), F (4), I (6). Undefined when the size fits none. */
function readDate(bytes: Uint8Array, at: number, df: number): string | null | undefined {
  switch (df) {
    case 2:
      return readDateG(bytes, at);
    case 3:
      return readTimeJ(bytes, at);
    case 4:
      return readDateTimeF(bytes, at);
    case 6:
      return readDateTimeI(bytes, at);
    default:
      return undefined;
  }
}

/** Identification digits as sent: BCD or integer bytes shown most significant first, text as text. */
function readId(bytes: Uint8Array, at: number, size: number, df: number): string {
  if (df === DF_LVAR) {
    const layout = lvarLayout(bytes[at]!);
    if (layout.kind === 'text') return readReversedText(bytes, at + 1, layout.len);
    return reversedHex(bytes, at + 1, size - 1);
  }
  if (df === 5) return String(readReal32(bytes, at));
  return reversedHex(bytes, at, size);
}

function reversedHex(bytes: Uint8Array, at: number, size: number): string {
  let s = '';
  for (let i = at + size - 1; i >= at; i--) s += hexByte(bytes[i]!);
  return s;
}

/** Number (or text/hex for LVAR text and binary) by data field type; null for invalid or absent data. */
function readRaw(bytes: Uint8Array, at: number, size: number, df: number, unsigned: boolean): number | bigint | string | null {
  switch (df) {
    case 0x0: case 0x8:
      return null;
    case 0x5:
      return readReal32(bytes, at);
    case 0x9: case 0xa: case 0xb: case 0xc: case 0xe:
      return readBcd(bytes, at, size);
    case DF_LVAR: {
      const layout = lvarLayout(bytes[at]!);
      if (layout.kind === 'text') return readReversedText(bytes, at + 1, layout.len);
      if (layout.kind === 'bcd' || layout.kind === 'negative_bcd') {
        const v = readBcd(bytes, at + 1, layout.len);
        return v !== null && layout.kind === 'negative_bcd' ? -v : v;
      }
      return reversedHex(bytes, at + 1, layout.len);
    }
    default:
      return readInt(bytes, at, size, !unsigned);
  }
}
