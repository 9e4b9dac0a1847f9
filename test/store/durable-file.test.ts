import { chmod, mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableJsonFile } from '../../src/store/durable-file.js';
import { KeyFormatError, KeyStore } from '../../src/store/keys.js';
import { rejection } from '../support/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DurableJsonFile', () => {
  it('keeps the previous good copy beside the current file', async () => {
    const file = new DurableJsonFile<{ n: number }>(path.join(dir, 'a.json'));
    await file.write({ n: 1 });
    await file.write({ n: 2 });
    expect(JSON.parse(await readFile(path.join(dir, 'a.json'), 'utf8'))).toEqual({ n: 2 });
    expect(JSON.parse(await readFile(path.join(dir, 'a.json.prev'), 'utf8'))).toEqual({ n: 1 });
    expect(await file.read()).toEqual({ n: 2 });
    expect((await readdir(dir)).sort()).toEqual(['a.json', 'a.json.prev']);
  });

  it('moves a damaged file aside with a message and starts from the previous copy', async () => {
    const warnings: string[] = [];
    const file = new DurableJsonFile<{ n: number }>(path.join(dir, 'a.json'), { warn: (m) => warnings.push(m) });
    await file.write({ n: 1 });
    await file.write({ n: 2 });
    await writeFile(path.join(dir, 'a.json'), '{"n": 3, "trunc');
    expect(await file.read()).toEqual({ n: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/a\.json is damaged .*moved it to .*a\.json\.corrupt-.*previous good copy/);
    const aside = (await readdir(dir)).find((f) => f.startsWith('a.json.corrupt-'))!;
    expect(await readFile(path.join(dir, aside), 'utf8')).toBe('{"n": 3, "trunc');
  });

  it('refuses content its validator rejects, like a damaged file', async () => {
    const warnings: string[] = [];
    const file = new DurableJsonFile<{ format: number }>(path.join(dir, 'a.json'), {
      warn: (m) => warnings.push(m),
      validate: (d) => ((d as { format?: number }).format === 1 ? undefined : 'wrong format'),
    });
    await writeFile(path.join(dir, 'a.json'), '{"format": 9}');
    expect(await file.read()).toBeNull();
    expect(warnings[0]).toMatch(/wrong format.*no good previous copy.*started empty/);
  });

  it('writes again once the cause of a failed write is gone (one bad moment must not stop the store for good)', async () => {
    const file = new DurableJsonFile<{ n: number }>(path.join(dir, 'a.json'));
    await file.write({ n: 1 });
    // A folder where the temp file goes makes the next write fail, as a full or failing card would.
    await mkdir(path.join(dir, 'a.json.tmp'));
    await rejection(file.write({ n: 2 }), Error, /a\.json\.tmp/, { code: 'EISDIR' });
    await rmdir(path.join(dir, 'a.json.tmp'));
    await file.write({ n: 3 });
    expect(JSON.parse(await readFile(path.join(dir, 'a.json'), 'utf8'))).toEqual({ n: 3 });
  });

  it('runs writes started together one after another, the last one ending on disk', async () => {
    const file = new DurableJsonFile<{ n: number }>(path.join(dir, 'a.json'));
    await Promise.all([1, 2, 3, 4, 5].map((n) => file.write({ n })));
    expect(JSON.parse(await readFile(path.join(dir, 'a.json'), 'utf8'))).toEqual({ n: 5 });
    expect(JSON.parse(await readFile(path.join(dir, 'a.json.prev'), 'utf8'))).toEqual({ n: 4 });
  });
});

describe('KeyStore', () => {
  it('writes keys to keys.json with mode 0600 and finds them by id', async () => {
    const keys = await KeyStore.open(dir);
    await keys.set('30434741', '67 34 85 67 52 83 26 94 94 93 38 80 78 12 16 77');
    const st = await stat(path.join(dir, 'keys.json'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).toEqual({ '30434741': '67348567528326949493388078121677' });
    const again = await KeyStore.open(dir);
    expect(Buffer.from(again.lookup('30434741')!).toString('hex')).toBe('67348567528326949493388078121677');
    expect(again.has('12345678')).toBe(false);
  });

  it('tightens the mode of a keys.json copied in by hand', async () => {
    await writeFile(path.join(dir, 'keys.json'), '{"12345678": "000102030405060708090A0B0C0D0E0F"}', { mode: 0o644 });
    const keys = await KeyStore.open(dir);
    expect(keys.has('12345678')).toBe(true);
    expect((await stat(path.join(dir, 'keys.json'))).mode & 0o777).toBe(0o600);
  });

  it('keeps keys.json 0600 when a crash left a world-readable keys.json.tmp behind', async () => {
    const keys = await KeyStore.open(dir);
    await keys.set('12345678', '000102030405060708090A0B0C0D0E0F');
    // A crash between creating the temp file and the rename leaves it; its mode would be kept by open().
    await writeFile(path.join(dir, 'keys.json.tmp'), '{"half', { mode: 0o644 });
    await chmod(path.join(dir, 'keys.json.tmp'), 0o644);
    await keys.set('87654321', '0F0E0D0C0B0A09080706050403020100');
    for (const name of ['keys.json', 'keys.json.prev'])
      expect({ name, mode: (await stat(path.join(dir, name))).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    expect(Object.keys(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).sort()).toEqual(['12345678', '87654321']);
  });

  it('refuses a malformed key without changing the file', async () => {
    const keys = await KeyStore.open(dir);
    await keys.set('12345678', '000102030405060708090A0B0C0D0E0F');
    await rejection(keys.set('12345678', 'abc'), KeyFormatError, /^a key is 32 hexadecimal digits/);
    expect(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).toEqual({ '12345678': '000102030405060708090A0B0C0D0E0F' });
  });
});
