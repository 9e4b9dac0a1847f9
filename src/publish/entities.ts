/**
 * What each friendly field of a reading is to Home Assistant: device class, state class and unit.
 *
 * Fields are named `<quantity>[...][_tariffN][_subunitN][_storageN]_<unit>` (src/wmbus/fields.ts),
 * and readings loaded from the store carry fields but no records, so the field name is the one
 * source both live and restored readings share. The unit suffix says what is measured; the
 * medium tells water from gas for volumes; `_storageN` marks a value the meter stored at a due
 * date, which is shown but kept out of long-term statistics.
 */

export interface EntityClass {
  /** Home Assistant device_class; absent for quantities it has no class for */
  deviceClass?: string;
  stateClass?: 'measurement' | 'total_increasing';
  /** unit_of_measurement as Home Assistant spells it */
  unit?: string;
  /** a momentary value (power, voltage, flow): stale once the meter stops renewing it */
  momentary?: boolean;
  /** a setting of the meter (a power limit), not a reading: shown under diagnostics */
  diagnostic?: boolean;
  /** rarely useful (reactive energy, tariffs 3 and 4 at zero): Home Assistant adds it disabled */
  disabledByDefault?: boolean;
}

export interface FieldEntity extends EntityClass {
  /** the field name, also the key in the state JSON */
  field: string;
  /** entity name shown under the meter's device, e.g. "Energy import tariff 1" */
  name: string;
}

type Kind = 'counter' | 'instant' | 'other';

/** Field unit suffix -> what it is. Volume's device class depends on the medium (see volumeClass). */
const BY_SUFFIX: Readonly<Record<string, { deviceClass?: string; unit: string; kind: Kind }>> = {
  kwh: { deviceClass: 'energy', unit: 'kWh', kind: 'counter' },
  j: { deviceClass: 'energy', unit: 'J', kind: 'counter' },
  kj: { deviceClass: 'energy', unit: 'kJ', kind: 'counter' },
  mj: { deviceClass: 'energy', unit: 'MJ', kind: 'counter' },
  gj: { deviceClass: 'energy', unit: 'GJ', kind: 'counter' },
  varh: { unit: 'varh', kind: 'counter' },
  kvarh: { unit: 'kvarh', kind: 'counter' },
  vah: { unit: 'VAh', kind: 'counter' },
  kvah: { unit: 'kVAh', kind: 'counter' },
  w: { deviceClass: 'power', unit: 'W', kind: 'instant' },
  kw: { deviceClass: 'power', unit: 'kW', kind: 'instant' },
  mw: { deviceClass: 'power', unit: 'MW', kind: 'instant' },
  var: { deviceClass: 'reactive_power', unit: 'var', kind: 'instant' },
  kvar: { deviceClass: 'reactive_power', unit: 'kvar', kind: 'instant' },
  va: { deviceClass: 'apparent_power', unit: 'VA', kind: 'instant' },
  kva: { deviceClass: 'apparent_power', unit: 'kVA', kind: 'instant' },
  v: { deviceClass: 'voltage', unit: 'V', kind: 'instant' },
  a: { deviceClass: 'current', unit: 'A', kind: 'instant' },
  hz: { deviceClass: 'frequency', unit: 'Hz', kind: 'instant' },
  m3: { unit: 'm³', kind: 'counter' },
  l: { unit: 'L', kind: 'counter' },
  m3h: { deviceClass: 'volume_flow_rate', unit: 'm³/h', kind: 'instant' },
  lh: { deviceClass: 'volume_flow_rate', unit: 'L/h', kind: 'instant' },
  c: { deviceClass: 'temperature', unit: '°C', kind: 'instant' },
  // M-Bus gives temperature differences (VIF 0x64-0x67, EN 13757-3 table 10) in K, absolute ones in °C.
  k: { deviceClass: 'temperature_delta', unit: 'K', kind: 'instant' },
  bar: { deviceClass: 'pressure', unit: 'bar', kind: 'instant' },
  pct: { unit: '%', kind: 'instant' },
  kg: { deviceClass: 'weight', unit: 'kg', kind: 'counter' },
};

const WATER_MEDIA = /water/i;

/**
 * Home Assistant offers `water` and `gas` volumes as sources in the Energy dashboard. The water
 * through a heat meter is the heating circuit's, not water the household used: plain `volume`.
 */
function volumeClass(medium: string): string {
  if (/gas/i.test(medium)) return 'gas';
  if (/heat|cool/i.test(medium)) return 'volume';
  if (WATER_MEDIA.test(medium)) return 'water';
  return 'volume';
}

/** Reactive and apparent quantities, which few households look at. */
const RARELY_USED_UNITS = new Set(['varh', 'kvarh', 'VAh', 'kVAh', 'var', 'kvar', 'VA', 'kVA']);

/** Parts of a name that make a value something other than the live register or reading. */
const NOT_LIVE = /_(storage\d+|max|min|error_state)(_|$)/;

/** Fields that are not readings (identifiers, clocks, flags) get no entity. */
function classify(field: string, medium: string, value: number): EntityClass | undefined {
  // Heat cost allocator units have no physical unit: the field is plain `hca`, `hca_storage1`, ...
  if (/^hca(_|$)/.test(field)) return NOT_LIVE.test(field) ? {} : { stateClass: 'total_increasing' };
  const cut = field.lastIndexOf('_');
  if (cut < 0) return undefined;
  const suffix = BY_SUFFIX[field.slice(cut + 1)];
  if (!suffix) return undefined;
  const base = field.slice(0, cut);
  const live = !NOT_LIVE.test(`${base}_`);
  const out: EntityClass = { unit: suffix.unit };
  const deviceClass = suffix.unit === 'm³' || suffix.unit === 'L' ? volumeClass(medium) : suffix.deviceClass;
  if (deviceClass) out.deviceClass = deviceClass;
  if (/(^|_)limit(_|$)|_upper_limit|_lower_limit/.test(base)) {
    // A configured limit (the GAMA 350's 70 kW) is no measurement: no statistics, no expiry.
    out.diagnostic = true;
    return out;
  }
  if (suffix.kind === 'counter' && live) out.stateClass = 'total_increasing';
  else if (suffix.kind === 'instant' && !/_storage\d+/.test(base)) {
    out.stateClass = 'measurement';
    out.momentary = true;
  }
  const unusedTariff = /_tariff[3-9](_|$)/.test(`${base}_`) && value === 0;
  if (RARELY_USED_UNITS.has(suffix.unit) || unusedTariff) out.disabledByDefault = true;
  return out;
}

/** "energy_import_tariff1_kwh" -> "Energy import tariff 1"; "voltage_l1_v" -> "Voltage L1". */
export function entityName(field: string): string {
  const cut = field.lastIndexOf('_');
  const base = cut > 0 && BY_SUFFIX[field.slice(cut + 1)] ? field.slice(0, cut) : field;
  const words = base.split('_').map((w) => (/^l\d$|^n$/.test(w) ? w.toUpperCase() : w.replace(/^(tariff|storage|subunit)(\d+)$/, '$1 $2')));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The entities of a meter's numeric fields, in field order. */
export function fieldEntities(fields: Readonly<Record<string, number | string>>, medium: string): FieldEntity[] {
  const out: FieldEntity[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'number') continue;
    const c = classify(field, medium, value);
    if (c) out.push({ field, name: entityName(field), ...c });
  }
  return out;
}
