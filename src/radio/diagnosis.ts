/**
 * `doctor`'s judgement, apart from its measuring: what was measured on the radio goes in, one line
 * per check and a verdict come out. Pure, so every verdict is tested without hardware.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckLine {
  check: string;
  status: CheckStatus;
  detail: string;
}

export interface Diagnosis {
  checks: CheckLine[];
  /** the radio can receive (warnings allowed): doctor exits 0 */
  usable: boolean;
  verdict: string;
}

export interface MeterHeard {
  id: string;
  mode: string;
  frames: number;
  /** dBm of each frame */
  rssi: number[];
  /** Hz of each frame (FREQEST) */
  freqOffsetHz: number[];
}

export interface DoctorMeasurements {
  radio: 'cc1101' | 'sim';
  spi: { device: string; exists: boolean; access?: string; error?: string };
  /** native addons the radio needs, and whether they loaded into this Node.js */
  addons: { name: string; loaded: boolean; error?: string }[];
  /** PARTNUM/VERSION and the clone warning; or why no chip was accepted */
  chip?: { partnum: number; version: number; warning?: string };
  chipError?: { fault: string; message: string };
  /** the whole register profile written and read back unchanged */
  readback?: { ok: boolean; message?: string };
  pllLocked?: boolean;
  gdo: { name: string; bcm: number; follows?: boolean; error?: string }[];
  rxReached?: boolean;
  /** RSSI samples between packets, dBm */
  noiseDbm: number[];
  seconds: number;
  meters: MeterHeard[];
  syncs: number;
  falseSyncs: number;
  crcFailures: number;
  overflows: number;
  salvaged: number;
  timeouts: number;
  maxServiceGapMs: number;
  /** service gaps during packets, counted per bucket of SERVICE_GAP_BUCKETS_MS */
  serviceGapHistogram: number[];
  /** longest time from a telegram's end until the chip listened again, ms */
  maxDeafAfterPacketMs: number;
  /** those times, counted per bucket of SERVICE_GAP_BUCKETS_MS */
  deafAfterPacketHistogram: number[];
  maxFifoLevel: number;
  realtime: { requested: boolean; inEffect: boolean; detail: string };
}

/** Upper bounds (ms) of the service-gap histogram buckets; the last bucket takes everything longer. */
export const SERVICE_GAP_BUCKETS_MS: readonly number[] = [0.5, 1, 2, 3, 4, 5.12, Infinity];

/** A noise floor above this (median) drowns weak meters: the CC1101 hears down to about -105 dBm. */
const NOISY_DBM = -95;
/** Service gaps above this leave no margin: the FIFO fills in 5.12 ms (4.57 ms at +12 %). */
const TIGHT_GAP_MS = 4;
/** A chip deaf longer than this after a telegram misses the next one of a pair sent 3 ms apart. */
const LONG_DEAF_MS = 3;

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function histogramText(counts: readonly number[]): string {
  const parts: string[] = [];
  let from = 0;
  SERVICE_GAP_BUCKETS_MS.forEach((to, i) => {
    const label = Number.isFinite(to) ? `${from}-${to} ms` : `>${from} ms`;
    parts.push(`${label}: ${counts[i] ?? 0}`);
    from = to;
  });
  return parts.join(', ');
}

/** Turns the measurements into check lines and a verdict. */
export function diagnose(m: DoctorMeasurements): Diagnosis {
  const checks: CheckLine[] = [];
  const add = (check: string, status: CheckStatus, detail: string) => checks.push({ check, status, detail });

  if (m.radio === 'sim') add('SPI device', 'ok', `${m.spi.device} (simulated)`);
  else if (!m.spi.exists) {
    add(
      'SPI device',
      'fail',
      `${m.spi.device} does not exist: enable SPI (dtparam=spi=on in config.txt, or raspi-config > Interface Options > SPI) and reboot`,
    );
  } else if (m.spi.error) add('SPI device', 'fail', `${m.spi.device}: ${m.spi.error} (run as root, or add the user to the spi group)`);
  else add('SPI device', 'ok', `${m.spi.device}${m.spi.access ? ` (${m.spi.access})` : ''}`);

  for (const a of m.addons) {
    if (a.loaded) add(`addon ${a.name}`, 'ok', `loads into Node.js ${process.versions.node}`);
    else add(`addon ${a.name}`, 'fail', `${a.error ?? 'does not load'} (npm rebuild ${a.name} in the gateway's folder)`);
  }

  if (m.chipError) {
    const wiring = m.chipError.fault === 'absent' ? ' Check the wiring (3.3 V, GND, MOSI, MISO, SCLK, CSn) and that SPI is enabled.' : '';
    add('chip identity', 'fail', m.chipError.message + wiring);
  } else if (m.chip) {
    const id = `PARTNUM ${hex2(m.chip.partnum)}, VERSION ${hex2(m.chip.version)}`;
    add('chip identity', m.chip.warning ? 'warn' : 'ok', m.chip.warning ? `${id}: ${m.chip.warning}` : `CC1101, ${id}`);
  } else add('chip identity', 'skip', 'not checked: the SPI device or addon is missing');

  if (m.readback)
    add(
      'register read-back',
      m.readback.ok ? 'ok' : 'fail',
      m.readback.ok ? 'all 47 configuration registers kept' : (m.readback.message ?? 'registers not kept'),
    );
  else add('register read-back', 'skip', 'not checked: no chip');

  if (m.pllLocked === undefined) add('PLL lock', 'skip', 'not checked: no chip');
  else if (m.pllLocked) add('PLL lock', 'ok', 'the synthesizer locks on 868.95 MHz (FSCAL1 is not 0x3F)');
  else
    add(
      'PLL lock',
      'fail',
      'the PLL does not lock (FSCAL1 0x3F after calibration): the chip cannot hear; check its supply and crystal, or try another module',
    );

  if (m.gdo.length === 0) add('GDO wiring', 'skip', 'no GDO pins configured (WMBUS_GDO0/WMBUS_GDO2): the radio polls over SPI');
  for (const g of m.gdo) {
    if (g.follows === undefined) add(`${g.name} wiring`, 'skip', g.error ?? `BCM pin ${g.bcm} not checked: no chip`);
    else if (g.follows) add(`${g.name} wiring`, 'ok', `BCM pin ${g.bcm} follows ${g.name}`);
    else {
      add(
        `${g.name} wiring`,
        'warn',
        `BCM pin ${g.bcm} does not follow ${g.name}: check the wire from the module's ${g.name} to BCM ${g.bcm}` +
          (g.name === 'GDO2' ? '; the radio polls over SPI instead, which loses more telegrams on a busy Pi' : ''),
      );
    }
  }

  if (m.rxReached === undefined) add('RX state', 'skip', 'not checked: no chip');
  else add('RX state', m.rxReached ? 'ok' : 'fail', m.rxReached ? 'the chip reached RX (MARCSTATE 0x0D)' : 'the chip did not reach RX');

  const listened = m.rxReached === true;
  if (!listened) add('noise floor', 'skip', 'not measured: the chip is not listening');
  else if (m.noiseDbm.length === 0) add('noise floor', 'skip', 'no RSSI sample taken');
  else {
    const floor = median(m.noiseDbm);
    const range = `RSSI min ${Math.min(...m.noiseDbm)} / median ${floor} / max ${Math.max(...m.noiseDbm)} dBm over ${m.noiseDbm.length} samples`;
    if (floor > NOISY_DBM) {
      add(
        'noise floor',
        'warn',
        `${range}: high; move the antenna away from the Pi, USB 3 ports and power supplies, and use an 868 MHz antenna`,
      );
    } else add('noise floor', 'ok', range);
  }

  if (listened) {
    const frames = m.meters.reduce((n, x) => n + x.frames, 0);
    if (frames === 0) {
      add(
        'telegrams',
        'warn',
        `none heard in ${m.seconds} s (${m.syncs} syncs): meters send every 8 s to 15 min; run longer (--seconds 600)`,
      );
    } else {
      const each = m.meters.map((x) => {
        const offset = median(x.freqOffsetHz);
        return `${x.id} ${x.mode} x${x.frames} RSSI ${median(x.rssi)} dBm offset ${(offset / 1000).toFixed(1)} kHz`;
      });
      add('telegrams', 'ok', `${frames} from ${m.meters.length} meter(s) in ${m.seconds} s: ${each.join('; ')}`);
      const far = m.meters.filter((x) => Math.abs(median(x.freqOffsetHz)) > 40_000);
      if (far.length > 0)
        add('frequency offset', 'warn', `${far.map((x) => x.id).join(', ')} more than 40 kHz off: set fsctrl0 or turn on afc`);
    }
    const lost = m.overflows + m.timeouts;
    add(
      'service gaps',
      m.maxServiceGapMs > TIGHT_GAP_MS ? 'warn' : 'ok',
      `longest ${m.maxServiceGapMs.toFixed(2)} ms (the FIFO lasts 5.12 ms); ${histogramText(m.serviceGapHistogram)}`,
    );
    add(
      'deaf after telegrams',
      m.maxDeafAfterPacketMs > LONG_DEAF_MS ? 'warn' : 'ok',
      `longest ${m.maxDeafAfterPacketMs.toFixed(2)} ms from a telegram's end until listening again ` +
        `(a telegram starting sooner is not heard); ${histogramText(m.deafAfterPacketHistogram)}`,
    );
    add('FIFO level', m.maxFifoLevel >= 64 ? 'warn' : 'ok', `fullest ${m.maxFifoLevel} of 64 bytes`);
    add(
      'overflows',
      lost > 0 ? 'warn' : 'ok',
      `${m.overflows} telegram(s) lost to FIFO overflow, ${m.salvaged} read whole after one, ${m.timeouts} timed out; ` +
        `${m.crcFailures} CRC failures, ${m.falseSyncs} false syncs`,
    );
  }

  if (!m.realtime.requested) add('real-time scheduling', 'skip', m.realtime.detail);
  else add('real-time scheduling', m.realtime.inEffect ? 'ok' : 'warn', m.realtime.detail);

  const failed = checks.filter((c) => c.status === 'fail');
  const warned = checks.filter((c) => c.status === 'warn');
  const usable = failed.length === 0;
  const verdict = !usable
    ? `the radio is not usable: ${failed.map((c) => c.check).join(', ')}`
    : warned.length > 0
      ? `the radio is usable, with warnings: ${warned.map((c) => c.check).join(', ')}`
      : 'the radio is usable';
  return { checks, usable, verdict };
}
