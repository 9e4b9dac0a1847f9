/**
 * Bytes from hex text and back, for every test. Written apart from src/wmbus/hex.ts so the
 * tests do not check the parser with itself; and strict where Buffer.from(hex) is not: an odd
 * digit or a stray character in a fixture is an error, not a silently shorter telegram.
 */

/** Bytes of hex text; spaces, newlines and '|' (block separators in fixtures) are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not hex bytes: "${text}"`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

/** Uppercase hex of bytes, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}
