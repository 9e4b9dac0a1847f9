/**
 * Friendly fields from normalised records, without a per-meter driver:
 *
 *   <quantity>[_import|_export|_forward|_backward][_<phase>][_max|_min|_error_state][_<qualifiers>]
 *     [_tariff<N>][_subunit<N>][_storage<N>]_<unit>
 *
 * e.g. energy_import_kwh, energy_import_tariff1_kwh, power_export_w, voltage_l1_v, volume_m3,
 * volume_storage1_m3, flow_temperature_min_storage1_c. The meter's clock (datetime, storage 0) is
 * meter_datetime. Wh-based energy is always given in kWh. A name that would repeat gets _2, _3, ...
 * before its unit, in record order, so names are stable for a given meter. Meter quirks
 * (src/meters) may rename records of their family.
 */
import { type MeterHeader, type MeterQuirk, quirkFor } from '../meters/index.js';
import { shiftDecimal } from './apl/scale.js';
import { COMBINABLE_VIFE, DIRECTED_QUANTITIES, FC_VIFE } from './apl/vif.js';
import type { Direction, MbusRecord, Unit } from './types.js';

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
  Wh: '_wh', kWh: '_kwh', MWh: '_mwh', J: '_j', kJ: '_kj', MJ: '_mj', GJ: '_gj',
  W: '_w', kW: '_kw', MW: '_mw', var: '_var', kvar: '_kvar', VA: '_va', kVA: '_kva',
  varh: '_varh', kvarh: '_kvarh', VAh: '_vah', kVAh: '_kvah',
  V: '_v', A: '_a', m3: '_m3', l: '_l', 'm3/h': '_m3h', 'l/h': '_lh', kg: '_kg', 'kg/h': '_kgh', C: '_c', K: '_k', bar: '_bar',
  s: '_s', min: '_min', h: '_h', d: '_d', '%': '_pct', Hz: '_hz', '': '',
};

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
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
  if (r.quantity === 'datetime' && r.storage === 0 && r.tariff === 0 && r.subunit === 0 && !r.qualifiers && r.function === 'instantaneous') {
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

/**
 * Friendly fields of a telegram's records. `quirk` is the meter's (quirkFor(header)); the decoder
 * passes the one it already looked up.
 */
export function buildFields(records: MbusRecord[], header: MeterHeader, quirk: MeterQuirk | undefined = quirkFor(header)):
  Record<string, number | string> {
  const fields: Record<string, number | string> = {};
  for (const r of records) {
    let value = r.value;
    if (value === null) continue;
    let unit = r.unit;
    // Energy counted in Wh or MWh is shown in kWh.
    if (typeof value === 'number' && (unit === 'Wh' || unit === 'MWh')) {
      value = shiftDecimal(value, unit === 'Wh' ? -3 : 3);
      unit = 'kWh';
    }
    const suffix = UNIT_SUFFIX[unit];
    const base = quirk?.fieldName?.(r) ?? baseName(r);
    let name = base + suffix;
    // Every name ends in a unit or is a quantity name, never one of Object.prototype's, so an own
    // property is the only thing a name can find here (and a lookup is cheaper than hasOwn).
    for (let n = 2; fields[name] !== undefined; n++) name = `${base}_${n}${suffix}`;
    fields[name] = value;
  }
  return fields;
}
