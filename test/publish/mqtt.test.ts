/**
 * The MQTT output against a real Mosquitto: retained state and discovery, availability and the
 * last will, a broker restart, Home Assistant coming online, a meter removed, credentials, and the
 * wmbusmeters-compatible topic. Each test has its own topic prefixes, so retained messages of one
 * test never meet another.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';
import { testConfig } from '../support/gateway-harness.js';
import { haveShared } from '../conformance/shared-files.js';
import { CapturingLogger, claimGama, gama, gamaRecord, startGateway, type TestGateway, waitForLog, waterTelegram } from './fixtures.js';
import { type Broker, makeCertificates, mosquittoMissing, startMosquitto } from './mosquitto.js';
import { Observer } from './observer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Tests that feed the real GAMA 350 telegram skip without the shared folder; the rest need only Mosquitto.
const skip = mosquittoMissing();
const FAST = { backoff: { minMs: 100, maxMs: 400 }, gatewayStateIntervalMs: 50 };

type MqttEnv = Record<string, string> & {
  WMBUS_MQTT_TOPIC_PREFIX: string;
  WMBUS_MQTT_DISCOVERY_PREFIX: string;
  WMBUS_MQTT_WMBUSMETERS_PREFIX: string;
};

let run = 0;
/** Settings for one test: its own prefixes on the shared broker. */
function mqttEnv(broker: Broker, extra: Record<string, string> = {}): MqttEnv {
  run++;
  return {
    WMBUS_MQTT_URL: broker.url,
    WMBUS_MQTT_TOPIC_PREFIX: `gw${run}`,
    WMBUS_MQTT_DISCOVERY_PREFIX: `ha${run}`,
    WMBUS_MQTT_WMBUSMETERS_PREFIX: `wmbusmeters${run}`,
    ...extra,
  };
}

describe.skipIf(skip)('MQTT output (real Mosquitto)', () => {
  let broker: Broker;
  const cleanups: Array<() => Promise<unknown>> = [];
  const log = new CapturingLogger();

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    log.lines.length = 0;
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  async function gatewayWithMqtt(env: Record<string, string>): Promise<TestGateway> {
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    cleanups.push(() => gw.close());
    // Connected, and done with the burst of its first connect (the sweep of stale topics ends it).
    await waitForLog(log, /mqtt: cleared \d+ retained/);
    return gw;
  }

  async function observer(url = broker.url): Promise<Observer> {
    const o = await Observer.connect(url);
    cleanups.push(() => o.close());
    return o;
  }

  it.skipIf(!haveShared)('publishes the retained state of a claimed meter, its discovery and online', async () => {
    const env = mqttEnv(broker);
    const gw = await gatewayWithMqtt(env);
    await claimGama(gw.gateway, gw.clock);
    gw.gateway.ingestTelegram(waterTelegram('11223344', 123.456, 1), { time: gw.clock.t });
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });

    // A client that connects afterwards gets it all from the broker's retained store (once the
    // gateway's asynchronous publishes have arrived: the water meter's discovery comes last).
    const o = await observer();
    await o.waitFor(`${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/state`, (p) => JSON.parse(p).status === 'ok', 'the GAMA 350 read');
    await o.waitFor(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_11223344/status/config`, () => true, 'the water meter discovered');
    await o.subscribe(`${env.WMBUS_MQTT_TOPIC_PREFIX}/#`);
    await o.subscribe(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/#`);
    const retained = o.latest();
    expect(retained.get(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`)).toBe('online');
    const state = JSON.parse(retained.get(`${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/state`)!);
    expect(state).toMatchObject({ id: gama!.expect.id, name: 'Dom', manufacturer: 'EGM', status: 'ok', rssi_dbm: -67 });
    expect(state.energy_import_kwh).toBe(gamaRecord('energy', { direction: 'import' }).value);
    expect(state.power_import_w).toBe(gamaRecord('power', { direction: 'import' }).value);
    expect(state.voltage_l3_v).toBe(gamaRecord('voltage', { phase: 'L3' }).value);

    const energy = JSON.parse(retained.get(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_${gama!.expect.id}/energy_import_kwh/config`)!);
    expect(energy).toMatchObject({
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
      state_topic: `${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/state`,
      availability: [
        { topic: `${env.WMBUS_MQTT_TOPIC_PREFIX}/status` },
        { topic: `${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/availability` },
      ],
      availability_mode: 'all',
      value_template: '{{ value_json.energy_import_kwh | default(None) }}',
    });
    const water = JSON.parse(retained.get(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_11223344/volume_m3/config`)!);
    expect(water).toMatchObject({ device_class: 'water', state_class: 'total_increasing', unit_of_measurement: 'm³' });
    expect(water.device).toMatchObject({ name: 'Woda', via_device: energy.device.via_device });
    expect(JSON.parse(retained.get(`${env.WMBUS_MQTT_TOPIC_PREFIX}/11223344/state`)!).volume_m3).toBe(123.456);

    // wmbusmeters JSON is off by default.
    await o.subscribe(`${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/#`);
    expect(o.latest(env.WMBUS_MQTT_WMBUSMETERS_PREFIX).size).toBe(0);
  });

  it('a new reading replaces the retained state', async () => {
    const env = mqttEnv(broker);
    const gw = await gatewayWithMqtt(env);
    gw.gateway.ingestTelegram(waterTelegram('11223344', 10, 1), { time: gw.clock.t });
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    const o = await observer();
    const topic = `${env.WMBUS_MQTT_TOPIC_PREFIX}/11223344/state`;
    await o.subscribe(topic);
    const next = o.next((m) => m.topic === topic && JSON.parse(m.payload).volume_m3 === 10.5, 'with the new volume');
    gw.clock.t += 60_000;
    gw.gateway.ingestTelegram(waterTelegram('11223344', 10.5, 2), { time: gw.clock.t });
    expect((await next).retain).toBe(false);
    const late = await observer();
    await late.subscribe(topic);
    expect(JSON.parse(late.latest().get(topic)!).volume_m3).toBe(10.5);
  });

  it('says offline through its last will when the gateway process dies, and online again when it is back', async () => {
    const env = mqttEnv(broker);
    const availability = `${env.WMBUS_MQTT_TOPIC_PREFIX}/status`;
    const o = await observer();
    await o.subscribe(availability);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-mqtt-child-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const startChild = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'mqtt-child.ts'), dir], {
        env: { ...process.env, ...env, WMBUS_MQTT_CLIENT_ID: `child-${run}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanups.push(async () => child.exitCode === null && child.kill('SIGKILL'));
      return child;
    };
    const child = startChild();
    const online = o.next((m) => m.topic === availability && m.payload === 'online', 'online from the child');
    await online;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const offline = o.next((m) => m.topic === availability && m.payload === 'offline', 'offline from the last will');
    child.kill('SIGKILL');
    await exited;
    await offline;
    // Retained: a client that connects later also sees the gateway is gone.
    const later = await observer();
    await later.subscribe(availability);
    expect(later.latest().get(availability)).toBe('offline');

    const back = o.next((m) => m.topic === availability && m.payload === 'online', 'online after the restart');
    startChild();
    await back;
  });

  it('says offline itself on a clean stop', async () => {
    const env = mqttEnv(broker);
    const gw = await gatewayWithMqtt(env);
    const availability = `${env.WMBUS_MQTT_TOPIC_PREFIX}/status`;
    const o = await observer();
    await o.waitForValue(availability, 'online', 'online');
    const offline = o.next((m) => m.topic === availability && m.payload === 'offline', 'offline on stop');
    await gw.gateway.stop();
    await offline;
  });

  it('does not let a broker that stopped answering hold up the shutdown and the last store write', async () => {
    const own = await startMosquitto();
    cleanups.push(() => own.dispose());
    const env = mqttEnv(own);
    const gw = await gatewayWithMqtt(env);
    const o = await observer(own.url);
    await o.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'online', 'online');
    // The connection stays open but the offline message is never acknowledged (a hung broker machine).
    own.pause();
    cleanups.push(async () => own.resume());
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    let flushed = false;
    gw.gateway.on('flush', () => (flushed = true));
    gw.gateway.ingestTelegram(waterTelegram('11223344', 7, 1), { time: gw.clock.t });
    // Far below the keepalive (30 s, a hang is noticed after 45 s or more), far above a goodbye that is answered.
    const verdict = await Promise.race([
      gw.gateway.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(r, 20_000, 'still stopping after 20 s')),
    ]);
    expect(verdict).toBe('stopped');
    expect(flushed).toBe(true);
    // Once the broker wakes up it reads the late goodbye and the dropped connection: offline either way.
    own.resume();
    const later = await observer(own.url);
    await later.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'offline', 'offline once the broker wakes up');
  });

  it.skipIf(!haveShared)('reconnects after a broker restart and republishes what the broker lost, latest value only', async () => {
    const own = await startMosquitto();
    cleanups.push(() => own.dispose());
    const env = mqttEnv(own);
    const gw = await gatewayWithMqtt(env);
    await claimGama(gw.gateway, gw.clock);
    gw.gateway.ingestTelegram(waterTelegram('11223344', 1, 1), { time: gw.clock.t });
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    const waterTopic = `${env.WMBUS_MQTT_TOPIC_PREFIX}/11223344/state`;

    const before = await observer(own.url);
    await before.waitFor(waterTopic, (p) => JSON.parse(p).volume_m3 === 1, 'the first volume');

    await own.stop();
    // While the broker is away the meter keeps sending: nothing of this may pile up.
    for (let i = 2; i <= 50; i++) {
      gw.clock.t += 60_000;
      gw.gateway.ingestTelegram(waterTelegram('11223344', i, i), { time: gw.clock.t });
    }
    await own.start();

    // The broker restarted without persistence: everything it holds now, the gateway sent again.
    const after = await observer(own.url);
    await after.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'online', 'online after the restart');
    await after.subscribe(`${env.WMBUS_MQTT_TOPIC_PREFIX}/#`);
    await after.subscribe(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/#`);
    const retained = after.latest();
    expect(JSON.parse(retained.get(waterTopic)!).volume_m3).toBe(50);
    expect(JSON.parse(retained.get(`${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/state`)!).energy_import_kwh).toBe(
      gamaRecord('energy', { direction: 'import' }).value,
    );
    expect(retained.has(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_${gama!.expect.id}/energy_import_kwh/config`)).toBe(true);
    // That only the latest volume went on the wire, not 49 queued ones, is counted in mqtt-outage.test.ts.
    expect(log.lines.some((l) => /connection to .* lost; reconnecting/.test(l))).toBe(true);
    expect(log.lines.some((l) => /reconnected/.test(l))).toBe(true);
  });

  it.skipIf(!haveShared)('sends discovery again when Home Assistant announces it is online', async () => {
    const env = mqttEnv(broker);
    const gw = await gatewayWithMqtt(env);
    await claimGama(gw.gateway, gw.clock);
    const ha = await observer();
    const filter = `${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/+/+/config`;
    await ha.subscribe(filter);
    // 21 entities of the GAMA 350 and 7 of the gateway
    await expect.poll(() => ha.latest(env.WMBUS_MQTT_DISCOVERY_PREFIX).size, { timeout: 20_000 }).toBe(28);
    const configs = ha.latest(env.WMBUS_MQTT_DISCOVERY_PREFIX);
    const retainedCount = ha.messages.length;

    const energyTopic = `${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_${gama!.expect.id}/energy_import_kwh/config`;
    const resent = ha.next((m) => m.topic === energyTopic && !m.retain, 'discovery sent again');
    await ha.client.publishAsync(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/status`, 'online');
    await resent;
    await ha.sync();
    const live = new Set(
      ha.messages
        .slice(retainedCount)
        .filter((m) => !m.retain && m.topic.endsWith('/config'))
        .map((m) => m.topic),
    );
    expect([...configs.keys()].filter((t) => !live.has(t))).toEqual([]);
  });

  it.skipIf(!haveShared)('removes the meter from Home Assistant when the meter is removed', async () => {
    const env = mqttEnv(broker);
    const gw = await gatewayWithMqtt(env);
    await claimGama(gw.gateway, gw.clock);
    gw.gateway.ingestTelegram(waterTelegram('11223344', 5, 1), { time: gw.clock.t });
    await gw.gateway.claim({ id: '11223344', name: 'Woda' });
    const o = await observer();
    await o.subscribe(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/#`);
    const node = `${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_${gama!.expect.id}/`;
    // The gateway publishes asynchronously: the configs may still be on their way.
    await expect.poll(() => o.latest(node).size, { timeout: 20_000 }).toBe(21); // one per register of the GAMA 350
    const gamaConfigs = [...o.latest(node).keys()];

    await gw.gateway.remove(gama!.expect.id);
    const fresh = await observer();
    await fresh.subscribe(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/#`);
    await fresh.subscribe(`${env.WMBUS_MQTT_TOPIC_PREFIX}/#`);
    expect([...fresh.latest(node).keys()]).toEqual([]);
    expect(fresh.latest().has(`${env.WMBUS_MQTT_TOPIC_PREFIX}/${gama!.expect.id}/state`)).toBe(false);
    // The other meter stays.
    expect(fresh.latest().has(`${env.WMBUS_MQTT_DISCOVERY_PREFIX}/sensor/wmbus_11223344/volume_m3/config`)).toBe(true);
    // Home Assistant saw an empty config for every entity of the meter.
    await o.sync();
    const emptied = new Set(o.messages.filter((m) => m.payload === '').map((m) => m.topic));
    expect(gamaConfigs.filter((t) => !emptied.has(t))).toEqual([]);
  });

  it.skipIf(!haveShared)('publishes wmbusmeters-compatible JSON when asked to', async () => {
    const env = mqttEnv(broker, { WMBUS_MQTT_WMBUSMETERS: 'true' });
    const gw = await gatewayWithMqtt(env);
    const o = await observer();
    await o.subscribe(`${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/#`);
    const message = o.next((m) => m.topic === `${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/Dom`, 'on the wmbusmeters topic');
    await claimGama(gw.gateway, gw.clock);
    const json = JSON.parse((await message).payload);
    expect(json).toMatchObject({ _: 'telegram', media: 'electricity', meter: 'amiplus', name: 'Dom', id: gama!.expect.id });
    expect(json.total_energy_consumption_kwh).toBe(gamaRecord('energy', { direction: 'import' }).value);
    expect(json.total_energy_consumption_tariff_2_kwh).toBe(gamaRecord('energy', { direction: 'import', tariff: 2 }).value);
    expect(json.current_power_consumption_kw).toBe((gamaRecord('power', { direction: 'import' }).value as number) / 1000);
    expect(json.voltage_at_phase_1_v).toBe(gamaRecord('voltage', { phase: 'L1' }).value);
    expect(json.timestamp).toBe(new Date(gw.clock.t).toISOString().replace('.000Z', 'Z'));
    // As wmbusmeters prints them after the time: the receiving device and the signal strength.
    expect(json.device).toMatch(/^cc1101\[[0-9a-f]{8}\]$/);
    expect(json.rssi_dbm).toBe(-67);
    // amiplus names tariffs 1-3 only: no invented tariff 4 key.
    expect(Object.keys(json).filter((k) => k.includes('tariff_4'))).toEqual([]);

    // Renamed: the retained message moves to the new name.
    const moved = o.next((m) => m.topic === `${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/Mieszkanie`, 'under the new name');
    await gw.gateway.rename(gama!.expect.id, 'Mieszkanie');
    expect(JSON.parse((await moved).payload).name).toBe('Mieszkanie');
    const fresh = await observer();
    await fresh.subscribe(`${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/#`);
    expect([...fresh.latest(env.WMBUS_MQTT_WMBUSMETERS_PREFIX).keys()]).toEqual([`${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/Mieszkanie`]);
  });
});

describe.skipIf(skip)('MQTT output: wmbusmeters topic per meter id (real Mosquitto)', () => {
  it('publishes under the meter id when asked, and a rename keeps the topic', async () => {
    const broker = await startMosquitto();
    const log = new CapturingLogger();
    const env = mqttEnv(broker, { WMBUS_MQTT_WMBUSMETERS: 'true', WMBUS_MQTT_WMBUSMETERS_TOPIC: 'id' });
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    const o = await Observer.connect(broker.url);
    try {
      await waitForLog(log, /mqtt: cleared \d+ retained/);
      const topic = `${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/${gama!.expect.id}`;
      await o.subscribe(`${env.WMBUS_MQTT_WMBUSMETERS_PREFIX}/#`);
      const first = o.next((m) => m.topic === topic, 'on the id topic');
      await claimGama(gw.gateway, gw.clock);
      expect(JSON.parse((await first).payload)).toMatchObject({ meter: 'amiplus', name: 'Dom', id: gama!.expect.id });
      const renamed = o.next((m) => m.topic === topic && JSON.parse(m.payload).name === 'Mieszkanie', 'renamed, same topic');
      await gw.gateway.rename(gama!.expect.id, 'Mieszkanie');
      await renamed;
      await o.sync();
      expect([...o.latest(env.WMBUS_MQTT_WMBUSMETERS_PREFIX).keys()]).toEqual([topic]);
    } finally {
      await o.close();
      await gw.close();
      await broker.dispose();
    }
  });
});

describe.skipIf(skip)('MQTT output with broker credentials (real Mosquitto with a password file)', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startMosquitto({ users: { gateway: 's3cret', ha: 'ha-pass' } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('connects with the configured user and password', async () => {
    const log = new CapturingLogger();
    const env = mqttEnv(broker, { WMBUS_MQTT_USERNAME: 'gateway', WMBUS_MQTT_PASSWORD: 's3cret' });
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    try {
      const o = await Observer.connect(broker.url, { username: 'ha', password: 'ha-pass' });
      try {
        await o.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'online', 'online');
      } finally {
        await o.close();
      }
      expect(log.lines.join('\n')).not.toContain('s3cret');
    } finally {
      await gw.close();
    }
  });

  it('says which settings to check when the broker refuses the password, and keeps trying', async () => {
    const log = new CapturingLogger();
    const env = mqttEnv(broker, { WMBUS_MQTT_USERNAME: 'gateway', WMBUS_MQTT_PASSWORD: 'wrong' });
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    try {
      await waitForLog(log, /^error/);
      const errors = log.lines.filter((l) => l.startsWith('error'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/mqtt\.username and mqtt\.password/);
      expect(errors[0]).not.toContain('wrong');

      // The broker learns the password the gateway has: the next retry gets in.
      broker.setUser('gateway', 'wrong');
      const o = await Observer.connect(broker.url, { username: 'ha', password: 'ha-pass' });
      try {
        await o.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'online', 'online after the password was accepted');
      } finally {
        await o.close();
      }
    } finally {
      await gw.close();
    }
  });
});

describe.skipIf(skip)('MQTT output over TLS (real Mosquitto with a TLS listener)', () => {
  let broker: Broker;
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-mqtt-tls-'));
    certs = makeCertificates(dir);
    broker = await startMosquitto({ tls: certs });
  });
  afterAll(async () => {
    await broker?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects to an mqtts:// broker whose certificate the configured CA signed', async () => {
    const log = new CapturingLogger();
    const env = mqttEnv(broker, { WMBUS_MQTT_TLS_CA: certs.ca });
    const gw = await startGateway(env, (config) => [mqttOutputFrom(config, log, FAST)!]);
    try {
      const o = await Observer.connect(broker.url, { ca: readFileSync(certs.ca) });
      try {
        await o.waitForValue(`${env.WMBUS_MQTT_TOPIC_PREFIX}/status`, 'online', 'online over TLS');
      } finally {
        await o.close();
      }
    } finally {
      await gw.close();
    }
  });

  it('refuses a broker certificate it cannot verify, and says so', async () => {
    const log = new CapturingLogger();
    const gw = await startGateway(mqttEnv(broker), (config) => [mqttOutputFrom(config, log, FAST)!]);
    try {
      expect(await waitForLog(log, /^error/)).toMatch(/certificate is not trusted .*set mqtt\.tls\.ca/);
    } finally {
      await gw.close();
    }
  });

  it('names the setting when a TLS file cannot be read', () => {
    const log = new CapturingLogger();
    const config = testConfig(dir, { WMBUS_MQTT_URL: broker.url, WMBUS_MQTT_TLS_CA: path.join(dir, 'missing.pem') });
    expect(mqttOutputFrom(config, log)).toBeUndefined();
    expect(log.lines.join('\n')).toMatch(/mqtt\.tls\.ca: cannot read .*missing\.pem/);
  });
});
