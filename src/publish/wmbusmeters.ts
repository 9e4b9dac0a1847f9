/**
 * The JSON that wmbusmeters prints for a telegram (`--format=json`), made from our records, so that
 * automations written against wmbusmeters keep working when this gateway replaces it.
 *
 * wmbusmeters names fields per driver; meters of one kind share a naming family, which is what we
 * follow: electricity meters as its `amiplus` driver prints them (total_energy_consumption_kwh,
 * current_power_consumption_kw, voltage_at_phase_1_v, ...), water and gas meters as its water
 * drivers (total_m3, target_m3, ...), heat meters as `kamheat`/`sharky`, heat cost allocators as
 * `qcaloric`. Field names and units are facts taken from its documented outputs; no code of it is
 * used. Records that have no counterpart in the family are left out rather than guessed.
 */
import type { MbusRecord } from '../wmbus/types.js';

export type WmbusmetersKind = 'electricity' | 'water' | 'gas' | 'heat' | 'hca' | 'other';

export interface WmbusmetersInput {
  id: string;
  /** the meter name as the user configured it (wmbusmeters prints its meter_name argument) */
  name: string;
  manufacturer: string;
  deviceType: number;
  /** the meter's version byte; with manufacturer and device type it names the driver */
  version?: number;
  medium: string;
  /** signal strength of the telegram, printed as `rssi_dbm` */
  rssi?: number;
  /** the receiving device as wmbusmeters prints it (`device`), e.g. "cc1101[...]" */
  device?: string;
  /** reception time, ms since the epoch */
  time: number;
  records: readonly MbusRecord[];
}

export type WmbusmetersJson = Record<string, string | number>;

const WATER_TYPES = new Set([0x06, 0x07, 0x15, 0x16, 0x17, 0x28]);
const HEAT_TYPES = new Set([0x04, 0x0a, 0x0b, 0x0c, 0x0d]);

/** Media names where wmbusmeters words them differently from the EN 13757-3 table we print. */
const MEDIA: Readonly<Record<number, string>> = {
  0x08: 'heat cost allocation',
  0x0a: 'cooling load volume at outlet',
  0x0b: 'cooling load volume at inlet',
  0x0c: 'heat volume at inlet',
};

interface DriverMatch {
  manufacturers: readonly string[];
  deviceTypes: readonly number[];
  /** the meter versions the driver is known for; absent: any */
  versions?: readonly number[];
  driver: string;
}

/**
 * The wmbusmeters driver that decodes a meter, where it is known for certain: manufacturer,
 * device type and version as wmbusmeters' own test telegrams of each driver carry them
 * (conformance/wmbusmeters-vectors.jsonl). Where two drivers share all three, none is named.
 */
const DRIVERS: readonly DriverMatch[] = [
  { manufacturers: ['EGM', 'APA', 'NES', 'DEV'], deviceTypes: [0x02], versions: [0x00, 0x01, 0x02, 0x03], driver: 'amiplus' },
  { manufacturers: ['KPL'], deviceTypes: [0x02], driver: 'sanxing' },
  { manufacturers: ['KAM'], deviceTypes: [0x06, 0x07, 0x16], driver: 'kamwater' },
  { manufacturers: ['KAM'], deviceTypes: [0x04, 0x0a, 0x0c], driver: 'kamheat' },
  { manufacturers: ['APA'], deviceTypes: [0x07], versions: [0x05], driver: 'apator162' },
  { manufacturers: ['APA'], deviceTypes: [0x07], versions: [0x14], driver: 'apatorna1' },
  { manufacturers: ['APA'], deviceTypes: [0x16], versions: [0x01], driver: 'ultrimis' },
  { manufacturers: ['APA'], deviceTypes: [0x0d], versions: [0x42], driver: 'elf2' },
  { manufacturers: ['SEN'], deviceTypes: [0x06, 0x07], driver: 'iperl' },
  { manufacturers: ['BMT'], deviceTypes: [0x07], versions: [0x13], driver: 'hydrodigit' },
  { manufacturers: ['BMT'], deviceTypes: [0x07], versions: [0x18], driver: 'iwmtx5' },
  { manufacturers: ['DME'], deviceTypes: [0x07], versions: [0x63], driver: 'dme173' },
  { manufacturers: ['DME'], deviceTypes: [0x07], versions: [0x70], driver: 'hydrus' },
  { manufacturers: ['DWZ'], deviceTypes: [0x06], versions: [0x02], driver: 'waterstarm' },
  { manufacturers: ['ECM'], deviceTypes: [0x07], versions: [0x05], driver: 'picoflux' },
  { manufacturers: ['EFE'], deviceTypes: [0x07], versions: [0x02], driver: 'engelmann_faw' },
  { manufacturers: ['FIO'], deviceTypes: [0x07], versions: [0x01], driver: 'fiowater' },
  { manufacturers: ['KDN'], deviceTypes: [0x07], versions: [0x01], driver: 'kadenwater' },
  { manufacturers: ['QDS'], deviceTypes: [0x06, 0x07], versions: [0x18, 0x1d], driver: 'qwater' },
  { manufacturers: ['QDS'], deviceTypes: [0x08], versions: [0x35], driver: 'qcaloric' },
  { manufacturers: ['QDS'], deviceTypes: [0x37], versions: [0x47], driver: 'qheat' },
  { manufacturers: ['SON'], deviceTypes: [0x06], versions: [0x3c], driver: 'supercom587' },
  { manufacturers: ['TCH'], deviceTypes: [0x62], versions: [0x95], driver: 'mkradio4' },
  { manufacturers: ['TCH'], deviceTypes: [0x08], versions: [0x94], driver: 'fhkvdataiv' },
  { manufacturers: ['HYD'], deviceTypes: [0x68], versions: [0x92], driver: 'sharky' },
];

function recordsHave(records: readonly MbusRecord[], quantity: string): boolean {
  return records.some((r) => r.quantity === quantity);
}

/** Which naming family a meter belongs to: by its device type, else by what it sends (radio converters). */
export function wmbusmetersKind(deviceType: number, records: readonly MbusRecord[]): WmbusmetersKind {
  if (deviceType === 0x02) return 'electricity';
  if (deviceType === 0x03) return 'gas';
  if (deviceType === 0x08) return 'hca';
  if (WATER_TYPES.has(deviceType)) return 'water';
  if (HEAT_TYPES.has(deviceType)) return 'heat';
  const energy = recordsHave(records, 'energy');
  const volume = recordsHave(records, 'volume');
  if (energy && volume) return 'heat';
  if (energy || recordsHave(records, 'power')) return 'electricity';
  if (volume) return 'water';
  return 'other';
}

/** Factor from a record unit to the unit of the wmbusmeters suffix. */
const TO_SUFFIX_UNIT: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  kwh: { Wh: 1e-3, kWh: 1, MWh: 1e3, J: 1 / 3.6e6, kJ: 1 / 3.6e3, MJ: 1 / 3.6, GJ: 1e3 / 3.6 },
  kw: { W: 1e-3, kW: 1, MW: 1e3 },
  kvar: { var: 1e-3, kvar: 1 },
  kvarh: { varh: 1e-3, kvarh: 1 },
  kvah: { VAh: 1e-3, kVAh: 1 },
  m3: { m3: 1, l: 1e-3 },
  m3h: { 'm3/h': 1, 'l/h': 1e-3 },
  v: { V: 1 },
  a: { A: 1 },
  hz: { Hz: 1 },
  c: { C: 1 },
  hca: { '': 1 },
};

type Namer = (r: MbusRecord) => string | undefined;

const phaseNumber = (r: MbusRecord) => (r.phase && /^L[123]$/.test(r.phase) ? r.phase.slice(1) : undefined);
const plain = (r: MbusRecord) => r.storage === 0 && r.subunit === 0 && r.function === 'instantaneous' && !r.qualifiers?.length;
const tariffPart = (r: MbusRecord) => (r.tariff > 0 ? `_tariff_${r.tariff}` : '');

/** amiplus: the electricity meters of Polish and Nordic HAN users. */
const electricity: Namer = (r) => {
  const current = r.storage === 0 && r.subunit === 0 && !r.qualifiers?.length;
  if (!current) return undefined;
  const produced = r.direction === 'export';
  const n = phaseNumber(r);
  switch (r.quantity) {
    case 'energy':
      if (r.function !== 'instantaneous') return undefined;
      if (r.phase) return n && !produced && r.tariff === 0 ? `total_energy_consumption_l${n}_kwh` : undefined;
      // amiplus knows tariffs 1-3: a fourth has no name there, and is left out rather than given one.
      if (r.tariff > 3) return undefined;
      return `total_energy_${produced ? 'production' : 'consumption'}${tariffPart(r)}_kwh`;
    case 'power':
      if (r.tariff > 0) return undefined;
      if (r.function === 'maximum') return r.phase || produced ? undefined : 'max_power_consumption_kw';
      if (r.function !== 'instantaneous') return undefined;
      if (r.phase) return n && !produced ? `current_power_consumption_phase${n}_kw` : undefined;
      return `current_power_${produced ? 'production' : 'consumption'}_kw`;
    case 'reactive_power':
      return r.function === 'instantaneous' && !r.phase && r.tariff === 0
        ? `reactive_power_${produced ? 'capacitive' : 'inductive'}_kvar`
        : undefined;
    case 'reactive_energy':
      return r.function === 'instantaneous' && !r.phase && r.tariff === 0
        ? `total_reactive_energy_${produced ? 'capacitive' : 'inductive'}_kvarh`
        : undefined;
    case 'voltage':
      if (r.function !== 'instantaneous') return undefined;
      if (n) return `voltage_at_phase_${n}_v`;
      return r.phase && /^L[123]-L[123]$/.test(r.phase) ? `voltage_${r.phase.toLowerCase().replace('-', '_')}_v` : undefined;
    case 'current':
      return r.function === 'instantaneous' && n ? `current_at_phase_${n}_a` : undefined;
    case 'frequency':
      return r.function === 'instantaneous' && !r.phase ? 'frequency_hz' : undefined;
    default:
      return undefined;
  }
};

/** Names every family shares: the current and the due-date (storage 1) register, flow, temperatures. */
function commonName(r: MbusRecord, volumeKey: string, targetVolumeKey: string): string | undefined {
  if (r.subunit !== 0 || r.tariff !== 0 || r.qualifiers?.length) return undefined;
  if (r.quantity === 'volume' && r.function === 'instantaneous') {
    if (r.storage === 1 && !r.direction) return targetVolumeKey;
    if (r.storage !== 0) return undefined;
    return r.direction === 'export' ? 'total_backward_m3' : volumeKey;
  }
  if (r.storage !== 0) return undefined;
  switch (r.quantity) {
    case 'volume_flow':
      return r.function === 'maximum' ? 'max_flow_m3h' : r.function === 'instantaneous' ? 'volume_flow_m3h' : undefined;
    case 'flow_temperature':
    case 'return_temperature':
    case 'external_temperature':
      return r.function === 'instantaneous' ? `${r.quantity}_c` : undefined;
    default:
      return undefined;
  }
}

const water: Namer = (r) => commonName(r, 'total_m3', 'target_m3');

const heat: Namer = (r) => {
  if (r.quantity === 'energy' && r.function === 'instantaneous' && r.subunit === 0 && r.tariff === 0 && !r.qualifiers?.length) {
    if (r.storage === 0) return 'total_energy_consumption_kwh';
    if (r.storage === 1) return 'target_energy_kwh';
    return undefined;
  }
  if (r.quantity === 'power' && plain(r) && r.tariff === 0) return 'power_kw';
  if (r.quantity === 'temperature_difference' && plain(r) && r.tariff === 0) return 'temperature_difference_c';
  return commonName(r, 'total_volume_m3', 'target_volume_m3');
};

const hca: Namer = (r) => {
  if (r.quantity !== 'hca' || r.function !== 'instantaneous' || r.subunit !== 0 || r.tariff !== 0) return undefined;
  if (r.storage === 0) return 'current_consumption_hca';
  if (r.storage === 1) return 'consumption_at_set_date_hca';
  return undefined;
};

const NAMERS: Readonly<Record<WmbusmetersKind, Namer>> = {
  electricity,
  water,
  gas: water,
  heat,
  hca,
  other: water,
};

/** Date keys per family: the meter's clock and the due date of the storage 1 values. */
const DATE_KEYS: Readonly<Record<WmbusmetersKind, { clock: string; dueDate: string }>> = {
  electricity: { clock: 'device_datetime', dueDate: 'target_date' },
  water: { clock: 'meter_datetime', dueDate: 'target_date' },
  gas: { clock: 'meter_datetime', dueDate: 'target_date' },
  heat: { clock: 'meter_datetime', dueDate: 'target_date' },
  hca: { clock: 'device_datetime', dueDate: 'set_date' },
  other: { clock: 'meter_datetime', dueDate: 'target_date' },
};

/** wmbusmeters prints at most six decimals. */
function sixDecimals(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** "2025-06-20T09:50:47" -> "2025-06-20 09:50", as wmbusmeters prints a meter's clock. */
function clockText(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

function dateKeyValue(r: MbusRecord, kind: WmbusmetersKind): [string, string] | undefined {
  if (typeof r.value !== 'string' || r.subunit !== 0 || r.tariff !== 0 || r.function !== 'instantaneous') return undefined;
  const keys = DATE_KEYS[kind];
  if (r.quantity === 'datetime' && r.storage === 0) return [keys.clock, clockText(r.value)];
  if ((r.quantity === 'date' || r.quantity === 'datetime') && r.storage === 1) return [keys.dueDate, r.value.slice(0, 10)];
  return undefined;
}

function numberKeyValue(r: MbusRecord, kind: WmbusmetersKind): [string, number] | undefined {
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return undefined;
  const key = NAMERS[kind](r);
  if (!key) return undefined;
  const factor = TO_SUFFIX_UNIT[key.slice(key.lastIndexOf('_') + 1)]?.[r.unit];
  if (factor === undefined) return undefined;
  return [key, sixDecimals(r.value * factor)];
}

/** The driver name wmbusmeters would print in `meter` for this meter, or "unknown". */
export function wmbusmetersDriver(manufacturer: string, deviceType: number, version?: number): string {
  const match = DRIVERS.find(
    (d) =>
      d.manufacturers.includes(manufacturer) &&
      d.deviceTypes.includes(deviceType) &&
      (d.versions === undefined || (version !== undefined && d.versions.includes(version))),
  );
  return match?.driver ?? 'unknown';
}

export function wmbusmetersMedia(deviceType: number, medium: string, kind: WmbusmetersKind): string {
  if (MEDIA[deviceType]) return MEDIA[deviceType];
  // wmbusmeters' electricity drivers name the medium of their radio converters (EBZ, ESY) themselves.
  if (deviceType === 0x37 && kind === 'electricity') return 'electricity';
  return medium;
}

/** One telegram as wmbusmeters prints it. The first record wins when two map to one key, as its drivers do. */
export function toWmbusmetersJson(m: WmbusmetersInput): WmbusmetersJson {
  const kind = wmbusmetersKind(m.deviceType, m.records);
  const out: WmbusmetersJson = {
    _: 'telegram',
    media: wmbusmetersMedia(m.deviceType, m.medium, kind),
    meter: wmbusmetersDriver(m.manufacturer, m.deviceType, m.version),
    name: m.name,
    id: m.id,
  };
  for (const r of m.records) {
    const kv = numberKeyValue(r, kind) ?? dateKeyValue(r, kind);
    if (kv && !Object.hasOwn(out, kv[0])) out[kv[0]] = kv[1];
  }
  out['timestamp'] = new Date(m.time).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // wmbusmeters prints the receiving device and the signal strength after the time.
  if (m.device !== undefined) out['device'] = m.device;
  if (m.rssi !== undefined) out['rssi_dbm'] = m.rssi;
  return out;
}
