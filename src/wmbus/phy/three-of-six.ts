/**
 * The 3-of-6 code of EN 13757-4 mode T: every nibble becomes 6 chips with exactly three 1s,
 * high nibble first, chips MSB first. 2 bytes become 24 chips (3 raw bytes).
 *
 * Every table is built once at load time, so decoding is two lookups per byte and never allocates.
 */

/** Chip pattern (6 bits) of each nibble. */
export const CODE_OF_NIBBLE: Readonly<Uint8Array> = Uint8Array.of(
  0x16,
  0x0d,
  0x0e,
  0x0b,
  0x1c,
  0x19,
  0x1a,
  0x13,
  0x2c,
  0x25,
  0x26,
  0x23,
  0x34,
  0x31,
  0x32,
  0x29,
);

/** Marks a 6-chip pattern that is not a code word (44 of the 64 patterns). */
export const INVALID_SYMBOL = 0xff;

/** Nibble of each 6-chip pattern, or INVALID_SYMBOL. */
export const NIBBLE_OF_CODE: Readonly<Uint8Array> = (() => {
  const t = new Uint8Array(64).fill(INVALID_SYMBOL);
  CODE_OF_NIBBLE.forEach((code, nibble) => (t[code] = nibble));
  return t;
})();

/**
 * Byte of each 12-chip pattern (two symbols, high nibble first), or -1 when either symbol is
 * invalid. One lookup per decoded byte on the hot path.
 */
export const BYTE_OF_CHIPS: Readonly<Int16Array> = (() => {
  const t = new Int16Array(4096).fill(-1);
  for (let hi = 0; hi < 16; hi++) {
    for (let lo = 0; lo < 16; lo++) t[(CODE_OF_NIBBLE[hi]! << 6) | CODE_OF_NIBBLE[lo]!] = (hi << 4) | lo;
  }
  return t;
})();

/**
 * For each 6-chip pattern, the code words one chip flip away, packed as
 * `count | nibble0 << 4 | nibble1 << 8 | ...` (at most 4). A single chip flip always leaves a
 * pattern of weight 2 or 4, which is never a code word, so these are exactly the readings that one
 * flipped chip explains.
 */
export const NEIGHBOURS_OF_CODE: Readonly<Uint32Array> = (() => {
  const t = new Uint32Array(64);
  for (let chips = 0; chips < 64; chips++) {
    if (NIBBLE_OF_CODE[chips] !== INVALID_SYMBOL) continue;
    let packed = 0;
    let count = 0;
    for (let bit = 0; bit < 6; bit++) {
      const nibble = NIBBLE_OF_CODE[chips ^ (1 << bit)]!;
      if (nibble !== INVALID_SYMBOL) packed |= nibble << (4 + 4 * count++);
    }
    t[chips] = packed | count;
  }
  return t;
})();

/** Raw (chip) bytes that carry `bytes` decoded bytes. An odd count leaves a 4-chip postamble. */
export function chipBytesFor(bytes: number): number {
  return Math.ceil(bytes * 1.5);
}

/** The 6 chips of symbol `symbol` (0 = high nibble of byte 0) in packed chips. */
export function symbolChips(chips: Uint8Array, symbol: number): number {
  const bit = symbol * 6;
  const at = bit >>> 3;
  const word = (chips[at]! << 8) | (chips[at + 1] ?? 0);
  return (word >>> (10 - (bit & 7))) & 0x3f;
}

/**
 * Decode `count` bytes from the chips starting at `chips[0]` into `out[0..count)`.
 * Returns -1 when every symbol is a code word, else the number of invalid symbols; their indexes
 * (0 = high nibble of byte 0) go to `bad` up to its length, and their nibbles are left as 0.
 */
export function decode3of6Into(chips: Uint8Array, count: number, out: Uint8Array, bad: Int32Array): number {
  let invalid = 0;
  let src = 0;
  for (let i = 0; i < count; i += 2) {
    // 3 raw bytes hold two decoded bytes; an odd tail holds one byte and the postamble.
    const word = (chips[src]! << 16) | ((chips[src + 1] ?? 0) << 8) | (chips[src + 2] ?? 0);
    src += 3;
    const first = BYTE_OF_CHIPS[word >>> 12]!;
    if (first >= 0) out[i] = first;
    else invalid = noteInvalid(word >>> 12, 2 * i, out, i, bad, invalid);
    if (i + 1 === count) break;
    const second = BYTE_OF_CHIPS[word & 0xfff]!;
    if (second >= 0) out[i + 1] = second;
    else invalid = noteInvalid(word & 0xfff, 2 * i + 2, out, i + 1, bad, invalid);
  }
  return invalid === 0 ? -1 : invalid;
}

function noteInvalid(twelve: number, symbol: number, out: Uint8Array, at: number, bad: Int32Array, invalid: number): number {
  const hi = NIBBLE_OF_CODE[twelve >>> 6]!;
  const lo = NIBBLE_OF_CODE[twelve & 0x3f]!;
  out[at] = ((hi === INVALID_SYMBOL ? 0 : hi) << 4) | (lo === INVALID_SYMBOL ? 0 : lo);
  if (hi === INVALID_SYMBOL) {
    if (invalid < bad.length) bad[invalid] = symbol;
    invalid++;
  }
  if (lo === INVALID_SYMBOL) {
    if (invalid < bad.length) bad[invalid] = symbol + 1;
    invalid++;
  }
  return invalid;
}

/**
 * Chips of `bytes`, packed MSB first. With an odd byte count the last raw byte ends in the
 * postamble `0101` (EN 13757-4; TI AN067's encoder does the same), so the chip stream keeps
 * alternating after the last symbol.
 */
export function encode3of6(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(chipBytesFor(bytes.length));
  let dst = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    const b = bytes[i]!;
    const first = (CODE_OF_NIBBLE[b >>> 4]! << 6) | CODE_OF_NIBBLE[b & 0x0f]!;
    if (i + 1 === bytes.length) {
      out[dst] = first >>> 4;
      out[dst + 1] = ((first & 0x0f) << 4) | 0x05;
      break;
    }
    const c = bytes[i + 1]!;
    const second = (CODE_OF_NIBBLE[c >>> 4]! << 6) | CODE_OF_NIBBLE[c & 0x0f]!;
    const word = (first << 12) | second;
    out[dst] = word >>> 16;
    out[dst + 1] = (word >>> 8) & 0xff;
    out[dst + 2] = word & 0xff;
    dst += 3;
  }
  return out;
}
