/**
 * The shared conformance files (real telegrams with keys and expected values), found in the
 * shared folder next to the repository. Every test and fixture reads them through this module;
 * benches import it compiled too, hence the repository root from bench/paths.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../bench/paths.js';

export { repoRoot };
/** WMBUS_SHARED_DIR points elsewhere, e.g. from a copy of the repository in a mutation-testing sandbox. */
export const sharedDir = process.env['WMBUS_SHARED_DIR'] ?? path.resolve(repoRoot, '..', 'shared');
export const conformanceDir = path.join(sharedDir, 'conformance');
const referenceFile = path.join(conformanceDir, 'reference-examples.jsonl');
const vectorsFile = path.join(conformanceDir, 'wmbusmeters-vectors.jsonl');
/** WMBUS_TEST_WITHOUT_SHARED=1 runs the suite as if the shared folder were missing (to check what still guards without it). */
export const sharedWithheld = process.env['WMBUS_TEST_WITHOUT_SHARED'] === '1';
export const haveShared = !sharedWithheld && existsSync(referenceFile) && existsSync(vectorsFile);

/** What a test prints when it skips for want of the shared folder; `what` names the tests that skip. */
export const skipping = (what: string): string => `shared conformance folder not found at ${sharedDir}: skipping ${what}`;
export const sharedMissing = skipping('tests that need its telegrams');

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
  /** radio mode and frame format of the raw_hex examples */
  mode?: 'T' | 'C';
  frameFormat?: 'A' | 'B';
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
    /** what the raw radio examples decode to */
    frame_with_crc?: string;
    L?: number;
    first_block_crc_ok?: boolean;
    stripped_L?: number;
    crc_ok?: boolean;
  };
}

export interface WmbusmetersVector {
  source: string;
  /** the wmbusmeters driver that printed `expected` */
  driver: string;
  key: string | null;
  telegram_hex: string;
  prior_telegrams_hex?: string[];
  /** what wmbusmeters printed (text, numbers, null for a field the telegram lacks); null: no reading (wrong key) */
  expected: Record<string, string | number | null> | null;
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

function jsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

// Parsed once per test file: several fixtures of one file read the same lines.
let references: readonly ReferenceExample[] | undefined;
let vectors: readonly WmbusmetersVector[] | undefined;

/** The lines of reference-examples.jsonl; none without the shared folder. */
export function referenceExamples(): readonly ReferenceExample[] {
  if (!haveShared) return [];
  return (references ??= jsonl<ReferenceExample>(referenceFile));
}

/** The lines of wmbusmeters-vectors.jsonl; none without the shared folder. */
export function wmbusmetersVectors(): readonly WmbusmetersVector[] {
  if (!haveShared) return [];
  return (vectors ??= jsonl<WmbusmetersVector>(vectorsFile));
}

/** The reference example whose name contains `namePart` (call only where the shared folder is present). */
export function referenceExample(namePart: string): ReferenceExample {
  const found = referenceExamples().find((e) => e.name.includes(namePart));
  if (!found) throw new Error(`no reference example named like '${namePart}' in ${referenceFile}`);
  return found;
}

/** The Elgama GAMA 350: T1 mode 5, a real telegram with the key its owner published (wmbusmeters issue #1542). */
export interface GamaReference extends ReferenceExample {
  telegram_hex: string;
  key: string;
  expect: ReferenceExample['expect'] & { id: string; manufacturer: string; records: ExpectedRecord[] };
}

/** The GAMA 350 reference example; undefined without the shared folder. */
export function gamaReference(): GamaReference | undefined {
  if (!haveShared) return undefined;
  const found = referenceExample('Elgama GAMA 350');
  if (!found.telegram_hex || !found.key || !found.expect.id || !found.expect.manufacturer || !found.expect.records) {
    throw new Error(`${referenceFile} has no Elgama GAMA 350 example with telegram, key, id, manufacturer and records`);
  }
  return found as GamaReference;
}

/** The GAMA 350 telegram's bytes (call only where the shared folder is present). */
export const gamaBytes = (): Uint8Array => Uint8Array.from(Buffer.from(gamaReference()!.telegram_hex, 'hex'));
