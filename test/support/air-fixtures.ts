import { writeFile } from 'node:fs/promises';
import { seededRandom } from '../../drivers/cc1101/sim/ether.js';
import type { Transmission } from '../../src/radio/sim-air.js';
import { MAX_TELEGRAM_FORMAT_B, addBlockCrcs } from '../../src/wmbus/frame/encode.js';
import { referenceExamples, wmbusmetersVectors } from '../conformance/shared-files.js';
import { hex, toHex } from './bytes.js';

/** Link-layer telegrams (L first, no CRCs) from the shared conformance files. */
// RADIO.md §10: a real T1 telegram (zibous/ha-watermeter#34), without CRCs, and its raw bytes after sync.
export const T1_TELEGRAM = '1944A511780729640717A211500013A95EB19EC3D8C629AFD5C0';
export const T1_RAW = '36571C99934D4EC5933A569C5933538F4CAC98E34D65659634B9A56728CD972D0BC6CD1A3A59A9C59D163B1D1A';

/** T1_TELEGRAM sent in T1 at `atMs`. */
export function t1Transmission(atMs: number, extra: Partial<Transmission> = {}): Transmission {
  return { atMs, mode: 'T', frameHex: toHex(addBlockCrcs('A', hex(T1_TELEGRAM))), ...extra };
}

export function conformanceTelegrams(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const { telegram_hex } of [...wmbusmetersVectors(), ...referenceExamples()]) {
    if (!telegram_hex) continue;
    const bytes = hex(telegram_hex);
    if (bytes[0] === bytes.length - 1) out.push(bytes);
  }
  return out;
}

/** A telegram of exactly `length` bytes: a real header with its payload cut or padded. */
export function telegramOfLength(header: Uint8Array, length: number, fill: number): Uint8Array {
  const t = new Uint8Array(length);
  t.set(header.subarray(0, Math.min(header.length, length)));
  for (let i = header.length; i < length; i++) t[i] = (fill + i * 37) & 0xff;
  t[0] = length - 1;
  return t;
}

export interface PlannedAir {
  transmissions: Transmission[];
  /** the link-layer telegram (hex, no CRCs) each transmission carries, in air order */
  telegrams: string[];
  /** ms from the first preamble to the end of the last frame */
  durationMs: number;
}

const BYTE_MS = 0.08;
/** preamble + sync before the first byte after sync */
const LEAD_MS = 0.48;

/** ms from a frame's first preamble chip to its last byte on air */
export function airMs(mode: 'T' | 'C', withCrcs: Uint8Array): number {
  const after = mode === 'T' ? Math.ceil(withCrcs.length * 1.5) : withCrcs.length + 2;
  return LEAD_MS + after * BYTE_MS;
}

/**
 * `count` telegrams of the three kinds (T1, C1 frame A, C1 frame B) and many lengths, with gaps
 * of 3-8 ms, and every 25th slot a pair of 191-byte T1 frames 3 ms apart.
 */
export function plannedAir(count: number, seed: number): PlannedAir {
  const random = seededRandom(seed);
  const pool = conformanceTelegrams();
  const long = pool.find((t) => t.length === 191) ?? telegramOfLength(pool[0]!, 191, 7);
  const transmissions: Transmission[] = [];
  const telegrams: string[] = [];
  let at = 5;
  const put = (mode: 'T' | 'C', frameFormat: 'A' | 'B', telegram: Uint8Array, gapMs: number) => {
    const withCrcs = addBlockCrcs(frameFormat, telegram);
    transmissions.push({
      atMs: Math.round(at * 1000) / 1000,
      mode,
      frameFormat,
      frameHex: toHex(withCrcs),
      rssi: -55 - Math.round(random() * 40),
      freqOffsetHz: Math.round((random() - 0.5) * 40_000),
    });
    telegrams.push(toHex(telegram));
    at += airMs(mode, withCrcs) + gapMs;
  };
  while (transmissions.length < count) {
    if (transmissions.length % 25 === 24 && transmissions.length + 2 <= count) {
      put('T', 'A', long, 3);
      put('T', 'A', long, 3 + random() * 5);
      continue;
    }
    const telegram = pool[Math.floor(random() * pool.length)]!;
    const kind = Math.floor(random() * 3);
    const [mode, format] = kind === 0 ? (['T', 'A'] as const) : kind === 1 ? (['C', 'A'] as const) : (['C', 'B'] as const);
    put(mode, format, telegram, 3 + random() * 5);
  }
  return { transmissions, telegrams, durationMs: at };
}

export async function writeScenario(file: string, transmissions: Transmission[]): Promise<void> {
  await writeFile(file, transmissions.map((t) => JSON.stringify(t)).join('\n') + '\n');
}

export interface RandomAir extends PlannedAir {
  /** index in `transmissions` of the frames sent with broken CRCs (no receiver may deliver them) */
  corrupted: Set<number>;
}

/**
 * Air no scenario file holds: `seconds` of T1 and C1 (frame A and B) telegrams in random order, of
 * random L fields 10..255 (real headers, payload filled; format B up to what it carries), RSSI -105..-45 dBm, carrier error
 * up to ±15 kHz, gaps of `minGapMs` to 4 × that between the end of one frame and the next preamble,
 * and about 1 in `corruptEvery` frames with three data bits flipped after the CRCs were made.
 */
export function randomAir(seed: number, seconds: number, minGapMs = 3, corruptEvery = 25): RandomAir {
  const random = seededRandom(seed);
  const pool = conformanceTelegrams();
  const transmissions: Transmission[] = [];
  const telegrams: string[] = [];
  const corrupted = new Set<number>();
  let at = 5;
  while (at < seconds * 1000) {
    const kind = Math.floor(random() * 3);
    const [mode, format] = kind === 0 ? (['T', 'A'] as const) : kind === 1 ? (['C', 'A'] as const) : (['C', 'B'] as const);
    const maxLength = format === 'B' ? MAX_TELEGRAM_FORMAT_B : 256;
    const telegram = telegramOfLength(pool[Math.floor(random() * pool.length)]!, 11 + Math.floor(random() * (maxLength - 10)), seed);
    const withCrcs = addBlockCrcs(format, telegram);
    if (random() * corruptEvery < 1) {
      corrupted.add(transmissions.length);
      // three bits in data bytes after the L field: more than a one-bit repair may mend
      for (let i = 0; i < 3; i++) withCrcs[1 + Math.floor(random() * 8)]! ^= 1 << i;
    }
    transmissions.push({
      atMs: Math.round(at * 1000) / 1000,
      mode,
      frameFormat: format,
      frameHex: toHex(withCrcs),
      rssi: -105 + Math.round(random() * 60),
      freqOffsetHz: Math.round((random() - 0.5) * 30_000),
    });
    telegrams.push(toHex(telegram));
    at += airMs(mode, withCrcs) + minGapMs * (1 + 3 * random());
  }
  return { transmissions, telegrams, durationMs: at, corrupted };
}
