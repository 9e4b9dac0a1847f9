/**
 * Home Assistant MQTT discovery: one sensor per numeric field of a claimed meter, grouped into one
 * device per meter, each linked (via_device) to the gateway's own device. Every entity is
 * available while `<prefix>/status` says online, and reads its value from the meter's retained
 * state JSON with `{{ value_json.<key> }}`.
 */
import type { MeterView } from '../model/meter.js';
import type { Reading } from '../model/reading.js';
import { meterFamilies } from '../meters/index.js';
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
  diagnostic?: boolean;
}

/** HA object ids and node ids allow [a-zA-Z0-9_-]. */
export function objectId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export function meterNode(meterId: string): string {
  return `wmbus_${objectId(meterId)}`;
}

function sensorConfig(spec: SensorSpec, stateTopic: string, uniquePrefix: string, device: object, topics: Topics): string {
  const config: Record<string, unknown> = {
    name: spec.name,
    unique_id: `${uniquePrefix}_${spec.object}`,
    state_topic: stateTopic,
    value_template: `{{ value_json.${spec.key} }}`,
    availability_topic: topics.availability,
    payload_available: 'online',
    payload_not_available: 'offline',
  };
  if (spec.deviceClass) config['device_class'] = spec.deviceClass;
  if (spec.stateClass) config['state_class'] = spec.stateClass;
  if (spec.unit) config['unit_of_measurement'] = spec.unit;
  if (spec.diagnostic) config['entity_category'] = 'diagnostic';
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
  const family = manufacturer !== undefined && deviceType !== undefined ? meterFamilies.familyFor({ manufacturer, deviceType, version }) : undefined;
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
    { object: 'rssi_dbm', key: 'rssi_dbm', name: 'Signal strength', deviceClass: 'signal_strength', stateClass: 'measurement', unit: 'dBm', diagnostic: true },
    { object: 'last_seen', key: 'last_seen', name: 'Last telegram', deviceClass: 'timestamp', diagnostic: true },
    { object: 'status', key: 'status', name: 'Status', diagnostic: true },
  );
  return specs;
}

export function meterDiscovery(meter: MeterView, reading: Reading | undefined, topics: Topics, gw: GatewayIdentity): DiscoveryMessage[] {
  const node = meterNode(meter.id);
  const device: Record<string, unknown> = {
    identifiers: [node],
    name: meter.name,
    serial_number: meter.id,
    via_device: gw.id,
  };
  if (gw.configurationUrl) device['configuration_url'] = gw.configurationUrl;
  const manufacturer = reading?.manufacturer ?? meter.manufacturer;
  if (manufacturer) device['manufacturer'] = manufacturer;
  const model = modelOf(meter, reading);
  if (model) device['model'] = model;
  const stateTopic = topics.meterState(meter.id);
  return meterSensors(meter, reading).map((s) => ({
    topic: topics.discovery(node, s.object),
    payload: sensorConfig(s, stateTopic, node, device, topics),
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
  return GATEWAY_SENSORS.map((s) => ({
    topic: topics.discovery(gw.id, s.object),
    payload: sensorConfig(s, topics.gatewayState, gw.id, device, topics),
  }));
}
