/** keys.json: what it accepts when read, how ids match, and that a failed write changes nothing. */
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyFormatError, KeyStore, normaliseKey } from '../../src/store/keys.js';
import { StoreWriteError } from '../../src/store/store.js';
import { rejection } from '../support/errors.js';

const KEY = '000102030405060708090A0B0C0D0E0F';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('KeyStore reading keys.json', () => {
  it.each([
    ['an array', `["${KEY}"]`, /not a JSON object of id -> key/],
    ['null', 'null', /not a JSON object of id -> key/],
    ['a string', `"${KEY}"`, /not a JSON object of id -> key/],
    ['a 7-digit id', `{"1234567": "${KEY}"}`, /entry "1234567" is not "8-digit id": "32 hex digits"/],
    ['a 9-digit id', `{"123456789": "${KEY}"}`, /entry "123456789" is not/],
    ['an id with a letter before it', `{"x12345678": "${KEY}"}`, /entry "x12345678" is not/],
    ['a key of 31 digits', `{"12345678": "${KEY.slice(1)}"}`, /entry "12345678" is not/],
    ['a key of 33 digits', `{"12345678": "${KEY}0"}`, /entry "12345678" is not/],
    ['a key with a letter before it', `{"12345678": "x${KEY}"}`, /entry "12345678" is not/],
    ['a key that is a number', '{"12345678": 5}', /entry "12345678" is not/],
  ])('refuses %s, starts without keys and says why', async (_, text, why) => {
    await writeFile(path.join(dir, 'keys.json'), text);
    const warnings: string[] = [];
    const keys = await KeyStore.open(dir, (m) => warnings.push(m));
    expect(keys.has('12345678')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(why);
  });

  it('keeps the good entries of a file with a bad one, and names the bad one (issue 14, point 4)', async () => {
    await writeFile(path.join(dir, 'keys.json'), `{"12345678": "${KEY}", "87654321": "nope"}`);
    const warnings: string[] = [];
    const keys = await KeyStore.open(dir, (m) => warnings.push(m));
    expect(keys.has('12345678')).toBe(true);
    expect(keys.has('87654321')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/entry "87654321" is not/);
  });

  it('finds an id written in lower case under either case', async () => {
    await writeFile(path.join(dir, 'keys.json'), `{"abcdef12": "${KEY}"}`);
    const keys = await KeyStore.open(dir);
    expect(keys.has('ABCDEF12')).toBe(true);
    expect(keys.has('abcdef12')).toBe(true);
    expect(Buffer.from(keys.lookup('ABCDEF12')!).toString('hex').toUpperCase()).toBe(KEY);
  });
});

describe('KeyStore changes', () => {
  it('keeps one entry per meter whatever the case of the id, stored in upper case', async () => {
    const keys = await KeyStore.open(dir);
    await keys.set('abcdef12', KEY);
    expect(keys.has('ABCDEF12')).toBe(true);
    expect(Buffer.from(keys.lookup('abcdef12')!).toString('hex').toUpperCase()).toBe(KEY);
    await keys.set('ABCDEF12', KEY.replace('0F', 'FF'));
    expect(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).toEqual({ ABCDEF12: KEY.replace('0F', 'FF') });
    await keys.set('abcDEF12', undefined);
    expect(keys.has('ABCDEF12')).toBe(false);
    expect(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).toEqual({});
  });

  it('keeps the keys it had when writing the file fails', async () => {
    const keys = await KeyStore.open(dir);
    await keys.set('12345678', KEY);
    await mkdir(path.join(dir, 'keys.json.tmp')); // the temp file cannot be written: as a failing card
    await rejection(keys.set('87654321', KEY), StoreWriteError, /^writing .*keys\.json failed: EISDIR: .*keys\.json\.tmp/, {
      committed: false,
    });
    expect(keys.has('87654321')).toBe(false);
    await rmdir(path.join(dir, 'keys.json.tmp'));
    await keys.set('11111111', KEY);
    expect(Object.keys(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).sort()).toEqual(['11111111', '12345678']);
  });
});

describe('normaliseKey', () => {
  it('accepts 32 hex digits with spaces, dashes or colons, in either case', () => {
    expect(normaliseKey('00:01:02:03:04:05:06:07-08 09 0a 0b 0c 0d 0e 0f')).toBe(KEY);
  });

  it.each([`Z${KEY}`, `${KEY}Z`, KEY.slice(2), `${KEY}00`, ''])('refuses %j with a KeyFormatError that shows an example', (text) => {
    let error: unknown;
    try {
      normaliseKey(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KeyFormatError);
    expect((error as Error).name).toBe('KeyFormatError');
    expect((error as Error).message).toMatch(/32 hexadecimal digits \(AES-128\), e\.g\. [0-9A-F]{32}$/);
  });
});
