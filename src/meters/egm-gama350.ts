/**
 * Elgama GAMA 150/350 (EGM, device type 2), the HAN meters of Polish operators. Records as in
 * docs USERS.md: the reactive power pair is inductive (no VIFE) and capacitive (backward VIFE
 * 0x3C), not import/export; one constant "upper limit" power record (70 kW) carries the contracted
 * limit as far as users have found.
 */
import type { MeterFamily } from '../wmbus/meter-family.js';

/** All three are 6-digit BCD records (DIF 0B), told apart by their VIB. */
const DIF = '0B';
const NAMES_BY_VIF: ReadonlyMap<string, string> = new Map([
  ['FB14', 'reactive_power_inductive'],
  ['FB943C', 'reactive_power_capacitive'],
  ['ABC8FC10', 'power_limit'],
]);

export const elgamaGama350: MeterFamily = {
  name: 'Elgama GAMA 350',
  matches: (h) => h.manufacturer === 'EGM' && h.deviceType === 0x02,
  fieldName: (r) => (r.dif === DIF ? NAMES_BY_VIF.get(r.vif) : undefined),
};
