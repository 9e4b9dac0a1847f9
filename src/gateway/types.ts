/**
 * The gateway's public shapes: what the web page, the JSON API, MQTT and Prometheus read.
 * Add fields freely; rename none.
 */
import type { ErrorCode, MbusRecord } from '../wmbus/types.js';
import type { FrameFormat } from '../wmbus/frame/blocks.js';
import type { RadioMode } from '../wmbus/frame/types.js';
import type { Deltas } from './history.js';
import type { RadioCounters } from '../radio/messages.js';

/** ok: readings arrive; waiting: claimed, nothing heard yet; the others carry a message to show. */
export type MeterState = 'waiting' | 'ok' | 'wrong_key' | 'no_key' | 'replay' | 'error';

export interface MeterStatus {
  state: MeterState;
  /** what the user should do, e.g. "the key of meter 30434741 does not decrypt its telegrams: ..." */
  message?: string;
  /** ms since the epoch when this state began */
  since: number;
}

/** One accepted telegram of a claimed meter, decoded. */
export interface Reading {
  meterId: string;
  /** ms since the epoch, reception time */
  time: number;
  manufacturer: string;
  medium: string;
  deviceType: number;
  version: number;
  /** the decoder's friendly fields: energy_import_kwh, power_import_w, voltage_l1_v, volume_m3, ... */
  fields: Record<string, number | string>;
  /** monotonic registers in kWh or m3: energy_import, energy_export, energy_import_t1, volume, ... */
  counters: Record<string, number>;
  /** instantaneous values in W, V, A: power_import, power_export, voltage_l1, current_l2, ... */
  instant: Record<string, number>;
  rssi?: number;
  mode?: RadioMode;
  frameFormat?: FrameFormat;
  accessNumber?: number;
  securityMode: number;
  /** all decoded records; present on live readings, absent on readings loaded from the store */
  records?: MbusRecord[];
}

/** A claimed meter as every API shows it. Never holds the key. */
export interface MeterView {
  id: string;
  name: string;
  /** ms since the epoch */
  claimedAt: number;
  hasKey: boolean;
  status: MeterStatus;
  manufacturer?: string;
  medium?: string;
  deviceType?: number;
  version?: number;
  /** accepted telegrams since the meter was claimed */
  telegrams: number;
  lastSeen?: number;
  rssi?: number;
}

/** A meter heard but not claimed: enough for a user to recognise theirs. */
export interface NearbyMeter {
  id: string;
  manufacturer: string;
  medium: string;
  deviceType?: number;
  version?: number;
  encrypted: boolean;
  rssi?: number;
  mode?: RadioMode;
  firstSeen: number;
  lastSeen: number;
  telegrams: number;
}

/** An hour or a day of counter deltas. */
export interface HistoryBucket {
  /** ms since the epoch of the local start (a 23- or 25-hour day at DST changes) */
  start: number;
  end: number;
  /** local start with its offset, e.g. 2025-10-26T00:00:00+02:00 */
  local: string;
  /** register -> delta (kWh for energy, m3 for volume); registers without change are absent */
  deltas: Deltas;
  /** the bucket is still collecting */
  partial: boolean;
}

export interface SamplePoint {
  /** start of the sample interval, ms since the epoch */
  t: number;
  /** averages over the interval: power_import (W), voltage_l1 (V), ... */
  values: Record<string, number>;
}

/** Counters of the radio process (the RadioSupervisor's 'stats' event). */
export type { RadioCounters };

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

export type MeterChange =
  | { change: 'claimed' | 'renamed' | 'key' | 'status'; id: string; meter: MeterView }
  | { change: 'removed'; id: string };

export type NearbyChange = { change: 'heard'; id: string; nearby: NearbyMeter } | { change: 'removed'; id: string };
