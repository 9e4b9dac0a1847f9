/**
 * IME (Italy) wired M-Bus energy meters of the Conto family send every register behind the
 * manufacturer VIF 0xFF: the first VIFE after it names the register, the next one is an ordinary
 * VIF that gives its scale, then the usual forward/backward VIFE. The DIFE tariff doubles as a
 * selector: 1–4 tariffs, 5 total, 6 partial counter, 7 three-phase total, 8–10 phases.
 * (Register list facts from wmbusmeters' ime driver test telegrams.)
 */
import { DIRECTED_QUANTITIES, FD_VIF, PRIMARY_VIF, type VifInfo } from '../wmbus/apl/vif.js';
import { scaleValue } from '../wmbus/apl/scale.js';
import type { MbusRecord, RecordFunction, Unit } from '../wmbus/types.js';
import type { MeterFamily } from '../wmbus/meter-family.js';

interface Register {
  quantity: string;
  /** the table the scale VIF comes from */
  table: readonly VifInfo[];
  /** unit replacing the scale VIF's own (reactive and apparent registers reuse active VIFs) */
  unit?: Unit;
  function?: RecordFunction;
  /** phase-to-phase registers name the phase pairs */
  pairs?: boolean;
}

const REGISTERS: ReadonlyMap<number, Register> = new Map<number, Register>([
  [0x00, { quantity: 'energy', table: PRIMARY_VIF }],
  [0x01, { quantity: 'reactive_energy', table: PRIMARY_VIF, unit: 'kvarh' }],
  [0x04, { quantity: 'power', table: PRIMARY_VIF }],
  [0x05, { quantity: 'reactive_power', table: PRIMARY_VIF, unit: 'var' }],
  [0x06, { quantity: 'apparent_power', table: PRIMARY_VIF, unit: 'VA' }],
  [0x07, { quantity: 'voltage', table: FD_VIF }],
  [0x08, { quantity: 'voltage', table: FD_VIF, pairs: true }],
  [0x09, { quantity: 'current', table: FD_VIF }],
  [0x0a, { quantity: 'frequency', table: FD_VIF, unit: 'Hz' }],
  [0x0b, { quantity: 'power_factor', table: PRIMARY_VIF, unit: '' }],
  [0x0c, { quantity: 'power_factor_sector', table: PRIMARY_VIF, unit: '' }],
  [0x0d, { quantity: 'power_requirement', table: PRIMARY_VIF }],
  [0x0e, { quantity: 'power', table: PRIMARY_VIF, function: 'maximum' }],
  [0x0f, { quantity: 'run_time', table: PRIMARY_VIF }],
]);

const PHASES = ['L1', 'L2', 'L3'];
const PAIRS = ['L1-L2', 'L2-L3', 'L3-L1'];

export const imeConto: MeterFamily = {
  name: 'IME Conto',
  matches: (h) => h.manufacturer === 'IME' && h.deviceType === 0x02,
  normalise(r: MbusRecord): MbusRecord {
    if (r.quantity !== 'manufacturer_specific' || typeof r.value !== 'number' || r.vif.length < 6) return r;
    const codes = Buffer.from(r.vif, 'hex');
    const register = REGISTERS.get(codes[1]! & 0x7f);
    if (!register) return r;
    const scale = register.table[codes[2]! & 0x7f]!;
    const out: MbusRecord = {
      ...r,
      quantity: register.quantity,
      unit: register.unit ?? scale.unit,
      value: scaleValue(r.value, scale.exp, scale.mul, scale.div),
      function: register.function ?? r.function,
    };
    if (DIRECTED_QUANTITIES.has(register.quantity))
      out.direction = codes[3] !== undefined && (codes[3] & 0x7f) === 0x3c ? 'export' : 'import';
    if (r.tariff >= 5) {
      out.tariff = 0;
      if (r.tariff === 6) out.qualifiers = [...(r.qualifiers ?? []), 'partial'];
      if (r.tariff >= 8) out.phase = (register.pairs ? PAIRS : PHASES)[r.tariff - 8];
    }
    return out;
  },
};
