import { describe, expect, it } from 'vitest';
import { cmac } from '../../../src/wmbus/security/cmac.js';
import { hex, toHex } from '../../support/bytes.js';

// RFC 4493 §4 test vectors: they pin the CMAC dependency behind mode 7 key derivation and AFL MACs.
const KEY = '2B7E151628AED2A6ABF7158809CF4F3C';
const M64 =
  '6BC1BEE22E409F96E93D7E117393172A' +
  'AE2D8A571E03AC9C9EB76FAC45AF8E51' +
  '30C81C46A35CE411E5FBC1191A0A52EF' +
  'F69F2445DF4F9B17AD2B417BE66C3710';

const VECTORS: Array<[length: number, mac: string]> = [
  [0, 'BB1D6929E95937287FA37D129B756746'],
  [16, '070A16B46B4D4144F79BDD9DD04A287C'],
  [40, 'DFA66747DE9AE63030CA32611497C827'],
  [64, '51F0BEBF7E3B9D92FC49741779363CFE'],
];

describe('AES-CMAC (RFC 4493)', () => {
  for (const [length, mac] of VECTORS) {
    it(`example with a ${length}-byte message`, () => {
      expect(toHex(cmac(hex(KEY), hex(M64).subarray(0, length)))).toBe(mac);
    });
  }

  it('reads messages that are views into a larger buffer', () => {
    const big = new Uint8Array(80);
    big.set(hex(M64), 7);
    expect(toHex(cmac(hex(KEY), big.subarray(7, 7 + 40)))).toBe('DFA66747DE9AE63030CA32611497C827');
  });
});
