/**
 * The JSON published on the state topics. A meter's state is its latest reading: the decoder's
 * friendly fields (energy_import_kwh, power_import_w, voltage_l1_v, volume_m3, ...) at the top
 * level, so a template reads `value_json.energy_import_kwh`, beside a few facts about the meter.
 */
import type { MeterView } from '../model/meter.js';
import type { RadioStatsView } from '../model/status.js';
import type { Reading } from '../model/reading.js';

export type StateJson = Record<string, string | number | null>;

/** Keys of the meter facts; a field of the same name (none is named so today) would yield to them. */
export const METER_STATE_KEYS = ['id', 'name', 'manufacturer', 'medium', 'status', 'last_seen', 'rssi_dbm', 'telegrams'] as const;

/**
 * The state of a meter. `templateKeys` are the keys its discovery templates read: each is in the
 * message, null while unknown (a meter not yet heard, a field the last telegram lacked), so Home
 * Assistant shows "unknown" instead of logging a template warning.
 */
export function meterStateJson(meter: MeterView, reading: Reading | undefined, templateKeys: Iterable<string> = []): StateJson {
  const out: StateJson = { id: meter.id, name: meter.name };
  const manufacturer = reading?.manufacturer ?? meter.manufacturer;
  const medium = reading?.medium ?? meter.medium;
  if (manufacturer !== undefined) out['manufacturer'] = manufacturer;
  if (medium !== undefined) out['medium'] = medium;
  out['status'] = meter.status.state;
  const seen = reading?.time ?? meter.lastSeen;
  out['last_seen'] = seen === undefined ? null : new Date(seen).toISOString();
  const rssi = reading?.rssi ?? meter.rssi;
  out['rssi_dbm'] = rssi ?? null;
  out['telegrams'] = meter.telegrams;
  for (const [k, v] of Object.entries(reading?.fields ?? {})) if (!Object.hasOwn(out, k)) out[k] = v;
  for (const k of templateKeys) if (!Object.hasOwn(out, k)) out[k] = null;
  return out;
}

export function gatewayStateJson(stats: RadioStatsView, nearbyMeters: number, uptimeS: number): StateJson {
  const g = stats.gateway;
  const out: StateJson = {
    frames: g.frames,
    frames_per_minute: g.framesPerMinute,
    frame_errors: g.frameErrors,
    readings: g.readings,
    duplicates: g.duplicates,
    replays: g.replays,
    decode_errors: Object.values(g.decodeErrors).reduce((a, b) => a + (b ?? 0), 0),
    nearby_meters: nearbyMeters,
    uptime_s: uptimeS,
  };
  if (stats.radio) out['radio_state'] = stats.radio.state;
  return out;
}
