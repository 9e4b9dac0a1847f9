import type { Clock } from '../../drivers/clock.js';
import { FrequencyTrim } from '../../drivers/cc1101/afc.js';
import type { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { PacketReceiver } from '../../drivers/cc1101/receiver.js';
import { REG, T1C1_PROFILE } from '../../drivers/cc1101/registers.js';
import { decodeRawFrame } from '../wmbus/frame/decode-raw.js';
import { FRAME_START_BYTES } from '../wmbus/frame/start.js';
import { SERVICE_GAP_BUCKETS_MS } from './diagnosis.js';
import { WmbusFrameLength } from './frame-length.js';
import type { RadioFrame, RadioStats } from './messages.js';

export interface RadioLoopOptions {
  onFrame: (frame: RadioFrame) => void;
  /** move FREQEST's running average into FSCTRL0 */
  afc?: boolean;
  /** starting FSCTRL0 (per-unit trim, two's complement byte) */
  fsctrl0?: number;
  /**
   * test hook: stop servicing for `ms` in the packet with this index (0-based), once its length is
   * known ('length', the default) or before its first byte is read ('sync')
   */
  stallOnPacket?: { index: number; ms: number; at?: 'sync' | 'length' };
  /** called with what a user should know but that does not stop the radio (a clone chip) */
  onWarning?: (message: string) => void;
  /** wall clock for frame times; the loop's clock may be simulated */
  wallNow?: () => number;
}

/**
 * The profile turns autocalibration off so a re-arm is short (registers.ts); the synthesizer is
 * calibrated at start, after a frequency trim and this often between packets, so temperature drift
 * of the VCO cannot pull it off frequency (radio notes §3: "run SCAL periodically"). Each costs
 * 0.7 ms of deafness, once a minute.
 */
export const RECALIBRATE_MS = 60_000;

/**
 * One radio: the chip, its receive loop, wM-Bus framing, counters, the MARCSTATE watchdog,
 * frequency trim and chip restarts. serviceOnce() is called by whatever wakes the process
 * (a poll timer or a GDO2 edge); it returns at once when there is no packet.
 */
export class RadioLoop {
  readonly stats: RadioStats = {
    syncs: 0,
    falseSyncs: 0,
    frames: 0,
    overflows: 0,
    salvaged: 0,
    crcFailures: 0,
    restarts: 0,
    pllUnlocks: 0,
    state: 'starting',
    timeouts: 0,
    maxServiceGapMs: 0,
    maxFifoLevel: 0,
    frequencyTrimHz: 0,
    cpuMs: 0,
    uptimeMs: 0,
    listenedMs: 0,
    serviceGapHistogram: [],
    maxDeafAfterPacketMs: 0,
    deafAfterPacketHistogram: [],
    maxGcPauseMs: 0,
    realtime: false,
  };
  readonly #receiver: PacketReceiver;
  readonly #framing = new WmbusFrameLength();
  readonly #trim: FrequencyTrim;
  #stalledPackets = 0;
  #listeningSince = 0;
  #calibratedAt = 0;
  /** an FSCTRL0 trim waiting for the watchdog to write it between packets */
  #pendingTrim: number | undefined;

  readonly #chip: Cc1101;
  readonly #clock: Clock;
  readonly #options: RadioLoopOptions;
  constructor(chip: Cc1101, clock: Clock, options: RadioLoopOptions) {
    this.#chip = chip;
    this.#clock = clock;
    this.#options = options;
    this.#trim = new FrequencyTrim(options.fsctrl0 ?? T1C1_PROFILE.registers[REG.FSCTRL0]!);
    const stall = options.stallOnPacket;
    const stallHook = stall
      ? () => {
          if (this.#stalledPackets++ === stall.index) clock.sleep(stall.ms);
        }
      : undefined;
    this.#receiver = new PacketReceiver(chip, clock, {
      headBytes: FRAME_START_BYTES,
      packetLength: this.#framing.packetLength,
      bytesPerMs: T1C1_PROFILE.bytesPerMs,
      serviceGapBucketsMs: SERVICE_GAP_BUCKETS_MS,
      onLength: stall?.at === 'sync' ? undefined : stallHook,
      onSync: stall?.at === 'sync' ? stallHook : undefined,
    });
  }

  /** Resets, checks and configures the chip and starts listening. Throws ChipError with the reason. */
  start(): void {
    const id = this.#chip.start(T1C1_PROFILE, this.#trim.fsctrl0);
    const version = `VERSION 0x${id.version.toString(16).padStart(2, '0')}${id.warning ? ', not a TI version' : ''}`;
    this.stats.chip = `CC1101 (PARTNUM 0x${id.partnum.toString(16).padStart(2, '0')}, ${version}) on ${this.#chip.bus.device}`;
    if (id.warning && this.stats.restarts === 0) this.#options.onWarning?.(id.warning);
    this.stats.state = 'listening';
    this.#calibratedAt = this.#clock.now();
    this.#pendingTrim = undefined;
    if (this.stats.restarts === 0) this.#listeningSince = this.#clock.now();
    this.stats.frequencyTrimHz = this.#trim.trimHz;
  }

  /** Serves the chip once; false when the FIFO held nothing. */
  serviceOnce(): boolean {
    const outcome = this.#receiver.serviceOnce();
    if (outcome === 'packet') this.#deliver();
    else if (outcome === 'fault') this.#restart();
    this.#copyCounters();
    return outcome !== 'none';
  }

  /** The MARCSTATE and PLL watchdog, and the periodic calibration; call every second or so. */
  checkHealth(): void {
    let outcome = this.#receiver.checkHealth();
    const due = this.#pendingTrim !== undefined || this.#clock.now() - this.#calibratedAt >= RECALIBRATE_MS;
    if (outcome === 'none' && due) outcome = this.#retune();
    if (outcome === 'pll-unlocked') this.stats.pllUnlocks++;
    if (outcome === 'fault' || outcome === 'pll-unlocked') this.#restart();
    this.#copyCounters();
  }

  /**
   * Writes a pending FSCTRL0 trim (it moves the synthesizer) and calibrates with SCAL, between
   * packets only: never while the FIFO has bytes of one, and not right after a frame, when a
   * telegram sent close behind it may be starting. A calibration without lock is a PLL fault.
   */
  #retune(): 'none' | 'fault' | 'pll-unlocked' {
    const chip = this.#chip;
    if (chip.rxBytes() !== 0) return 'none';
    this.#calibratedAt = this.#clock.now();
    if (!chip.idle()) return 'fault';
    if (this.#pendingTrim !== undefined) {
      chip.writeRegister(REG.FSCTRL0, this.#pendingTrim);
      this.#pendingTrim = undefined;
      this.stats.frequencyTrimHz = this.#trim.trimHz;
    }
    if (!chip.calibrate()) return 'pll-unlocked';
    return chip.rearm() ? 'none' : 'fault';
  }

  #deliver(): void {
    const r = this.#receiver;
    const raw = r.packet.slice(0, r.packetLength);
    const signal = r.signal;
    const wallNow = this.#options.wallNow?.() ?? Date.now();
    const time = Math.round(wallNow - (this.#clock.now() - r.syncTime));
    const result = decodeRawFrame({ raw, rssi: signal.rssi, lqi: signal.lqi, freqOffsetHz: signal.freqOffsetHz, time });
    if (!result.ok) {
      this.stats.crcFailures++;
      return;
    }
    const link = result.frame;
    this.stats.frames++;
    this.#options.onFrame({
      raw,
      rssi: signal.rssi,
      lqi: signal.lqi,
      freqOffsetHz: signal.freqOffsetHz,
      time,
      mode: link.mode,
      frameFormat: link.frameFormat,
      link,
    });
    // FREQEST is relative to the trim in the chip: none is taken while a new one waits to be written.
    if (this.#options.afc && this.#pendingTrim === undefined) this.#pendingTrim = this.#trim.observe(signal.freqOffsetHz);
  }

  /** Full chip restart after a fault; a chip that does not come back throws (the process exits). */
  #restart(): void {
    this.stats.restarts++;
    this.stats.state = 'restarting';
    this.start();
  }

  #copyCounters(): void {
    const c = this.#receiver.counters;
    const s = this.stats;
    s.syncs = c.syncs;
    s.falseSyncs = c.falseSyncs;
    s.overflows = c.overflows;
    s.salvaged = c.salvaged;
    s.timeouts = c.timeouts;
    s.maxServiceGapMs = c.maxServiceGapMs;
    s.maxFifoLevel = c.maxFifoLevel;
    s.serviceGapHistogram = c.serviceGapHistogram;
    s.maxDeafAfterPacketMs = c.maxDeafAfterPacketMs;
    s.deafAfterPacketHistogram = c.deafAfterPacketHistogram;
    s.listenedMs = this.#clock.now() - this.#listeningSince;
  }
}
