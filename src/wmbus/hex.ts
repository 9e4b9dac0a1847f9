/** Hex text <-> bytes, with a table so that formatting costs no per-byte string building. */

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).toUpperCase().padStart(2, '0'));
/** Character codes of the two hex digits of each byte. */
const HI = new Uint16Array(256);
const LO = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  HI[i] = HEX2[i]!.charCodeAt(0);
  LO[i] = HEX2[i]!.charCodeAt(1);
}

/** Uppercase hex of bytes[start, end). */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start <= 8) return shortHex(bytes, start, end - start);
  let s = '';
  let i = start;
  for (; end - i > 8; i += 8) s += shortHex(bytes, i, 8);
  return s + shortHex(bytes, i, end - i);
}

/**
 * Hex of 0..8 bytes as one string: record headers and data are this short, and building their
 * text a byte at a time would allocate a string per byte. Spelled out per length so that each is
 * a single String.fromCharCode call.
 */
function shortHex(b: Uint8Array, at: number, n: number): string {
  switch (n) {
    case 1:
      return HEX2[b[at]!]!;
    case 2:
      return String.fromCharCode(HI[b[at]!]!, LO[b[at]!]!, HI[b[at + 1]!]!, LO[b[at + 1]!]!);
    case 3:
      return String.fromCharCode(HI[b[at]!]!, LO[b[at]!]!, HI[b[at + 1]!]!, LO[b[at + 1]!]!, HI[b[at + 2]!]!, LO[b[at + 2]!]!);
    case 4:
      return String.fromCharCode(
        HI[b[at]!]!,
        LO[b[at]!]!,
        HI[b[at + 1]!]!,
        LO[b[at + 1]!]!,
        HI[b[at + 2]!]!,
        LO[b[at + 2]!]!,
        HI[b[at + 3]!]!,
        LO[b[at + 3]!]!,
      );
    case 5:
      return String.fromCharCode(
        HI[b[at]!]!,
        LO[b[at]!]!,
        HI[b[at + 1]!]!,
        LO[b[at + 1]!]!,
        HI[b[at + 2]!]!,
        LO[b[at + 2]!]!,
        HI[b[at + 3]!]!,
        LO[b[at + 3]!]!,
        HI[b[at + 4]!]!,
        LO[b[at + 4]!]!,
      );
    case 6:
      return String.fromCharCode(
        HI[b[at]!]!,
        LO[b[at]!]!,
        HI[b[at + 1]!]!,
        LO[b[at + 1]!]!,
        HI[b[at + 2]!]!,
        LO[b[at + 2]!]!,
        HI[b[at + 3]!]!,
        LO[b[at + 3]!]!,
        HI[b[at + 4]!]!,
        LO[b[at + 4]!]!,
        HI[b[at + 5]!]!,
        LO[b[at + 5]!]!,
      );
    case 7:
      return String.fromCharCode(
        HI[b[at]!]!,
        LO[b[at]!]!,
        HI[b[at + 1]!]!,
        LO[b[at + 1]!]!,
        HI[b[at + 2]!]!,
        LO[b[at + 2]!]!,
        HI[b[at + 3]!]!,
        LO[b[at + 3]!]!,
        HI[b[at + 4]!]!,
        LO[b[at + 4]!]!,
        HI[b[at + 5]!]!,
        LO[b[at + 5]!]!,
        HI[b[at + 6]!]!,
        LO[b[at + 6]!]!,
      );
    case 8:
      return String.fromCharCode(
        HI[b[at]!]!,
        LO[b[at]!]!,
        HI[b[at + 1]!]!,
        LO[b[at + 1]!]!,
        HI[b[at + 2]!]!,
        LO[b[at + 2]!]!,
        HI[b[at + 3]!]!,
        LO[b[at + 3]!]!,
        HI[b[at + 4]!]!,
        LO[b[at + 4]!]!,
        HI[b[at + 5]!]!,
        LO[b[at + 5]!]!,
        HI[b[at + 6]!]!,
        LO[b[at + 6]!]!,
        HI[b[at + 7]!]!,
        LO[b[at + 7]!]!,
      );
    default:
      return ''; // an empty or reversed range
  }
}

/** Two hex digits of one byte. */
export function hexByte(b: number): string {
  return HEX2[b & 0xff]!;
}

/** Parses hex text; spaces, colons and a leading 0x are tolerated. Undefined when it is not hex. */
export function parseHex(text: string): Uint8Array | undefined {
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** 8-digit meter id from 4 bytes as on air (BCD, least significant byte first). */
export function idFromBytes(bytes: Uint8Array, at: number): string {
  return HEX2[bytes[at + 3]!]! + HEX2[bytes[at + 2]!]! + HEX2[bytes[at + 1]!]! + HEX2[bytes[at]!]!;
}

/** 4 bytes as on air for an 8-digit id. */
export function idToBytes(id: string): Uint8Array {
  if (!/^[0-9A-Fa-f]{8}$/.test(id)) throw new RangeError(`meter id must be 8 digits, got '${id}'`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = parseInt(id.slice(6 - 2 * i, 8 - 2 * i), 16);
  return out;
}
