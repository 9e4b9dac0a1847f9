/**
 * The expected numbers of the wmbusmeters vectors this decoder does not reproduce, with why. The
 * conformance test fails when a number outside this list (or more of one) goes missing, so a
 * regression shows at once, and so does a number that starts to be reproduced (the list stays exact).
 */
export const KNOWN_MISSES: ReadonlyMap<string, number> = new Map<string, number>([
  // DES (security mode 2), not supported
  ['actislink.total_m3', 1],
  // sum of the phase powers, computed by the reference, not sent
  ['ebzwmbe.current_power_consumption_kw', 1],
  // reactive energy with VIFE 0x75 (correction factor 1e-1, EN 13757-3) read unscaled by the reference; apparent energy computed
  ['em24.total_apparent_energy_consumption_kvah', 3],
  ['em24.total_apparent_energy_production_kvah', 1],
  ['em24.total_reactive_energy_consumption_kvarh', 1],
  ['em24.total_reactive_energy_production_kvarh', 1],
  // battery byte without a known scale
  ['hydrodigit.voltage_v', 1],
  // operating time the reference reads from a manufacturer register as years
  ['iem3000.operating_time_y', 4],
  // frequency behind a manufacturer VIF (FF5A)
  ['nemo.frequency_hz', 1],
  // volume flow the Qundis block is not known to carry
  ['qwater.volume_flow_m3h', 2],
]);
