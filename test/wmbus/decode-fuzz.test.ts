import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildTelegram } from '../../src/wmbus/build.js';
import { meterFamilies } from '../../src/meters/index.js';
import { FormatMemory, decodeTelegram, parseKey } from '../../src/wmbus/decode.js';
import type { DecodeResult, ErrorCode, KeyLookup } from '../../src/wmbus/types.js';
import { referenceExamples, wmbusmetersVectors } from '../conformance/shared-files.js';
import { hex } from '../support/bytes.js';
import { seededRandom as prng } from '../../drivers/cc1101/sim/ether.js';

// 100,000 random and mutated telegrams: the decoder answers every one with a reading or a typed
// error, never an exception, and its memory stays flat. About 5-10 s on one core.

const TOTAL = 100_000;
const ERROR_CODES = new Set<ErrorCode>([
  'WRONG_KEY',
  'NO_KEY',
  'MAC_MISMATCH',
  'CRC',
  'TRUNCATED',
  'MALFORMED',
  'NOT_ENCRYPTED',
  'UNSUPPORTED_SECURITY',
  'UNSUPPORTED_CI',
  'UNKNOWN_FORMAT',
]);
const INTERESTING_CI = [0x72, 0x73, 0x78, 0x79, 0x7a, 0x7b, 0x69, 0x6a, 0x6b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x81, 0xa0];

function corpus(): { seeds: Uint8Array[]; keys: Map<string, Uint8Array> } {
  const key = parseKey('000102030405060708090A0B0C0D0E0F');
  const apl = hex('2F2F 0C14 27048502 046D 32371F15 02FD17 0000 0E03 504069150000 0AFDC9FC01 3602');
  const meter = { manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 0x03, accessNumber: 0x2a };
  const seeds: Uint8Array[] = [];
  for (const tpl of ['short', 'long'] as const) {
    seeds.push(buildTelegram({ ...meter, apl, tpl }));
    seeds.push(buildTelegram({ ...meter, apl, tpl, security: { mode: 5, key } }));
    seeds.push(buildTelegram({ ...meter, apl, tpl, security: { mode: 7, key, counter: 1234 } }));
  }
  const keys = new Map<string, Uint8Array>([['12345678', key]]);
  for (const e of referenceExamples()) {
    if (!e.telegram_hex) continue;
    seeds.push(hex(e.telegram_hex));
    if (e.key && e.expect.id) keys.set(e.expect.id, parseKey(e.key));
  }
  for (const v of wmbusmetersVectors()) {
    seeds.push(hex(v.telegram_hex));
    for (const p of v.prior_telegrams_hex ?? []) seeds.push(hex(p));
  }
  return { seeds, keys };
}

function mutate(rand: () => number, seeds: Uint8Array[]): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = seeds[int(seeds.length)]!;
  let b = pick.slice();
  const kind = int(10);
  switch (kind) {
    case 0:
      for (let i = 1 + int(3); i > 0; i--) if (b.length) b[int(b.length)]! ^= 1 << int(8);
      break;
    case 1:
      if (b.length) b[int(b.length)] = int(256);
      break;
    case 2:
      b = b.subarray(0, int(b.length + 1));
      break;
    case 3: {
      const extra = new Uint8Array(1 + int(40)).map(() => int(256));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      b = out;
      break;
    }
    case 4: {
      const at = int(b.length + 1);
      b = int(2)
        ? new Uint8Array([...b.subarray(0, at), int(256), ...b.subarray(at)])
        : new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)]);
      break;
    }
    case 5:
      if (b.length) b[0] = int(2) ? int(256) : (b.length - 1) & 0xff;
      break;
    case 6: {
      b = new Uint8Array(int(300)).map(() => int(256));
      if (b.length > 2 && int(2)) {
        b[0] = (b.length - 1) & 0xff;
        b[1] = 0x44;
      }
      break;
    }
    case 7: {
      const other = seeds[int(seeds.length)]!;
      const cut = int(Math.min(b.length, 40) + 1);
      b = new Uint8Array([...b.subarray(0, cut), ...other.subarray(Math.min(cut, other.length))]);
      if (b.length) b[0] = (b.length - 1) & 0xff;
      break;
    }
    case 8:
      if (b.length > 10) b[10] = INTERESTING_CI[int(INTERESTING_CI.length)]!;
      break;
    default:
      // The configuration word of a short TPL: mode and block count.
      if (b.length > 15) {
        b[13] = int(256);
        b[14] = int(2) ? int(32) : int(256);
      }
  }
  return b;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('decoder fuzz', () => {
  it(`answers ${TOTAL} random and mutated telegrams with a reading or a typed error, memory flat`, () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { seeds, keys } = corpus();
    const fallback = parseKey('2B7E151628AED2A6ABF7158809CF4F3C');
    // Most unknown meters get a key too, so mutated headers still reach the decryption paths.
    const lookup: KeyLookup = (id) => keys.get(id) ?? (id.endsWith('9') ? undefined : fallback);
    const formats = new FormatMemory(256);
    const rand = prng(0x5eed1234);
    const seen = new Map<string, number>();
    const faults: string[] = [];

    const check = (input: Uint8Array, result: DecodeResult): void => {
      let outcome: string;
      if (result.ok === true) {
        outcome = 'ok';
        if (typeof result.telegram.id !== 'string' || !Array.isArray(result.telegram.records))
          faults.push(`bad telegram for ${Buffer.from(input).toString('hex')}`);
      } else {
        outcome = result.error.code;
        if (
          !ERROR_CODES.has(result.error.code) ||
          typeof result.error.message !== 'string' ||
          result.error.message === '' ||
          result.error.message.startsWith('decoder fault')
        ) {
          faults.push(`${result.error.code}: ${result.error.message} for ${Buffer.from(input).toString('hex')}`);
        }
      }
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    };

    const half = (): void => {
      for (let i = 0; i < TOTAL / 2; i++) {
        const input = mutate(rand, seeds);
        const result = decodeTelegram(input, { keys: lookup, formats, meters: meterFamilies });
        check(input, result);
      }
    };

    half();
    const afterFirst = heapAfterGc(gc);
    half();
    const afterSecond = heapAfterGc(gc);

    expect(faults.slice(0, 5)).toEqual([]);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    // The mutations must reach deep into the layers, not stop at the first check.
    for (const outcome of ['ok', 'CRC', 'TRUNCATED', 'WRONG_KEY', 'MAC_MISMATCH', 'NO_KEY'] as const)
      expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    expect(formats.size).toBeLessThanOrEqual(256);
    // Generous: a leak of even a few hundred bytes per telegram would show as tens of megabytes.
    expect(afterSecond - afterFirst).toBeLessThan(16 * 2 ** 20);
  });
});
