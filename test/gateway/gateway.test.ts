import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayInputError, type Gateway } from '../../src/gateway/gateway.js';
import { UnknownMeterError } from '../../src/gateway/meter-commands.js';
import type { MeterChange, NearbyChange } from '../../src/model/meter.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { gamaBytes, gamaReference, haveShared, skipping } from '../conformance/shared-files.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';
import { rejection } from '../support/errors.js';

if (!haveShared) console.warn(skipping('gateway tests that need its GAMA 350 telegram'));

const gama = gamaReference();
const expectedImportKwh = () =>
  gama!.expect.records.find((r) => r.quantity === 'energy' && r.direction === 'import' && !r.tariff)!.value as number;

const T0 = Date.parse('2025-06-20T09:50:47+02:00');
let tmp: Awaited<ReturnType<typeof tempDir>>;
let clock: FakeClock;
let gw: Gateway;
const meterEvents: MeterChange[] = [];
const nearbyEvents: NearbyChange[] = [];

beforeEach(async () => {
  tmp = await tempDir();
  clock = new FakeClock(T0);
  gw = await openGateway(testConfig(tmp.dir), clock);
  meterEvents.length = 0;
  nearbyEvents.length = 0;
  gw.on('meter', (e) => meterEvents.push(e));
  gw.on('nearby', (e) => nearbyEvents.push(e));
});
afterEach(async () => {
  await gw.stop();
  await tmp.remove();
});

// An unencrypted or mode 7 water meter made with the decoder's own builder: volume in litres (0C 13, BCD8).
function water(id: string, litres: number, accessNumber: number, security?: { mode: 7; key: Uint8Array; counter: number }): Uint8Array {
  const bcd = String(litres).padStart(8, '0');
  const apl = Buffer.from(`2F2F0C13${bcd.slice(6, 8)}${bcd.slice(4, 6)}${bcd.slice(2, 4)}${bcd.slice(0, 2)}`, 'hex');
  return buildTelegram({ manufacturer: 'ELS', id, version: 0x33, deviceType: 0x07, accessNumber, apl, security: security ?? { mode: 0 } });
}

describe.skipIf(!haveShared)('meters heard and claimed (real GAMA 350 telegram)', () => {
  it('lists an unclaimed encrypted meter as heard nearby, without readings', () => {
    gw.ingestTelegram(gamaBytes(), { time: clock.t, rssi: -67 });
    const [n] = gw.nearby();
    expect(n).toMatchObject({
      id: gama!.expect.id,
      manufacturer: 'EGM',
      medium: expect.stringMatching(/electricity/i),
      encrypted: true,
      rssi: -67,
      lastSeen: T0,
    });
    expect(nearbyEvents.map((e) => e.change)).toEqual(['heard']);
    expect(gw.meters()).toEqual([]);
  });

  it('claiming with the right key shows the reading at once and takes it off the nearby list', async () => {
    gw.ingestTelegram(gamaBytes(), { time: clock.t, rssi: -67 });
    const readings: number[] = [];
    gw.on('reading', (r) => readings.push(r.counters['energy_import']!));
    const view = await gw.claim({ id: gama!.expect.id, name: 'Dom', key: gama!.key });
    expect(view).toMatchObject({ id: '30434741', name: 'Dom', hasKey: true });
    expect(readings).toEqual([expectedImportKwh()]);
    expect(gw.latest('30434741')!.counters['energy_import']).toBe(expectedImportKwh());
    expect(gw.meter('30434741')!.status.state).toBe('ok');
    expect(gw.nearby()).toEqual([]);
    expect(nearbyEvents.map((e) => e.change)).toEqual(['heard', 'removed']);
  });

  it('reports a wrong key once per meter, as its status, not on every telegram', async () => {
    const warnings: string[] = [];
    await gw.stop();
    gw = await openGateway(testConfig(tmp.dir), clock, { log: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} } });
    gw.on('meter', (e) => meterEvents.push(e));
    await gw.claim({ id: '30434741', name: 'Dom', key: '00112233445566778899AABBCCDDEEFF' });
    const bytes = gamaBytes();
    for (let i = 0; i < 5; i++) {
      bytes[11] = i; // another access number: a new telegram each time, not a copy
      clock.t += 60_000;
      gw.ingestTelegram(bytes, { time: clock.t });
    }
    const status = gw.meter('30434741')!.status;
    expect(status.state).toBe('wrong_key');
    expect(status.message).toMatch(/key of meter 30434741 \(Dom\) does not decrypt/);
    expect(meterEvents.filter((e) => e.change === 'status')).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('does not decrypt'))).toHaveLength(1);
    expect(gw.radioStats().gateway.decodeErrors['WRONG_KEY']).toBe(5);
  });

  it('never hands out a key through any query or event', async () => {
    const seen: unknown[] = [];
    for (const e of ['reading', 'meter', 'nearby', 'radio', 'telegram'] as const) gw.on(e, (x: unknown) => seen.push(x));
    gw.ingestTelegram(gamaBytes(), { time: clock.t });
    await gw.claim({ id: '30434741', name: 'Dom', key: gama!.key });
    const everything = JSON.stringify([
      seen,
      gw.meters(),
      gw.nearby(),
      gw.latest('30434741'),
      gw.radioStats(),
      gw.health(),
      gw.recentTelegrams(),
    ]);
    expect(everything.toUpperCase()).not.toContain(gama!.key.toUpperCase());
    // The key is in keys.json (mode 0600) and nowhere else in the data folder.
    expect((await stat(path.join(tmp.dir, 'keys.json'))).mode & 0o777).toBe(0o600);
    await gw.flush();
    const files = (await readdir(tmp.dir, { recursive: true })).filter((f) => f !== 'keys.json');
    expect(files).toContain('journal.jsonl');
    for (const f of files) {
      if ((await stat(path.join(tmp.dir, f))).isFile()) {
        expect((await readFile(path.join(tmp.dir, f), 'utf8')).toUpperCase(), f).not.toContain(gama!.key.toUpperCase());
      }
    }
  });

  it('counts repeated copies of a telegram once', async () => {
    await gw.claim({ id: '30434741', name: 'Dom', key: gama!.key });
    let readings = 0;
    gw.on('reading', () => readings++);
    const bytes = gamaBytes();
    gw.ingestTelegram(bytes, { time: clock.t });
    const repeated = Uint8Array.from(bytes);
    repeated[1] = 0x46; // a repeater may send it with another C-field
    gw.ingestTelegram(repeated, { time: clock.t + 2000 });
    gw.ingestTelegram(bytes, { time: clock.t + 4000 });
    expect(readings).toBe(1);
    expect(gw.radioStats().gateway.duplicates).toBe(2);
    expect(gw.meter('30434741')!.telegrams).toBe(1);
  });
});

describe('meters without the reference telegram', () => {
  it('rejects mode 7 telegrams whose counter does not grow, also after a restart', async () => {
    const key = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
    await gw.claim({ id: '12345678', name: 'Gas', key: key.toString('hex') });
    const send = (counter: number, litres: number) => {
      clock.t += 60_000;
      gw.ingestTelegram(water('12345678', litres, counter & 0xff, { mode: 7, key, counter }), { time: clock.t });
    };
    send(10, 1000);
    send(11, 1010);
    send(9, 990); // an old telegram played back
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1.01, 9);
    expect(gw.radioStats().gateway.replays).toBe(1);
    expect(gw.meter('12345678')!.status).toMatchObject({
      state: 'replay',
      message: expect.stringMatching(/counter 9, not above the last accepted 11/),
    });
    await gw.stop();
    gw = await openGateway(testConfig(tmp.dir), clock);
    // The last accepted counter is stored: the same old telegram is still refused after a restart.
    send(11, 1010);
    expect(gw.radioStats().gateway.replays).toBe(1);
    send(12, 1020);
    expect(gw.meter('12345678')!.status.state).toBe('ok');
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1.02, 9);
  });

  it('rejects a mode 7 telegram that repeats the last accepted counter with other content, without a restart', async () => {
    const key = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
    await gw.claim({ id: '12345678', name: 'Gas', key: key.toString('hex') });
    clock.t += 60_000;
    gw.ingestTelegram(water('12345678', 1000, 10, { mode: 7, key, counter: 10 }), { time: clock.t });
    // Same counter, another reading: not a copy (the bytes differ), so only the counter check can refuse it.
    clock.t += 60_000;
    gw.ingestTelegram(water('12345678', 5000, 10, { mode: 7, key, counter: 10 }), { time: clock.t });
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1, 9);
    expect(gw.radioStats().gateway.replays).toBe(1);
    expect(gw.meter('12345678')!.status).toMatchObject({
      state: 'replay',
      message: expect.stringMatching(/counter 10, not above the last accepted 10/),
    });
  });

  it('ignores a telegram in clear for a meter that has a key, so its readings cannot be forged', async () => {
    const key = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
    await gw.claim({ id: '12345678', name: 'Gas', key: key.toString('hex') });
    clock.t += 60_000;
    gw.ingestTelegram(water('12345678', 1000, 1, { mode: 7, key, counter: 1 }), { time: clock.t });
    clock.t += 60_000;
    gw.ingestTelegram(water('12345678', 9999, 2), { time: clock.t });
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1, 9);
    expect(gw.meter('12345678')!.status).toMatchObject({
      state: 'error',
      message: expect.stringMatching(/in clear although the meter has a key/),
    });
    expect(gw.radioStats().gateway.decodeErrors['NOT_ENCRYPTED']).toBe(1);
    clock.t += 60_000;
    gw.ingestTelegram(water('12345678', 1010, 3, { mode: 7, key, counter: 3 }), { time: clock.t });
    expect(gw.meter('12345678')!.status.state).toBe('ok');
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1.01, 9);
  });

  it('ignores telegrams while the system clock is unset (1970 before NTP), then takes them', async () => {
    await gw.claim({ id: '12345678', name: 'Water' });
    gw.ingestTelegram(water('12345678', 1000, 1), { time: 60_000 });
    expect(gw.latest('12345678')).toBeUndefined();
    gw.ingestTelegram(water('12345678', 1010, 2), { time: clock.t });
    expect(gw.latest('12345678')!.counters['volume']).toBeCloseTo(1.01, 9);
    // one hour of history, the current one: nothing from 1970
    expect(gw.history('12345678', { resolution: 'hour', from: 0, to: clock.t + 3_600_000 }).length).toBe(1);
  });

  it('lists an unencrypted unclaimed meter as nearby and not encrypted', () => {
    gw.ingestTelegram(water('72104388', 5, 1), { time: clock.t, rssi: -90 });
    expect(gw.nearby()).toMatchObject([{ id: '72104388', manufacturer: 'ELS', encrypted: false, rssi: -90, telegrams: 1 }]);
  });

  it('announces a meter heard nearby again once it has left the list (removed after a claim)', async () => {
    const infos: string[] = [];
    await gw.stop();
    gw = await openGateway(testConfig(tmp.dir), clock, { log: { debug() {}, info: (m) => infos.push(m), warn() {}, error() {} } });
    const heard = () => infos.filter((m) => /^heard meter 72104388 nearby/.test(m)).length;
    gw.ingestTelegram(water('72104388', 5, 1), { time: clock.t });
    gw.ingestTelegram(water('72104388', 6, 2), { time: (clock.t += 60_000) });
    expect(heard()).toBe(1);
    await gw.claim({ id: '72104388', name: 'Water' });
    await gw.remove('72104388');
    gw.ingestTelegram(water('72104388', 7, 3), { time: (clock.t += 60_000) });
    expect(gw.nearby()).toMatchObject([{ id: '72104388', telegrams: 1 }]);
    expect(heard()).toBe(2);
  });

  it('keeps at most 500 meters heard nearby, forgetting the one silent longest', () => {
    for (let i = 0; i < 501; i++) gw.ingestTelegram(water(String(10_000_000 + i), 5, 1), { time: clock.t + i });
    const ids = gw.nearby().map((n) => n.id);
    expect(ids).toHaveLength(500);
    expect(ids).not.toContain('10000000');
    expect(ids).toContain('10000500');
  });

  it('refuses bad claims with a message and writes nothing', async () => {
    await rejection(gw.claim({ id: '1234', name: 'x' }), GatewayInputError, /./);
    await rejection(gw.claim({ id: '12345678', name: 'x', key: 'not a key' }), GatewayInputError, /32 hexadecimal digits/);
    await rejection(gw.claim({ id: '12345678', name: 'x'.repeat(65) }), GatewayInputError, /at most 64/);
    await rejection(gw.rename('87654321', 'y'), UnknownMeterError, /not claimed/);
    expect(gw.meters()).toEqual([]);
    expect(existsSync(path.join(tmp.dir, 'keys.json'))).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'state.json'))).toBe(false);
  });

  it('keeps meters, latest readings and history across a restart; renames and removals stick', async () => {
    await gw.claim({ id: '72104388', name: 'Water' });
    for (let i = 0; i < 130; i++) {
      clock.t += 60_000;
      gw.ingestTelegram(water('72104388', 1000 + i * 2, i & 0xff), { time: clock.t });
    }
    await gw.rename('72104388', 'Cold water');
    await gw.stop();
    gw = await openGateway(testConfig(tmp.dir), clock);
    gw.on('meter', (e) => meterEvents.push(e));
    expect(gw.meters()).toMatchObject([{ id: '72104388', name: 'Cold water', telegrams: 130 }]);
    expect(gw.latest('72104388')!.counters['volume']).toBeCloseTo(1.258, 9);
    const hours = gw.history('72104388', { resolution: 'hour', from: T0 - 3_600_000 });
    const total = hours.reduce((s, h) => s + (h.deltas['volume'] ?? 0), 0);
    expect(total).toBeCloseTo(0.258, 9);
    expect(hours.filter((h) => !h.partial).length).toBe(3);
    await gw.remove('72104388');
    expect(gw.meters()).toEqual([]);
    expect(meterEvents.at(-1)).toEqual({ change: 'removed', id: '72104388' });
  });
});
