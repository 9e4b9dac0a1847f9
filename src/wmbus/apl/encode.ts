/**
 * Building records: the inverse of parseRecords, for test senders, the simulator and the demo.
 * The value is given as parseRecords reports it (a number in the record's unit, an ISO date, a
 * text), or as a bigint holding the raw integer to send unscaled. Throws RangeError for a value
 * the DIF/VIF cannot carry: this is a builder for our own senders, not the decode path.
 */
import { parseHex } from '../hex.js';
import { DATA_SIZE, DF_LVAR, DF_SPECIAL, RecordHeader, readDib, readVib } from './dib.js';
import { shiftDecimal } from './scale.js';

export function encodeRecord(r: { dif: string; vif: string; value: number | string | bigint }): Uint8Array {
  const dib = parseHex(r.dif);
  const vibBytes = parseHex(r.vif);
  if (!dib || !vibBytes || dib.length === 0 || vibBytes.length === 0) {
    throw new RangeError(`record header must be hex DIF and VIF bytes, got '${r.dif}' / '${r.vif}'`);
  }
  const header = new Uint8Array(dib.length + vibBytes.length);
  header.set(dib);
  header.set(vibBytes, dib.length);
  const h = new RecordHeader();
  if ((header[0]! & 0x0f) === DF_SPECIAL || readDib(header, 0, header.length, h) || h.dibEnd !== dib.length) {
    throw new RangeError(`'${r.dif}' is not one DIF with its DIFEs`);
  }
  if (readVib(header, h.dibEnd, header.length, h) || h.vibEnd !== header.length)
    throw new RangeError(`'${r.vif}' is not one VIF with its VIFEs`);
  const data = encodeData(h, r.value);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function encodeData(v: RecordHeader, value: number | string | bigint): Uint8Array {
  const df = v.dataField;
  const size = DATA_SIZE[df]!;
  const isDate = v.info.kind === 'date' || v.info.kind === 'datetime' || v.isDate;
  if (typeof value === 'string') {
    if (isDate) return encodeDate(value, df);
    if (df === DF_LVAR) return encodeText(value);
    if (!/^[0-9]+$/.test(value) || value.length > 2 * size) throw new RangeError(`'${value}' does not fit ${size} BCD bytes`);
    return bcdBytes(BigInt(value), size);
  }
  let raw: number | bigint;
  if (typeof value === 'bigint') {
    raw = value;
  } else {
    const scaled =
      v.info.kind === 'number' && !v.durationUnit
        ? (shiftDecimal(value, -(v.info.exp + v.exp)) * v.info.div) / v.info.mul
        : shiftDecimal(value, -v.exp);
    if (df === 0x5) return real32Bytes(scaled);
    raw = Math.round(scaled);
  }
  if (df === 0x5) return real32Bytes(Number(raw));
  if (df >= 0x9 && df <= 0xe && df !== DF_LVAR) return bcdBytes(BigInt(raw), size);
  if (size <= 0) throw new RangeError(`data field ${df.toString(16)} carries no number`);
  return intBytes(BigInt(raw), size);
}

function intBytes(v: bigint, size: number): Uint8Array {
  const min = -(1n << BigInt(8 * size - 1));
  const max = (1n << BigInt(8 * size)) - 1n;
  if (v < min || v > max) throw new RangeError(`${v} does not fit ${size} bytes`);
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(8 * size, v);
  for (let i = 0; i < size; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}

/** BCD, LSB first; a negative value puts 0xF in the most significant nibble. */
function bcdBytes(v: bigint, size: number): Uint8Array {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString();
  const room = 2 * size - (negative ? 1 : 0);
  if (digits.length > room) throw new RangeError(`${v} does not fit ${size} BCD bytes`);
  const nibbles = (negative ? 'F' : '') + digits.padStart(room, '0');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[size - 1 - i] = parseInt(nibbles.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function real32Bytes(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setFloat32(0, v, true);
  return out;
}

/** Text as LVAR: length byte, then the characters last first (ISO-8859-1). */
function encodeText(text: string): Uint8Array {
  if (text.length > 0xbf || /[^\u0000-\u00ff]/.test(text)) throw new RangeError('LVAR text must be at most 191 ISO-8859-1 characters');
  const out = new Uint8Array(1 + text.length);
  out[0] = text.length;
  for (let i = 0; i < text.length; i++) out[text.length - i] = text.charCodeAt(i);
  return out;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/** Types G (2 bytes), J (3), F (4), I (6) from an ISO 8601 local string. */
function encodeDate(text: string, df: number): Uint8Array {
  if (df === 3) {
    const t = TIME.exec(text);
    if (!t) throw new RangeError(`'${text}' is not a time HH:MM:SS`);
    return Uint8Array.of(Number(t[3]), Number(t[2]), Number(t[1]));
  }
  const m = DATE.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO 8601 date`);
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  // Type G has no hundred-year bits: its two-digit years read as 1981–2080.
  if (year! < 1981 || year! > 2080) throw new RangeError(`year ${year} is outside 1981–2080`);
  const y = year! % 100;
  const hundreds = Math.floor((year! - 1900) / 100);
  const dateBytes = [((y & 0x07) << 5) | day!, ((y >> 3) << 4) | month!];
  if (df === 2) return Uint8Array.from(dateBytes);
  if (df === 4) return Uint8Array.of(minute!, (hundreds << 5) | hour!, ...dateBytes);
  if (df === 6) return Uint8Array.of(second!, minute!, hour!, ...dateBytes, 0);
  throw new RangeError(`data field ${df.toString(16)} carries no date`);
}
