/**
 * Friendly fields from normalised records, without a per-meter driver:
 *
 *   <quantity>[_import|_export|_forward|_backward][_<phase>][_max|_min|_error_state][_<qualifiers>]
 *     [_tariff<N>][_subunit<N>][_storage<N>]_<unit>
 *
 * e.g. energy_import_kwh, energy_import_tariff1_kwh, power_export_w, voltage_l1_v, volume_m3,
 * volume_storage1_m3, flow_temperature_min_storage1_c. The meter's clock (datetime, storage 0) is
 * meter_datetime. Wh-based energy is always given in kWh. A name that would repeat gets _2, _3, ...
 * before its unit, in record order, so names are stable for a given meter. A meter family
 * (DecodeOptions.meters) may rename records of its meters.
 */
import { shiftDecimal } from './apl/scale.js';
import { COMBINABLE_VIFE, DIRECTED_QUANTITIES, FC_VIFE } from './apl/vif.js';
import type { MeterFamily } from './meter-family.js';
import type { Direction, MbusRecord, RecordFunction, Unit } from './types.js';

const FUNCTION_PART: Readonly<Record<MbusRecord['function'], string>> = {
  instantaneous: '',
  maximum: '_max',
  minimum: '_min',
  error: '_error_state',
};

const DIRECTION_PART: Readonly<Record<Direction, string>> = { import: '_import', export: '_export' };
/** A direction on a quantity that is not energy or power is a flow direction. */
const FLOW_PART: Readonly<Record<Direction, string>> = { import: '_forward', export: '_backward' };

/** The unit as the end of a field name (Wh and MWh never get here: fields show them in kWh). */
const UNIT_SUFFIX: Readonly<Record<Unit, string>> = {
  Wh: '_wh',
  kWh: '_kwh',
  MWh: '_mwh',
  J: '_j',
  kJ: '_kj',
  MJ: '_mj',
  GJ: '_gj',
  W: '_w',
  kW: '_kw',
  MW: '_mw',
  var: '_var',
  kvar: '_kvar',
  VA: '_va',
  kVA: '_kva',
  varh: '_varh',
  kvarh: '_kvarh',
  VAh: '_vah',
  kVAh: '_kvah',
  V: '_v',
  A: '_a',
  m3: '_m3',
  l: '_l',
  'm3/h': '_m3h',
  'l/h': '_lh',
  kg: '_kg',
  'kg/h': '_kgh',
  C: '_c',
  K: '_k',
  bar: '_bar',
  s: '_s',
  min: '_min',
  h: '_h',
  d: '_d',
  y: '_y',
  '%': '_pct',
  Hz: '_hz',
  '': '',
};

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** Name parts of the phases the VIFE table names, slugged once. */
const PHASE_PART: ReadonlyMap<string, string> = new Map(
  FC_VIFE.flatMap((e) => (e.kind === 'phase' ? [[e.phase, slug(e.phase)] as const] : [])),
);

/**
 * Name parts of the qualifiers the VIFE tables name, slugged once; short names for the ones real
 * meters send. Qualifiers made while parsing (plain-text units, profile elements) are slugged as
 * they come.
 */
const QUALIFIER_PART: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const e of COMBINABLE_VIFE) m.set(e.kind === 'error' ? e.qualifier : e.name, slug(e.kind === 'error' ? e.qualifier : e.name));
  for (const e of FC_VIFE) if (e.kind !== 'phase') m.set(e.name, slug(e.name));
  m.set('upper limit value', 'upper_limit');
  m.set('lower limit value', 'lower_limit');
  m.set('accumulation of absolute value', 'absolute');
  m.set('value at base conditions', 'base_conditions');
  return m;
})();

/** The generic name of a record without its unit. */
function baseName(r: MbusRecord): string {
  if (
    r.quantity === 'datetime' &&
    r.storage === 0 &&
    r.tariff === 0 &&
    r.subunit === 0 &&
    !r.qualifiers &&
    r.function === 'instantaneous'
  ) {
    return 'meter_datetime';
  }
  let name = r.quantity === 'manufacturer_specific' ? `manufacturer_specific_${r.vif.toLowerCase()}` : r.quantity;
  if (r.direction) name += DIRECTED_QUANTITIES.has(r.quantity) ? DIRECTION_PART[r.direction] : FLOW_PART[r.direction];
  if (r.phase) name += `_${PHASE_PART.get(r.phase) ?? slug(r.phase)}`;
  name += FUNCTION_PART[r.function];
  if (r.qualifiers) for (const q of r.qualifiers) name += `_${QUALIFIER_PART.get(q) ?? slug(q)}`;
  if (r.tariff > 0) name += `_tariff${r.tariff}`;
  if (r.subunit > 0) name += `_subunit${r.subunit}`;
  if (r.storage > 0) name += `_storage${r.storage}`;
  return name;
}

/** The whole name: the family's base or the generic one, then the unit. */
function fieldName(r: MbusRecord, unit: Unit, familyName: string | undefined): string {
  return (familyName ?? baseName(r)) + UNIT_SUFFIX[unit];
}

const UNIT_INDEX: ReadonlyMap<string, number> = new Map(Object.keys(UNIT_SUFFIX).map((u, i) => [u, i]));
const PHASE_INDEX: ReadonlyMap<string, number> = new Map([...PHASE_PART.keys()].map((p, i) => [p, i + 1]));
const DIRECTION_INDEX: Readonly<Record<Direction, number>> = { import: 1, export: 2 };
const FUNCTION_INDEX: Readonly<Record<RecordFunction, number>> = { instantaneous: 0, maximum: 1, minimum: 2, error: 3 };

/**
 * Everything a generic name depends on besides the quantity, as one small integer: unit (6 bits),
 * direction (2), function (2), phase (3), tariff (4), subunit (2), storage (10). -1 when the
 * record has parts that do not fit (qualifiers, a manufacturer VIF, large numbers).
 */
function packedParts(r: MbusRecord, unit: Unit): number {
  if (r.qualifiers || r.quantity === 'manufacturer_specific' || r.tariff > 15 || r.subunit > 3 || r.storage > 1023) return -1;
  const u = UNIT_INDEX.get(unit);
  const phase = r.phase === undefined ? 0 : PHASE_INDEX.get(r.phase);
  if (u === undefined || phase === undefined) return -1;
  const direction = r.direction ? DIRECTION_INDEX[r.direction] : 0;
  return (
    u | (direction << 6) | (FUNCTION_INDEX[r.function] << 8) | (phase << 10) | (r.tariff << 13) | (r.subunit << 17) | (r.storage << 19)
  );
}

/**
 * The field names built so far in a run (the caller's FormatMemory holds one), so that a meter's
 * names are the same string objects from one telegram to the next. Adding a property under a
 * freshly built string makes the engine hash and look up that string first, which was most of the
 * cost of the fields; a known string skips that. Names with parts that do not pack into a small
 * number are built every time. Bounded by `capacity`; it holds nothing that changes a name.
 */
export class FieldNames {
  /** by quantity, then packedParts */
  readonly #generic = new Map<string, Map<number, string>>();
  /** by a family's base name, then unit */
  readonly #family = new Map<string, Map<number, string>>();
  #size = 0;

  constructor(readonly capacity = 4096) {}

  nameOf(r: MbusRecord, unit: Unit, familyName: string | undefined): string {
    const key = familyName === undefined ? packedParts(r, unit) : (UNIT_INDEX.get(unit) ?? -1);
    if (key < 0) return fieldName(r, unit, familyName);
    const byFirst = familyName === undefined ? this.#generic : this.#family;
    const first = familyName ?? r.quantity;
    let names = byFirst.get(first);
    const known = names?.get(key);
    if (known !== undefined) return known;
    const name = fieldName(r, unit, familyName);
    if (this.#size < this.capacity) {
      if (!names) byFirst.set(first, (names = new Map()));
      names.set(key, name);
      this.#size++;
    }
    return name;
  }
}

/**
 * Makes the fields object. A `{}` literal turns into a hash table after some 18 added keys, and a
 * meter like the GAMA 350 has 20 fields; objects made by a constructor get room for their
 * properties inside the object, so they stay in the engine's fast layout, which makes adding them
 * (and reading them later) cheaper. The prototype is Object.prototype, so the result is a plain
 * object by every test (prototype, constructor, JSON, structuredClone, deep equality).
 */
function FieldsObject(): void {}
FieldsObject.prototype = Object.prototype;
const NewFields = FieldsObject as unknown as new () => Record<string, number | string>;

/**
 * Friendly fields of a telegram's records. `family` is the meter's family when the caller's set
 * has one; the decoder passes the run's FieldNames when it has one.
 */
export function buildFields(records: MbusRecord[], family?: MeterFamily, names?: FieldNames): Record<string, number | string> {
  const fields = new NewFields();
  for (const r of records) {
    let value = r.value;
    if (value === null) continue;
    let unit = r.unit;
    // Energy counted in Wh or MWh is shown in kWh.
    if (typeof value === 'number' && (unit === 'Wh' || unit === 'MWh')) {
      value = shiftDecimal(value, unit === 'Wh' ? -3 : 3);
      unit = 'kWh';
    }
    const familyName = family?.fieldName?.(r);
    let name = names ? names.nameOf(r, unit, familyName) : fieldName(r, unit, familyName);
    // Every name ends in a unit or is a quantity name, never one of Object.prototype's, so an own
    // property is the only thing a name can find here (and a lookup is cheaper than hasOwn).
    if (fields[name] !== undefined) {
      const base = familyName ?? baseName(r);
      const suffix = UNIT_SUFFIX[unit];
      for (let n = 2; fields[name] !== undefined; n++) name = `${base}_${n}${suffix}`;
    }
    fields[name] = value;
  }
  return fields;
}
