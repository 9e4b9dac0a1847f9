/**
 * Elgama GAMA 150/350 (EGM, device type 2), the HAN meters of Polish operators. Records as in
 * docs USERS.md: the reactive power pair is inductive (no VIFE) and capacitive (backward VIFE
 * 0x3C), not import/export; one constant "upper limit" power record (70 kW) carries the contracted
 * limit as far as users have found.
 */
import type { MeterQuirk } from './index.js';

const NAMES: ReadonlyMap<string, string> = new Map([
  ['0B/FB14', 'reactive_power_inductive'],
  ['0B/FB943C', 'reactive_power_capacitive'],
  ['0B/ABC8FC10', 'power_limit'],
]);

export const elgamaGama350: MeterQuirk = {
  name: 'Elgama GAMA 350',
  matches: (h) => h.manufacturer === 'EGM' && h.deviceType === 0x02,
  fieldName: (r) => NAMES.get(`${r.dif}/${r.vif}`),
};
