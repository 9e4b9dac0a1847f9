/**
 * Application-layer data records (EN 13757-3 §6): DIB + VIB + data, repeated to the end of the
 * payload, normalised into MbusRecords.
 */
import { hexByte, toHex } from '../hex.js';
import type { DecodeErrorInfo, MbusRecord } from '../types.js';
import {
  readBcd,
  readDateG,
  readDateTimeF,
  readDateTimeI,
  readInt,
  readReal32,
  readReversedText,
  readTimeJ,
  lvarKind,
  lvarLength,
} from './datatypes.js';
import {
  DATA_SIZE,
  DF_LVAR,
  DF_SPECIAL,
  DIF_GLOBAL_READOUT,
  DIF_IDLE_FILLER,
  DIF_MFCT_DATA,
  DIF_MFCT_DATA_MORE,
  PROFILE_NEWEST_FIRST,
  PROFILE_NONE,
  RecordHeader,
  readDib,
  readVib,
  type WalkError,
} from './dib.js';
import { scaleValue } from './scale.js';

export interface ParsedApl {
  records: MbusRecord[];
  /** all DIF/DIFE/VIF/VIFE bytes concatenated (compact-frame format learning) */
  dibVib: Uint8Array;
}

/**
 * A failure keeps what came before the broken region: `kept` holds the records of the regions
 * that ended in idle fillers before it, `keptEnd` where the broken region starts (after those
 * fillers). OMS pads the meter's records with 2F fillers to the end of the encrypted blocks, so
 * bytes after a filler run are outside what the meter filled (a trailer logged with the
 * telegram, a proprietary block), and their failure says nothing against the records before it.
 */
export type AplResult = { ok: true; apl: ParsedApl } | { ok: false; error: DecodeErrorInfo; kept: ParsedApl; keptEnd: number };

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
  const size = 1 + lvarLength(bytes[pos]!);
  return pos + size <= end ? size : -1;
}

// The DIF/VIF bytes are gathered here and copied out once at the end: a payload-sized typed
// array per parse would live outside the heap, which costs more than the whole parse of a record.
// Reused by every call: the parser is synchronous and calls nothing that could parse meanwhile.
let dibVibScratch = new Uint8Array(256);

/**
 * Parses the records in bytes[start, end), strictly: a region (records up to a run of idle
 * fillers, or to the end) parses to its end or not at all. A record cut short or a reserved DIF
 * means the region's bytes are not what they seemed, so its records before the break are not
 * trusted either. Never throws: bad input is a typed error.
 */
export function parseRecords(bytes: Uint8Array, start = 0, end = bytes.length): AplResult {
  const records: MbusRecord[] = [];
  if (dibVibScratch.length < end - start) dibVibScratch = new Uint8Array(end - start);
  const dibVib = dibVibScratch;
  let dibVibLen = 0;
  const h = new RecordHeader();
  let pos = start;
  let broken: WalkError | undefined;
  // the region being parsed: where it starts, and the records and format bytes before it
  let regionAt = start;
  let regionRecords = 0;
  let regionDibVib = 0;
  while (pos < end) {
    const dif = bytes[pos]!;
    if ((dif & 0x0f) === DF_SPECIAL) {
      if (dif === DIF_IDLE_FILLER) {
        pos++;
        regionAt = pos;
        regionRecords = records.length;
        regionDibVib = dibVibLen;
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
    broken = readDib(bytes, pos, end, h) ?? readVib(bytes, h.dibEnd, end, h);
    if (broken) break;
    const size = dataSize(h.dataField, bytes, h.vibEnd, end);
    if (size < 0) {
      broken = { code: 'TRUNCATED', message: `record at byte ${pos - start} announces more data than the payload holds` };
      break;
    }
    for (let i = pos; i < h.vibEnd; i++) dibVib[dibVibLen++] = bytes[i]!;
    if (h.profile !== PROFILE_NONE && h.dataField === DF_LVAR) pushProfile(records, bytes, pos, h, size);
    else records.push(makeRecord(bytes, pos, h, h.dataField, size, h.vibEnd, h.qualifiers));
    pos = h.vibEnd + size;
  }
  if (broken) {
    const kept = { records: records.slice(0, regionRecords), dibVib: dibVib.slice(0, regionDibVib) };
    return { ok: false, error: errorInfo(broken), kept, keptEnd: regionAt };
  }
  return { ok: true, apl: { records, dibVib: dibVib.slice(0, dibVibLen) } };
}

function manufacturerData(bytes: Uint8Array, pos: number, end: number): MbusRecord {
  const data = toHex(bytes, pos + 1, end);
  return {
    quantity: 'manufacturer_data',
    unit: '',
    value: data,
    function: 'instantaneous',
    storage: 0,
    tariff: 0,
    subunit: 0,
    dif: toHex(bytes, pos, pos + 1),
    vif: '',
    data,
  };
}

/**
 * A compact profile (EN 13757-3 Annex F): LVAR data holding a spacing-control byte (b7..6 absolute
 * or increments, b5..4 time unit, b3..0 element data field), a spacing value, then the elements.
 * One record per element, qualified "profile element N" with N = 1 for the newest.
 */
function pushProfile(records: MbusRecord[], bytes: Uint8Array, pos: number, h: RecordHeader, size: number): void {
  const at = h.vibEnd + 1;
  const control = bytes[at]!;
  const elementField = control & 0x0f;
  const elementSize = DATA_SIZE[elementField]!;
  if (size < 3 || elementSize <= 0 || elementField === DF_LVAR) {
    records.push(makeRecord(bytes, pos, h, h.dataField, size, h.vibEnd, h.qualifiers));
    return;
  }
  const count = Math.floor((size - 3) / elementSize);
  const mode = PROFILE_MODES[control >> 6]!;
  for (let i = 0; i < count; i++) {
    const n = h.profile === PROFILE_NEWEST_FIRST ? i + 1 : count - i;
    const qualifiers = [...(h.qualifiers ?? []), `profile element ${n}`];
    if (mode) qualifiers.push(mode);
    records.push(makeRecord(bytes, pos, h, elementField, elementSize, at + 2 + i * elementSize, qualifiers));
  }
}
const PROFILE_MODES: readonly string[] = ['', 'increments', 'decrements', 'signed differences'];

/**
 * One record from the header `h` of the record at pos, its data (field `df`, `size` bytes) at
 * `at`: right after the VIB, or an element inside a profile.
 */
function makeRecord(
  bytes: Uint8Array,
  pos: number,
  h: RecordHeader,
  df: number,
  size: number,
  at: number,
  qualifiers: string[] | undefined,
): MbusRecord {
  const info = h.info;
  // One shape for every record (the key order is what JSON output shows); value, unit and
  // quantity are settled by readValue.
  const r: MbusRecord = {
    quantity: info.quantity,
    unit: info.unit,
    value: null,
    function: h.function,
    storage: h.storage,
    tariff: h.tariff,
    subunit: h.subunit,
    dif: toHex(bytes, pos, h.dibEnd),
    vif: toHex(bytes, h.dibEnd, h.vibEnd),
    data: toHex(bytes, at, at + size),
  };
  readValue(r, bytes, at, size, df, h);
  // A time of day read from a datetime VIF is never one of the directed quantities.
  const direction = h.direction ?? (info.directed ? 'import' : undefined);
  if (direction) r.direction = direction;
  if (h.phase) r.phase = h.phase;
  if (qualifiers) r.qualifiers = qualifiers;
  return r;
}

/** Sets the value of `r` (and its unit and quantity where the data is not the VIF's quantity). */
function readValue(r: MbusRecord, bytes: Uint8Array, at: number, size: number, df: number, h: RecordHeader): void {
  const info = h.info;
  if (info.kind === 'date' || info.kind === 'datetime' || h.isDate) {
    const date = readDate(bytes, at, df);
    if (date !== undefined) {
      r.value = date;
      r.unit = '';
      if (df === 3 && info.kind === 'datetime') r.quantity = 'time';
      return;
    }
  }
  if (info.kind === 'id') {
    r.value = readId(bytes, at, size, df);
    r.unit = '';
    return;
  }
  // Bit fields, counters and durations are unsigned (vif.ts UNSIGNED_QUANTITIES), as is any record
  // whose VIFE says "data as type C/D".
  const unsigned = h.unsigned || info.unsigned || info.kind === 'bits' || h.durationUnit !== undefined;
  const raw = readRaw(bytes, at, size, df, unsigned);
  if (typeof raw === 'string') {
    r.value = raw;
    r.unit = '';
  } else if (h.durationUnit) {
    r.value = raw === null ? null : scaleValue(raw, h.exp, 1, 1);
    r.unit = h.durationUnit;
  } else if (raw !== null) {
    r.value = info.kind === 'number' ? scaleValue(raw, info.exp + h.exp, info.mul, info.div) : scaleValue(raw, h.exp, 1, 1);
  }
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
    if (lvarKind(bytes[at]!) === 'text') return readReversedText(bytes, at + 1, lvarLength(bytes[at]!));
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
    case 0x0:
    case 0x8:
      return null;
    case 0x5:
      return readReal32(bytes, at);
    case 0x9:
    case 0xa:
    case 0xb:
    case 0xc:
    case 0xe:
      return readBcd(bytes, at, size);
    case DF_LVAR: {
      const kind = lvarKind(bytes[at]!);
      const len = lvarLength(bytes[at]!);
      if (kind === 'text') return readReversedText(bytes, at + 1, len);
      if (kind === 'bcd' || kind === 'negative_bcd') {
        const v = readBcd(bytes, at + 1, len);
        return v !== null && kind === 'negative_bcd' ? -v : v;
      }
      return reversedHex(bytes, at + 1, len);
    }
    default:
      return readInt(bytes, at, size, !unsigned);
  }
}
