/** Hex text <-> bytes, with a table so that formatting costs no per-byte string building. */

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).toUpperCase().padStart(2, '0'));

/** Uppercase hex of bytes[start, end). */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX2[bytes[i]!]!;
  return s;
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
