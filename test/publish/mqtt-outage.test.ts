/**
 * During a broker outage nothing may pile up: when the broker is back, each retained topic gets
 * its latest value once. Counted on the wire by a relay between the gateway and a real Mosquitto.
 * Needs no shared telegram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';
import { waitFor } from '../support/wait.js';
import { CapturingLogger, startGateway, waitForLog, waterTelegram } from './fixtures.js';
import { type Broker, mosquittoMissing, startMosquitto } from './mosquitto.js';
import { MqttRelay } from './relay.js';

const FAST = { backoff: { minMs: 100, maxMs: 400 }, gatewayStateIntervalMs: 50 };
const WATER = '11223344';
const OTHER_WATER = '11223355';

describe.skipIf(mosquittoMissing())('MQTT during a broker outage (relay to a real Mosquitto)', () => {
  let broker: Broker;
  let relay: MqttRelay;

  beforeAll(async () => {
    broker = await startMosquitto();
    relay = await MqttRelay.start(broker.url);
  });
  afterAll(async () => {
    await relay?.close();
    await broker?.dispose();
  });

  it('sends only the latest state per meter after the outage, not every reading it missed', async () => {
    const log = new CapturingLogger();
    const env = { WMBUS_MQTT_URL: relay.url, WMBUS_MQTT_TOPIC_PREFIX: 'outage', WMBUS_MQTT_DISCOVERY_PREFIX: 'outage-ha' };
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    try {
      const state = `outage/${WATER}/state`;
      const volumes = (from: number) => relay.payloads(state, from).map((p) => JSON.parse(p).volume_m3 as number);
      gw.gateway.ingestTelegram(waterTelegram(WATER, 1, 1), { time: gw.clock.t });
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await gw.gateway.claim({ id: WATER, name: 'Woda' });
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await waitFor('the first state on the wire', () => volumes(0).includes(1), { seen: () => JSON.stringify(volumes(0)) });

      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      // A meter claimed just before the line dies: its discovery (QoS 1) is on the wire, the PUBACKs never come back.
      relay.holdReplies();
      gw.gateway.ingestTelegram(waterTelegram(OTHER_WATER, 7, 1), { time: gw.clock.t });
      await gw.gateway.claim({ id: OTHER_WATER, name: 'Ogród' });
      await waitFor("the new meter's discovery on the wire", () =>
        relay.published.some((p) => p.topic.startsWith(`outage-ha/sensor/wmbus_${OTHER_WATER}/`)),
      );
      relay.cut();
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await waitForLog(log, /connection to .* lost; reconnecting/);
      const outageStart = relay.published.length;
      for (let i = 2; i <= 50; i++) {
        gw.clock.t += 60_000;
        gw.gateway.ingestTelegram(waterTelegram(WATER, i, i), { time: gw.clock.t });
      }
      expect(relay.published.length).toBe(outageStart);

      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      relay.restore();
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await waitForLog(log, /reconnected/);
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await waitFor('the latest state after the outage', () => volumes(outageStart).includes(50), {
        seen: () => JSON.stringify(volumes(outageStart)),
      });
      // One more reading: on one connection, whatever was queued before it is on the wire before it.
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      gw.clock.t += 60_000;
      gw.gateway.ingestTelegram(waterTelegram(WATER, 51, 51), { time: gw.clock.t });
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await waitFor('the reading after the outage', () => volumes(outageStart).includes(51), {
        seen: () => JSON.stringify(volumes(outageStart)),
      });
      expect(volumes(outageStart)).toEqual([50, 51]);
      expect(relay.payloads('outage/status', outageStart)).toEqual(['online']);
      // Publishes cut off in flight are not waited for: the stop (and the store's last write after it) ends.
      const stopped = await Promise.race([
        gw.gateway.stop().then(() => 'stopped'),
        new Promise((r) => setTimeout(r, 20_000, 'still stopping after 20 s')),
      ]);
      expect(stopped).toBe('stopped');
    } finally {
      process.stderr.write(`STEP ${Date.now() % 100000} ${new Error().stack!.split('\n')[1]}\n`);
      await gw.close();
    }
  });
});
