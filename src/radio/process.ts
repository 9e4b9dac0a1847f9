/**
 * The radio process: owns SPI (and GPIO), runs the receive loop, reports over IPC. Forked by
 * RadioSupervisor with the options in an environment variable. Its event loop does nothing but
 * this, so nothing the gateway does can delay the FIFO.
 */
import os from 'node:os';
import { type Clock, SteadyClock, realClock } from '../../drivers/clock.js';
import { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { SimCc1101 } from '../../drivers/cc1101/sim/chip.js';
import type { GpioLine } from '../../drivers/gpio/line.js';
import { openOnoffLine } from '../../drivers/gpio/onoff.js';
import { DEFAULT_SPI_ADDRESS, type SpiBus } from '../../drivers/spi/bus.js';
import { openSpidev } from '../../drivers/spi/spidev.js';
import { RadioLoop } from './loop.js';
import { RADIO_OPTIONS_ENV, type RadioCommand, type RadioMessage } from './messages.js';
import { buildEther } from './sim-air.js';
import type { RadioOptions } from './supervisor.js';

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

/** spidev ioctl overhead per message and 9 clocks per byte at 5 MHz (radio notes §7; to be measured on a Pi) */
const SPIDEV_COST = { messageMs: 0.1, byteMs: 9 / 5_000 };

function send(message: RadioMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

interface Hardware {
  bus: SpiBus;
  gdo2?: GpioLine;
  lines: GpioLine[];
}

async function openHardware(options: RadioOptions, clock: Clock, fail: (err: Error) => void): Promise<Hardware> {
  if (options.radio === 'sim') {
    const sim = options.sim ?? {};
    const ether = await buildEther(sim, clock, fail);
    const chip = new SimCc1101({
      clock,
      ether,
      absent: sim.absent,
      device: `/dev/spidev${options.spi?.bus ?? 0}.${options.spi?.device ?? 0} (simulated CC1101)`,
      // On wall time the transfers take what they take; steady time has to be told.
      spiCost: sim.time === 'steady' ? SPIDEV_COST : undefined,
    });
    // Steady time moves only while the loop sleeps in its polls, so it cannot wait for an edge.
    const gdo2 = options.pins?.gdo2 !== undefined && sim.time !== 'steady' ? chip.gdo2 : undefined;
    return { bus: chip, gdo2, lines: [] };
  }
  const bus = await openSpidev(options.spi ?? DEFAULT_SPI_ADDRESS);
  const lines: GpioLine[] = [];
  let gdo2: GpioLine | undefined;
  if (options.pins?.gdo2 !== undefined) {
    gdo2 = await openOnoffLine(options.pins.gdo2, { sysfsRoot: options.sysfsGpioRoot });
    lines.push(gdo2);
  }
  return { bus, gdo2, lines };
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
  const fatal = async (err: Error) => {
    await send({ type: 'error', message: err.message, fatal: true });
    process.exit(1);
  };
  const hw = await openHardware(options, clock, (err) => void fatal(err));
  const loop = new RadioLoop(new Cc1101(hw.bus, clock), clock, {
    onFrame: (frame) => void send({ type: 'frame', frame }),
    afc: options.afc,
    fsctrl0: options.fsctrl0,
    stallOnPacket: options.sim?.stallOnPacket,
  });
  loop.start();
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
  if (hw.gdo2) {
    backstop = setInterval(service, BACKSTOP_POLL_MS);
    hw.gdo2.watch((level) => {
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
    for (const line of hw.lines) line.close();
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
  await stats();
}

main().catch(async (err: Error) => {
  await send({ type: 'error', message: err.message, fatal: true });
  process.exit(1);
});
