/**
 * The store's own documents: the checkpoint (state.json) and what it holds per meter. Kept apart
 * from store.ts so the format converters can read the shape without importing the store.
 */
import type { SeriesState } from '../model/history.js';
import type { MeterView, NearbyMeter } from '../model/meter.js';
import type { Reading } from '../model/reading.js';

/** A claimed meter as the store keeps it: what every API shows, plus what only the gateway needs. */
export interface StoredMeter extends Omit<MeterView, 'hasKey'> {
  /** last accepted mode 7 message counter: a telegram must exceed it */
  lastCounter?: number;
  latest?: Reading;
}

export interface StateDoc {
  format: number;
  savedAt: number;
  /** the last journal line this checkpoint includes */
  journalSeq: number;
  meters: Record<string, StoredMeter>;
  nearby: Record<string, NearbyMeter>;
  series: Record<string, SeriesState>;
}
