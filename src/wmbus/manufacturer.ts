/**
 * The M-field: three letters packed into 15 bits, sent LE. Some meters set bit 15; the letters
 * live in bits 14..0 only, so masking it is the retry that makes such meters readable.
 */

export function manufacturerFromCode(code: number): string {
  const m = code & 0x7fff;
  return String.fromCharCode(((m >> 10) & 0x1f) + 64, ((m >> 5) & 0x1f) + 64, (m & 0x1f) + 64);
}

/** The manufacturer code at bytes[at], bytes[at+1] (LE). */
export function manufacturerAt(bytes: Uint8Array, at: number): string {
  return manufacturerFromCode(bytes[at]! | (bytes[at + 1]! << 8));
}

export function manufacturerToCode(letters: string): number {
  if (!/^[A-Z]{3}$/.test(letters)) throw new RangeError(`manufacturer must be three letters A-Z, got '${letters}'`);
  return ((letters.charCodeAt(0) - 64) << 10) | ((letters.charCodeAt(1) - 64) << 5) | (letters.charCodeAt(2) - 64);
}
