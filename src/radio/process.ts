/**
 * The radio process: owns SPI (and GPIO), runs the receive loop, reports over IPC. Forked by
 * RadioSupervisor with the options in an environment variable. Its event loop does nothing but
 * this, so nothing the gateway does can delay the FIFO.
 */
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { type Clock, SteadyClock, realClock } from '../../drivers/clock.js';
import { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { REG } from '../../drivers/cc1101/registers.js';
import type { GpioLine } from '../../drivers/gpio/line.js';
import { openOnoffLine } from '../../drivers/gpio/onoff.js';
import { DEFAULT_SPI_ADDRESS, type SpiBus } from '../../drivers/spi/bus.js';
import { openSpidev } from '../../drivers/spi/spidev.js';
import { RadioLoop } from './loop.js';
import { RADIO_OPTIONS_ENV, type RadioCommand, type RadioMessage, type RadioOptions } from './messages.js';
import { requestRealtime } from './realtime.js';

/** Without a GDO2 line the FIFO is polled this often when no packet is coming in. */
const IDLE_POLL_MS = 1;
/**
 * Polls run in synchronous slices of this many ms between event-loop turns: a 1 ms timer fires
 * anywhere between 1 and several ms late, which eats the FIFO's 5 ms on a busy machine.
 */
const POLL_SLICE_MS = 20;
/** With GDO2 the poll is only a safety net: onoff drops edges whose level changed back. */
const BACKSTOP_POLL_MS = 50;
/** How long a GDO2 edge keeps looking for the packet's first bytes (they need 80 µs each). */
const EDGE_WAIT_MS = 3;
const HEALTH_MS = 1000;

function send(message: RadioMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** A GDO pin the configuration names, with the line that reads it. */
interface GdoPin {
  name: 'GDO0' | 'GDO2';
  bcm: number;
  iocfg: number;
  line: GpioLine;
}

interface Hardware {
  bus: SpiBus;
  pins: GdoPin[];
  /** whether the GDO2 line may be watched for edges (a steady-time simulation must poll) */
  watchable: boolean;
}

async function openHardware(options: RadioOptions, clock: Clock, fail: (err: Error) => void): Promise<Hardware> {
  const wanted = [
    { name: 'GDO0', bcm: options.pins?.gdo0, iocfg: REG.IOCFG0 },
    { name: 'GDO2', bcm: options.pins?.gdo2, iocfg: REG.IOCFG2 },
  ] as const;
  if (options.radio === 'sim') {
    const { openSimChip } = await import('./sim-radio.js');
    const chip = await openSimChip(options, clock, fail);
    const pins = wanted.flatMap((p) =>
      p.bcm === undefined ? [] : [{ ...p, bcm: p.bcm, line: p.name === 'GDO0' ? chip.gdo0 : chip.gdo2 }],
    );
    // Steady time moves only while the loop sleeps in its polls, so it cannot wait for an edge.
    return { bus: chip, pins, watchable: options.sim?.time !== 'steady' };
  }
  const bus = await openSpidev(options.spi ?? DEFAULT_SPI_ADDRESS);
  const pins: GdoPin[] = [];
  for (const p of wanted) {
    if (p.bcm !== undefined) pins.push({ ...p, bcm: p.bcm, line: await openOnoffLine(p.bcm, { sysfsRoot: options.sysfsGpioRoot }) });
  }
  return { bus, pins, watchable: true };
}

/**
 * The wiring self-test: each configured GDO pin is driven high and low by the chip and must show
 * on its GPIO. Returns the GDO2 line when it can be trusted for wake-ups; otherwise the radio polls.
 */
function checkGdoWiring(chip: Cc1101, pins: GdoPin[], report: (message: RadioMessage) => void): GpioLine | undefined {
  let gdo2: GpioLine | undefined;
  for (const pin of pins) {
    if (chip.gdoFollows(pin.iocfg, pin.line)) {
      if (pin.name === 'GDO2') gdo2 = pin.line;
      continue;
    }
    const setting = pin.name === 'GDO2' ? 'WMBUS_GDO2' : 'WMBUS_GDO0';
    report({
      type: 'error',
      fatal: false,
      message:
        `${pin.name} is not wired to BCM pin ${pin.bcm} (${pin.line.name}): the CC1101 drove ${pin.name} high and low and the pin did not follow. ` +
        `Check the wire from the module's ${pin.name} to BCM ${pin.bcm}, or set ${setting} to the pin it is on (or unset it)`,
    });
    if (pin.name === 'GDO2') {
      report({
        type: 'warning',
        message: 'no usable GDO2 line: polling the CC1101 over SPI instead (more CPU; more telegrams lost on a busy Pi)',
      });
    }
  }
  return gdo2;
}

/** Best effort: a higher scheduling priority shortens the stalls that cost telegrams (needs root or CAP_SYS_NICE). */
function raisePriority(): void {
  try {
    os.setPriority(-10);
  } catch {
    // an unprivileged gateway runs at normal priority; the README says how to grant it
  }
}

async function main(): Promise<void> {
  const json = process.env[RADIO_OPTIONS_ENV];
  if (!json || !process.send) {
    process.stderr.write('the radio process is started by the gateway (RadioSupervisor), not by hand\n');
    process.exit(2);
  }
  const options = JSON.parse(json) as RadioOptions;
  const steady = options.radio === 'sim' && options.sim?.time === 'steady';
  const clock: Clock = steady ? new SteadyClock(options.sim?.speed ?? 1) : realClock;
  raisePriority();
  const scheduling = (options.realtime ?? options.radio === 'cc1101') ? requestRealtime() : undefined;
  const fatal = async (err: Error) => {
    await send({ type: 'error', message: err.message, fatal: true });
    process.exit(1);
  };
  const hw = await openHardware(options, clock, (err) => void fatal(err));
  // Told after 'ready': the supervisor passes on only what a radio that started says.
  const afterReady: RadioMessage[] = [];
  const chip = new Cc1101(hw.bus, clock);
  const loop = new RadioLoop(chip, clock, {
    onFrame: (frame) => void send({ type: 'frame', frame }),
    afc: options.afc,
    fsctrl0: options.fsctrl0,
    stallOnPacket: options.sim?.stallOnPacket,
    onWarning: (message) => afterReady.push({ type: 'warning', message }),
  });
  loop.start();
  loop.stats.realtime = scheduling?.inEffect ?? false;
  if (scheduling && !scheduling.inEffect) afterReady.push({ type: 'warning', message: `real-time scheduling ${scheduling.detail}` });
  // A GC pause is a stall like any other; the longest is reported with the counters.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.duration > loop.stats.maxGcPauseMs) loop.stats.maxGcPauseMs = entry.duration;
  }).observe({ entryTypes: ['gc'] });
  const wired = checkGdoWiring(chip, hw.pins, (m) => afterReady.push(m));
  const gdo2 = hw.watchable ? wired : undefined;
  const started = Date.now();
  const stats = () => {
    const cpu = process.cpuUsage();
    loop.stats.cpuMs = (cpu.user + cpu.system) / 1000;
    loop.stats.uptimeMs = Date.now() - started;
    return send({ type: 'stats', stats: loop.stats });
  };
  const guarded = (fn: () => void) => () => {
    try {
      fn();
    } catch (err) {
      void fatal(err as Error);
    }
  };
  let stopped = false;
  const service = guarded(() => loop.serviceOnce());
  // GDO2 rises at the sync word, but the first byte reaches the FIFO about 80 µs later: an edge
  // callback that comes sooner would find it empty and leave the packet to the slow backstop poll,
  // by which time the FIFO has overflowed. So an edge polls briefly until the packet shows.
  const serviceAfterEdge = guarded(() => {
    const end = performance.now() + EDGE_WAIT_MS;
    while (!stopped && !loop.serviceOnce() && performance.now() < end) clock.sleep(IDLE_POLL_MS);
  });
  const pollSlice = guarded(() => {
    if (stopped) return;
    const end = performance.now() + POLL_SLICE_MS;
    do {
      loop.serviceOnce();
      clock.sleep(IDLE_POLL_MS);
    } while (performance.now() < end);
    if (!stopped) setImmediate(pollSlice);
  });
  let backstop: NodeJS.Timeout | undefined;
  if (gdo2) {
    backstop = setInterval(service, BACKSTOP_POLL_MS);
    gdo2.watch((level) => {
      if (level) serviceAfterEdge();
    });
  } else {
    setImmediate(pollSlice);
  }
  const health = setInterval(
    guarded(() => {
      loop.checkHealth();
      void stats();
    }),
    HEALTH_MS,
  );
  const shutdown = async () => {
    // 'stop' and then 'disconnect' both ask for this; the bus must be closed once.
    if (stopped) return;
    stopped = true;
    clearInterval(backstop);
    clearInterval(health);
    for (const pin of hw.pins) pin.line.close();
    hw.bus.close();
    await stats();
    process.exit(0);
  };
  process.on('message', (command: RadioCommand) => {
    if (command.type === 'stats') void stats();
    else if (command.type === 'stop') void shutdown();
  });
  process.on('disconnect', () => void shutdown());
  await send({ type: 'ready', chip: loop.stats.chip ?? 'CC1101' });
  for (const message of afterReady) await send(message);
  await stats();
}

main().catch(async (err: Error) => {
  await send({ type: 'error', message: err.message, fatal: true });
  process.exit(1);
});
