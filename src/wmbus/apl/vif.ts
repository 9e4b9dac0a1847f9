/**
 * VIF/VIFE tables of EN 13757-3 (primary, 0xFB first extension, 0xFD second extension, combinable
 * VIFEs and the combinable extension table after 0x7C/0xFC). Built once at load into arrays indexed
 * by the code without its extension bit, so a lookup is one index.
 *
 * Units: each entry is already in the unit the decoder reports. Wh-based energy is reported in kWh
 * (what the display and the bill show) unless the VIF resolves below 1 Wh; J-based energy in the
 * smallest of J/kJ/MJ/GJ that is not finer than the VIF's resolution; power always in W (var, VA);
 * volume in m3, flow in m3/h. The unit depends on the VIF only, never on the value, so a series
 * keeps one unit.
 */
import type { Direction, Unit } from '../types.js';

/** How the data bytes of a record are to be read once the DIF has given their size. */
export type ValueKind =
  | 'number' // scaled measurement
  | 'count' // dimensionless number, no scaling
  | 'date' // type G (or F when the DIF says 4 bytes)
  | 'datetime' // type F / I / J by DIF size
  | 'id' // identification digits (BCD or hex), kept as a string with leading zeros
  | 'bits' // bit field (type D), unsigned
  | 'mfct' // manufacturer specific: value by DIF type, no unit
  | 'none'; // reserved or selection codes: value by DIF type, no unit

export interface VifInfo {
  quantity: string;
  unit: Unit;
  /** value = raw · mul / div · 10^exp */
  exp: number;
  mul: number;
  div: number;
  kind: ValueKind;
  /** the quantity flows one way or the other (DIRECTED_QUANTITIES) */
  directed: boolean;
  /** integer data is read unsigned (UNSIGNED_QUANTITIES) */
  unsigned: boolean;
}

const TIME_UNITS: readonly Unit[] = ['s', 'min', 'h', 'd'];

/** Quantities that flow one way or the other: import unless a VIFE says backward flow. */
export const DIRECTED_QUANTITIES: ReadonlySet<string> = new Set([
  'energy',
  'power',
  'reactive_energy',
  'reactive_power',
  'apparent_energy',
  'apparent_power',
]);

/**
 * Quantities whose integer data is unsigned although EN 13757-3 reads integers as type B (signed)
 * by default: counts that only go up (access number, EN 13757-7 §7.5.2: 0..255 and wrapping;
 * reset, cumulation and stop counters; HCA units), numbers that address or count (storage numbers,
 * bus address, baud rate, retries, week, weekday) and durations and periods (a time span is never
 * negative). Read signed, an access number 0x80 would be -128 and a counter past half its range
 * would turn negative. Left signed: measurements that can go either way (energy, power, flow,
 * temperatures, credit/debit), the RF level in dBm and dimensionless values.
 */
const UNSIGNED_QUANTITIES: ReadonlySet<string> = new Set([
  'access_number',
  'reset_counter',
  'cumulation_counter',
  'meter_stop_count',
  'hca',
  'bus_address',
  'baud_rate',
  'response_delay',
  'retry',
  'first_storage_number',
  'last_storage_number',
  'storage_block_size',
  'day_of_week',
  'week_number',
  'time_point_of_day_change',
  'on_time',
  'operating_time',
  'averaging_duration',
  'actuality_duration',
  'storage_interval',
  'storage_interval_months',
  'storage_interval_years',
  'duration_since_last_readout',
  'period_of_tariff',
  'period_of_tariff_months',
  'period_of_tariff_years',
  'duration_of_tariff',
  'transmission_period',
  'duration_since_last_cumulation',
  'duration_since_last_cumulation_months',
  'duration_since_last_cumulation_years',
  'battery_operating_time',
  'battery_operating_time_months',
  'battery_operating_time_years',
  'remaining_battery_lifetime',
  'time_point_second',
]);

function info(quantity: string, unit: Unit, exp: number, kind: ValueKind = 'number', mul = 1, div = 1): VifInfo {
  return { quantity, unit, exp, mul, div, kind, directed: DIRECTED_QUANTITIES.has(quantity), unsigned: UNSIGNED_QUANTITIES.has(quantity) };
}

/** Energy counted in 10^e Wh. */
function whEnergy(quantity: string, e: number): VifInfo {
  return e < 0 ? info(quantity, 'Wh', e) : info(quantity, 'kWh', e - 3);
}

/** Energy counted in 10^e J. */
function jouleEnergy(e: number): VifInfo {
  const step = Math.min(9, Math.max(0, Math.ceil(e / 3) * 3));
  const unit: Unit = step === 0 ? 'J' : step === 3 ? 'kJ' : step === 6 ? 'MJ' : 'GJ';
  return info('energy', unit, e - step);
}

function unknown(table: string, code: number): VifInfo {
  return info(`${table}_${code.toString(16).padStart(2, '0')}`, '', 0, 'none');
}

function fill(size: number, table: string): VifInfo[] {
  const t: VifInfo[] = [];
  for (let i = 0; i < size; i++) t.push(unknown(table, i));
  return t;
}

/** Primary VIF (0x00–0x7F), EN 13757-3 table 10. */
export const PRIMARY_VIF: readonly VifInfo[] = (() => {
  const t = fill(128, 'vif');
  for (let n = 0; n < 8; n++) {
    t[0x00 + n] = whEnergy('energy', n - 3);
    t[0x08 + n] = jouleEnergy(n);
    t[0x10 + n] = info('volume', 'm3', n - 6);
    t[0x18 + n] = info('mass', 'kg', n - 3);
    t[0x28 + n] = info('power', 'W', n - 3);
    // J/h to W: 1 J/h = 1/3600 W, not a decimal step: the value is rounded, see scale.ts
    t[0x30 + n] = info('power', 'W', n, 'number', 1, 3600);
    t[0x38 + n] = info('volume_flow', 'm3/h', n - 6);
    t[0x40 + n] = info('volume_flow', 'm3/h', n - 7, 'number', 60);
    t[0x48 + n] = info('volume_flow', 'm3/h', n - 9, 'number', 3600);
    t[0x50 + n] = info('mass_flow', 'kg/h', n - 3);
  }
  for (const [n, unit] of TIME_UNITS.entries()) {
    t[0x20 + n] = info('on_time', unit, 0);
    t[0x24 + n] = info('operating_time', unit, 0);
    t[0x58 + n] = info('flow_temperature', 'C', n - 3);
    t[0x5c + n] = info('return_temperature', 'C', n - 3);
    t[0x60 + n] = info('temperature_difference', 'K', n - 3);
    t[0x64 + n] = info('external_temperature', 'C', n - 3);
    t[0x68 + n] = info('pressure', 'bar', n - 3);
    t[0x70 + n] = info('averaging_duration', unit, 0);
    t[0x74 + n] = info('actuality_duration', unit, 0);
  }
  t[0x6c] = info('date', '', 0, 'date');
  t[0x6d] = info('datetime', '', 0, 'datetime');
  t[0x6e] = info('hca', '', 0, 'count');
  t[0x78] = info('fabrication_number', '', 0, 'id');
  t[0x79] = info('enhanced_identification', '', 0, 'id');
  t[0x7a] = info('bus_address', '', 0, 'count');
  t[0x7c] = info('plain_text', '', 0, 'count'); // the unit is the text, kept as a qualifier
  t[0x7e] = info('any_vif', '', 0, 'none');
  t[0x7f] = info('manufacturer_specific', '', 0, 'mfct');
  return t;
})();

/** Codes of the primary table that are not a quantity but announce something else. */
export const VIF_FB = 0x7b;
export const VIF_PLAIN_TEXT = 0x7c;
export const VIF_FD = 0x7d;
export const VIF_MANUFACTURER = 0x7f;

/** First extension table, VIFE after 0xFB. */
export const FB_VIF: readonly VifInfo[] = (() => {
  const t = fill(128, 'vif_fb');
  for (let n = 0; n < 2; n++) {
    t[0x00 + n] = whEnergy('energy', n + 5); // 10^(n-1) MWh
    t[0x02 + n] = info('reactive_energy', 'kvarh', n);
    t[0x04 + n] = info('apparent_energy', 'kVAh', n);
    t[0x08 + n] = jouleEnergy(n + 8); // 10^(n-1) GJ
    t[0x10 + n] = info('volume', 'm3', n + 2);
    t[0x18 + n] = info('mass', 'kg', n + 5); // 10^(n+2) t
    t[0x1a + n] = info('relative_humidity', '%', n - 1);
    t[0x28 + n] = info('power', 'W', n + 5); // 10^(n-1) MW
    t[0x30 + n] = info('power', 'W', n + 8, 'number', 1, 3600); // 10^(n-1) GJ/h
    t[0x68 + n] = info(n === 0 ? 'hca_rating_factor_k' : 'hca_rating_factor_kq', '', 0, 'count');
  }
  for (let n = 0; n < 4; n++) {
    t[0x14 + n] = info('reactive_power', 'var', n);
    t[0x2c + n] = info('frequency', 'Hz', n - 3);
    t[0x34 + n] = info('apparent_power', 'VA', n);
    t[0x74 + n] = info('cold_warm_temperature_limit', 'C', n - 3);
  }
  // 1 cal = 4.1868 J (IT calorie): MCal counters are converted exactly by the integer factor 41868.
  for (let n = 0; n < 4; n++) t[0x0c + n] = info('energy', 'MJ', n - 1 - 4, 'number', 41868);
  t[0x20] = info('volume', 'm3', -12, 'number', 28316846592); // ft3, exact
  t[0x21] = info('volume', 'm3', -13, 'number', 28316846592); // 0.1 ft3
  t[0x2a] = info('phase_angle_u_u', '', 0);
  t[0x2b] = info('phase_angle_u_i', '', 0);
  for (let n = 0; n < 8; n++) t[0x78 + n] = info('cumulative_count_max_power', 'W', n - 3);
  return t;
})();

/** Second extension table, VIFE after 0xFD. */
export const FD_VIF: readonly VifInfo[] = (() => {
  const t = fill(128, 'vif_fd');
  for (const [n, unit] of TIME_UNITS.entries()) {
    t[0x00 + n] = info('credit', '', n - 3);
    t[0x04 + n] = info('debit', '', n - 3);
    t[0x24 + n] = info('storage_interval', unit, 0);
    t[0x2c + n] = info('duration_since_last_readout', unit, 0);
    t[0x34 + n] = info('period_of_tariff', unit, 0);
    t[0x3c + n] = info('transmission_period', unit, 0);
    // duration of tariff starts at minutes: 0x30 is not one of its codes
    if (n > 0) t[0x30 + n] = info('duration_of_tariff', unit, 0);
  }
  // EN 13757-3 counts these two in hours, days, months, years; months and years have no unit of ours
  const longUnits: readonly [Unit, string][] = [
    ['h', ''],
    ['d', ''],
    ['', '_months'],
    ['', '_years'],
  ];
  for (const [n, [unit, suffix]] of longUnits.entries()) {
    t[0x68 + n] = info(`duration_since_last_cumulation${suffix}`, unit, 0);
    t[0x6c + n] = info(`battery_operating_time${suffix}`, unit, 0);
  }
  for (let n = 0; n < 16; n++) {
    t[0x40 + n] = info('voltage', 'V', n - 9);
    t[0x50 + n] = info('current', 'A', n - 12);
  }
  const ids: readonly [number, string][] = [
    [0x09, 'device_type'],
    [0x0a, 'manufacturer'],
    [0x0b, 'parameter_set'],
    [0x0c, 'model_version'],
    [0x0d, 'hardware_version'],
    [0x0e, 'firmware_version'],
    [0x0f, 'software_version'],
    [0x10, 'customer_location'],
    [0x11, 'customer'],
    [0x12, 'access_code_user'],
    [0x13, 'access_code_operator'],
    [0x14, 'access_code_system_operator'],
    [0x15, 'access_code_developer'],
    [0x16, 'password'],
    [0x19, 'security_key'],
    [0x2a, 'operator_specific_data'],
    [0x3b, 'data_container'],
    [0x76, 'manufacturer_data_container'],
  ];
  for (const [code, q] of ids) t[code] = info(q, '', 0, 'id');
  t[0x08] = info('access_number', '', 0, 'count');
  t[0x17] = info('error_flags', '', 0, 'bits');
  t[0x18] = info('error_mask', '', 0, 'bits');
  t[0x1a] = info('digital_output', '', 0, 'bits');
  t[0x1b] = info('digital_input', '', 0, 'bits');
  t[0x1c] = info('baud_rate', '', 0, 'count');
  t[0x1d] = info('response_delay', '', 0, 'count');
  t[0x1e] = info('retry', '', 0, 'count');
  t[0x1f] = info('remote_control', '', 0, 'bits');
  t[0x20] = info('first_storage_number', '', 0, 'count');
  t[0x21] = info('last_storage_number', '', 0, 'count');
  t[0x22] = info('storage_block_size', '', 0, 'count');
  t[0x23] = info('tariff_subunit_descriptor', '', 0, 'bits');
  t[0x28] = info('storage_interval_months', '', 0, 'count');
  t[0x29] = info('storage_interval_years', '', 0, 'count');
  t[0x2b] = info('time_point_second', 's', 0);
  t[0x30] = info('tariff_start', '', 0, 'datetime');
  t[0x38] = info('period_of_tariff_months', '', 0, 'count');
  t[0x39] = info('period_of_tariff_years', '', 0, 'count');
  t[0x3a] = info('dimensionless', '', 0, 'count');
  t[0x60] = info('reset_counter', '', 0, 'count');
  t[0x61] = info('cumulation_counter', '', 0, 'count');
  t[0x62] = info('control_signal', '', 0, 'bits');
  t[0x63] = info('day_of_week', '', 0, 'count');
  t[0x64] = info('week_number', '', 0, 'count');
  t[0x65] = info('time_point_of_day_change', '', 0, 'count');
  t[0x66] = info('parameter_activation_state', '', 0, 'bits');
  t[0x67] = info('special_supplier_information', '', 0, 'bits');
  t[0x70] = info('battery_change_datetime', '', 0, 'datetime');
  t[0x71] = info('rf_level_dbm', '', 0, 'count');
  t[0x74] = info('remaining_battery_lifetime', 'd', 0);
  t[0x75] = info('meter_stop_count', '', 0, 'count');
  return t;
})();

/**
 * What a combinable VIFE (EN 13757-3 table 15/16) does to a record:
 * - direction: forward/backward accumulation (import/export)
 * - scale: a decimal exponent applied to the value (multiplicative correction factors)
 * - error: a record error code sent by the meter (qualifier: how records name it)
 * - date: the record holds the date/time of the named event rather than the quantity
 * - duration: the record holds a duration (unit from the code)
 * - fc: the next VIFE comes from the combinable extension table
 * - mfct: the following VIFEs are manufacturer specific
 * - profile: the LVAR data is a compact profile (a series of older values), EN 13757-3 Annex F
 * - qualifier: a named condition (per hour, upper limit, ...)
 */
export type VifeEffect =
  | { kind: 'direction'; name: string; direction: Direction }
  | { kind: 'scale'; name: string; exp: number }
  | { kind: 'error'; name: string; qualifier: string }
  | { kind: 'date'; name: string }
  | { kind: 'duration'; name: string; unit: Unit }
  | { kind: 'fc'; name: string }
  | { kind: 'mfct'; name: string }
  | { kind: 'profile'; name: string; newestFirst: boolean }
  | { kind: 'qualifier'; name: string };

const RECORD_ERRORS: readonly [number, string][] = [
  [0x00, 'none'],
  [0x01, 'too many DIFEs'],
  [0x02, 'storage number not implemented'],
  [0x03, 'unit number not implemented'],
  [0x04, 'tariff number not implemented'],
  [0x05, 'function not implemented'],
  [0x06, 'data class not implemented'],
  [0x07, 'data size not implemented'],
  [0x08, 'reserved error 08'],
  [0x09, 'reserved error 09'],
  [0x0a, 'reserved error 0a'],
  [0x0b, 'too many VIFEs'],
  [0x0c, 'illegal VIF group'],
  [0x0d, 'illegal VIF exponent'],
  [0x0e, 'VIF/DIF mismatch'],
  [0x0f, 'unimplemented action'],
  [0x15, 'no data available'],
  [0x16, 'data overflow'],
  [0x17, 'data underflow'],
  [0x18, 'data error'],
  [0x19, 'reserved error 19'],
  [0x1a, 'reserved error 1a'],
  [0x1b, 'reserved error 1b'],
  [0x1c, 'premature end of record'],
];

export const COMBINABLE_VIFE: readonly VifeEffect[] = (() => {
  const t: VifeEffect[] = [];
  for (let i = 0; i < 128; i++) t.push({ kind: 'qualifier', name: `vife ${i.toString(16).padStart(2, '0')}` });
  for (const [code, name] of RECORD_ERRORS) t[code] = { kind: 'error', name, qualifier: `error: ${name}` };
  const q = (code: number, name: string): void => void (t[code] = { kind: 'qualifier', name });
  q(0x10, 'reserved 10');
  q(0x11, 'reserved 11');
  q(0x12, 'average');
  q(0x14, 'relative deviation');
  q(0x1d, 'standard conform');
  t[0x13] = { kind: 'profile', name: 'inverse compact profile', newestFirst: true };
  t[0x1e] = { kind: 'profile', name: 'compact profile with register', newestFirst: false };
  t[0x1f] = { kind: 'profile', name: 'compact profile', newestFirst: false };
  const per = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year', 'revolution'];
  per.forEach((p, i) => q(0x20 + i, `per ${p}`));
  q(0x28, 'increment per input pulse channel 0');
  q(0x29, 'increment per input pulse channel 1');
  q(0x2a, 'increment per output pulse channel 0');
  q(0x2b, 'increment per output pulse channel 1');
  const perUnit = ['litre', 'm3', 'kg', 'K', 'kWh', 'GJ', 'kW', 'K*l', 'V', 'A'];
  perUnit.forEach((u, i) => q(0x2c + i, `per ${u}`));
  q(0x36, 'multiplied by s');
  q(0x37, 'multiplied by s/V');
  q(0x38, 'multiplied by s/A');
  t[0x39] = { kind: 'date', name: 'start date/time of' };
  q(0x3a, 'uncorrected unit');
  t[0x3b] = { kind: 'direction', name: 'accumulation only forward flow', direction: 'import' };
  t[0x3c] = { kind: 'direction', name: 'accumulation only backward flow', direction: 'export' };
  q(0x3d, 'non-metric unit');
  q(0x3e, 'value at base conditions');
  q(0x3f, 'OBIS declaration');
  q(0x40, 'lower limit value');
  q(0x48, 'upper limit value');
  q(0x41, 'number of exceeds of lower limit');
  q(0x49, 'number of exceeds of upper limit');
  for (const code of [0x42, 0x43, 0x46, 0x47, 0x4a, 0x4b, 0x4e, 0x4f]) {
    const upper = code & 0x08 ? 'upper' : 'lower';
    const last = code & 0x04 ? 'last' : 'first';
    const end = code & 0x01 ? 'end' : 'begin';
    t[code] = { kind: 'date', name: `date/time of ${end} of ${last} ${upper} limit exceed` };
  }
  q(0x44, 'reserved 44');
  q(0x45, 'reserved 45');
  q(0x4c, 'reserved 4c');
  q(0x4d, 'reserved 4d');
  for (let code = 0x50; code < 0x60; code++) {
    const upper = code & 0x08 ? 'upper' : 'lower';
    const last = code & 0x04 ? 'last' : 'first';
    t[code] = { kind: 'duration', name: `duration of ${last} ${upper} limit exceed`, unit: TIME_UNITS[code & 3]! };
  }
  for (let code = 0x60; code < 0x68; code++) {
    const last = code & 0x04 ? 'last' : 'first';
    t[code] = { kind: 'duration', name: `duration of ${last}`, unit: TIME_UNITS[code & 3]! };
  }
  q(0x68, 'value during lower limit exceed');
  q(0x69, 'leakage values');
  q(0x6c, 'value during upper limit exceed');
  q(0x6d, 'overflow values');
  for (const code of [0x6a, 0x6b, 0x6e, 0x6f]) {
    const last = code & 0x04 ? 'last' : 'first';
    const end = code & 0x01 ? 'end' : 'begin';
    t[code] = { kind: 'date', name: `date/time of ${end} of ${last}` };
  }
  for (let n = 0; n < 8; n++) t[0x70 + n] = { kind: 'scale', name: `correction factor 1e${n - 6}`, exp: n - 6 };
  for (let n = 0; n < 4; n++) q(0x78 + n, `additive correction constant 1e${n - 3}`);
  t[0x7c] = { kind: 'fc', name: 'combinable extension' };
  t[0x7d] = { kind: 'scale', name: 'correction factor 1e3', exp: 3 };
  q(0x7e, 'future value');
  t[0x7f] = { kind: 'mfct', name: 'manufacturer specific' };
  return t;
})();

/** Combinable extension table (VIFE after a combinable 0x7C/0xFC). */
export type FcEffect = { kind: 'phase'; phase: string } | { kind: 'unsigned'; name: string } | { kind: 'qualifier'; name: string };

export const FC_VIFE: readonly FcEffect[] = (() => {
  const t: FcEffect[] = [];
  for (let i = 0; i < 128; i++) t.push({ kind: 'qualifier', name: `fc ${i.toString(16).padStart(2, '0')}` });
  ['L1', 'L2', 'L3', 'N', 'L1-L2', 'L2-L3', 'L3-L1'].forEach((phase, i) => (t[0x01 + i] = { kind: 'phase', phase }));
  for (let n = 0; n < 4; n++) t[0x08 + n] = { kind: 'qualifier', name: `quadrant Q${n + 1}` };
  t[0x0c] = { kind: 'qualifier', name: 'delta between import and export' };
  t[0x10] = { kind: 'qualifier', name: 'accumulation of absolute value' };
  t[0x11] = { kind: 'unsigned', name: 'data as type C' };
  t[0x12] = { kind: 'unsigned', name: 'data as type D' };
  return t;
})();
