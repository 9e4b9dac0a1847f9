import type { FrameFormat } from '../wmbus/frame/blocks.js';
import type { LinkFrame, RadioMode, RawFrame } from '../wmbus/frame/types.js';

/** A frame as the radio process hands it over: raw bytes after sync, radio metadata, and the decoded link frame. */
export interface RadioFrame extends RawFrame {
  mode: RadioMode;
  frameFormat: FrameFormat;
  /** the frame after 3-of-6 decoding and CRC stripping (the radio already checked it) */
  link: LinkFrame;
}

/** The counters every frame source reports; the gateway needs no more than these. */
export interface RadioCounters {
  syncs: number;
  falseSyncs: number;
  frames: number;
  overflows: number;
  crcFailures: number;
  restarts: number;
  chip?: string;
  state: string;
}

export interface RadioStats extends RadioCounters {
  /** packets given up because the FIFO stopped delivering bytes */
  timeouts: number;
  /** longest time between two FIFO services during a packet, ms (the FIFO lasts 5.12 ms) */
  maxServiceGapMs: number;
  /** fullest the FIFO was seen, bytes of 64 */
  maxFifoLevel: number;
  /** current FSCTRL0 trim in Hz */
  frequencyTrimHz: number;
  /** radio process CPU time since start, ms */
  cpuMs: number;
  uptimeMs: number;
  /** ms the chip has been listening, on the radio's own clock (simulated time for a steady sim) */
  listenedMs: number;
}

/** radio process -> gateway */
export type RadioMessage =
  | { type: 'ready'; chip: string }
  | { type: 'frame'; frame: RadioFrame }
  | { type: 'stats'; stats: RadioStats }
  | { type: 'error'; message: string; fatal: boolean };

/** gateway -> radio process */
export type RadioCommand = { type: 'stats' } | { type: 'stop' };

/** Environment variable carrying the RadioOptions JSON to the radio process. */
export const RADIO_OPTIONS_ENV = 'WMBUS_RADIO_OPTIONS';
