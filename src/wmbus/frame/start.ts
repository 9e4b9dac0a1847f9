import { BYTE_OF_CHIPS, chipBytesFor } from '../phy/three-of-six.js';
import { type FrameFormat, formatAOnAirLength, formatBOnAirLength } from './blocks.js';
import type { FrameRejectReason, RadioMode } from './types.js';

/**
 * Classify a frame from the first raw bytes after the 16-bit 0x543D sync word and say how many raw
 * bytes make the whole frame, so a receiver knows when to stop reading (RADIO.md §2.3, §6 step 3).
 */

export interface FrameStart {
  mode: RadioMode;
  frameFormat: FrameFormat;
  /** raw bytes after the sync word that make the whole frame (C mode: including the 54 CD / 54 3D marker) */
  rawLength: number;
  /** bytes of the frame itself (L to the last CRC), after 3-of-6 decoding and without the C-mode marker */
  frameLength: number;
}

export type FrameStartResult = { ok: true; start: FrameStart } | { ok: false; reason: FrameRejectReason; message: string };

/** Raw bytes after sync needed to classify and compute the length. */
export const FRAME_START_BYTES = 3;

/** The second half of the 32-bit C-mode sync word: 0x54CD announces frame A, 0x543D frame B. */
export const C_MARKER = 0x54;
export const C_MARKER_FORMAT_A = 0xcd;
export const C_MARKER_FORMAT_B = 0x3d;
/** Bytes of the C-mode marker at the start of the raw bytes. */
export const C_MARKER_BYTES = 2;

/** A wM-Bus frame always carries L C M A (10 bytes) and a CI field: L >= 10. */
export const MIN_L_FORMAT_A = 10;
export const MIN_L_FORMAT_B = 12;
// L = 128 in format B would put the first CRC at the very end with no room for block 3's CRC.
const IMPOSSIBLE_L_FORMAT_B = 128;

// False syncs on noise are the common case; their results are shared constants so that rejecting
// noise allocates nothing.
const NOT_3OF6: FrameStartResult = Object.freeze({
  ok: false,
  reason: 'NOT_3OF6',
  message: 'the bytes after the sync word are neither a C-mode marker (54 CD / 54 3D) nor valid 3-of-6 symbols',
});
const TOO_SHORT: FrameStartResult = Object.freeze({
  ok: false,
  reason: 'TRUNCATED',
  message: `need ${FRAME_START_BYTES} bytes after the sync word to classify a frame`,
});

function lengthReject(mode: RadioMode, format: FrameFormat, l: number): FrameStartResult {
  return { ok: false, reason: 'LENGTH', message: `${mode} mode frame ${format} cannot have L=${l}` };
}

export function frameStart(head: Uint8Array): FrameStartResult {
  if (head.length < FRAME_START_BYTES) return TOO_SHORT;
  const b0 = head[0]!;
  const b1 = head[1]!;
  const b2 = head[2]!;
  // 0x54 = 010101 00... can never start a T frame: 010101 is not a 3-of-6 code word.
  if (b0 === C_MARKER) {
    if (b1 === C_MARKER_FORMAT_A) {
      if (b2 < MIN_L_FORMAT_A) return lengthReject('C', 'A', b2);
      return ok('C', 'A', C_MARKER_BYTES + formatAOnAirLength(b2), formatAOnAirLength(b2));
    }
    if (b1 === C_MARKER_FORMAT_B) {
      if (b2 < MIN_L_FORMAT_B || b2 === IMPOSSIBLE_L_FORMAT_B) return lengthReject('C', 'B', b2);
      return ok('C', 'B', C_MARKER_BYTES + formatBOnAirLength(b2), formatBOnAirLength(b2));
    }
    return NOT_3OF6;
  }
  const word = (b0 << 16) | (b1 << 8) | b2;
  const l = BYTE_OF_CHIPS[word >>> 12]!;
  // The C field is decoded too: a false sync must show 4 valid symbols, not 2, before a receiver
  // spends up to 435 bytes of airtime on it.
  if (l < 0 || BYTE_OF_CHIPS[word & 0xfff]! < 0) return NOT_3OF6;
  if (l < MIN_L_FORMAT_A) return lengthReject('T', 'A', l);
  return ok('T', 'A', chipBytesFor(formatAOnAirLength(l)), formatAOnAirLength(l));
}

function ok(mode: RadioMode, frameFormat: FrameFormat, rawLength: number, frameLength: number): FrameStartResult {
  return { ok: true, start: { mode, frameFormat, rawLength, frameLength } };
}
