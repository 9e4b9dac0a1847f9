/** Issue 14, point 2: a change the gateway answers with an error must change nothing, now or after a restart. */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import { StoreWriteError } from '../../src/store/store.js';
import { type FaultyDisk, faultyDisk } from '../support/faulty-disk.js';
import { FakeClock, openGateway, testConfig } from '../support/gateway-harness.js';
import { rejection } from '../support/errors.js';

const T0 = Date.parse('2025-06-20T09:50:47Z');
const KEY = '000102030405060708090A0B0C0D0E0F';
let disk: FaultyDisk;
let gw: Gateway;
const clock = new FakeClock(T0);

beforeEach(async () => {
  disk = await faultyDisk();
  gw = await openGateway(testConfig(disk.dir), clock);
  await gw.claim({ id: '11111111', name: 'Kitchen', key: KEY });
});
afterEach(async () => {
  await disk.writable();
  await gw.stop();
  await disk.remove();
});

async function restarted(): Promise<Gateway> {
  await disk.writable();
  await gw.stop();
  gw = await openGateway(testConfig(disk.dir), clock);
  return gw;
}

it('a rename, claim or removal refused by a read-only card changes nothing, then or after writes work again', async () => {
  const events: string[] = [];
  gw.on('meter', (e) => events.push(e.change));
  await disk.readOnly();

  await rejection(gw.rename('11111111', 'Bathroom'), StoreWriteError, /^writing the store in .* failed: /);
  // keys.json is written first, before the store: its failure is the store's typed error too, naming the file and the cause
  const code = disk.kind === 'tmpfs' ? 'EROFS' : 'EACCES';
  await rejection(
    gw.claim({ id: '22222222', name: 'Garage', key: KEY }),
    StoreWriteError,
    new RegExp(`^writing .*keys\\.json failed: ${code}`),
    {
      committed: false,
    },
  );
  await rejection(gw.remove('11111111'), StoreWriteError, /^writing the store in .* failed: /);
  expect(gw.meters().map((m) => [m.id, m.name, m.hasKey])).toEqual([['11111111', 'Kitchen', true]]);
  expect(gw.meter('22222222')).toBeUndefined();
  expect(events).toEqual([]);

  // Writes work again: the next flush must not bring the refused changes back.
  await disk.writable();
  await gw.flush();
  const after = await restarted();
  expect(after.meters().map((m) => [m.id, m.name, m.hasKey])).toEqual([['11111111', 'Kitchen', true]]);
});

it('a claim whose keys.json was written but whose store write failed leaves no key behind', async () => {
  // keys.json can be written, the store cannot: its journal and its checkpoint's temp file are folders.
  const blocked = ['journal.jsonl', 'state.json.tmp'].map((f) => path.join(disk.dir, f));
  await rm(blocked[0]!);
  for (const p of blocked) await mkdir(p);
  await rejection(gw.claim({ id: '22222222', key: KEY }), StoreWriteError, /^writing the store in .* failed: /);
  expect(gw.meter('22222222')).toBeUndefined();
  for (const p of blocked) await rm(p, { recursive: true });
  const after = await restarted();
  expect(after.meter('22222222')).toBeUndefined();
  expect(after.meter('11111111')).toMatchObject({ name: 'Kitchen', hasKey: true });
  await after.claim({ id: '22222222' });
  expect(after.meter('22222222')!.hasKey).toBe(false);
});
