/**
 * The heard-nearby list: unclaimed meters heard, kept in the store's state (so the page shows them
 * after a restart), bounded to NEARBY_LIMIT, each named once in the log while it stays listed.
 */
import type { GatewayStore } from '../store/store.js';
import type { TimedFrame } from './intake.js';
import type { Logger } from '../model/log.js';
import type { NearbyChange, NearbyMeter } from '../model/meter.js';

export const NEARBY_LIMIT = 500;

export interface HeardHeader {
  manufacturer: string;
  medium: string;
  deviceType?: number | undefined;
  version?: number | undefined;
}

export class NearbyList {
  readonly #store: GatewayStore;
  readonly #log: Logger;
  readonly #emit: (change: NearbyChange) => void;
  // The last telegram of each nearby meter, so a claim shows a reading at once.
  readonly #lastHeard = new Map<string, TimedFrame>();
  // Nearby meters already named in the log; one leaves with its entry, so the set stays bounded.
  readonly #announced = new Set<string>();

  constructor(store: GatewayStore, log: Logger, emit: (change: NearbyChange) => void) {
    this.#store = store;
    this.#log = log;
    this.#emit = emit;
  }

  /** Unclaimed meters heard, most recent first. */
  list(): NearbyMeter[] {
    return Object.values(this.#store.state.nearby)
      .map((n) => ({ ...n }))
      .sort((a, b) => b.lastSeen - a.lastSeen);
  }

  get(id: string): NearbyMeter | undefined {
    return this.#store.state.nearby[id];
  }

  /** The last telegram heard from a listed meter. */
  lastFrame(id: string): TimedFrame | undefined {
    return this.#lastHeard.get(id);
  }

  heard(id: string, header: HeardHeader, encrypted: boolean, frame: TimedFrame): void {
    const nearby = this.#store.state.nearby;
    const prev = nearby[id];
    const entry: NearbyMeter = {
      id,
      manufacturer: header.manufacturer,
      medium: header.medium,
      encrypted,
      mode: frame.mode,
      firstSeen: prev?.firstSeen ?? frame.time,
      lastSeen: frame.time,
      telegrams: (prev?.telegrams ?? 0) + 1,
    };
    if (header.deviceType !== undefined) entry.deviceType = header.deviceType;
    if (header.version !== undefined) entry.version = header.version;
    if (frame.rssi !== undefined) entry.rssi = frame.rssi;
    // Room is made before the newcomer goes in, so it is never the one forgotten.
    if (!prev && Object.keys(nearby).length >= NEARBY_LIMIT) this.forget(oldestNearby(nearby));
    nearby[id] = entry;
    this.#lastHeard.set(id, frame);
    this.#store.touch();
    if (!this.#announced.has(id)) {
      this.#announced.add(id);
      const rssi = entry.rssi !== undefined ? `, ${entry.rssi} dBm` : '';
      const what = `${entry.manufacturer} ${entry.medium}, ${encrypted ? 'encrypted' : 'not encrypted'}${rssi}`;
      this.#log.info(`heard meter ${id} nearby (${what}): claim it to read it`);
    }
    this.#emit({ change: 'heard', id, nearby: { ...entry } });
  }

  forget(id: string): void {
    if (!this.#store.state.nearby[id]) return;
    delete this.#store.state.nearby[id];
    this.#lastHeard.delete(id);
    this.#announced.delete(id);
    this.#store.touch();
    this.#emit({ change: 'removed', id });
  }

  /** Forgets the meters last heard before `before`. */
  expire(before: number): void {
    for (const n of Object.values(this.#store.state.nearby)) if (n.lastSeen < before) this.forget(n.id);
  }
}

function oldestNearby(nearby: Record<string, NearbyMeter>): string {
  let oldest: NearbyMeter | undefined;
  for (const n of Object.values(nearby)) if (!oldest || n.lastSeen < oldest.lastSeen) oldest = n;
  return oldest!.id;
}
