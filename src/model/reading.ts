/**
 * From decoded records to the two kinds of values the history keeps: counters (energy in kWh,
 * volume in m3; monotonic, so hourly/daily deltas make sense) and instantaneous values (power in
 * W, voltage in V, current in A; averaged into samples). Only current values count: storage 0,
 * subunit 0, function instantaneous; stored due-date values and maxima are left to `fields`.
 */
import type { FrameFormat } from '../wmbus/frame/blocks.js';
import type { RadioMode } from '../wmbus/frame/types.js';
import type { MbusRecord, Unit } from '../wmbus/types.js';

/** One accepted telegram of a claimed meter, decoded. */
export interface Reading {
  meterId: string;
  /** ms since the epoch, reception time */
  time: number;
  manufacturer: string;
  medium: string;
  deviceType: number;
  version: number;
  /** the decoder's friendly fields: energy_import_kwh, power_import_w, voltage_l1_v, volume_m3, ... */
  fields: Record<string, number | string>;
  /** monotonic registers in kWh or m3: energy_import, energy_export, energy_import_t1, volume, ... */
  counters: Record<string, number>;
  /** instantaneous values in W, V, A: power_import, power_export, voltage_l1, current_l2, ... */
  instant: Record<string, number>;
  rssi?: number;
  mode?: RadioMode;
  frameFormat?: FrameFormat;
  accessNumber?: number;
  securityMode: number;
  /** all decoded records; present on live readings, absent on readings loaded from the store */
  records?: MbusRecord[];
}

const COUNTER_UNITS: Record<string, { quantity: string; factor: number }> = {
  Wh: { quantity: 'energy', factor: 1e-3 },
  kWh: { quantity: 'energy', factor: 1 },
  MWh: { quantity: 'energy', factor: 1e3 },
  J: { quantity: 'energy', factor: 1 / 3.6e6 },
  kJ: { quantity: 'energy', factor: 1 / 3.6e3 },
  MJ: { quantity: 'energy', factor: 1 / 3.6 },
  GJ: { quantity: 'energy', factor: 1e3 / 3.6 },
  m3: { quantity: 'volume', factor: 1 },
  l: { quantity: 'volume', factor: 1e-3 },
};

const INSTANT_UNITS: Partial<Record<Unit, { quantity: string; factor: number }>> = {
  W: { quantity: 'power', factor: 1 },
  kW: { quantity: 'power', factor: 1e3 },
  MW: { quantity: 'power', factor: 1e6 },
  V: { quantity: 'voltage', factor: 1 },
  A: { quantity: 'current', factor: 1 },
};

/** Units of the normalised values, for labels and MQTT/Prometheus units. */
export const VALUE_UNITS: Record<string, string> = { energy: 'kWh', volume: 'm3', power: 'W', voltage: 'V', current: 'A' };

export interface ExtractedValues {
  counters: Record<string, number>;
  instant: Record<string, number>;
}

export function extractValues(records: MbusRecord[]): ExtractedValues {
  const counters: Record<string, number> = {};
  const instant: Record<string, number> = {};
  for (const r of records) {
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) continue;
    if (r.storage !== 0 || r.subunit !== 0 || r.function !== 'instantaneous') continue;
    // Records about a rate (per hour) or a limit are not the register itself.
    if (r.qualifiers && r.qualifiers.length > 0) continue;
    const counter = COUNTER_UNITS[r.unit];
    if (counter && r.quantity === counter.quantity) {
      const name = nameOf(counter.quantity, r);
      counters[name] ??= roundValue(r.value * counter.factor);
      continue;
    }
    const inst = INSTANT_UNITS[r.unit];
    if (inst && r.quantity === inst.quantity) {
      const name = nameOf(inst.quantity, r);
      instant[name] ??= roundValue(r.value * inst.factor);
    }
  }
  return { counters, instant };
}

// energy_import, energy_export_t2, volume, power_import, voltage_l1, current_l3, power_import_l2
function nameOf(quantity: string, r: MbusRecord): string {
  let name = quantity;
  if (r.direction) name += `_${r.direction}`;
  if (r.phase) name += `_${r.phase.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
  if (r.tariff > 0) name += `_t${r.tariff}`;
  return name;
}

function roundValue(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

/** "energy_import_t1" -> its unit ("kWh"). */
export function unitOf(name: string): string {
  return VALUE_UNITS[name.split('_')[0]!] ?? '';
}
