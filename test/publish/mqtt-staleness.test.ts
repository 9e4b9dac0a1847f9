/**
 * Stale values in Home Assistant (real Mosquitto): a meter that falls silent goes unavailable,
 * momentary values expire on their own, and no state message lacks a key its templates read
 * (a meter not yet heard, a meter with a wrong key), so HA logs no template warnings.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';
import { gamaBytes, haveShared } from '../conformance/shared-files.js';
import { CapturingLogger, gama, startGateway, type TestGateway, waitForLog, waterTelegram } from './fixtures.js';
import { type Broker, mosquittoMissing, startMosquitto } from './mosquitto.js';
import { Observer } from './observer.js';

const skip = !haveShared || mosquittoMissing();
const FAST = { backoff: { minMs: 100, maxMs: 400 }, gatewayStateIntervalMs: 50 };
const TEMPLATE = /^\{\{ value_json\.([A-Za-z_][A-Za-z0-9_]*) \| default\(None\) \}\}$/;

describe.skipIf(skip)('MQTT: stale values (real Mosquitto)', () => {
  let broker: Broker;
  let run = 0;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  async function gatewayWithMqtt(extra: Record<string, string> = {}): Promise<{ gw: TestGateway; prefix: string; discovery: string }> {
    run++;
    const env = { WMBUS_MQTT_URL: broker.url, WMBUS_MQTT_TOPIC_PREFIX: `st${run}`, WMBUS_MQTT_DISCOVERY_PREFIX: `hast${run}`, ...extra };
    const log = new CapturingLogger();
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    cleanups.push(() => gw.close());
    await waitForLog(log, /mqtt: cleared \d+ retained/);
    return { gw, prefix: env.WMBUS_MQTT_TOPIC_PREFIX, discovery: env.WMBUS_MQTT_DISCOVERY_PREFIX };
  }

  async function observer(): Promise<Observer> {
    const o = await Observer.connect(broker.url);
    cleanups.push(() => o.close());
    return o;
  }

  it('shows a silent meter unavailable, and available again with its next telegram; power and voltage expire', async () => {
    const { gw, prefix, discovery } = await gatewayWithMqtt({ WMBUS_MQTT_METER_SILENT_AFTER_S: '1', WMBUS_MQTT_EXPIRE_AFTER_S: '600' });
    gw.gateway.ingestTelegram(gamaBytes(), { time: gw.clock.t, rssi: -67 });
    await gw.gateway.claim({ id: gama!.expect.id, name: 'Dom', key: gama!.key });
    gw.gateway.ingestTelegram(waterTelegram('11223344', 1, 1), { time: gw.clock.t });
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    const o = await observer();
    await o.waitForValue(`${prefix}/${gama!.expect.id}/availability`, 'online', 'the GAMA 350 available after its telegram');
    const availability = `${prefix}/11223344/availability`;
    await o.waitForValue(availability, 'online', 'the meter available after its telegram');

    const configs = new Map<string, Record<string, unknown>>();
    await o.subscribe(`${discovery}/sensor/wmbus_${gama!.expect.id}/+/config`);
    for (const [topic, payload] of o.latest(`${discovery}/`)) configs.set(topic.split('/').at(-2)!, JSON.parse(payload));
    for (const field of ['power_import_w', 'power_export_w', 'voltage_l1_v', 'voltage_l3_v']) {
      expect(configs.get(field), field).toMatchObject({ expire_after: 600, availability_mode: 'all' });
    }
    for (const field of ['energy_import_kwh', 'energy_import_tariff1_kwh', 'power_limit_w'])
      expect(configs.get(field)?.['expire_after'], field).toBeUndefined();

    // No telegram for more than meterSilentAfterS: unavailable (retained, for HA restarting meanwhile).
    const silentAt = Date.now();
    await o.waitForValue(availability, 'offline', 'the meter unavailable once silent');
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(500);
    const late = await observer();
    await late.waitForValue(availability, 'offline', 'retained offline');

    gw.clock.t += 60_000;
    gw.gateway.ingestTelegram(waterTelegram('11223344', 1.5, 2), { time: gw.clock.t });
    await o.waitForValue(availability, 'online', 'the meter available again');
  });

  it('publishes every key the templates read, null while unknown: a meter not yet heard and one with a wrong key', async () => {
    const { gw, prefix, discovery } = await gatewayWithMqtt();
    // Claimed before it is heard, and a second meter claimed with a wrong key.
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    gw.gateway.ingestTelegram(gamaBytes(), { time: gw.clock.t, rssi: -67 });
    await gw.gateway.claim({ id: gama!.expect.id, name: 'Dom', key: '00'.repeat(16) });
    const o = await observer();
    await o.waitFor(`${prefix}/${gama!.expect.id}/state`, (p) => JSON.parse(p).status === 'wrong_key', 'the wrong key state');
    await o.subscribe(`${discovery}/#`);
    await o.subscribe(`${prefix}/#`);
    const retained = o.latest();
    const configs = [...retained].filter(([t]) => t.startsWith(`${discovery}/`)).map(([, p]) => JSON.parse(p) as Record<string, string>);
    expect(configs).toHaveLength(13);
    const missing: string[] = [];
    for (const config of configs) {
      const key = TEMPLATE.exec(config['value_template']!)?.[1];
      expect(key, config['value_template']).toBeDefined();
      const state = JSON.parse(retained.get(config['state_topic']!) ?? '{}') as Record<string, unknown>;
      if (!Object.hasOwn(state, key!)) missing.push(`${config['state_topic']} ${key}`);
    }
    expect(missing).toEqual([]);
    const water = JSON.parse(retained.get(`${prefix}/11223344/state`)!);
    expect(water).toMatchObject({ status: 'waiting', rssi_dbm: null, last_seen: null });
    expect(retained.get(`${prefix}/11223344/availability`)).toBe('offline');
    // A later telegram of the meter fills the keys in.
    gw.gateway.ingestTelegram(waterTelegram('11223344', 4.5, 1), { time: gw.clock.t });
    const filled = await o.waitFor(`${prefix}/11223344/state`, (p) => JSON.parse(p).volume_m3 === 4.5, 'the water reading');
    expect(JSON.parse(filled).last_seen).toBe(new Date(gw.clock.t).toISOString());
  });
});
