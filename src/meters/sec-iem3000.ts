/**
 * Schneider Electric iEM3000 series (SEC, wired M-Bus). The meter sends its reactive registers
 * in subunit 1 and its apparent registers in subunit 2, with the VIFs of active energy and power
 * (Schneider's iEM3000 M-Bus register list). Subunits mean "another device" in EN 13757-3, so
 * without this a reactive energy would show as a second active energy in kWh. A few plain
 * readings come behind manufacturer VIFs.
 */
import type { MbusRecord, Unit } from '../wmbus/types.js';
import type { MeterFamily } from '../wmbus/meter-family.js';

const BY_SUBUNIT: readonly (Readonly<Record<string, [string, Unit]>> | undefined)[] = [
  undefined,
  { kWh: ['reactive_energy', 'kvarh'], Wh: ['reactive_energy', 'varh'], W: ['reactive_power', 'var'] },
  { kWh: ['apparent_energy', 'kVAh'], Wh: ['apparent_energy', 'VAh'], W: ['apparent_power', 'VA'] },
];

const MANUFACTURER_VIFS: ReadonlyMap<string, [string, Unit]> = new Map([
  ['FF0A', ['power_factor', '']],
  ['FF0B', ['frequency', 'Hz']],
  ['FF24', ['nominal_frequency', 'Hz']],
]);

export const schneiderIem3000: MeterFamily = {
  name: 'Schneider Electric iEM3000',
  matches: (h) => h.manufacturer === 'SEC' && h.deviceType === 0x02,
  normalise(r: MbusRecord): MbusRecord {
    const named = r.quantity === 'manufacturer_specific' ? MANUFACTURER_VIFS.get(r.vif) : undefined;
    if (named) return { ...r, quantity: named[0], unit: named[1] };
    if (r.quantity !== 'energy' && r.quantity !== 'power') return r;
    const mapped = BY_SUBUNIT[r.subunit]?.[r.unit];
    return mapped ? { ...r, quantity: mapped[0], unit: mapped[1], subunit: 0 } : r;
  },
};
