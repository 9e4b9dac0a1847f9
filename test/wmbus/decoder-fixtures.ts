import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MbusRecord } from '../../src/wmbus/types.js';

/** The shared conformance folder sits next to the repository. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const conformanceDir = path.join(sharedDir, 'conformance');
export const haveShared = existsSync(path.join(conformanceDir, 'reference-examples.jsonl'));
export const sharedMissing = `shared conformance folder not found at ${sharedDir}: skipping tests that need its telegrams`;

function jsonl<T>(file: string): T[] {
  if (!haveShared) return [];
  return readFileSync(path.join(conformanceDir, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export interface ExpectedRecord {
  quantity: string;
  unit?: string;
  value: number | string;
  storage?: number;
  tariff?: number;
  direction?: string;
  phase?: string;
  function?: string;
}

export interface ReferenceExample {
  name: string;
  source: string;
  telegram_hex?: string;
  raw_hex?: string;
  apl_hex?: string;
  frame?: string;
  key?: string;
  negative_variant?: string;
  expect: {
    manufacturer?: string;
    id?: string;
    id_dll?: string;
    version?: number;
    deviceType?: number;
    security_mode?: number;
    security?: string;
    derived?: { Kenc?: string; Kmac?: string; mac?: string };
    records?: ExpectedRecord[];
    compact_form?: string;
    format_signature?: string;
  };
}

export interface WmbusmetersVector {
  source: string;
  key: string | null;
  telegram_hex: string;
  prior_telegrams_hex?: string[];
  expected: Record<string, unknown> | null;
  expected_error?: string;
  frame: {
    link: string;
    mfct?: string;
    layers?: string;
    tpl_security_mode?: number;
    ell_security?: string;
    dll_crc_present?: boolean;
    payload_already_decrypted?: boolean;
    encrypted_on_air?: boolean;
  };
}

export const referenceExamples = (): ReferenceExample[] => jsonl<ReferenceExample>('reference-examples.jsonl');
export const wmbusmetersVectors = (): WmbusmetersVector[] => jsonl<WmbusmetersVector>('wmbusmeters-vectors.jsonl');

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

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
