import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../bench/paths.js';

/** The shared docs and conformance folder sits next to the repository (benches import this compiled, too). */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const haveShared = existsSync(path.join(sharedDir, 'conformance', 'reference-examples.jsonl'));
export const sharedMissing = `shared conformance folder not found at ${sharedDir}: skipping tests that need its vectors`;

export interface ReferenceExample {
  name: string;
  source: string;
  telegram_hex?: string;
  raw_hex?: string;
  frame?: string;
  mode?: 'T' | 'C';
  frameFormat?: 'A' | 'B';
  key?: string;
  expect: Record<string, unknown>;
}

export function referenceExamples(): ReferenceExample[] {
  if (!haveShared) return [];
  return readFileSync(path.join(sharedDir, 'conformance', 'reference-examples.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ReferenceExample);
}

export function example(namePart: string): ReferenceExample {
  const found = referenceExamples().find((e) => e.name.includes(namePart));
  if (!found) throw new Error(`no reference example named like '${namePart}'`);
  return found;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
