/**
 * Hourly or daily history as CSV (RFC 4180, comma separated, "." decimals): one row per bucket,
 * one column per register that changed in the range, unit in the column name as wmbusmeters users
 * know it (energy_import_kwh, volume_m3).
 */
import { unitOf } from '../model/reading.js';
import type { TimeZone } from '../model/timezone.js';
import type { HistoryBuckets } from '../gateway/gateway.js';
import { byCodeUnits } from '../model/order.js';

// Import and export first: what a prosumer opens the file for.
const FIRST = ['energy_import', 'energy_export'];

export function registersOf(buckets: HistoryBuckets): string[] {
  const names = buckets.registers();
  // A night without PV (or a sunny noon without import) still gets both columns: a zero is data.
  if ([...names].some((n) => n.startsWith('energy_import') || n.startsWith('energy_export'))) for (const n of FIRST) names.add(n);
  return [...names].sort((a, b) => rank(a) - rank(b) || byCodeUnits(a, b));
}

function rank(name: string): number {
  const i = FIRST.indexOf(name);
  return i === -1 ? FIRST.length : i;
}

/** The lines of the file, each with its CRLF; times are local with their offset, so the 25-hour day of an autumn DST change reads right. */
export function* historyCsv(meterId: string, buckets: HistoryBuckets, tz: TimeZone): Generator<string> {
  const registers = registersOf(buckets);
  const header = ['meter_id', 'start', 'end', ...registers.map((r) => `${r}_${unitOf(r).toLowerCase()}`.replace(/_$/, '')), 'partial'];
  yield `${header.join(',')}\r\n`;
  for (const b of buckets) {
    const cells = [meterId, b.local, tz.isoLocal(b.end), ...registers.map((r) => formatNumber(b.deltas[r] ?? 0)), b.partial ? '1' : '0'];
    yield `${cells.join(',')}\r\n`;
  }
}

function formatNumber(v: number): string {
  // Deltas are kept to 1e-9; print without float noise and without exponents.
  return String(Math.round(v * 1e6) / 1e6);
}
