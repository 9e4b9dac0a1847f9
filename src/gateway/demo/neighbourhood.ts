/**
 * The demo's simulated neighbourhood: a household's GAMA 350 (PV on the roof) and water meter,
 * plus meters of the neighbours. Every value is a pure function of wall-clock time, so a restarted
 * demo continues the same counters, and tests can ask what a meter sent at any instant.
 */
import { encodeRecord } from '../../wmbus/apl/encode.js';
import { buildTelegram } from '../../wmbus/build.js';
import { addBlockCrcs } from '../../wmbus/frame/encode.js';
import type { FrameFormat } from '../../wmbus/frame/blocks.js';
import type { RadioMode } from '../../wmbus/frame/types.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
// The meters' days follow standard time (UTC+1), not the DST-shifted wall clock: a meter's load
// curve does not jump an hour in spring, and the counters stay monotonic through DST changes.
const PROFILE_OFFSET_MS = 3_600_000;
/** the meters' counters hold their start values at this instant */
const PROFILE_EPOCH = Date.UTC(2024, 0, 1) - PROFILE_OFFSET_MS;

/** One register a meter reports: its value at an instant (Wh, litres, W, V). */
type Register = { dif: string; vif: string; value: (t: number) => number };

export interface DemoMeter {
  id: string;
  name: string;
  /** claimed with its key when the demo starts (the others are the neighbours, heard nearby) */
  household: boolean;
  manufacturer: string;
  version: number;
  deviceType: number;
  mode: RadioMode;
  frameFormat: FrameFormat;
  security: 0 | 5 | 7;
  /** 32 hex digits when the meter encrypts */
  key?: string;
  intervalMs: number;
  /** offset of its sends within the interval */
  phaseMs: number;
  rssi: number;
  registers: Register[];
}

/** A minute-resolution profile of a rate (W or l/min) over a standard-time day, integrated. */
class DailyProfile {
  readonly #cumulative: Float64Array; // value units × minutes, at the start of each minute (1441 entries)
  constructor(rate: (minuteOfDay: number) => number) {
    this.#cumulative = new Float64Array(DAY_MINUTES + 1);
    for (let m = 0; m < DAY_MINUTES; m++) this.#cumulative[m + 1] = this.#cumulative[m]! + rate(m + 0.5);
  }
  /** the integral from the profile's epoch to t, in rate × minutes */
  integral(t: number): number {
    const minutes = (t - PROFILE_EPOCH) / MINUTE_MS;
    const days = Math.floor(minutes / DAY_MINUTES);
    const m = minutes - days * DAY_MINUTES;
    const whole = Math.floor(m);
    const within = this.#cumulative[whole]! + (this.#cumulative[whole + 1]! - this.#cumulative[whole]!) * (m - whole);
    return days * this.#cumulative[DAY_MINUTES]! + within;
  }
  rateAt(t: number): number {
    const m = ((((t + PROFILE_OFFSET_MS) / MINUTE_MS) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
    const whole = Math.floor(m);
    return this.#cumulative[whole + 1]! - this.#cumulative[whole]!;
  }
}

const bump = (m: number, centre: number, width: number) => Math.exp(-(((m - centre) / width) ** 2));
const hour = (h: number) => h * 60;

/** Household load in W: a base, breakfast, and the evening. */
function householdLoad(m: number): number {
  return 220 + 45 * Math.sin(m / 37) + 900 * bump(m, hour(7.2), 40) + 1400 * bump(m, hour(19), 110) + 500 * bump(m, hour(13), 50);
}

/** PV output in W: a 4 kWp roof on a hazy day (about 12 kWh), centred on noon standard time. */
function pvOutput(m: number): number {
  const x = (m - hour(7)) / hour(10);
  return x <= 0 || x >= 1 ? 0 : 2600 * Math.sin(Math.PI * x) ** 2;
}

/** G12 tariff: zone 2 (cheap) 13-15 and 22-6 standard time, zone 1 otherwise. */
function tariffZone(m: number): 1 | 2 {
  return (m >= hour(13) && m < hour(15)) || m >= hour(22) || m < hour(6) ? 2 : 1;
}

const WH_PER_W_MINUTE = 1 / 60;

function electricityMeter(base: { importWh: number; exportWh: number; load: (m: number) => number; pv: (m: number) => number }) {
  const net = (m: number) => base.load(m) - base.pv(m);
  const imp = (m: number) => Math.max(0, net(m));
  const exp = (m: number) => Math.max(0, -net(m));
  const profiles = {
    import: new DailyProfile(imp),
    export: new DailyProfile(exp),
    importT1: new DailyProfile((m) => (tariffZone(m) === 1 ? imp(m) : 0)),
    importT2: new DailyProfile((m) => (tariffZone(m) === 2 ? imp(m) : 0)),
  };
  const wh = (p: DailyProfile, start: number) => (t: number) => Math.floor(start + p.integral(t) * WH_PER_W_MINUTE);
  const importT1 = wh(profiles.importT1, base.importWh * 0.34);
  const importT2 = wh(profiles.importT2, base.importWh * 0.66);
  // The total is the sum of the zones, as on a real meter.
  const registers: Register[] = [
    { dif: '0C', vif: '78', value: () => 0 }, // fabrication number, replaced per meter below
    { dif: '0E', vif: '03', value: (t) => importT1(t) + importT2(t) },
    { dif: '8E10', vif: '03', value: importT1 },
    { dif: '8E20', vif: '03', value: importT2 },
    { dif: '0E', vif: '833C', value: wh(profiles.export, base.exportWh) },
    { dif: '8E10', vif: '833C', value: wh(profiles.export, base.exportWh) },
    { dif: '0B', vif: '2B', value: (t) => Math.round(profiles.import.rateAt(t)) },
    { dif: '0B', vif: 'AB3C', value: (t) => Math.round(profiles.export.rateAt(t)) },
    { dif: '0A', vif: 'FDC9FC01', value: (t) => voltage(t, 0) },
    { dif: '0A', vif: 'FDC9FC02', value: (t) => voltage(t, 1) },
    { dif: '0A', vif: 'FDC9FC03', value: (t) => voltage(t, 2) },
  ];
  return registers;
}

function voltage(t: number, phase: number): number {
  const m = t / MINUTE_MS;
  return Math.round(231 + 3 * Math.sin(m / 47 + phase * 2.1) + 2 * Math.sin(m / 5.3 + phase));
}

function waterMeter(startLitres: number, use: (m: number) => number): Register[] {
  const p = new DailyProfile(use);
  return [{ dif: '0C', vif: '13', value: (t) => Math.floor(startLitres + p.integral(t)) }];
}

/** Water use in l/min: showers in the morning, washing up and a bath in the evening. */
function householdWater(m: number): number {
  return 0.05 + 9 * bump(m, hour(6.7), 8) + 6 * bump(m, hour(7.3), 6) + 4 * bump(m, hour(13.2), 10) + 8 * bump(m, hour(20.5), 15);
}

function withFabricationNumber(id: string, registers: Register[]): Register[] {
  return registers.map((r) => (r.vif === '78' ? { ...r, value: () => Number(id) } : r));
}

export const DEMO_METERS: DemoMeter[] = [
  {
    id: '30434741',
    name: 'Electricity (GAMA 350)',
    household: true,
    manufacturer: 'EGM',
    version: 0x01,
    deviceType: 0x02,
    mode: 'T',
    frameFormat: 'A',
    security: 5,
    key: '67348567528326949493388078121677',
    intervalMs: 60_000,
    phaseMs: 1_500,
    rssi: -61,
    registers: withFabricationNumber(
      '30434741',
      electricityMeter({ importWh: 7_064_630, exportWh: 1_873_120, load: householdLoad, pv: pvOutput }),
    ),
  },
  {
    id: '51834620',
    name: 'Cold water',
    household: true,
    manufacturer: 'APA',
    version: 0x05,
    deviceType: 0x16,
    mode: 'C',
    frameFormat: 'B',
    security: 5,
    key: '5A1F0C33D2B84E6F91A07C25E8D3B460',
    intervalMs: 32_000,
    phaseMs: 3_200,
    rssi: -72,
    registers: waterMeter(184_211, householdWater),
  },
  {
    id: '30435002',
    name: "Neighbour's electricity (GAMA 350)",
    household: false,
    manufacturer: 'EGM',
    version: 0x01,
    deviceType: 0x02,
    mode: 'T',
    frameFormat: 'A',
    security: 5,
    key: '0F1E2D3C4B5A69788796A5B4C3D2E1F0',
    intervalMs: 60_000,
    phaseMs: 4_700,
    rssi: -83,
    registers: withFabricationNumber(
      '30435002',
      electricityMeter({ importWh: 12_402_518, exportWh: 0, load: (m) => 1.4 * householdLoad(m + 45), pv: () => 0 }),
    ),
  },
  {
    id: '72104388',
    name: "Neighbour's water (unencrypted)",
    household: false,
    manufacturer: 'DME',
    version: 0x70,
    deviceType: 0x07,
    mode: 'C',
    frameFormat: 'A',
    security: 0,
    intervalMs: 45_000,
    phaseMs: 6_100,
    rssi: -88,
    registers: waterMeter(733_950, (m) => householdWater(m + 30) * 1.2),
  },
  {
    id: '12345678',
    name: 'Gas meter across the street (mode 7)',
    household: false,
    manufacturer: 'ELS',
    version: 0x33,
    deviceType: 0x03,
    mode: 'T',
    frameFormat: 'A',
    security: 7,
    key: '000102030405060708090A0B0C0D0E0F',
    intervalMs: 120_000,
    phaseMs: 8_300,
    rssi: -93,
    registers: waterMeter(2_850_427, (m) => 2 + 10 * bump(m, hour(18), 120)),
  },
];

/** What a meter's telegram carries at time t: its register values by DIF/VIF. */
export function sentValues(meter: DemoMeter, t: number): Array<{ dif: string; vif: string; value: number }> {
  return meter.registers.map((r) => ({ dif: r.dif, vif: r.vif, value: r.value(t) }));
}

/** Times (ms since the epoch) at which a meter sends within [from, to). */
export function sendTimes(meter: DemoMeter, from: number, to: number): number[] {
  const out: number[] = [];
  let n = Math.ceil((from - meter.phaseMs) / meter.intervalMs);
  for (let t = n * meter.intervalMs + meter.phaseMs; t < to; t = ++n * meter.intervalMs + meter.phaseMs) out.push(t);
  return out;
}

/** The frame (with DLL CRCs) a meter sends at t, a multiple of its interval after its phase. */
export function frameAt(meter: DemoMeter, t: number): Uint8Array {
  const seq = Math.round((t - meter.phaseMs) / meter.intervalMs);
  // Register values are raw integers in the units of their VIF (Wh, litres, W, V): sent unscaled.
  const parts = sentValues(meter, t).map((v) => encodeRecord({ ...v, value: BigInt(v.value) }));
  const encrypted = meter.security !== 0;
  const apl = concat(encrypted ? [Uint8Array.of(0x2f, 0x2f), ...parts] : parts);
  const key = meter.key ? Uint8Array.from(Buffer.from(meter.key, 'hex')) : undefined;
  const telegram = buildTelegram({
    manufacturer: meter.manufacturer,
    id: meter.id,
    version: meter.version,
    deviceType: meter.deviceType,
    accessNumber: seq & 0xff,
    apl,
    security:
      meter.security === 5 ? { mode: 5, key: key! } : meter.security === 7 ? { mode: 7, key: key!, counter: seq >>> 0 } : { mode: 0 },
  });
  return addBlockCrcs(meter.frameFormat, telegram);
}

/** Small deterministic RSSI wobble, so the radio page shows live numbers. */
export function rssiAt(meter: DemoMeter, t: number): number {
  return Math.round(meter.rssi + 2 * Math.sin(t / 97_000 + Number(meter.id.slice(-3))));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
