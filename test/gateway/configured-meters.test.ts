/** Issue 14, points 5 and 8: meters from the configuration at start. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';
import { rejection } from '../support/errors.js';

const T0 = Date.parse('2025-06-20T09:50:47Z');
const KEY1 = '000102030405060708090A0B0C0D0E0F';
const KEY2 = 'F0E0D0C0B0A090807060504030201000';
let tmp: Awaited<ReturnType<typeof tempDir>>;
let gw: Gateway | undefined;
const clock = new FakeClock(T0);
const lines: string[] = [];
const log = { debug() {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };

beforeEach(async () => {
  tmp = await tempDir();
  lines.length = 0;
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await tmp.remove();
});

async function start(meters: string): Promise<Gateway> {
  await gw?.stop();
  gw = await openGateway(testConfig(tmp.dir, { WMBUS_METERS: meters }), clock, { log });
  return gw;
}

it('applies a key or name in the configuration that differs from the stored one, and says so', async () => {
  await start(`11111111:${KEY1}:Kitchen`);
  await start(`11111111:${KEY2}:Bathroom`);
  expect(gw!.meter('11111111')).toMatchObject({ name: 'Bathroom', hasKey: true });
  expect(JSON.parse(await readFile(path.join(tmp.dir, 'keys.json'), 'utf8'))).toEqual({ '11111111': KEY2 });
  expect(lines.join('\n')).toMatch(/meter 11111111 \(Bathroom\): the configuration has another key: using it/);
  expect(lines.join('\n')).toMatch(/meter 11111111: the configuration names it "Bathroom" \(was "Kitchen"\): renamed/);
});

it('claims 5,000 configured meters with one journal line and one keys.json write, in moments', async () => {
  const meters = Array.from({ length: 5000 }, (_, i) => `${String(10_000_000 + i)}:${KEY1}:Meter ${i}`).join(';');
  const t0 = performance.now();
  await start(meters);
  const ms = performance.now() - t0;
  expect(gw!.meters()).toHaveLength(5000);
  // One journal line (so big that the same flush then folded it into a checkpoint: it is journal.prev.jsonl now).
  const journal = (await readFile(path.join(tmp.dir, 'journal.prev.jsonl'), 'utf8')).trim().split('\n');
  expect(journal).toHaveLength(1);
  expect(Object.keys(JSON.parse(await readFile(path.join(tmp.dir, 'keys.json'), 'utf8')))).toHaveLength(5000);
  // keys.json.prev is the copy before the last write: one write means the start had no keys yet.
  await rejection(readFile(path.join(tmp.dir, 'keys.json.prev'), 'utf8'), Error, /ENOENT/, { code: 'ENOENT' });
  // Was 74 s (one journal line and keys.json write per meter); generous for a busy CI machine.
  expect(ms).toBeLessThan(10_000);
  console.log(`5,000 configured meters claimed in ${Math.round(ms)} ms`);
});
