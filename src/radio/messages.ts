import type { ChipErrorOptions, NoiseOptions } from '../../drivers/cc1101/sim/ether.js';
import type { FrameFormat } from '../wmbus/frame/blocks.js';
import type { LinkFrame, RadioMode, RawFrame } from '../wmbus/frame/types.js';
import type { RadioCounters } from '../model/status.js';

/** A frame as the radio process hands it over: raw bytes after sync, radio metadata, and the decoded link frame. */
export interface RadioFrame extends RawFrame {
  mode: RadioMode;
  frameFormat: FrameFormat;
  /** the frame after 3-of-6 decoding and CRC stripping (the radio already checked it) */
  link: LinkFrame;
}

export interface RadioStats extends RadioCounters {
  /** frames read whole from a FIFO that overflowed after their last byte (they are in `frames` too) */
  salvaged: number;
  /** times the watchdog found the PLL out of lock (FSCAL1 = 0x3F) and restarted the chip */
  pllUnlocks: number;
  /** packets given up because the FIFO stopped delivering bytes */
  timeouts: number;
  /** longest time between two FIFO services during a packet, ms (the FIFO lasts 5.12 ms) */
  maxServiceGapMs: number;
  /** fullest the FIFO was seen, bytes of 64 */
  maxFifoLevel: number;
  /** service gaps during packets per bucket: <=0.5, 1, 2, 3, 4, 5.12 ms and longer (diagnosis.ts) */
  serviceGapHistogram: number[];
  /** longest time from a packet's end on air until the chip listened again, ms: a telegram starting sooner was not heard */
  maxDeafAfterPacketMs: number;
  /** those times per bucket, as serviceGapHistogram */
  deafAfterPacketHistogram: number[];
  /** longest garbage-collection pause of the radio process, ms (perf_hooks) */
  maxGcPauseMs: number;
  /** the radio process runs under SCHED_FIFO */
  realtime: boolean;
  /** current FSCTRL0 trim in Hz */
  frequencyTrimHz: number;
  /** radio process CPU time since start, ms */
  cpuMs: number;
  uptimeMs: number;
  /** ms the chip has been listening, on the radio's own clock (simulated time for a steady sim) */
  listenedMs: number;
}

/**
 * Faults the simulated hardware can have, so that every check of `doctor` and every recovery path
 * is tested: no chip on the bus, a clone chip (VERSION 0x17), GDO2 not wired to its GPIO, a PLL
 * that never locks.
 */
export const SIM_FAULTS = ['absent', 'clone', 'gdo2-unwired', 'pll-unlocked'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];
/** Environment variable that injects a SimFault into the simulated chip (a test hook). */
export const SIM_FAULT_ENV = 'WMBUS_SIM_FAULT';

export interface SimOptions {
  /** JSON lines of Transmissions */
  scenarioFile?: string;
  /** ES module exporting createAir(options): AsyncIterable<Transmission> | Iterable<Transmission> */
  airModule?: string;
  airOptions?: unknown;
  /** false syncs found in noise */
  noise?: NoiseOptions;
  /** chips (on-air bits after sync) received inverted at this rate: the frame core's repair and the CRCs get work */
  chipErrors?: ChipErrorOptions;
  /** no chip on the bus: every read gives 0xFF */
  absent?: boolean;
  /** a fault of the simulated hardware; WMBUS_SIM_FAULT sets it too (a test hook) */
  fault?: SimFault;
  /**
   * 'real' (default): the chip runs on wall time, so stalls of this machine cost telegrams as on
   * a Pi. 'steady': time moves only while the radio loop sleeps (and SPI transfers take their
   * modelled time), so results depend on the driver alone: tests use it.
   */
  time?: 'real' | 'steady';
  /** steady time only: simulated ms per real ms (default 1; a large value runs minutes in seconds) */
  speed?: number;
  /**
   * test hook: the radio process stops servicing the FIFO for `ms` in the packet with this index,
   * once its length is known ('length', the default) or before its first byte is read ('sync')
   */
  stallOnPacket?: { index: number; ms: number; at?: 'sync' | 'length' };
}

export interface RadioOptions {
  radio: 'cc1101' | 'sim';
  spi?: { bus: number; device: number; speedHz?: number };
  /** BCM numbers; absent -> poll over SPI (a steady-time simulation always polls) */
  pins?: { gdo0?: number; gdo2?: number };
  sim?: SimOptions;
  /** move the average FREQEST into FSCTRL0 */
  afc?: boolean;
  /** per-unit frequency trim, FSCTRL0 steps of 1587 Hz (-128..127) */
  fsctrl0?: number;
  /** ask for SCHED_FIFO (chrt); default: on for a CC1101, off for the simulator */
  realtime?: boolean;
  /** sysfs GPIO root, for tests */
  sysfsGpioRoot?: string;
}

/** radio process -> gateway */
export type RadioMessage =
  | { type: 'ready'; chip: string }
  | { type: 'warning'; message: string }
  | { type: 'frame'; frame: RadioFrame }
  | { type: 'stats'; stats: RadioStats }
  | { type: 'error'; message: string; fatal: boolean };

/** gateway -> radio process */
export type RadioCommand = { type: 'stats' } | { type: 'stop' };

/** Environment variable carrying the RadioOptions JSON to the radio process. */
export const RADIO_OPTIONS_ENV = 'WMBUS_RADIO_OPTIONS';
