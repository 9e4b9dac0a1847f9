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
import { quirkFor } from '../meters/index.js';
import { shiftDecimal } from './apl/scale.js';
import { DIRECTED_QUANTITIES } from './apl/vif.js';
import type { MbusRecord, Unit } from './types.js';


const FUNCTION_PART: Readonly<Record<MbusRecord['function'], string>> = {
  instantaneous: '',
  maximum: '_max',
  minimum: '_min',
  error: '_error_state',
};

/** Short names for the qualifiers that real meters send; the rest are slugged as they are. */
const QUALIFIER_PART: ReadonlyMap<string, string> = new Map([
  ['upper limit value', 'upper_limit'],
  ['lower limit value', 'lower_limit'],
  ['accumulation of absolute value', 'absolute'],
  ['value at base conditions', 'base_conditions'],
]);

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

function unitSuffix(unit: Unit): string {
  return unit === '%' ? 'pct' : unit.toLowerCase().replace('/', '');
}

/** Value and unit as fields show them: energy counted in Wh or MWh is shown in kWh. */
function fieldValue(r: MbusRecord): { value: number | string; unit: Unit } | undefined {
  if (r.value === null) return undefined;
  if (typeof r.value === 'number' && (r.unit === 'Wh' || r.unit === 'MWh')) {
    return { value: shiftDecimal(r.value, r.unit === 'Wh' ? -3 : 3), unit: 'kWh' };
  }
  return { value: r.value, unit: r.unit };
}

/** The generic name of a record without its unit. */
function baseName(r: MbusRecord): string {
  if (r.quantity === 'datetime' && r.storage === 0 && r.tariff === 0 && r.subunit === 0 && !r.qualifiers && r.function === 'instantaneous') {
    return 'meter_datetime';
  }
  let name = r.quantity === 'manufacturer_specific' ? `manufacturer_specific_${r.vif.toLowerCase()}` : r.quantity;
  if (r.direction) {
    name += DIRECTED_QUANTITIES.has(r.quantity) ? `_${r.direction}` : r.direction === 'import' ? '_forward' : '_backward';
  }
  if (r.phase) name += `_${slug(r.phase)}`;
  name += FUNCTION_PART[r.function];
  for (const q of r.qualifiers ?? []) name += `_${QUALIFIER_PART.get(q) ?? slug(q)}`;
  if (r.tariff > 0) name += `_tariff${r.tariff}`;
  if (r.subunit > 0) name += `_subunit${r.subunit}`;
  if (r.storage > 0) name += `_storage${r.storage}`;
  return name;
}

export function buildFields(records: MbusRecord[], header: { manufacturer: string; version: number; deviceType: number }):
  Record<string, number | string> {
  const quirk = quirkFor(header);
  const fields: Record<string, number | string> = {};
  for (const r of records) {
    const shown = fieldValue(r);
    if (!shown) continue;
    const suffix = shown.unit ? `_${unitSuffix(shown.unit)}` : '';
    const base = quirk?.fieldName?.(r) ?? baseName(r);
    let name = base + suffix;
    for (let n = 2; Object.hasOwn(fields, name); n++) name = `${base}_${n}${suffix}`;
    fields[name] = shown.value;
  }
  return fields;
}
