/**
 * Every line of ../shared/conformance/wmbusmeters-vectors.jsonl through the real decoder:
 * - at least COVERAGE_FLOOR % of the numbers in the `expected` objects are reproduced by some
 *   record or field (compared by value after unit conversion, see vector-compare.ts; every number
 *   counts), and every number not reproduced is one of KNOWN_MISSES (known-misses.ts);
 * - the wrong-key negatives (expected null) come out as errors;
 * - pre-decrypted telegrams (header announces encryption, payload in clear) are refused when a
 *   key is configured, with the line's key or a dummy one.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_MISSES } from './known-misses.js';
import { haveShared, skipping, wmbusmetersVectors } from './shared-files.js';
import { decodeVector, decodedNumbers, expectedNumbers, reproduces, vectorKey } from './vector-compare.js';
import { hex } from '../support/bytes.js';

if (!haveShared) console.warn(skipping('the wmbusmeters vectors'));

const vectors = wmbusmetersVectors();

const DUMMY_KEY = hex('000102030405060708090A0B0C0D0E0F');
/** The figure reached (issue 12 asks for 95%; the numbers still missing are listed in KNOWN_MISSES). */
const COVERAGE_FLOOR = 98.0;

/** Decodes a line as wmbusmeters' simulation does: prior telegrams first, one format memory. */

describe.skipIf(!haveShared)('wmbusmeters conformance vectors', () => {
  it(`reproduces at least ${COVERAGE_FLOOR}% of the expected numbers, missing only the known ones`, () => {
    let total = 0;
    let reproduced = 0;
    const misses: string[] = [];
    const missCount = new Map<string, number>();
    for (const v of vectors) {
      if (!v.expected) continue;
      const result = decodeVector(v);
      const decoded = result.ok ? decodedNumbers(result.telegram) : [];
      for (const [key, value] of expectedNumbers(v.expected)) {
        total++;
        if (reproduces(key, value, decoded)) reproduced++;
        else {
          misses.push(`${v.driver}.${key}${result.ok ? '' : ` (${result.error.code})`}`);
          missCount.set(`${v.driver}.${key}`, (missCount.get(`${v.driver}.${key}`) ?? 0) + 1);
        }
      }
    }
    const coverage = (100 * reproduced) / total;
    console.log(`wmbusmeters vectors: ${reproduced}/${total} expected numbers reproduced (${coverage.toFixed(1)}%)`);
    console.log(`not reproduced: ${misses.join(', ')}`);
    const newlyReproduced = [...KNOWN_MISSES].filter(([name, n]) => (missCount.get(name) ?? 0) < n).map(([name]) => name);
    const regressions = [...missCount].filter(([name, n]) => n > (KNOWN_MISSES.get(name) ?? 0)).map(([name]) => name);
    expect(regressions, 'numbers no longer reproduced').toEqual([]);
    expect(newlyReproduced, 'reproduced now: take them off KNOWN_MISSES').toEqual([]);
    expect(total).toBe(830);
    expect(coverage).toBeGreaterThanOrEqual(COVERAGE_FLOOR);
  });

  it('turns every wrong-key negative into an error', () => {
    const negatives = vectors.filter((v) => v.expected === null);
    expect(negatives.length).toBe(4);
    for (const v of negatives) {
      const result = decodeVector(v);
      expect(result.ok, `${v.driver} ${v.telegram_hex.slice(0, 24)}`).toBe(false);
    }
  });

  it('refuses pre-decrypted telegrams when a key is configured, and reads them without one', () => {
    const clear = vectors.filter((v) => v.frame.payload_already_decrypted && v.expected);
    expect(clear.length).toBe(36);
    for (const v of clear) {
      const withKey = decodeVector(v, vectorKey(v) ?? DUMMY_KEY);
      expect(withKey.ok, `${v.driver} ${v.telegram_hex.slice(0, 24)} accepted in clear with a key`).toBe(false);
    }
    const unreadable = clear.filter((v) => !decodeVector(v, undefined).ok).map((v) => `${v.driver} ${v.telegram_hex.slice(0, 24)}`);
    expect(unreadable).toEqual([]);
  });
});
