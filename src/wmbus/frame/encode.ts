import { crc16En13757 } from '../crc.js';
import { encode3of6 } from '../phy/three-of-six.js';
import { type FrameFormat, MAX_BLOCKS, blockLayout, formatBLengthFor } from './blocks.js';
import { C_MARKER, C_MARKER_BYTES, C_MARKER_FORMAT_A, C_MARKER_FORMAT_B } from './start.js';
import type { RadioMode } from './types.js';

/**
 * What a sender puts on air: DLL block CRCs, the 3-of-6 chips of mode T and the C-mode marker.
 * Used by the simulated air and by tests; the receive path never calls it.
 */

export { encode3of6 };

/** Longest link-layer telegram (L first, no CRCs) that format B can carry: L on air is at most 255. */
export const MAX_TELEGRAM_FORMAT_B = 252;

/**
 * Insert the block CRCs into `telegram` (L first, no CRCs). The inverse of stripBlockCrcs: format A
 * keeps L = length - 1, format B sets L to count the CRCs too.
 * Throws RangeError for a telegram that the format cannot carry (a sender bug, not a radio fault).
 */
export function addBlockCrcs(format: FrameFormat, telegram: Uint8Array): Uint8Array {
  const n = telegram.length;
  if (n < 11 || n > 256) throw new RangeError(`a telegram has 11 to 256 bytes (L=10..255), got ${n}`);
  if (format === 'B' && n > MAX_TELEGRAM_FORMAT_B) {
    throw new RangeError(`format B carries at most ${MAX_TELEGRAM_FORMAT_B} bytes, got ${n}`);
  }
  const l = format === 'A' ? n - 1 : formatBLengthFor(n);
  const layout = new Int32Array(2 * MAX_BLOCKS);
  const blocks = blockLayout(format, l, layout);
  const out = new Uint8Array(n + 2 * blocks);
  let src = 0;
  for (let b = 0; b < blocks; b++) {
    const start = layout[2 * b]!;
    const end = layout[2 * b + 1]!;
    out.set(telegram.subarray(src, src + end - start), start);
    src += end - start;
    if (b === 0) out[0] = l;
    const crc = crc16En13757(out, start, end);
    out[end] = crc >>> 8;
    out[end + 1] = crc & 0xff;
  }
  return out;
}

/** What follows the 16-bit 0x543D sync word on air for a frame with its CRCs. */
export function onAirAfterSync(mode: RadioMode, format: FrameFormat, frameWithCrcs: Uint8Array): Uint8Array {
  if (mode === 'T') {
    if (format !== 'A') throw new RangeError('mode T always uses frame format A');
    return encode3of6(frameWithCrcs);
  }
  const out = new Uint8Array(C_MARKER_BYTES + frameWithCrcs.length);
  out[0] = C_MARKER;
  out[1] = format === 'A' ? C_MARKER_FORMAT_A : C_MARKER_FORMAT_B;
  out.set(frameWithCrcs, C_MARKER_BYTES);
  return out;
}
