/**
 * What the gateway reports about itself and its radio: counters, health, the live telegram log.
 */
import type { ErrorCode } from '../wmbus/types.js';

/** The counters every frame source reports (the RadioSupervisor's 'stats' event); the gateway needs no more than these. */
export interface RadioCounters {
  syncs: number;
  falseSyncs: number;
  frames: number;
  overflows: number;
  crcFailures: number;
  restarts: number;
  chip?: string;
  state: string;
  /** The CC1101 radio process reports these too (src/radio/messages.ts RadioStats says what each is). */
  salvaged?: number;
  pllUnlocks?: number;
  maxServiceGapMs?: number;
  serviceGapHistogram?: number[];
  maxDeafAfterPacketMs?: number;
  deafAfterPacketHistogram?: number[];
  maxGcPauseMs?: number;
  realtime?: boolean;
}

/** Counters of the gateway itself since start. */
export interface GatewayCounters {
  /** frames handed over by the source */
  frames: number;
  /** frames the frame core rejected (3-of-6, CRC, length) */
  frameErrors: number;
  /** telegrams decoded and accepted for a claimed meter */
  readings: number;
  /** repeated copies of a telegram already counted */
  duplicates: number;
  /** mode 7 telegrams whose message counter did not grow */
  replays: number;
  /** telegrams the decoder refused, by error code */
  decodeErrors: Partial<Record<ErrorCode, number>>;
  /** frames in the last 60 s */
  framesPerMinute: number;
  lastFrameAt?: number;
}

export interface RadioStatsView {
  /** absent when no radio process runs (tests, replays) */
  radio?: RadioCounters;
  gateway: GatewayCounters;
  /** latest RSSI per meter id (claimed and nearby), dBm */
  rssi: Record<string, number>;
}

export interface Health {
  ok: boolean;
  uptimeS: number;
  lastFrameAt?: number;
  radioState?: string;
  lastFlushAt?: number;
  /** message of the last failed store write; cleared by the next good one */
  storeError?: string;
}

/** One frame as it arrived, for a live log ('telegram' event). */
export interface TelegramEvent {
  time: number;
  id?: string;
  manufacturer?: string;
  rssi?: number;
  /** accepted: a reading; nearby: an unclaimed meter; the others: why it was not used */
  outcome: 'accepted' | 'nearby' | 'duplicate' | 'replay' | 'frame_error' | 'decode_error';
  error?: { code: string; message: string };
  /** link-layer bytes (without CRCs) as hex, when the frame core accepted the frame */
  hex?: string;
}
