/**
 * The AES modes of the security layer (CBC for TPL modes 5 and 7, CTR for the ELL) against the
 * published vectors of NIST SP 800-38A, and against OpenSSL's own CBC and CTR (node:crypto) on
 * seeded random input, including counters that carry over several bytes: a wrong counter step
 * would decrypt the first block of an ELL telegram and garble the rest.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../drivers/cc1101/sim/ether.js';
import { AesKey, aesKey, cbcDecrypt, cbcEncryptInPlace, ctrXorInPlace } from '../../src/wmbus/security/aes.js';
import { ellIcb, mode5Iv } from '../../src/wmbus/security/iv.js';
import { hex, toHex } from '../support/bytes.js';
import { thrownBy } from '../support/errors.js';

// NIST SP 800-38A appendix F: the AES-128 key and the four plaintext blocks of every example.
const KEY = hex('2B7E151628AED2A6ABF7158809CF4F3C');
const PLAIN = hex(`6BC1BEE22E409F96E93D7E117393172A AE2D8A571E03AC9C9EB76FAC45AF8E51
  30C81C46A35CE411E5FBC1191A0A52EF F69F2445DF4F9B17AD2B417BE66C3710`);

describe('AES-128-CBC (NIST SP 800-38A F.2.1 and F.2.2)', () => {
  const iv = hex('000102030405060708090A0B0C0D0E0F');
  const cipher = hex(`7649ABAC8119B246CEE98E9B12E9197D 5086CB9B507219EE95DB113A917678B2
    73BED6B8E3C1743B7116E69E22229516 3FF1CAA1681FAC09120ECA307586E1A7`);

  it('encrypts in place, only the range given', () => {
    const buf = new Uint8Array(3 + 64 + 2).fill(0xa5);
    buf.set(PLAIN, 3);
    cbcEncryptInPlace(aesKey(KEY), iv, buf, 3, 67);
    expect(toHex(buf.subarray(3, 67))).toBe(toHex(cipher));
    expect([...buf.subarray(0, 3), ...buf.subarray(67)]).toEqual([0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
  });

  it('decrypts a range into a new array, leaving the input as it was', () => {
    const buf = new Uint8Array(5 + 64);
    buf.set(cipher, 5);
    const before = toHex(buf);
    expect(toHex(cbcDecrypt(aesKey(KEY), iv, buf, 5, 69))).toBe(toHex(PLAIN));
    expect(toHex(buf)).toBe(before);
  });

  it('decrypts one block and an empty range', () => {
    expect(toHex(cbcDecrypt(aesKey(KEY), iv, cipher, 0, 16))).toBe(toHex(PLAIN.subarray(0, 16)));
    expect(cbcDecrypt(aesKey(KEY), iv, cipher, 16, 16)).toHaveLength(0);
  });

  it('refuses a range that is not whole 16-byte blocks, or runs backwards', () => {
    const buf = new Uint8Array(64);
    expect(() => cbcDecrypt(aesKey(KEY), iv, buf, 0, 17)).toThrow(RangeError);
    expect(() => cbcEncryptInPlace(aesKey(KEY), iv, buf, 1, 16)).toThrow(RangeError);
    thrownBy(() => cbcDecrypt(aesKey(KEY), iv, buf, 32, 16), RangeError, /AES-CBC works on whole 16-byte blocks/);
    expect(() => cbcEncryptInPlace(aesKey(KEY), iv, buf, 48, 16)).toThrow(RangeError);
    expect(buf.every((b) => b === 0)).toBe(true);
  });

  it('agrees with OpenSSL on seeded random keys, IVs and lengths, both ways', () => {
    const random = seededRandom(0x5eed);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    for (let round = 0; round < 50; round++) {
      const key = bytes(16);
      const ivr = bytes(16);
      const plain = bytes(16 * (1 + (round % 6)));
      const openssl = createCipheriv('aes-128-cbc', key, ivr).setAutoPadding(false).update(plain);
      const buf = Uint8Array.from(plain);
      cbcEncryptInPlace(new AesKey(key), ivr, buf, 0, buf.length);
      expect(toHex(buf), `round ${round} (seed 0x5eed)`).toBe(toHex(openssl));
      expect(toHex(cbcDecrypt(new AesKey(key), ivr, buf, 0, buf.length)), `round ${round} (seed 0x5eed)`).toBe(toHex(plain));
    }
  });
});

describe('AES-128-CTR (NIST SP 800-38A F.5.1)', () => {
  // The counter's last byte goes FF -> 00 after the first block: the carry is part of the vector.
  const icb = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF');
  const cipher = hex(`874D6191B620E3261BEF6864990DB6CE 9806F66B7970FDFF8617187BB9FFFDFF
    5AE4DF3EDBD5D35E5B4F09020DB03EAB 1E031DDA2FBE03D1792170A0F3009CEE`);

  it('encrypts and decrypts in place, only the range given, also a range that ends mid-block', () => {
    const buf = new Uint8Array(2 + 64 + 3).fill(0x5a);
    buf.set(PLAIN, 2);
    ctrXorInPlace(aesKey(KEY), icb, buf, 2, 66);
    expect(toHex(buf.subarray(2, 66))).toBe(toHex(cipher));
    expect([...buf.subarray(0, 2), ...buf.subarray(66)]).toEqual([0x5a, 0x5a, 0x5a, 0x5a, 0x5a]);
    ctrXorInPlace(aesKey(KEY), icb, buf, 2, 66);
    expect(toHex(buf.subarray(2, 66))).toBe(toHex(PLAIN));
    const short = Uint8Array.from(cipher.subarray(0, 40));
    ctrXorInPlace(aesKey(KEY), icb, short, 0, 37);
    expect(toHex(short)).toBe(toHex(PLAIN.subarray(0, 37)) + toHex(cipher.subarray(37, 40)));
  });

  it('leaves the buffer as it is for an empty or backwards range', () => {
    const buf = Uint8Array.from(PLAIN);
    ctrXorInPlace(aesKey(KEY), icb, buf, 16, 16);
    ctrXorInPlace(aesKey(KEY), icb, buf, 32, 16);
    expect(toHex(buf)).toBe(toHex(PLAIN));
  });

  it('counts like OpenSSL over carries of one, two and all sixteen bytes (seeded)', () => {
    const random = seededRandom(0xc7a);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    const counters = [
      hex('000000000000000000000000000000FE'),
      hex('0000000000000000000000000000FEFF'),
      hex('0102030405060708090A0B0C0DFFFFF0'),
      hex('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'),
      bytes(16),
    ];
    for (const [n, start] of counters.entries()) {
      // 300 blocks: the block number itself needs two bytes, so the carry runs through both.
      const plain = bytes(300 * 16 + 5);
      const key = bytes(16);
      const openssl = createCipheriv('aes-128-ctr', key, start).update(plain);
      const buf = Uint8Array.from(plain);
      ctrXorInPlace(new AesKey(key), start, buf, 0, buf.length);
      expect(toHex(buf) === toHex(openssl), `counter ${n} ${toHex(start)} (seed 0xc7a)`).toBe(true);
    }
  });
});

describe('AES keys', () => {
  it('refuses a key that is not 16 bytes, saying how long it was', () => {
    thrownBy(() => new AesKey(new Uint8Array(15)), RangeError, 'an AES-128 key has 16 bytes, got 15');
    thrownBy(() => aesKey(new Uint8Array(24)), RangeError, 'an AES-128 key has 16 bytes, got 24');
  });
});

describe('initialisation vectors', () => {
  it('mode 5 (OMS Vol.2 9.2.4): M, ID, version and device type as on air, then the access number 8 times', () => {
    // a long TPL header: CI, ID(4), M(2), version, device type, ACC ...
    const header = hex('72 78563412 9315 33 03 2A');
    expect(toHex(mode5Iv(header, 5, 1, 0x33, 0x03, 0x2a))).toBe('931578563412' + '3303' + '2A'.repeat(8));
  });

  it('ELL counter block (EN 13757-4 13.2.12.5): M and A of the DLL, CC without hop and repeated bits, SN, then zeros', () => {
    // L C M(2) A(6) CI CC ACC SN(4): a Kamstrup DLL with every CC bit set
    const dll = hex('24 44 2D2C 69284563 1B16 8D FF 50 209CD621');
    expect(toHex(ellIcb(dll, 2, 0xff, dll, 13))).toBe('2D2C692845631B16ED209CD621000000');
    expect(toHex(ellIcb(dll, 2, 0x20, dll, 13))).toBe('2D2C692845631B1620209CD621000000');
  });
});
