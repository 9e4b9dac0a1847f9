import type { MbusRecord } from '../../src/wmbus/types.js';
import type { ExpectedRecord } from '../conformance/shared-files.js';

/** True when `actual` is the record `expected` describes (fields it leaves out default as in a plain reading). */
export function recordMatches(actual: MbusRecord, expected: ExpectedRecord): boolean {
  if (actual.quantity !== expected.quantity) return false;
  if (expected.unit !== undefined && actual.unit !== expected.unit) return false;
  if (actual.storage !== (expected.storage ?? 0)) return false;
  if (actual.tariff !== (expected.tariff ?? 0)) return false;
  if (expected.direction !== undefined && actual.direction !== expected.direction) return false;
  if (expected.phase !== undefined && actual.phase !== expected.phase) return false;
  if (actual.function !== (expected.function ?? 'instantaneous')) return false;
  if (typeof expected.value === 'number') {
    return typeof actual.value === 'number' && Math.abs(actual.value - expected.value) <= 1e-9 * Math.max(1, Math.abs(expected.value));
  }
  return actual.value === expected.value;
}
