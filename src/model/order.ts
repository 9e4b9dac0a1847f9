/**
 * Orders for lists people read and for stable output. String.prototype.localeCompare loads ICU's
 * collation tables (about 3 MiB of the gateway's memory; BENCHMARKS.md, footprint); these need none.
 */

/** UTF-16 code-unit order, as Array.prototype.sort without a comparator. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names as people scan a list: case ignored, then code units, so that names equal but for case keep one order. */
export function byName(a: string, b: string): number {
  return byCodeUnits(a.toLowerCase(), b.toLowerCase()) || byCodeUnits(a, b);
}
