/**
 * A simulated day through the service: the demo neighbourhood's meters send their telegrams (built
 * with the decoder's builder, block CRCs and on-air encoding as a radio hears them, some repeated
 * by a "repeater"), the gateway takes them as raw frames with faked time, and its hourly and daily
 * deltas are checked against the register values the meters actually sent. Three days: the spring
 * DST change (23 hours), the autumn one (25 hours) and a summer day with PV export at noon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_METERS, type DemoMeter, frameAt, rssiAt, sendTimes, sentValues } from '../../src/gateway/demo/neighbourhood.js';
import { TimeZone } from '../../src/model/timezone.js';
import { onAirAfterSync } from '../../src/wmbus/frame/encode.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';

const tz = new TimeZone('Europe/Warsaw');
const HOUR = 3_600_000;

// What the registers mean, from EN 13757-3 (independent of the gateway's naming code):
// value scale to kWh or m3, and the gateway's register name.
const REGISTERS: Record<string, { name: string; scale: number }> = {
  '0E/03': { name: 'energy_import', scale: 1e-3 }, // Wh
  '8E10/03': { name: 'energy_import_t1', scale: 1e-3 },
  '8E20/03': { name: 'energy_import_t2', scale: 1e-3 },
  '0E/833C': { name: 'energy_export', scale: 1e-3 },
  '8E10/833C': { name: 'energy_export_t1', scale: 1e-3 },
  '0C/13': { name: 'volume', scale: 1e-3 }, // litres
};

interface Sent {
  t: number;
  values: Record<string, number>;
}

/** The meter's register at instant x, linear between the two telegrams around it. */
function valueAt(sent: Sent[], name: string, x: number): number {
  const i = sent.findIndex((s) => s.t >= x);
  if (i <= 0) throw new Error(`no telegrams around ${new Date(x).toISOString()}`);
  const a = sent[i - 1]!;
  const b = sent[i]!;
  return a.values[name]! + ((b.values[name]! - a.values[name]!) * (x - a.t)) / (b.t - a.t);
}

async function simulateDay(date: string) {
  const noon = Date.parse(`${date}T12:00:00Z`);
  const dayStart = tz.dayStart(noon);
  const dayEnd = tz.nextDayStart(noon);
  const from = dayStart - 2 * HOUR;
  const to = dayEnd + 2 * HOUR;
  const tmp = await tempDir();
  const clock = new FakeClock(from);
  const gw = await openGateway(testConfig(tmp.dir), clock);
  const household = DEMO_METERS.filter((m) => m.household);
  for (const m of household) await gw.claim({ id: m.id, name: m.name, key: m.key });

  const sends: Array<{ t: number; meter: DemoMeter }> = [];
  for (const meter of DEMO_METERS) for (const t of sendTimes(meter, from, to)) sends.push({ t, meter });
  sends.sort((a, b) => a.t - b.t);
  const sent = new Map<string, Sent[]>();
  let readings = 0;
  gw.on('reading', () => readings++);
  for (const [i, { t, meter }] of sends.entries()) {
    clock.t = t;
    const raw = onAirAfterSync(meter.mode, meter.frameFormat, frameAt(meter, t));
    gw.ingestFrame({ raw, time: t, rssi: rssiAt(meter, t) });
    if (i % 10 === 0) gw.ingestFrame({ raw, time: t + 40, rssi: rssiAt(meter, t) - 9 }); // a repeater's copy
    const values: Record<string, number> = {};
    for (const v of sentValues(meter, t)) {
      const reg = REGISTERS[`${v.dif}/${v.vif}`];
      if (reg) values[reg.name] = v.value * reg.scale;
    }
    (sent.get(meter.id) ?? sent.set(meter.id, []).get(meter.id)!).push({ t, values });
  }
  const householdSends = sends.filter((s) => s.meter.household).length;
  const repeats = Math.ceil(sends.length / 10);
  return { gw, tmp, dayStart, dayEnd, sent, household, readings, householdSends, repeats };
}

describe.each(['2025-03-30', '2025-10-26', '2025-06-21'])('a simulated day, %s in Europe/Warsaw', (date) => {
  let day: Awaited<ReturnType<typeof simulateDay>>;
  beforeAll(async () => {
    day = await simulateDay(date);
  });
  afterAll(async () => {
    await day.gw.stop();
    await day.tmp.remove();
  });

  it('counts every telegram of the household once, repeats and neighbours aside', () => {
    expect(day.readings).toBe(day.householdSends);
    expect(day.gw.radioStats().gateway.duplicates).toBe(day.repeats);
    expect(
      day.gw
        .nearby()
        .map((n) => n.id)
        .sort(),
    ).toEqual(
      DEMO_METERS.filter((m) => !m.household)
        .map((m) => m.id)
        .sort(),
    );
  });

  it('has the local day length in hourly rows, and each hour holds what the meters sent in it', () => {
    const expectedHours = (day.dayEnd - day.dayStart) / HOUR;
    expect(expectedHours).toBe(date === '2025-03-30' ? 23 : date === '2025-10-26' ? 25 : 24);
    for (const meter of day.household) {
      const sent = day.sent.get(meter.id)!;
      const hours = day.gw.history(meter.id, { resolution: 'hour', from: day.dayStart, to: day.dayEnd });
      expect(hours.map((h) => h.start)).toEqual(Array.from({ length: expectedHours }, (_, i) => day.dayStart + i * HOUR));
      for (const name of Object.keys(sent[0]!.values)) {
        for (const h of hours) {
          const expected = valueAt(sent, name, h.end) - valueAt(sent, name, h.start);
          expect(h.deltas[name] ?? 0, `${meter.id} ${name} ${h.local}`).toBeCloseTo(expected, 6);
        }
      }
    }
  });

  it('has daily deltas equal to the counters at the local midnights, import and export apart', () => {
    for (const meter of day.household) {
      const sent = day.sent.get(meter.id)!;
      const [d] = day.gw.history(meter.id, { resolution: 'day', from: day.dayStart, to: day.dayStart + 1 });
      expect(d!.partial).toBe(false);
      expect(d!.end).toBe(day.dayEnd);
      for (const name of Object.keys(sent[0]!.values)) {
        const expected = valueAt(sent, name, day.dayEnd) - valueAt(sent, name, day.dayStart);
        expect(d!.deltas[name] ?? 0, `${meter.id} ${name}`).toBeCloseTo(expected, 6);
      }
      if (meter.id === '30434741') {
        // A prosumer's day: both directions moved, and the zones add up to the total.
        expect(d!.deltas['energy_import']).toBeGreaterThan(1);
        expect(d!.deltas['energy_export']).toBeGreaterThan(1);
        expect((d!.deltas['energy_import_t1'] ?? 0) + (d!.deltas['energy_import_t2'] ?? 0)).toBeCloseTo(d!.deltas['energy_import']!, 6);
      }
    }
  });

  it('keeps voltage and power as 5-minute averages of what was sent', () => {
    const meter = day.household.find((m) => m.id === '30434741')!;
    const samples = day.gw.samples(meter.id, { from: day.dayStart, to: day.dayEnd });
    expect(samples).toHaveLength((day.dayEnd - day.dayStart) / 300_000);
    for (const s of samples.filter((_, i) => i % 17 === 0)) {
      const inside = sendTimes(meter, s.t, s.t + 300_000).map((t) => sentValues(meter, t));
      const mean = (vif: string) => inside.reduce((a, v) => a + v.find((x) => x.vif === vif)!.value, 0) / inside.length;
      expect(s.values['voltage_l1']).toBeCloseTo(mean('FDC9FC01'), 2);
      expect(s.values['power_export']).toBeCloseTo(mean('AB3C'), 2);
    }
  });
});
