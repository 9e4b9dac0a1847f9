/**
 * Home Assistant MQTT discovery: one sensor per numeric field of a claimed meter, grouped into one
 * device per meter, each linked (via_device) to the gateway's own device. A meter's entities are
 * available while `<prefix>/status` (the gateway) and `<prefix>/<id>/availability` (the meter is
 * heard) both say online; momentary values also expire on their own. Each entity reads its value
 * from the meter's retained state JSON (valueTemplate).
 */
import type { MeterView } from '../model/meter.js';
import type { Reading } from '../model/reading.js';
import { meterFamilies } from '../meters/index.js';
import { manufacturerName } from '../meters/manufacturers.js';
import { fieldEntities, type EntityClass } from './entities.js';
import type { Topics } from './topics.js';
import { PACKAGE_VERSION } from '../version.js';

export interface GatewayIdentity {
  /** device identifier and discovery node of the gateway, e.g. wmbus_gateway_raspberrypi */
  id: string;
  name: string;
  /** the gateway's page, Home Assistant's "Visit" link on the gateway and every meter */
  configurationUrl?: string;
}

export interface DiscoveryMessage {
  topic: string;
  /** the config JSON; "" removes the entity */
  payload: string;
}

interface SensorSpec extends EntityClass {
  object: string;
  name: string;
  /** key in the state JSON */
  key: string;
}

/** How long momentary values stay current, and the meter's own availability topic. */
export interface Staleness {
  /** seconds; 0: never expire */
  expireAfterS: number;
}

/** HA object ids and node ids allow [a-zA-Z0-9_-]. */
export function objectId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export function meterNode(meterId: string): string {
  return `wmbus_${objectId(meterId)}`;
}

/**
 * The value template of a state key. `default(None)` renders a missing key as Home Assistant's
 * "None" payload (state unknown) instead of a template warning on every message; the state JSON
 * carries every key anyway (null while unknown, state.ts).
 */
export function valueTemplate(key: string): string {
  return `{{ value_json.${key} | default(None) }}`;
}

/** Where an entity reads and when it is available: all of `availability` must say online. */
interface EntitySource {
  stateTopic: string;
  availability: string[];
  expireAfterS: number;
}

function sensorConfig(spec: SensorSpec, source: EntitySource, uniquePrefix: string, device: object): string {
  const config: Record<string, unknown> = {
    name: spec.name,
    unique_id: `${uniquePrefix}_${spec.object}`,
    state_topic: source.stateTopic,
    value_template: valueTemplate(spec.key),
    availability: source.availability.map((topic) => ({ topic })),
    availability_mode: 'all',
  };
  if (spec.deviceClass) config['device_class'] = spec.deviceClass;
  if (spec.stateClass) config['state_class'] = spec.stateClass;
  if (spec.unit) config['unit_of_measurement'] = spec.unit;
  if (spec.diagnostic) config['entity_category'] = 'diagnostic';
  if (spec.disabledByDefault) config['enabled_by_default'] = false;
  // HA shows the entity unavailable when no state message renewed it within expire_after seconds.
  if (spec.momentary && source.expireAfterS > 0) config['expire_after'] = source.expireAfterS;
  config['device'] = device;
  config['origin'] = { name: 'wmbus-gateway', sw_version: PACKAGE_VERSION };
  return JSON.stringify(config);
}

/** What Home Assistant shows as the meter's model: the family when the decoder knows it, else its medium. */
function modelOf(meter: MeterView, reading: Reading | undefined): string | undefined {
  const manufacturer = reading?.manufacturer ?? meter.manufacturer;
  const deviceType = reading?.deviceType ?? meter.deviceType;
  const version = reading?.version ?? meter.version ?? 0;
  const medium = reading?.medium ?? meter.medium;
  const family =
    manufacturer !== undefined && deviceType !== undefined ? meterFamilies.familyFor({ manufacturer, deviceType, version }) : undefined;
  return family?.name ?? (medium ? `${medium} meter` : undefined);
}

/** Sensors of a meter: its numeric fields, then signal strength, last telegram time and status. */
export function meterSensors(meter: MeterView, reading: Reading | undefined): SensorSpec[] {
  const medium = reading?.medium ?? meter.medium ?? '';
  const specs: SensorSpec[] = fieldEntities(reading?.fields ?? {}, medium).map((e) => ({
    ...e,
    object: objectId(e.field),
    key: e.field,
  }));
  specs.push(
    {
      object: 'rssi_dbm',
      key: 'rssi_dbm',
      name: 'Signal strength',
      deviceClass: 'signal_strength',
      stateClass: 'measurement',
      unit: 'dBm',
      diagnostic: true,
    },
    { object: 'last_seen', key: 'last_seen', name: 'Last telegram', deviceClass: 'timestamp', diagnostic: true },
    { object: 'status', key: 'status', name: 'Status', diagnostic: true },
  );
  return specs;
}

export function meterDiscovery(
  meter: MeterView,
  reading: Reading | undefined,
  topics: Topics,
  gw: GatewayIdentity,
  staleness: Staleness,
): DiscoveryMessage[] {
  const node = meterNode(meter.id);
  const device: Record<string, unknown> = {
    identifiers: [node],
    name: meter.name,
    serial_number: meter.id,
    via_device: gw.id,
  };
  if (gw.configurationUrl) device['configuration_url'] = gw.configurationUrl;
  const manufacturer = reading?.manufacturer ?? meter.manufacturer;
  if (manufacturer) {
    const name = manufacturerName(manufacturer);
    device['manufacturer'] = name ? `${name} (${manufacturer})` : manufacturer;
  }
  const model = modelOf(meter, reading);
  if (model) device['model'] = model;
  const source = {
    stateTopic: topics.meterState(meter.id),
    availability: [topics.availability, topics.meterAvailability(meter.id)],
    expireAfterS: staleness.expireAfterS,
  };
  return meterSensors(meter, reading).map((s) => ({
    topic: topics.discovery(node, s.object),
    payload: sensorConfig(s, source, node, device),
  }));
}

const GATEWAY_SENSORS: readonly SensorSpec[] = [
  { object: 'frames_per_minute', key: 'frames_per_minute', name: 'Frames per minute', stateClass: 'measurement', unit: 'frames/min' },
  { object: 'readings', key: 'readings', name: 'Readings', stateClass: 'total_increasing' },
  { object: 'nearby_meters', key: 'nearby_meters', name: 'Meters heard nearby', stateClass: 'measurement' },
  { object: 'frames', key: 'frames', name: 'Frames', stateClass: 'total_increasing', diagnostic: true },
  { object: 'frame_errors', key: 'frame_errors', name: 'Frame errors', stateClass: 'total_increasing', diagnostic: true },
  { object: 'decode_errors', key: 'decode_errors', name: 'Decode errors', stateClass: 'total_increasing', diagnostic: true },
  { object: 'uptime', key: 'uptime_s', name: 'Uptime', deviceClass: 'duration', stateClass: 'measurement', unit: 's', diagnostic: true },
];

export function gatewayDiscovery(topics: Topics, gw: GatewayIdentity): DiscoveryMessage[] {
  const device: Record<string, unknown> = {
    identifiers: [gw.id],
    name: gw.name,
    manufacturer: 'wmbus-gateway',
    model: 'wM-Bus gateway (CC1101, 868 MHz)',
    sw_version: PACKAGE_VERSION,
  };
  if (gw.configurationUrl) device['configuration_url'] = gw.configurationUrl;
  const source = { stateTopic: topics.gatewayState, availability: [topics.availability], expireAfterS: 0 };
  return GATEWAY_SENSORS.map((s) => ({
    topic: topics.discovery(gw.id, s.object),
    payload: sensorConfig(s, source, gw.id, device),
  }));
}
