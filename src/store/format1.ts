/**
 * Format 1 of the store, before the journal: state.json (with the samples of the current hour)
 * rewritten whole at every flush, hourly.json (hours and samples) and daily.json rewritten whole
 * whenever a row closed. A data folder in that format is converted once on start: the rows go
 * into the history files, the state becomes a format 2 checkpoint, and the old files are removed
 * only after both are on disk (a power cut during the conversion makes the next start do it again;
 * rows appended twice are harmless, the later copy wins).
 */
import path from 'node:path';
import type { HistoryRow, SampleRow, SeriesState } from '../model/history.js';
import { DurableJsonFile } from './durable-file.js';
import type { RowArchive } from './row-archive.js';
import type { StateDoc } from './state-doc.js';

export const FORMAT_1_FILES = ['hourly.json', 'hourly.json.prev', 'daily.json', 'daily.json.prev'];

interface Format1State extends Omit<StateDoc, 'format' | 'journalSeq' | 'series'> {
  format: 1;
  series: Record<string, SeriesState & { recentSamples?: SampleRow[] }>;
}

interface Format1Hourly {
  hourly: Record<string, HistoryRow[]>;
  samples: Record<string, SampleRow[]>;
}

interface Format1Daily {
  daily: Record<string, HistoryRow[]>;
}

export interface Archives {
  hourly: RowArchive<HistoryRow>;
  daily: RowArchive<HistoryRow>;
  samples: RowArchive<SampleRow>;
  warn: (message: string) => void;
}

export function isFormat1(data: unknown): data is Format1State {
  return typeof data === 'object' && data !== null && (data as { format?: unknown }).format === 1;
}

/**
 * Moves format 1 history into the archives (written before returning) and returns the state as a
 * format 2 checkpoint to write; undefined when the folder holds nothing of format 1.
 */
export async function convertFormat1(dir: string, state: StateDoc | Format1State, a: Archives): Promise<StateDoc | undefined> {
  const hourly = await readFormat1<Format1Hourly>(path.join(dir, 'hourly.json'), ['hourly', 'samples'], a.warn);
  const daily = await readFormat1<Format1Daily>(path.join(dir, 'daily.json'), ['daily'], a.warn);
  if (!isFormat1(state) && !hourly && !daily) return undefined;
  for (const [id, rows] of Object.entries(daily?.daily ?? {})) a.daily.add(id, rows);
  for (const [id, rows] of Object.entries(hourly?.hourly ?? {})) a.hourly.add(id, rows);
  for (const [id, rows] of Object.entries(hourly?.samples ?? {})) a.samples.add(id, rows);
  const series: StateDoc['series'] = {};
  for (const [id, s] of Object.entries(state.series)) {
    const { recentSamples, ...rest } = s as SeriesState & { recentSamples?: SampleRow[] };
    if (recentSamples) a.samples.add(id, recentSamples);
    series[id] = rest;
  }
  await a.daily.write();
  await a.hourly.write();
  await a.samples.write();
  return { ...state, format: 2, journalSeq: isFormat1(state) ? 0 : state.journalSeq, series };
}

async function readFormat1<T>(file: string, maps: string[], warn: (message: string) => void): Promise<T | null> {
  return new DurableJsonFile<T>(file, {
    warn,
    validate: (data) => {
      if (!isFormat1(data)) return 'not a format 1 history file';
      for (const m of maps) if (typeof (data as unknown as Record<string, unknown>)[m] !== 'object') return `"${m}" missing`;
      return undefined;
    },
  }).read();
}
