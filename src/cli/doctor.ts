/**
 * `wmbus-gateway doctor`: the command to run when no telegram shows up. It checks the radio step
 * by step (SPI node, addons, chip, read-back, PLL, GDO wiring, RX), listens for a while measuring
 * the noise floor, the telegrams heard and how well the FIFO was serviced, and gives a verdict:
 * exit 0 when the radio can receive, 1 when not. src/radio/diagnosis.ts judges; this measures.
 */
import { constants, accessSync, existsSync, statSync } from 'node:fs';
import { type Clock, realClock } from '../../drivers/clock.js';
import { Cc1101, ChipError } from '../../drivers/cc1101/cc1101.js';
import { REG, T1C1_PROFILE } from '../../drivers/cc1101/registers.js';
import type { GpioLine } from '../../drivers/gpio/line.js';
import { type SpiBus, spidevPath } from '../../drivers/spi/bus.js';
import { ConfigError, type GatewayConfig, loadConfig } from '../config/config.js';
import { DEMO_AIR_MODULE } from '../gateway/demo/demo.js';
import { type DoctorMeasurements, type MeterHeard, diagnose } from '../radio/diagnosis.js';
import { RadioLoop } from '../radio/loop.js';
import type { RadioFrame, RadioOptions } from '../radio/messages.js';
import { requestRealtime } from '../radio/realtime.js';
import { manufacturerAt } from '../wmbus/manufacturer.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError, cliWords } from './io.js';

interface DoctorArgs {
  radio?: 'cc1101' | 'sim';
  seconds: number;
  format: 'text' | 'json';
}

const DEFAULT_SECONDS = 30;
/** The FIFO is polled in synchronous slices of this long, as in the radio process. */
const SLICE_MS = 20;
const POLL_MS = 1;
/** RSSI is sampled this often between packets for the noise floor. */
const NOISE_SAMPLE_MS = 100;
const HEALTH_MS = 1000;

function parseArgs(argv: string[]): DoctorArgs {
  const out: DoctorArgs = { seconds: DEFAULT_SECONDS, format: 'text' };
  for (const { arg, value } of cliWords(argv)) {
    if (arg === '--radio') {
      const v = value();
      if (v !== 'cc1101' && v !== 'sim') throw new UsageError(`--radio must be cc1101 or sim, got '${v}'`);
      out.radio = v;
    } else if (arg === '--seconds') {
      const v = Number(value());
      if (!(v > 0 && v <= 3600)) throw new UsageError('--seconds must be a number of seconds between 0 and 3600');
      out.seconds = v;
    } else if (arg === '--format') {
      const v = value();
      if (v !== 'text' && v !== 'json') throw new UsageError(`--format must be text or json, got '${v}'`);
      out.format = v;
    } else throw new UsageError(`unexpected argument ${arg}`);
  }
  return out;
}

interface Opened {
  bus: SpiBus;
  lineFor: (bcm: number, name: 'GDO0' | 'GDO2') => Promise<GpioLine>;
  close: () => void;
}

async function addonLoads(name: string): Promise<{ name: string; loaded: boolean; error?: string }> {
  try {
    await import(name);
    return { name, loaded: true };
  } catch (err) {
    return { name, loaded: false, error: (err as Error).message.split('\n')[0] };
  }
}

/** The SPI node and addons of a real CC1101; the bus when they are fine. */
async function openCc1101(radio: GatewayConfig['radio'], m: DoctorMeasurements): Promise<Opened | undefined> {
  const address = { bus: radio.spiBus, device: radio.spiDevice, speedHz: radio.spiSpeedHz };
  if (!m.spi.exists) return undefined;
  try {
    const st = statSync(m.spi.device);
    m.spi.access = `mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}:${st.gid}`;
    accessSync(m.spi.device, constants.R_OK | constants.W_OK);
  } catch (err) {
    m.spi.error = `not readable and writable by this user (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  m.addons.push(await addonLoads('spi-device'));
  if (radio.gdo0 !== undefined || radio.gdo2 !== undefined) m.addons.push(await addonLoads('onoff'));
  if (m.spi.error || m.addons.some((a) => !a.loaded && a.name === 'spi-device')) return undefined;
  const { openSpidev } = await import('../../drivers/spi/spidev.js');
  const { openOnoffLine } = await import('../../drivers/gpio/onoff.js');
  const bus = await openSpidev(address);
  const lines: GpioLine[] = [];
  return {
    bus,
    lineFor: async (bcm) => {
      const line = await openOnoffLine(bcm);
      lines.push(line);
      return line;
    },
    close: () => {
      for (const l of lines) l.close();
      bus.close();
    },
  };
}

/** The simulated chip playing the demo neighbourhood on wall-clock time, with WMBUS_SIM_FAULT. */
async function openSim(radio: GatewayConfig['radio'], clock: Clock): Promise<Opened> {
  const options: RadioOptions = {
    radio: 'sim',
    spi: { bus: radio.spiBus, device: radio.spiDevice },
    sim: { airModule: DEMO_AIR_MODULE, airOptions: {}, time: 'real' },
  };
  const { openSimChip } = await import('../radio/sim-radio.js');
  const chip = await openSimChip(options, clock, () => {});
  return { bus: chip, lineFor: async (_bcm, name) => (name === 'GDO0' ? chip.gdo0 : chip.gdo2), close: () => chip.close() };
}

/** Identity, read-back, PLL, GDO wiring and RX, one step at a time so each can be reported. */
async function checkChip(chip: Cc1101, radio: GatewayConfig['radio'], opened: Opened, m: DoctorMeasurements): Promise<void> {
  chip.reset();
  try {
    m.chip = chip.identify();
  } catch (err) {
    if (!(err instanceof ChipError)) throw err;
    m.chipError = { fault: err.fault, message: err.message };
    return;
  }
  try {
    chip.configure(T1C1_PROFILE);
    m.readback = { ok: true };
  } catch (err) {
    if (!(err instanceof ChipError)) throw err;
    m.readback = { ok: false, message: err.message };
    return;
  }
  let locked = false;
  for (let i = 0; i < 3 && !locked; i++) locked = chip.calibrate();
  m.pllLocked = locked;
  for (const [name, bcm, iocfg] of [
    ['GDO0', radio.gdo0, REG.IOCFG0],
    ['GDO2', radio.gdo2, REG.IOCFG2],
  ] as const) {
    if (bcm === undefined) continue;
    try {
      m.gdo.push({ name, bcm, follows: chip.gdoFollows(iocfg, await opened.lineFor(bcm, name)) });
    } catch (err) {
      m.gdo.push({ name, bcm, error: `BCM pin ${bcm} cannot be read: ${(err as Error).message}` });
    }
  }
  if (locked) m.rxReached = chip.rearm();
}

function meterOf(frame: RadioFrame): string {
  const t = frame.link.telegram;
  const id = [t[7], t[6], t[5], t[4]].map((b) => (b ?? 0).toString(16).padStart(2, '0')).join('');
  return `${manufacturerAt(t, 2)}-${id}`;
}

/** Listens for `seconds`, servicing the FIFO as the radio process does, sampling RSSI between packets. */
async function listen(chip: Cc1101, clock: Clock, seconds: number, m: DoctorMeasurements): Promise<void> {
  const meters = new Map<string, MeterHeard>();
  const loop = new RadioLoop(chip, clock, {
    onFrame: (f) => {
      const id = meterOf(f);
      let heard = meters.get(id);
      if (!heard)
        meters.set(id, (heard = { id, mode: f.mode === 'T' ? 'T1' : `C1-${f.frameFormat}`, frames: 0, rssi: [], freqOffsetHz: [] }));
      heard.frames++;
      heard.rssi.push(f.rssi ?? 0);
      heard.freqOffsetHz.push(f.freqOffsetHz ?? 0);
    },
  });
  loop.start();
  const end = clock.now() + seconds * 1000;
  let nextNoise = clock.now();
  let nextHealth = clock.now() + HEALTH_MS;
  while (clock.now() < end) {
    const sliceEnd = Math.min(end, clock.now() + SLICE_MS);
    while (clock.now() < sliceEnd) {
      if (!loop.serviceOnce() && clock.now() >= nextNoise) {
        m.noiseDbm.push(chip.readSignal().rssi);
        nextNoise = clock.now() + NOISE_SAMPLE_MS;
      }
      clock.sleep(POLL_MS);
    }
    if (clock.now() >= nextHealth) {
      loop.checkHealth();
      nextHealth = clock.now() + HEALTH_MS;
    }
    // Let the simulated air (and signals) in between slices.
    await new Promise((r) => setImmediate(r));
  }
  const s = loop.stats;
  Object.assign(m, {
    meters: [...meters.values()],
    syncs: s.syncs,
    falseSyncs: s.falseSyncs,
    crcFailures: s.crcFailures,
    overflows: s.overflows,
    salvaged: s.salvaged,
    timeouts: s.timeouts,
    maxServiceGapMs: s.maxServiceGapMs,
    serviceGapHistogram: s.serviceGapHistogram,
    maxDeafAfterPacketMs: s.maxDeafAfterPacketMs,
    deafAfterPacketHistogram: s.deafAfterPacketHistogram,
    maxFifoLevel: s.maxFifoLevel,
  });
}

export async function measure(radio: 'cc1101' | 'sim', config: GatewayConfig['radio'], seconds: number): Promise<DoctorMeasurements> {
  const device = spidevPath({ bus: config.spiBus, device: config.spiDevice });
  const m: DoctorMeasurements = {
    radio,
    spi: { device, exists: radio === 'sim' || existsSync(device) },
    addons: [],
    gdo: [],
    noiseDbm: [],
    seconds,
    meters: [],
    syncs: 0,
    falseSyncs: 0,
    crcFailures: 0,
    overflows: 0,
    salvaged: 0,
    timeouts: 0,
    maxServiceGapMs: 0,
    serviceGapHistogram: [],
    maxDeafAfterPacketMs: 0,
    deafAfterPacketHistogram: [],
    maxFifoLevel: 0,
    realtime:
      radio === 'cc1101'
        ? requestRealtime()
        : {
            requested: false,
            inEffect: false,
            detail: 'not asked for with the simulated radio (on a CC1101 the radio process asks for SCHED_FIFO)',
          },
  };
  const clock = realClock;
  const opened = radio === 'sim' ? await openSim(config, clock) : await openCc1101(config, m);
  if (!opened) return m;
  try {
    const chip = new Cc1101(opened.bus, clock);
    await checkChip(chip, config, opened, m);
    if (m.rxReached) await listen(chip, clock, seconds, m);
  } finally {
    opened.close();
  }
  return m;
}

const MARKS = { ok: ' ok ', warn: 'WARN', fail: 'FAIL', skip: ' -- ' } as const;

export async function doctorCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`wmbus-gateway doctor: ${err.message}\n`);
    return EXIT_FAILURE;
  }
  const radio = args.radio ?? (config.radio.kind === 'sim' ? 'sim' : 'cc1101');
  if (args.format === 'text')
    io.stderr.write(`doctor: checking the ${radio === 'sim' ? 'simulated ' : ''}radio, then listening for ${args.seconds} s...\n`);
  const m = await measure(radio, config.radio, args.seconds);
  const d = diagnose(m);
  if (args.format === 'json') io.stdout.write(JSON.stringify({ ...d, measurements: m }) + '\n');
  else {
    for (const c of d.checks) io.stdout.write(`[${MARKS[c.status]}] ${c.check}: ${c.detail}\n`);
    io.stdout.write(`verdict: ${d.verdict}\n`);
  }
  return d.usable ? EXIT_OK : EXIT_FAILURE;
}
