import { decodeRawFrame } from '../../../src/wmbus/frame/decode-raw.js';
import type { RadioMode } from '../../../src/wmbus/frame/types.js';
import type { FrameFormat } from '../../../src/wmbus/frame/blocks.js';
import { KINDS, frameOnAir, maxL, prng, randomTelegram } from '../../support/random-air.js';

/**
 * One share of the sensitivity experiment: frames with random content and correct CRCs, each chip
 * (T) or bit (C) after the sync flipped with probability `flipRate`, decoded with and without
 * repair. Only damaged frames count. Runs in a worker thread too (see sensitivity.test.ts).
 */

export interface SensitivityCounts {
  kind: string;
  damaged: number;
  /** decoded and equal to what was sent, repair off */
  recoveredWithoutRepair: number;
  /** decoded and equal to what was sent, repair on */
  recoveredWithRepair: number;
  /** frames with corrected > 0 */
  repaired: number;
  /** repaired frames that differ from what was sent: must stay 0 */
  wrongRepaired: number;
  /** frames that passed every CRC unrepaired yet differ from what was sent (the CRC's own blind spots) */
  wrongUnrepaired: number;
}

interface Pooled {
  kind: string;
  telegram: Uint8Array;
  onAir: Uint8Array;
}

const POOL = 1024;
// Bytes of noise after each frame, so that a frame whose L was hit is read to its wrong length,
// as a receiver would.
const TAIL = 440;

export function runSensitivity(seed: number, damagedFrames: number, flipRate: number): SensitivityCounts[] {
  const random = prng(seed);
  const pool: Pooled[] = [];
  for (let i = 0; i < POOL; i++) {
    const { mode, frameFormat }: { mode: RadioMode; frameFormat: FrameFormat } = KINDS[i % KINDS.length]!;
    const l = 10 + Math.floor(random() * (maxL(frameFormat) - 9));
    const telegram = randomTelegram(l, random);
    pool.push({ kind: `${mode}/${frameFormat}`, telegram, onAir: frameOnAir(mode, frameFormat, telegram) });
  }
  const counts = new Map<string, SensitivityCounts>();
  for (const p of pool) {
    if (!counts.has(p.kind)) {
      counts.set(p.kind, {
        kind: p.kind,
        damaged: 0,
        recoveredWithoutRepair: 0,
        recoveredWithRepair: 0,
        repaired: 0,
        wrongRepaired: 0,
        wrongUnrepaired: 0,
      });
    }
  }
  const work = new Uint8Array(435 + TAIL);
  const logKeep = Math.log(1 - flipRate);
  let done = 0;
  while (done < damagedFrames) {
    const p = pool[Math.floor(random() * POOL)]!;
    const bits = 8 * p.onAir.length;
    // geometric gaps between flips: cost per frame follows the flips, not the bits
    let at = Math.floor(Math.log(1 - random()) / logKeep);
    if (at >= bits) continue;
    const length = p.onAir.length + TAIL;
    work.set(p.onAir);
    for (let i = p.onAir.length; i < length; i++) work[i] = (random() * 256) | 0;
    while (at < bits) {
      work[at >> 3]! ^= 0x80 >> (at & 7);
      at += 1 + Math.floor(Math.log(1 - random()) / logKeep);
    }
    done++;
    const c = counts.get(p.kind)!;
    c.damaged++;
    const raw = work.subarray(0, length);
    const plain = decodeRawFrame({ raw }, { repair: false });
    if (plain.ok && same(plain.frame.telegram, p.telegram)) c.recoveredWithoutRepair++;
    const result = decodeRawFrame({ raw }, { repair: true });
    if (!result.ok) continue;
    const right = same(result.frame.telegram, p.telegram);
    if (right) c.recoveredWithRepair++;
    if (result.frame.corrected > 0) {
      c.repaired++;
      if (!right) c.wrongRepaired++;
    } else if (!right) c.wrongUnrepaired++;
  }
  return [...counts.values()];
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
