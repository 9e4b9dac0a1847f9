/** Issue 14, point 1: the data folder deleted while running (a card remounted, a volume recreated). */
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';

const T0 = Date.parse('2025-06-20T09:50:47Z');
const KEY = '000102030405060708090A0B0C0D0E0F';
let tmp: Awaited<ReturnType<typeof tempDir>>;
let gw: Gateway;
const clock = new FakeClock(T0);
const warnings: string[] = [];
const log = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) };

// A mode 7 water meter telegram from the decoder's own builder: volume in litres (0C 13, BCD8).
function water(litres: number, counter: number): Uint8Array {
  const bcd = String(litres).padStart(8, '0');
  const apl = Buffer.from(`2F2F0C13${bcd.slice(6, 8)}${bcd.slice(4, 6)}${bcd.slice(2, 4)}${bcd.slice(0, 2)}`, 'hex');
  const key = Uint8Array.from(Buffer.from(KEY, 'hex'));
  const security = { mode: 7 as const, key, counter };
  return buildTelegram({ manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 0x07, accessNumber: counter, apl, security });
}

beforeEach(async () => {
  tmp = await tempDir();
  warnings.length = 0;
  gw = await openGateway(testConfig(tmp.dir), clock, { log });
  await gw.claim({ id: '12345678', name: 'Water', key: KEY });
  gw.ingestTelegram(water(1000, 1), { time: (clock.t += 60_000) });
  await gw.flush();
});
afterEach(async () => {
  await gw.stop();
  await tmp.remove();
});

const exists = (f: string) =>
  access(path.join(tmp.dir, f)).then(
    () => true,
    () => false,
  );

it('writes the store and keys.json again from memory; a restart finds meter, key and newest reading', async () => {
  await rm(tmp.dir, { recursive: true });
  gw.ingestTelegram(water(1010, 2), { time: (clock.t += 60_000) });
  await gw.flush();
  expect(await exists('keys.json')).toBe(true);
  expect(await exists('state.json')).toBe(true);
  expect(warnings.join('\n')).toMatch(/removed or changed from outside/);
  gw.ingestTelegram(water(1020, 3), { time: (clock.t += 60_000) });
  await gw.stop();

  gw = await openGateway(testConfig(tmp.dir), clock, { log });
  expect(gw.meter('12345678')).toMatchObject({ name: 'Water', hasKey: true });
  expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1.02, 9);
  expect(JSON.parse(await readFile(path.join(tmp.dir, 'keys.json'), 'utf8'))).toEqual({ '12345678': KEY });
});

it('warns at start when meters send encrypted telegrams but keys.json is gone', async () => {
  await gw.stop();
  await rm(path.join(tmp.dir, 'keys.json'));
  gw = await openGateway(testConfig(tmp.dir), clock, { log });
  expect(warnings.join('\n')).toMatch(/keys\.json is missing or empty, but meters 12345678 send encrypted telegrams/);
});
