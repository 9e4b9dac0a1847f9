import { type Cipher, type Decipher, createCipheriv, createDecipheriv } from 'node:crypto';
import { uninitialisedBytes } from '../bytes.js';

/**
 * AES-128 for the wM-Bus security layers. CBC (TPL modes 5 and 7) and CTR (ELL) are built on
 * one ECB cipher pair per key: ECB without padding keeps no state between update() calls, so the
 * pair is made once and reused for every telegram of that meter instead of a cipher per telegram.
 * Every call passes whole 16-byte blocks, which keeps the pair free of leftover input.
 */
export class AesKey {
  // Made on first use: most keys only ever decrypt (CBC) or only encrypt (CTR keystream).
  #enc?: Cipher;
  #dec?: Decipher;

  readonly #key: Uint8Array;
  constructor(key: Uint8Array) {
    this.#key = key;
    if (key.length !== 16) throw new RangeError(`an AES-128 key has 16 bytes, got ${key.length}`);
  }

  /** ECB encryption of whole blocks. */
  encryptBlocks(src: Uint8Array): Uint8Array {
    if (!this.#enc) {
      this.#enc = createCipheriv('aes-128-ecb', this.#key, null);
      this.#enc.setAutoPadding(false);
    }
    return this.#enc.update(src);
  }

  /** ECB decryption of whole blocks. */
  decryptBlocks(src: Uint8Array): Uint8Array {
    if (!this.#dec) {
      this.#dec = createDecipheriv('aes-128-ecb', this.#key, null);
      this.#dec.setAutoPadding(false);
    }
    return this.#dec.update(src);
  }
}

// Memoised on the key array's identity: a key lookup hands out the same array for a meter every
// time, and the entry goes away with it. Nothing here changes what any call returns.
const prepared = new WeakMap<Uint8Array, AesKey>();

export function aesKey(key: Uint8Array): AesKey {
  let k = prepared.get(key);
  if (!k) {
    k = new AesKey(key);
    prepared.set(key, k);
  }
  return k;
}

function assertBlocks(start: number, end: number): void {
  if ((end - start) % 16 !== 0 || end < start) throw new RangeError('AES-CBC works on whole 16-byte blocks');
}

/**
 * AES-128-CBC decryption of src[start, end) into a new array; `src` is only read. The plaintext
 * is made in the cipher's own output, so decrypting needs no copy of the telegram.
 */
export function cbcDecrypt(key: AesKey, iv: Uint8Array, src: Uint8Array, start: number, end: number): Uint8Array {
  assertBlocks(start, end);
  const out = key.decryptBlocks(src.subarray(start, end));
  // A plain view: the Buffer the cipher returns would give slice() another meaning.
  const plain = new Uint8Array(out.buffer, out.byteOffset, out.length);
  for (let i = plain.length - 1; i >= 16; i--) plain[i] = plain[i]! ^ src[start + i - 16]!;
  for (let i = Math.min(15, plain.length - 1); i >= 0; i--) plain[i] = plain[i]! ^ iv[i]!;
  return plain;
}

/** AES-128-CBC encryption of buf[start, end) in place. */
export function cbcEncryptInPlace(key: AesKey, iv: Uint8Array, buf: Uint8Array, start: number, end: number): void {
  assertBlocks(start, end);
  const block = new Uint8Array(16);
  let prev: Uint8Array = iv;
  for (let at = start; at < end; at += 16) {
    for (let i = 0; i < 16; i++) block[i] = buf[at + i]! ^ prev[i]!;
    const c = key.encryptBlocks(block);
    buf.set(c, at);
    prev = c;
  }
}

/**
 * AES-128-CTR over buf[start, end) in place (its own inverse). The counter block is incremented as
 * one 128-bit big-endian number per 16 bytes.
 */
export function ctrXorInPlace(key: AesKey, icb: Uint8Array, buf: Uint8Array, start: number, end: number): void {
  const blocks = Math.ceil((end - start) / 16);
  if (blocks <= 0) return;
  const counters = uninitialisedBytes(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const at = b * 16;
    counters.set(icb, at);
    let carry = b;
    for (let i = 15; i >= 0 && carry > 0; i--) {
      const sum = counters[at + i]! + (carry & 0xff);
      counters[at + i] = sum & 0xff;
      carry = (carry >>> 8) + (sum >> 8);
    }
  }
  const stream = key.encryptBlocks(counters);
  for (let i = start; i < end; i++) buf[i] = buf[i]! ^ stream[i - start]!;
}
