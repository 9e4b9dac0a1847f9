/** Issue 14, point 4: keys.json read entry by entry, merged with its previous copy; a removed key leaves every copy. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KeyStore } from '../../src/store/keys.js';
import { tempDir } from '../support/gateway-harness.js';

const A = '000102030405060708090A0B0C0D0E0F';
const B = 'F0E0D0C0B0A090807060504030201000';
const C = '11111111111111111111111111111111';
let tmp: Awaited<ReturnType<typeof tempDir>>;
const warnings: string[] = [];

beforeEach(async () => {
  tmp = await tempDir();
  warnings.length = 0;
});
afterEach(() => tmp.remove());

const file = (name = 'keys.json') => path.join(tmp.dir, name);
const open = () => KeyStore.open(tmp.dir, (m) => warnings.push(m));

it("keeps the good keys of a file with a bad entry, takes that meter's key from the previous copy and names it", async () => {
  await writeFile(file(), JSON.stringify({ '11111111': A, '22222222': 'B0A09080706050403020100\u0007', '33333333': 42 }));
  await writeFile(file('keys.json.prev'), JSON.stringify({ '11111111': C, '22222222': B }));
  const keys = await open();
  expect(Buffer.from(keys.lookup('11111111')!).toString('hex').toUpperCase()).toBe(A);
  expect(Buffer.from(keys.lookup('22222222')!).toString('hex').toUpperCase()).toBe(B);
  expect(keys.has('33333333')).toBe(false);
  expect(warnings.join('\n')).toMatch(/entry "22222222" is not .*using its key from .*keys\.json\.prev/);
  expect(warnings.join('\n')).toMatch(/entry "33333333" is not .*enter that meter's key again/);
  // The control character of the damaged entry is not printed raw.
  expect(warnings.join('\n')).not.toContain('\u0007');
});

it("removes a removed meter's key from keys.json and keys.json.prev", async () => {
  const keys = await open();
  await keys.set('11111111', A);
  await keys.set('22222222', B);
  await keys.set('11111111', undefined);
  for (const name of ['keys.json', 'keys.json.prev']) {
    const text = await readFile(file(name), 'utf8');
    expect(text).not.toContain(A);
    expect(JSON.parse(text)).toEqual({ '22222222': B });
  }
  // A damaged keys.json falls back to the previous copy: the removed key must not come back.
  await writeFile(file(), '{"22222222": "F0E0');
  const again = await open();
  expect(again.has('11111111')).toBe(false);
  expect(again.has('22222222')).toBe(true);
});
