/**
 * Comparing our decode with the wmbusmeters JSON of a conformance vector. wmbusmeters names
 * fields per driver (total_energy_consumption_kwh, ...); we compare values, not names: an expected
 * number counts as reproduced when some record or field carries the same value once converted to
 * the unit that the key's suffix names.
 */
import { meterFamilies } from '../../src/meters/index.js';
import { FormatMemory, decodeTelegram } from '../../src/wmbus/decode.js';
import type { DecodeResult, DecodedTelegram } from '../../src/wmbus/types.js';
import type { WmbusmetersVector } from './shared-files.js';
import { hex } from '../support/bytes.js';

/** AES-128 keys only; the DES key of one line (actislink) is passed as no key. */
export const vectorKey = (v: WmbusmetersVector): Uint8Array | undefined => (v.key && v.key.length === 32 ? hex(v.key) : undefined);

/** Decodes a vector as wmbusmeters did: its prior telegrams first, with one format memory and the given key. */
export function decodeVector(v: WmbusmetersVector, key: Uint8Array | undefined = vectorKey(v)): DecodeResult {
  const options = { formats: new FormatMemory(), keys: key ? () => key : undefined, meters: meterFamilies };
  for (const prior of v.prior_telegrams_hex ?? []) decodeTelegram(hex(prior), options);
  return decodeTelegram(hex(v.telegram_hex), options);
}

/**
 * Unit families: factor of each unit to the family's base unit. Active, reactive and apparent
 * power share a family because wmbusmeters writes reactive and apparent power with _kw (iem3000);
 * energies keep theirs apart (it writes _kvarh and _kvah for those).
 */
const FAMILIES: readonly Readonly<Record<string, number>>[] = [
  { Wh: 1, kWh: 1e3, MWh: 1e6, J: 1 / 3600, kJ: 1e3 / 3600, MJ: 1e6 / 3600, GJ: 1e9 / 3600 },
  { W: 1, kW: 1e3, MW: 1e6, var: 1, kvar: 1e3, VA: 1, kVA: 1e3 },
  { varh: 1, kvarh: 1e3 },
  { VAh: 1, kVAh: 1e3 },
  { m3: 1, l: 1e-3 },
  { 'm3/h': 1, 'l/h': 1e-3 },
  { kg: 1 },
  { 'kg/h': 1 },
  // Temperatures and temperature differences: wmbusmeters writes _c or _k for either.
  { C: 1, K: 1 },
  { bar: 1 },
  { s: 1, min: 60, h: 3600, d: 86400, y: 365.2425 * 86400 },
  { V: 1 },
  { A: 1 },
  { Hz: 1 },
  { '%': 1 },
];

/** wmbusmeters key suffix -> unit (ours, plus years). Keys with other suffixes compare as plain numbers. */
const SUFFIX_UNITS: Readonly<Record<string, string>> = {
  wh: 'Wh',
  kwh: 'kWh',
  mwh: 'MWh',
  j: 'J',
  kj: 'kJ',
  mj: 'MJ',
  gj: 'GJ',
  w: 'W',
  kw: 'kW',
  mw: 'MW',
  var: 'var',
  kvar: 'kvar',
  va: 'VA',
  kva: 'kVA',
  varh: 'varh',
  kvarh: 'kvarh',
  vah: 'VAh',
  kvah: 'kVAh',
  m3: 'm3',
  l: 'l',
  m3h: 'm3/h',
  lh: 'l/h',
  kg: 'kg',
  kgh: 'kg/h',
  c: 'C',
  k: 'K',
  bar: 'bar',
  s: 's',
  min: 'min',
  h: 'h',
  d: 'd',
  y: 'y',
  v: 'V',
  a: 'A',
  hz: 'Hz',
  pct: '%',
};

function family(unit: string): Readonly<Record<string, number>> | undefined {
  return FAMILIES.find((f) => unit in f);
}

export function unitOfKey(key: string): string | undefined {
  const suffix = key.slice(key.lastIndexOf('_') + 1).toLowerCase();
  return SUFFIX_UNITS[suffix];
}

/** wmbusmeters prints at most 6 decimals (13 s is 0.003611 h) and widens float32 data to double: values agree to half the last decimal or to float32 precision. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 5e-7 + 1e-7 * Math.abs(b);
}

/** The numbers of an expected object (booleans and text are not values of a meter reading). */
export function expectedNumbers(expected: Record<string, unknown>): [string, number][] {
  return Object.entries(expected).filter((e): e is [string, number] => typeof e[1] === 'number');
}

/** Every numeric value we decoded, with its unit ('' for counts and unitless fields). */
export function decodedNumbers(t: DecodedTelegram): { value: number; unit: string }[] {
  const out: { value: number; unit: string }[] = [];
  for (const r of t.records) if (typeof r.value === 'number') out.push({ value: r.value, unit: r.unit });
  for (const v of Object.values(t.fields)) if (typeof v === 'number') out.push({ value: v, unit: '' });
  return out;
}

export function reproduces(key: string, expected: number, decoded: { value: number; unit: string }[]): boolean {
  const unit = unitOfKey(key);
  const fam = unit === undefined ? undefined : family(unit);
  for (const d of decoded) {
    if (fam && unit) {
      const f = family(d.unit);
      if (f !== fam) continue;
      if (close((d.value * fam[d.unit]!) / fam[unit]!, expected)) return true;
    } else if (close(d.value, expected)) {
      return true;
    }
  }
  return false;
}
