/**
 * A data folder written by format 1 of the store (state.json, hourly.json and daily.json rewritten
 * whole) still loads: it is converted on the first start. The fixture was written by that
 * version of the gateway playing the demo household from 2025-03-29 08:00 to 2025-03-30 14:20
 * (Europe/Warsaw, across the spring DST change).
 */
import { cp, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_METERS, frameAt, sendTimes } from '../../src/gateway/demo/neighbourhood.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { HistoryRow, SampleRow } from '../../src/model/history.js';
import { type Logger, silentLogger } from '../../src/model/log.js';
import { TimeZone } from '../../src/model/timezone.js';
import { repoRoot } from '../conformance/shared-files.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';

const fixture = path.join(repoRoot, 'test', 'store', 'fixtures', 'format1');
const tz = new TimeZone('Europe/Warsaw');
const HOUR = 3_600_000;

interface V1 {
  state: {
    meters: Record<string, { latest: unknown; telegrams: number }>;
    series: Record<
      string,
      { hourFloor: number; dayFloor: number; lastTime: number; recentSamples: SampleRow[]; openSample?: { t: number } }
    >;
  };
  hourly: { hourly: Record<string, HistoryRow[]>; samples: Record<string, SampleRow[]> };
  daily: { daily: Record<string, HistoryRow[]> };
}

async function readV1(): Promise<V1> {
  const read = async (f: string) => JSON.parse(await readFile(path.join(fixture, f), 'utf8')) as never;
  return { state: await read('state.json'), hourly: await read('hourly.json'), daily: await read('daily.json') };
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let gw: Gateway | undefined;
beforeEach(async () => {
  tmp = await tempDir();
  await cp(fixture, tmp.dir, { recursive: true });
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await tmp.remove();
});

function capture(): { log: Logger; warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return { log: { ...silentLogger, warn: (m) => warnings.push(m), info: (m) => infos.push(m) }, warnings, infos };
}

describe('a format 1 data folder', () => {
  it('is converted on first start: same meters, readings, hours, days and samples; old files gone, keys untouched', async () => {
    const v1 = await readV1();
    const keysBefore = await readFile(path.join(tmp.dir, 'keys.json'), 'utf8');
    const end = Math.max(...Object.values(v1.state.series).map((s) => s.lastTime));
    const clock = new FakeClock(end);
    const c = capture();
    gw = await openGateway(testConfig(tmp.dir), clock, { log: c.log });
    expect(c.warnings).toEqual([]);
    expect(c.infos.some((m) => /converted the store .* to format 2/.test(m))).toBe(true);

    const files = await readdir(tmp.dir);
    expect(files).not.toContain('hourly.json');
    expect(files).not.toContain('daily.json');
    expect(JSON.parse(await readFile(path.join(tmp.dir, 'state.json'), 'utf8')).format).toBe(2);
    expect(await readFile(path.join(tmp.dir, 'keys.json'), 'utf8')).toBe(keysBefore);
    expect((await stat(path.join(tmp.dir, 'keys.json'))).mode & 0o777).toBe(0o600);

    for (const [id, meter] of Object.entries(v1.state.meters)) {
      const series = v1.state.series[id]!;
      expect(gw.latest(id)).toEqual(meter.latest);
      expect(gw.meter(id)!.telegrams).toBe(meter.telegrams);
      const closed = (res: 'hour' | 'day') => gw!.history(id, { resolution: res, from: 0, to: end + 1 }).filter((b) => !b.partial);
      const expectHours = (v1.hourly.hourly[id] ?? []).filter((r) => r.t < series.hourFloor);
      expect(closed('hour').map((b) => ({ t: b.start, d: b.deltas }))).toEqual(expectHours);
      expect(closed('day').map((b) => ({ t: b.start, d: b.deltas }))).toEqual(v1.daily.daily[id] ?? []);
      const samples = gw.samples(id, { from: 0, to: end + 1 });
      const expectSamples = [...(v1.hourly.samples[id] ?? []), ...series.recentSamples].map((r) => ({ t: r.t, values: r.v }));
      expect(samples.slice(0, expectSamples.length)).toEqual(expectSamples);
      expect(samples.slice(expectSamples.length).map((s) => s.t)).toEqual(series.openSample ? [series.openSample.t] : []);
    }
  });

  it('carries on where format 1 stopped: the DST day closes with 23 hours that add up to the day', async () => {
    const v1 = await readV1();
    const start = Math.max(...Object.values(v1.state.series).map((s) => s.lastTime)) + 1;
    const clock = new FakeClock(start);
    gw = await openGateway(testConfig(tmp.dir), clock);
    const until = Date.parse('2025-03-31T01:00:00+02:00');
    const sends = DEMO_METERS.filter((m) => m.household).flatMap((m) => sendTimes(m, start, until).map((t) => ({ t, m })));
    sends.sort((a, b) => a.t - b.t);
    for (const [i, { t, m }] of sends.entries()) {
      clock.t = t;
      gw.ingestTelegram(frameAt(m, t), { time: t, rssi: m.rssi });
      if (i % 50 === 0) await gw.flush();
    }
    await gw.stop();
    // And once more after a restart, through the journal written since the conversion.
    gw = await openGateway(testConfig(tmp.dir), clock);
    const dayStart = tz.dayStart(Date.parse('2025-03-30T12:00:00Z'));
    const dayEnd = tz.nextDayStart(dayStart);
    for (const id of Object.keys(v1.state.meters)) {
      const hours = gw.history(id, { resolution: 'hour', from: dayStart, to: dayEnd });
      expect(hours.map((h) => h.start)).toEqual(Array.from({ length: 23 }, (_, i) => dayStart + i * HOUR));
      expect(hours.every((h) => !h.partial)).toBe(true);
      const [day] = gw.history(id, { resolution: 'day', from: dayStart, to: dayStart + 1 });
      expect(day!.partial).toBe(false);
      for (const [register, delta] of Object.entries(day!.deltas)) {
        const sum = hours.reduce((s, h) => s + (h.deltas[register] ?? 0), 0);
        expect(sum, `${id} ${register}`).toBeCloseTo(delta, 6);
        expect(delta).toBeGreaterThan(0);
      }
    }
  });
});
