/**
 * One accepted reading into the stored state: the meter's latest values and its history. The live
 * path and the store's journal replay on start both go through here, so a restart rebuilds the
 * open hours, days and samples exactly as they were.
 */
import type { StateDoc } from '../store/state-doc.js';
import { type ApplyResult, applyReading, newSeries } from '../model/history.js';
import type { TimeZone } from '../model/timezone.js';
import type { Reading } from '../model/reading.js';

export function recordReading(state: StateDoc, reading: Reading, tz: TimeZone, sampleIntervalMs: number): ApplyResult {
  const meter = state.meters[reading.meterId];
  // A reading of a meter removed since keeps feeding its history (kept for a later claim).
  if (meter) {
    meter.manufacturer = reading.manufacturer;
    meter.medium = reading.medium;
    meter.deviceType = reading.deviceType;
    meter.version = reading.version;
    meter.telegrams++;
    meter.lastSeen = reading.time;
    if (reading.rssi !== undefined) meter.rssi = reading.rssi;
    meter.latest = reading;
  }
  const series = (state.series[reading.meterId] ??= newSeries());
  return applyReading(series, reading, tz, sampleIntervalMs);
}
