/**
 * `/metrics` text parsed back with a Prometheus text-format parser: the meters' registers in base
 * units with their labels, as the conformance reference gives the GAMA 350's values; counters named
 * `_total`; names and label values that survive escaping.
 */
import { spawnSync } from 'node:child_process';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/publish/prometheus.js';
import { encodeRecord } from '../../src/wmbus/apl/encode.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { haveShared } from '../conformance/shared-files.js';
import { claimGama, gama, gamaRecord, startGateway, type TestGateway, waterTelegram } from './fixtures.js';

const KWH_IN_JOULES = 3.6e6;
const promtool = process.env['PROMTOOL'] ?? '/usr/bin/promtool';

function sample(families: ParsedFamily[], name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const matches = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels?.[k] ?? '') === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return Number(matches[0]!.value);
}

describe.skipIf(!haveShared)('Prometheus metrics', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('parse, and carry the meters readings in base units with meter labels', async () => {
    gw = await startGateway({});
    await claimGama(gw.gateway, gw.clock);
    // A name with characters that need escaping inside a label value.
    const waterName = 'Woda "kuchnia" C:\\piętro';
    gw.gateway.ingestTelegram(waterTelegram('11223344', 123.456, 1), { time: gw.clock.t, rssi: -80 });
    await gw.gateway.claim({ id: '11223344', name: waterName });

    const text = renderMetrics(gw.gateway);
    const families = parsePrometheusTextFormat(text);
    const meter = { id: gama!.expect.id };
    expect(sample(families, 'wmbus_meter_info', { id: gama!.expect.id, name: 'Dom', manufacturer: 'EGM', medium: 'electricity' })).toBe(1);

    // Totals and tariffs are metrics of their own: a sum over either counts each kWh once.
    const energy = (dims: { direction: string; tariff?: number }) =>
      dims.tariff
        ? sample(families, 'wmbus_meter_energy_tariff_joules_total', { ...meter, direction: dims.direction, tariff: String(dims.tariff) })
        : sample(families, 'wmbus_meter_energy_joules_total', { ...meter, direction: dims.direction });
    const totals = families.find((f) => f.name === 'wmbus_meter_energy_joules_total')!;
    expect(totals.metrics.every((m) => m.labels?.['tariff'] === undefined)).toBe(true);
    expect(energy({ direction: 'import' })).toBeCloseTo((gamaRecord('energy', { direction: 'import' }).value as number) * KWH_IN_JOULES, 3);
    expect(energy({ direction: 'import', tariff: 1 })).toBeCloseTo(
      (gamaRecord('energy', { direction: 'import', tariff: 1 }).value as number) * KWH_IN_JOULES,
      3,
    );
    expect(energy({ direction: 'import', tariff: 2 })).toBeCloseTo(
      (gamaRecord('energy', { direction: 'import', tariff: 2 }).value as number) * KWH_IN_JOULES,
      3,
    );
    expect(energy({ direction: 'export' })).toBeCloseTo((gamaRecord('energy', { direction: 'export' }).value as number) * KWH_IN_JOULES, 3);
    expect(sample(families, 'wmbus_meter_power_watts', { ...meter, direction: 'import' })).toBe(
      gamaRecord('power', { direction: 'import' }).value,
    );
    for (const phase of ['L1', 'L2', 'L3']) {
      expect(sample(families, 'wmbus_meter_voltage_volts', { ...meter, phase })).toBe(gamaRecord('voltage', { phase }).value);
    }
    expect(sample(families, 'wmbus_meter_rssi_dbm', meter)).toBe(-67);
    expect(sample(families, 'wmbus_meter_status', { ...meter, state: 'ok' })).toBe(1);
    expect(sample(families, 'wmbus_meter_status', { ...meter, state: 'wrong_key' })).toBe(0);
    expect(sample(families, 'wmbus_meter_last_seen_timestamp_seconds', meter)).toBe(gw.clock.t / 1000);

    // The escaped name comes back as it was.
    expect(sample(families, 'wmbus_meter_info', { id: '11223344', name: waterName, manufacturer: 'ELS', medium: 'water' })).toBe(1);
    expect(sample(families, 'wmbus_meter_volume_cubic_meters_total', { id: '11223344' })).toBe(123.456);

    // id is the only identity label: no meter series but the info carries name, manufacturer or medium.
    for (const f of families.filter((x) => x.name.startsWith('wmbus_meter_') && x.name !== 'wmbus_meter_info')) {
      for (const m of f.metrics)
        expect(
          Object.keys(m.labels ?? {}).filter((k) => ['name', 'manufacturer', 'medium'].includes(k)),
          f.name,
        ).toEqual([]);
    }

    // Gateway counters: what was fed (two frames, one refused for want of a key before the claim).
    expect(sample(families, 'wmbus_gateway_frames_total', {})).toBe(2);
    expect(sample(families, 'wmbus_gateway_readings_total', {})).toBe(2);
    expect(sample(families, 'wmbus_gateway_decode_errors_total', { code: 'NO_KEY' })).toBe(1);
    expect(sample(families, 'wmbus_gateway_claimed_meters', {})).toBe(2);
    expect(sample(families, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);

    // Conventions: a HELP and TYPE for each family, counters end in _total, valid names, no repeated series.
    for (const f of families) {
      expect(f.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      expect(f.help.length).toBeGreaterThan(0);
      expect(f.name.endsWith('_total')).toBe(f.type === 'COUNTER');
      const series = f.metrics.map((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()));
      expect(new Set(series).size).toBe(series.length);
    }
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE')).length).toBe(families.length);

    // Prometheus' own linter accepts it.
    const lint = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });
});

describe('Prometheus metrics without the shared telegrams', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('carries import and export energy in joules: exactly kWh x 3 600 000', async () => {
    gw = await startGateway({});
    // DIF 0C: 8 BCD digits; VIF 06: kWh; VIF 86 3C: kWh, backward flow (EN 13757-3 table 14), i.e. export.
    const records = [encodeRecord({ dif: '0C', vif: '06', value: 1234.0 }), encodeRecord({ dif: '0C', vif: '863C', value: 56 })];
    const apl = Uint8Array.from([0x2f, 0x2f, ...records.flatMap((r) => [...r])]);
    const telegram = buildTelegram({
      manufacturer: 'ELS',
      id: '55667788',
      version: 1,
      deviceType: 0x02,
      accessNumber: 3,
      apl,
      security: { mode: 0 },
    });
    gw.gateway.ingestTelegram(telegram, { time: gw.clock.t, rssi: -70 });
    await gw.gateway.claim({ id: '55667788', name: 'PV' });
    const families = parsePrometheusTextFormat(renderMetrics(gw.gateway));
    expect(sample(families, 'wmbus_meter_energy_joules_total', { id: '55667788', direction: 'import' })).toBe(1234 * 3_600_000);
    expect(sample(families, 'wmbus_meter_energy_joules_total', { id: '55667788', direction: 'export' })).toBe(56 * 3_600_000);
  });

  it('reports event-loop delay since the previous scrape, as long as the loop was blocked', async () => {
    gw = await startGateway({});
    renderMetrics(gw.gateway); // starts the delay histogram, or resets it when another test scraped before
    // Let the delay histogram take a few samples, then hold the loop for 200 ms.
    await new Promise((r) => setTimeout(r, 100));
    const blockedUntil = Date.now() + 200;
    while (Date.now() < blockedUntil);
    // The histogram's own timer (20 ms resolution) was due during the block: libuv runs due timers
    // in order, so it records the delay before any timer set from now on fires.
    await new Promise((r) => setTimeout(r, 25));
    const families = parsePrometheusTextFormat(renderMetrics(gw.gateway));
    const max = sample(families, 'nodejs_eventloop_lag_max_seconds', {});
    expect(max).toBeGreaterThanOrEqual(0.18);
    expect(max).toBeLessThan(60);
    expect(sample(families, 'nodejs_eventloop_lag_mean_seconds', {})).toBeGreaterThan(0);
    expect(sample(families, 'nodejs_eventloop_lag_mean_seconds', {})).toBeLessThanOrEqual(max);
  });
});
