/**
 * Data types of EN 13757-3 Annex A, read from a byte range. Every reader is total: bad content
 * yields null (the record is kept, its value is unknown), never an exception.
 */

/** Little-endian two's complement (or unsigned) integer of 1..8 bytes; a bigint only beyond 6 bytes. */
export function readInt(bytes: Uint8Array, at: number, len: number, signed: boolean): number | bigint {
  if (len > 6) {
    let v = 0n;
    for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    return signed ? BigInt.asIntN(len * 8, v) : v;
  }
  let v = 0;
  for (let i = len - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  if (signed && len > 0 && bytes[at + len - 1]! & 0x80) v -= 2 ** (len * 8);
  return v;
}

/**
 * BCD, least significant byte first. A 0xF in the most significant nibble means negative; any other
 * nibble above 9 makes the value invalid (null), as do all-F bytes (the "no value" pattern).
 */
export function readBcd(bytes: Uint8Array, at: number, len: number): number | null {
  let v = 0;
  let negative = false;
  for (let i = len - 1; i >= 0; i--) {
    const b = bytes[at + i]!;
    let hi = b >> 4;
    if (i === len - 1 && hi === 0xf) {
      negative = true;
      hi = 0;
    }
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return null;
    v = v * 100 + hi * 10 + lo;
  }
  return negative ? -v : v;
}

/** IEEE 754 single precision, little-endian. */
export function readReal32(bytes: Uint8Array, at: number): number | null {
  const bits = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  F32_VIEW.setUint32(0, bits, true);
  const f = F32_VIEW.getFloat32(0, true);
  if (!Number.isFinite(f)) return null;
  // The shortest decimal that reads back as the same float32: what the meter meant, without the
  // binary tail a double adds (49.99257 rather than 49.99256896972656).
  for (let digits = 6; digits < 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === f) return d;
  }
  return Number(f.toPrecision(9));
}
const F32_VIEW = new DataView(new ArrayBuffer(4));

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** Year from the split year bits and the hundred-year field of types F/G (1900+ unless small and hy=0). */
function fullYear(year: number, hundredYears: number): number {
  return hundredYears === 0 && year <= 80 ? 2000 + year : 1900 + 100 * hundredYears + year;
}

/** Type G (CP16) date: `2007-04-30`; null when FFFF or a field is out of range. */
export function readDateG(bytes: Uint8Array, at: number): string | null {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1]!;
  if (b0 === 0xff && b1 === 0xff) return null;
  const day = b0 & 0x1f;
  const month = b1 & 0x0f;
  const year = ((b1 & 0xf0) >> 1) | (b0 >> 5);
  if (day < 1 || month < 1 || month > 12) return null;
  return `${fullYear(year, 0)}-${pad2(month)}-${pad2(day)}`;
}

/** Type F (CP32) date and time to the minute: `2008-05-31T23:50`; null when the IV bit is set. */
export function readDateTimeF(bytes: Uint8Array, at: number): string | null {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1]!;
  if (b0 & 0x80) return null;
  const date = readDateG(bytes, at + 2);
  if (date === null) return null;
  const minute = b0 & 0x3f;
  const hour = b1 & 0x1f;
  if (minute > 59 || hour > 23) return null;
  const hy = (b1 >> 5) & 0x03;
  const year = ((bytes[at + 3]! & 0xf0) >> 1) | (bytes[at + 2]! >> 5);
  return `${fullYear(year, hy)}${date.slice(4)}T${pad2(hour)}:${pad2(minute)}`;
}

/** Type I (CP48) date and time to the second: `2025-06-20T09:50:47`; null when the IV bit is set. */
export function readDateTimeI(bytes: Uint8Array, at: number): string | null {
  const sec = bytes[at]! & 0x3f;
  const b1 = bytes[at + 1]!;
  if (b1 & 0x80) return null;
  const minute = b1 & 0x3f;
  const hour = bytes[at + 2]! & 0x1f;
  const date = readDateG(bytes, at + 3);
  if (date === null || sec > 59 || minute > 59 || hour > 23) return null;
  return `${date}T${pad2(hour)}:${pad2(minute)}:${pad2(sec)}`;
}

/** Type J (CP24) time of day: `13:12:45`. */
export function readTimeJ(bytes: Uint8Array, at: number): string | null {
  const sec = bytes[at]! & 0x3f;
  const minute = bytes[at + 1]! & 0x3f;
  const hour = bytes[at + 2]! & 0x1f;
  if (sec > 59 || minute > 59 || hour > 23) return null;
  return `${pad2(hour)}:${pad2(minute)}:${pad2(sec)}`;
}

/** Text sent last character first (LVAR and plain-text VIF), ISO-8859-1. */
export function readReversedText(bytes: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at + len - 1; i >= at; i--) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** What an LVAR length byte announces: how many data bytes follow and how to read them. */
export type LvarKind = 'text' | 'bcd' | 'negative_bcd' | 'binary' | 'reserved';
function lvarLayout(lvar: number): { kind: LvarKind; len: number } {
  if (lvar <= 0xbf) return { kind: 'text', len: lvar };
  if (lvar <= 0xc9) return { kind: 'bcd', len: lvar - 0xc0 };
  if (lvar >= 0xd0 && lvar <= 0xd9) return { kind: 'negative_bcd', len: lvar - 0xd0 };
  if (lvar >= 0xe0 && lvar <= 0xef) return { kind: 'binary', len: lvar - 0xe0 };
  if (lvar >= 0xf0 && lvar <= 0xf4) return { kind: 'binary', len: 4 * (lvar - 0xec) };
  if (lvar === 0xf5) return { kind: 'binary', len: 48 };
  if (lvar === 0xf6) return { kind: 'binary', len: 64 };
  return { kind: 'reserved', len: 0 };
}

// Tables by LVAR byte, so reading a record asks no questions and allocates nothing.
const LVAR_LENGTH = new Uint8Array(256);
const LVAR_KIND: LvarKind[] = [];
for (let lvar = 0; lvar < 256; lvar++) {
  const layout = lvarLayout(lvar);
  LVAR_LENGTH[lvar] = layout.len;
  LVAR_KIND.push(layout.kind);
}

/** Number of data bytes after an LVAR byte (0 for reserved codes). */
export function lvarLength(lvar: number): number {
  return LVAR_LENGTH[lvar & 0xff]!;
}

export function lvarKind(lvar: number): LvarKind {
  return LVAR_KIND[lvar & 0xff]!;
}
