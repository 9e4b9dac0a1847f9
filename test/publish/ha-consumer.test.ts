/**
 * A Home Assistant-shaped consumer against a real Mosquitto: it subscribes to discovery, then to
 * the state topics the discovery names, renders each entity's value_template on the retained state
 * JSON, and must end with the GAMA 350's entities and values as the conformance reference lists
 * them (one entity per register, right device class, state class and unit, one device per meter
 * linked to the gateway's device).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';
import { type ExpectedRecord, haveShared } from '../conformance/shared-files.js';
import { CapturingLogger, claimGama, gama, startGateway, type TestGateway, waitForLog } from './fixtures.js';
import { type Broker, mosquittoMissing, startMosquitto } from './mosquitto.js';
import { Observer } from './observer.js';

/**
 * The one template form the gateway emits, rendered as Home Assistant would (JSON null and the
 * default are Jinja's None, which HA's MQTT sensor takes as "unknown"); anything else fails the
 * test. Stricter than HA: a key the message lacks fails too, as it would cost a warning there
 * without the default.
 */
function renderTemplate(template: string, valueJson: Record<string, unknown>): string {
  const m = /^\{\{ value_json\.([A-Za-z_][A-Za-z0-9_]*) \| default\(None\) \}\}$/.exec(template);
  if (!m) throw new Error(`template form not understood: ${template}`);
  const v = valueJson[m[1]!];
  if (v === undefined) throw new Error(`template ${template}: value_json has no ${m[1]}`);
  return v === null ? 'None' : String(v);
}

interface Entity {
  configTopic: string;
  config: Record<string, any>;
  state?: string;
}

/** Discovery, then state, as Home Assistant's MQTT integration does it. */
async function discover(url: string, discoveryPrefix: string): Promise<{ entities: Entity[]; availability: Map<string, string> }> {
  const ha = await Observer.connect(url);
  try {
    await ha.subscribe(`${discoveryPrefix}/sensor/+/+/config`);
    const entities: Entity[] = [...ha.latest(`${discoveryPrefix}/`)].map(([configTopic, payload]) => ({
      configTopic,
      config: JSON.parse(payload),
    }));
    const stateTopics = new Set(entities.map((e) => e.config['state_topic'] as string));
    const availabilityTopics = new Set(entities.flatMap((e) => (e.config['availability'] as Array<{ topic: string }>).map((a) => a.topic)));
    for (const t of [...stateTopics, ...availabilityTopics]) await ha.subscribe(t);
    const retained = ha.latest();
    for (const e of entities) {
      const state = retained.get(e.config['state_topic']);
      if (state !== undefined) e.state = renderTemplate(e.config['value_template'], JSON.parse(state));
    }
    const availability = new Map([...availabilityTopics].map((t) => [t, retained.get(t) ?? '']));
    return { entities, availability };
  } finally {
    await ha.close();
  }
}

const HA_CLASS: Record<string, { deviceClass: string; stateClass: string; unit: string }> = {
  energy: { deviceClass: 'energy', stateClass: 'total_increasing', unit: 'kWh' },
  power: { deviceClass: 'power', stateClass: 'measurement', unit: 'W' },
  voltage: { deviceClass: 'voltage', stateClass: 'measurement', unit: 'V' },
  reactive_power: { deviceClass: 'reactive_power', stateClass: 'measurement', unit: 'var' },
};

// How a register's dimensions read in an entity name (the GAMA 350 sends reactive power as inductive/capacitive).
const DIRECTION_WORDS: Record<string, string[]> = { import: ['import', 'inductive'], export: ['export', 'capacitive'] };

function describesRecord(name: string, r: ExpectedRecord): boolean {
  const words = name.toLowerCase().split(' ');
  if (r.direction && !DIRECTION_WORDS[r.direction]!.some((w) => words.includes(w))) return false;
  const tariff = words.indexOf('tariff');
  if ((r.tariff ?? 0) > 0 ? words[tariff + 1] !== String(r.tariff) : tariff >= 0) return false;
  const phase = words.find((w) => /^l\d$/.test(w));
  return r.phase ? phase === r.phase.toLowerCase() : phase === undefined;
}

const skip = !haveShared || mosquittoMissing();

describe.skipIf(skip)('Home Assistant consumer (real Mosquitto, real GAMA 350 telegram)', () => {
  let broker: Broker;
  let gw: TestGateway;
  beforeAll(async () => {
    broker = await startMosquitto();
    const log = new CapturingLogger();
    gw = await startGateway({ WMBUS_MQTT_URL: broker.url }, (config) => [mqttOutputFrom(config, log)!]);
    await waitForLog(log, /mqtt: cleared \d+ retained/);
    await claimGama(gw.gateway, gw.clock);
  });
  afterAll(async () => {
    await gw?.close();
    await broker?.dispose();
  });

  it('ends with one entity per register of the GAMA 350, with the values the reference lists', async () => {
    const { entities, availability } = await discover(broker.url, gw.config.mqtt.discoveryPrefix);
    const meterEntities = entities.filter((e) => e.config['device']?.serial_number === gama!.expect.id);
    expect(meterEntities).toHaveLength(21);

    // Every register the reference lists is one entity with the right class, and its value.
    const checked = gama!.expect.records.filter((r) => HA_CLASS[r.quantity]);
    expect(checked).toHaveLength(10);
    for (const r of checked) {
      const want = HA_CLASS[r.quantity]!;
      expect(r.unit).toBe(want.unit);
      const matches = meterEntities.filter((e) => e.config['device_class'] === want.deviceClass && describesRecord(e.config['name'], r));
      expect(
        matches.map((e) => e.config['name']),
        JSON.stringify(r),
      ).toHaveLength(1);
      const { config, state } = matches[0]!;
      expect(config['state_class']).toBe(want.stateClass);
      expect(config['unit_of_measurement']).toBe(want.unit);
      expect(Number(state)).toBe(r.value);
    }

    // One device for the meter, named as claimed, reached through the gateway's device.
    const devices = new Set(meterEntities.map((e) => JSON.stringify(e.config['device'])));
    expect(devices.size).toBe(1);
    const device = meterEntities[0]!.config['device'];
    expect(device).toMatchObject({ name: 'Dom', manufacturer: 'Elgama-Elektronika (EGM)', identifiers: [expect.any(String)] });
    const gatewayEntities = entities.filter((e) => e.config['device']?.identifiers?.includes(device.via_device));
    expect(gatewayEntities).toHaveLength(7);
    expect(gatewayEntities.every((e) => e.state !== undefined)).toBe(true);

    // Unique ids are unique; every entity is available because the gateway says online.
    expect(new Set(entities.map((e) => e.config['unique_id'])).size).toBe(entities.length);
    expect([...availability.values()]).toEqual(['online', 'online']);
    expect(meterEntities.every((e) => e.config['availability_mode'] === 'all' && e.config['availability'].length === 2)).toBe(true);

    // The diagnostics: signal strength of the telegram and the meter's status.
    const rssi = meterEntities.find((e) => e.config['device_class'] === 'signal_strength')!;
    expect(rssi.config).toMatchObject({ unit_of_measurement: 'dBm', entity_category: 'diagnostic' });
    expect(Number(rssi.state)).toBe(-67);
    expect(meterEntities.find((e) => e.config['name'] === 'Status')!.state).toBe('ok');
  });
});
