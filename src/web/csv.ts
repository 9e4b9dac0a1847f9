/**
 * Hourly or daily history as CSV (RFC 4180, comma separated, "." decimals): one row per bucket,
 * one column per register that changed in the range, unit in the column name as wmbusmeters users
 * know it (energy_import_kwh, volume_m3).
 */
import { unitOf } from '../model/reading.js';
import type { TimeZone } from '../model/timezone.js';
import type { HistoryBucket } from '../model/history.js';
import { byCodeUnits } from '../model/order.js';

// Import and export first: what a prosumer opens the file for.
const FIRST = ['energy_import', 'energy_export'];

export function registersOf(buckets: HistoryBucket[]): string[] {
  const names = new Set<string>();
  for (const b of buckets) for (const k of Object.keys(b.deltas)) names.add(k);
  // A night without PV (or a sunny noon without import) still gets both columns: a zero is data.
  if ([...names].some((n) => n.startsWith('energy_import') || n.startsWith('energy_export'))) for (const n of FIRST) names.add(n);
  return [...names].sort((a, b) => rank(a) - rank(b) || byCodeUnits(a, b));
}

function rank(name: string): number {
  const i = FIRST.indexOf(name);
  return i === -1 ? FIRST.length : i;
}

/** Times are local with their offset, so the 25-hour day of an autumn DST change reads right. */
export function historyCsv(meterId: string, buckets: HistoryBucket[], tz: TimeZone): string {
  const registers = registersOf(buckets);
  const header = ['meter_id', 'start', 'end', ...registers.map((r) => `${r}_${unitOf(r).toLowerCase()}`.replace(/_$/, '')), 'partial'];
  const lines = [header.join(',')];
  for (const b of buckets) {
    lines.push(
      [meterId, b.local, tz.isoLocal(b.end), ...registers.map((r) => formatNumber(b.deltas[r] ?? 0)), b.partial ? '1' : '0'].join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

function formatNumber(v: number): string {
  // Deltas are kept to 1e-9; print without float noise and without exponents.
  return String(Math.round(v * 1e6) / 1e6);
}
