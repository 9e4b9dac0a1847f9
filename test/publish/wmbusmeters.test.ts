/**
 * The wmbusmeters-compatible JSON against what wmbusmeters itself prints for the same telegrams
 * (../shared/conformance/wmbusmeters-vectors.jsonl): each wireless telegram is decoded with our
 * decoder, mapped, and every key both sides have must carry the same value. For the electricity
 * meters of the amiplus family (the HAN meters our users have), every key wmbusmeters prints must
 * be there.
 */
import { describe, expect, it } from 'vitest';
import { toWmbusmetersJson } from '../../src/publish/wmbusmeters.js';
import { haveShared, skipping, type WmbusmetersVector, wmbusmetersVectors } from '../conformance/shared-files.js';
import { decodeVector } from '../conformance/vector-compare.js';

if (!haveShared) console.warn(skipping('the wmbusmeters JSON comparison'));

/** wmbusmeters' reception time in every expected object (see the conformance README). */
const TIMESTAMP_PLACEHOLDER = '1111-11-11T11:11:11Z';

/** Our JSON for a vector, with the reception time and meter name wmbusmeters was given; undefined if we cannot decode it. */
function ours(v: WmbusmetersVector): Record<string, string | number> | undefined {
  const r = decodeVector(v);
  if (!r.ok) return undefined;
  const t = r.telegram;
  return toWmbusmetersJson({
    id: t.id,
    name: String(v.expected!['name']),
    manufacturer: t.manufacturer,
    deviceType: t.deviceType,
    version: t.version,
    medium: t.medium,
    time: Date.parse(TIMESTAMP_PLACEHOLDER),
    records: t.records,
  });
}

function same(a: string | number, b: string | number | null): boolean {
  return typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 5e-7 + 1e-9 * Math.abs(b) : a === b;
}

/**
 * Drivers that give a shared name another meaning: for these two water meters wmbusmeters' target_m3
 * is the month-end value (storage 8 / 3) and the storage-1 value is "total_at_set_date_m3"; iwmtx5
 * prints the meter clock with seconds; Techem's device type 0x62 is not in the device type table of EN 13757-7,
 * wmbusmeters calls it "warm water". Listed so that a change on either side shows up here.
 */
const KNOWN_DIFFERENCES = ['dme173.target_m3', 'hydrus.target_m3', 'iwmtx5.meter_datetime', 'mkradio4.media'];

const wireless = wmbusmetersVectors().filter((v) => v.expected && v.frame.link === 'wmbus');

describe.skipIf(!haveShared)('wmbusmeters-compatible JSON', () => {
  it('agrees with wmbusmeters on every key both print', () => {
    let compared = 0;
    let vectorsCompared = 0;
    const differences: string[] = [];
    for (const v of wireless) {
      const json = ours(v);
      if (!json) continue;
      vectorsCompared++;
      for (const [key, value] of Object.entries(json)) {
        // null: the driver declares the field but found no value in this telegram.
        if (v.expected![key] === undefined || v.expected![key] === null || (key === 'meter' && value === 'unknown')) continue;
        compared++;
        if (!same(value, v.expected![key]!)) differences.push(`${v.driver}.${key}`);
      }
    }
    // Exact: a vector that stops decoding, or a key that stops being printed, shows here (a new
    // one too: raise the figure with it).
    expect(vectorsCompared).toBe(73);
    expect(compared).toBe(660);
    expect(differences.sort()).toEqual(KNOWN_DIFFERENCES);
  });

  it('prints every key wmbusmeters prints for the HAN electricity meters (GAMA 350, Apator, NES, Sanxing)', () => {
    const family = wireless.filter((v) => ['amiplus', 'sanxing'].includes(String(v.expected!['meter'])));
    expect(family.length).toBe(11);
    for (const v of family) {
      const json = ours(v);
      expect(json, `${v.driver} ${v.telegram_hex.slice(0, 24)} decodes`).toBeDefined();
      for (const [key, value] of Object.entries(v.expected!)) {
        // wmbusmeters prints null for a field its driver declares but this telegram lacks.
        if (value === null) continue;
        expect(json![key], `${v.driver} ${v.expected!['id']} ${key}`).toSatisfy((x: string | number) => x !== undefined && same(x, value));
      }
    }
  });
});
