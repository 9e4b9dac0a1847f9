/**
 * No ghost meters in Home Assistant (real Mosquitto): what the demo published and what belonged
 * to a meter removed while the gateway was stopped is cleared from the broker at the next start,
 * and the demo publishes nothing unless asked.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/config/config.js';
import { demoConfig } from '../../src/gateway/demo/demo.js';
import { DEMO_METERS } from '../../src/gateway/demo/neighbourhood.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';
import { gamaBytes, haveShared } from '../conformance/shared-files.js';
import { FakeClock, testConfig } from '../support/gateway-harness.js';
import { CapturingLogger, claimGama, gama, T0, waitForLog, waterTelegram } from './fixtures.js';
import { type Broker, mosquittoMissing, startMosquitto } from './mosquitto.js';
import { Observer } from './observer.js';

const skip = !haveShared || mosquittoMissing();
const FAST = { backoff: { minMs: 100, maxMs: 400 }, gatewayStateIntervalMs: 50 };

describe.skipIf(skip)('MQTT: no ghost meters (real Mosquitto)', () => {
  let broker: Broker;
  let root: string;
  let run = 0;
  beforeAll(async () => {
    broker = await startMosquitto();
    root = await mkdtemp(path.join(os.tmpdir(), 'wmbus-ghosts-'));
  });
  afterAll(async () => {
    await broker?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    run++;
    return { WMBUS_MQTT_URL: broker.url, WMBUS_MQTT_TOPIC_PREFIX: `gw${run}`, WMBUS_MQTT_DISCOVERY_PREFIX: `ha${run}`, ...extra };
  }

  /** Runs a gateway with MQTT on `config`, does `work`, waits for its sweep, and stops it. */
  async function withGateway(config: GatewayConfig, work: (gw: Gateway, clock: FakeClock) => Promise<void>, log = new CapturingLogger()) {
    const clock = new FakeClock(T0);
    const output = mqttOutputFrom(config, log, FAST)!;
    const gateway = await Gateway.open({ config, clock: clock.now, outputs: [output] });
    await gateway.start();
    try {
      await waitForLog(log, /mqtt: cleared \d+ retained/);
      await work(gateway, clock);
    } finally {
      await gateway.stop();
    }
    return log;
  }

  /** Everything retained under the gateway's prefixes and the discovery prefix, as a fresh client sees it. */
  async function retained(e: Record<string, string>): Promise<Map<string, string>> {
    const o = await Observer.connect(broker.url);
    try {
      await o.subscribe(`${e['WMBUS_MQTT_TOPIC_PREFIX']}/#`);
      await o.subscribe(`${e['WMBUS_MQTT_TOPIC_PREFIX']}-demo/#`);
      await o.subscribe(`${e['WMBUS_MQTT_DISCOVERY_PREFIX']}/#`);
      return new Map([...o.latest()].filter(([, payload]) => payload !== ''));
    } finally {
      await o.close();
    }
  }

  it('is one Home Assistant device per data folder (a UUID kept there), linked to the page', async () => {
    const e = env({ WMBUS_HTTP_HOST: '127.0.0.1', WMBUS_HTTP_PORT: '8099' });
    const dir = path.join(root, `identity${run}`);
    const devices: unknown[] = [];
    for (let start = 0; start < 2; start++) {
      await withGateway(testConfig(dir, e), async (gw, clock) => {
        if (start === 0) await claimGama(gw, clock);
        const configs = await retained(e);
        const energy = JSON.parse(
          configs.get(`${e['WMBUS_MQTT_DISCOVERY_PREFIX']}/sensor/wmbus_${gama!.expect.id}/energy_import_kwh/config`)!,
        );
        devices.push(energy.device.via_device);
        expect(energy.device.configuration_url).toBe('http://127.0.0.1:8099/');
      });
    }
    const uuid = (await readFile(path.join(dir, 'gateway-id'), 'utf8')).trim();
    expect(devices).toEqual([`wmbus_gateway_${uuid}`, `wmbus_gateway_${uuid}`]);
  });

  it('publishes nothing from the demo unless mqtt.demo asks for it', () => {
    const config = demoConfig(testConfig(path.join(root, 'quiet'), env()));
    expect(config.mqtt.url).toBeUndefined();
    expect(mqttOutputFrom(config, new CapturingLogger())).toBeUndefined();
  });

  it('a real start after the demo leaves no demo meter, state or gateway on the broker', async () => {
    const e = env({ WMBUS_MQTT_DEMO: 'true' });
    const demo = demoConfig(testConfig(path.join(root, `demo${run}`), e));
    // The demo's household GAMA 350 is the reference meter, claimed with its key by the demo.
    await withGateway(demo, async (gw, clock) => {
      gw.ingestTelegram(gamaBytes(), { time: clock.t, rssi: -70 });
    });
    const demoIds = DEMO_METERS.filter((m) => m.household).map((m) => m.id);
    const afterDemo = await retained(e);
    // The demo did publish (under its own prefix): otherwise this test would prove nothing.
    const demoPrefix = `${e['WMBUS_MQTT_TOPIC_PREFIX']}-demo`;
    expect([...afterDemo.keys()].filter((t) => t.startsWith(`${demoPrefix}/`)).sort()).toEqual(
      ['status', 'gateway/state', ...demoIds.flatMap((id) => [`${id}/state`, `${id}/availability`])]
        .map((t) => `${demoPrefix}/${t}`)
        .sort(),
    );
    expect([...afterDemo.keys()].filter((t) => t.includes(`wmbus_${demoIds[0]}/`))).toHaveLength(21); // one config per register

    const real = testConfig(path.join(root, `real${run}`), { ...e, WMBUS_MQTT_DEMO: 'false' });
    const log = await withGateway(real, async (gw, clock) => {
      gw.ingestTelegram(waterTelegram('11223344', 12.5, 1), { time: clock.t });
      await gw.claim({ id: '11223344', name: 'Woda' });
    });
    expect(log.lines.some((l) => /cleared \d+ retained topic/.test(l))).toBe(true);
    const left = [...(await retained(e)).entries()];
    const ghosts = left.filter(
      ([topic, payload]) => topic.includes('-demo') || payload.includes('-demo/') || topic.includes(gama!.expect.id),
    );
    expect(ghosts.map(([t]) => t)).toEqual([]);
    for (const id of demoIds) expect(left.filter(([t]) => t.includes(id)).map(([t]) => t)).toEqual([]);
    // The real meter is there.
    expect(left.some(([t]) => t === `${e['WMBUS_MQTT_DISCOVERY_PREFIX']}/sensor/wmbus_11223344/volume_m3/config`)).toBe(true);
  });

  it('clears at the next start the configs and state of a meter removed while the gateway was stopped', async () => {
    const e = env();
    const config = testConfig(path.join(root, `removed${run}`), e);
    await withGateway(config, async (gw, clock) => {
      await claimGama(gw, clock);
      gw.ingestTelegram(waterTelegram('11223344', 3, 1), { time: clock.t });
      await gw.claim({ id: '11223344', name: 'Woda' });
    });
    const node = `${e['WMBUS_MQTT_DISCOVERY_PREFIX']}/sensor/wmbus_${gama!.expect.id}/`;
    expect([...(await retained(e)).keys()].filter((t) => t.startsWith(node))).toHaveLength(21); // one config per register of the GAMA 350

    // Removed with MQTT off (e.g. by editing the data while the broker was elsewhere).
    const offline = await Gateway.open({ config: { ...config, mqtt: { ...config.mqtt, url: undefined } }, clock: new FakeClock(T0).now });
    await offline.start();
    await offline.remove(gama!.expect.id);
    await offline.stop();

    await withGateway(config, async () => undefined);
    const left = [...(await retained(e)).keys()];
    expect(left.filter((t) => t.includes(gama!.expect.id))).toEqual([]);
    expect(left).toContain(`${e['WMBUS_MQTT_DISCOVERY_PREFIX']}/sensor/wmbus_11223344/volume_m3/config`);
    expect(left).toContain(`${e['WMBUS_MQTT_TOPIC_PREFIX']}/11223344/state`);
  });
});
