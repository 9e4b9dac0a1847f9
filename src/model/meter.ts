/**
 * Claimed and nearby meters as the web page, the JSON API, MQTT and Prometheus show them.
 * Add fields freely; rename none.
 */
import type { RadioMode } from '../wmbus/frame/types.js';

/** ok: readings arrive; waiting: claimed, nothing heard yet; the others carry a message to show. */
export type MeterState = 'waiting' | 'ok' | 'wrong_key' | 'no_key' | 'replay' | 'error';

export interface MeterStatus {
  state: MeterState;
  /** what the user should do, e.g. "the key of meter 30434741 does not decrypt its telegrams: ..." */
  message?: string;
  /** ms since the epoch when this state began */
  since: number;
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

export type MeterChange =
  { change: 'claimed' | 'renamed' | 'key' | 'status'; id: string; meter: MeterView } | { change: 'removed'; id: string };

export type NearbyChange = { change: 'heard'; id: string; nearby: NearbyMeter } | { change: 'removed'; id: string };
