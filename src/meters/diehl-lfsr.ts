/**
 * The scrambling of Diehl Metering radio meters (PRIOS on IZAR water meters, and the "real data"
 * of Sharky heat meters): the payload is XORed with the output of a 32-bit linear-feedback shift
 * register (taps at bits 1, 2, 11 and 31), seeded with a key folded to 32 bits and mixed with the
 * telegram header. Meters that were not given a key of their own use one of two published default
 * keys, so the payload is readable by anyone: this is obfuscation, not security.
 */

/** A key folded to the 32-bit seed: the big-endian words of its first 8 bytes XORed. */
function foldKey(key: Uint8Array): number {
  return (be32(key, 0) ^ be32(key, 4)) >>> 0;
}

/** The two default keys Diehl radio meters ship with (public knowledge, e.g. the IZAR tools). */
export const DIEHL_DEFAULT_SEEDS: readonly number[] = ['39BC8A10E66D83F8', '51728910E66D83F8'].map((k) => foldKey(Buffer.from(k, 'hex')));

/** Big-endian 32 bits of the telegram at `at`. */
function be32(t: Uint8Array, at: number): number {
  return ((t[at]! << 24) | (t[at + 1]! << 16) | (t[at + 2]! << 8) | t[at + 3]!) >>> 0;
}

/** Where the scrambled bytes start: after L, C, M, A (6 bytes), CI and four clear bytes. */
export const SCRAMBLED_AT = 15;

/**
 * The payload `telegram[15..]` unscrambled with `seed`, as the meter sent it over the air (the
 * header bytes 2..13 are mixed into the seed as transmitted, before any address reordering).
 */
export function unscramble(telegram: Uint8Array, seed: number): Uint8Array {
  let key = (seed ^ be32(telegram, 2) ^ be32(telegram, 6) ^ be32(telegram, 10)) >>> 0;
  const out = new Uint8Array(Math.max(0, telegram.length - SCRAMBLED_AT));
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < 8; j++) {
      const bit = ((key >>> 1) ^ (key >>> 2) ^ (key >>> 11) ^ (key >>> 31)) & 1;
      key = ((key << 1) | bit) >>> 0;
    }
    out[i] = telegram[SCRAMBLED_AT + i]! ^ (key & 0xff);
  }
  return out;
}

/**
 * The first unscrambling that `check` accepts, or undefined: with the meter's own key when one is
 * configured (it replaces the defaults), else with the default keys.
 */
export function unscrambleChecked(telegram: Uint8Array, check: (plain: Uint8Array) => boolean, key?: Uint8Array): Uint8Array | undefined {
  if (telegram.length <= SCRAMBLED_AT) return undefined;
  for (const seed of key ? [foldKey(key)] : DIEHL_DEFAULT_SEEDS) {
    const plain = unscramble(telegram, seed);
    if (check(plain)) return plain;
  }
  return undefined;
}
