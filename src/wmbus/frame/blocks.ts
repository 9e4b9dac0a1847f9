import { crc16En13757 } from '../crc.js';
import { uninitialisedBytes } from '../bytes.js';

/**
 * DLL block CRCs of frame formats A and B (EN 13757-4): check every block and strip the CRCs.
 * The result is the link-layer frame as the decoder wants it: L first, CRCs gone, L = length - 1.
 */

export type FrameFormat = 'A' | 'B';

export type BlockCheck = { ok: true; frame: Uint8Array } | { ok: false; reason: 'TRUNCATED' | 'CRC'; block: number; message: string };

const FIRST_BLOCK_A = 10;
const BLOCK_A = 16;
const FIRST_BLOCK_B = 126;

/** Bytes on air (from L to the last CRC) of a format A frame with length field L. */
export function formatAOnAirLength(l: number): number {
  const rest = Math.max(0, l - 9);
  return 1 + l + 2 + 2 * Math.ceil(rest / BLOCK_A);
}

/** Bytes on air of a format B frame: L counts everything after itself, CRCs included. */
export function formatBOnAirLength(l: number): number {
  return 1 + l;
}

export function onAirLength(format: FrameFormat, l: number): number {
  return format === 'A' ? formatAOnAirLength(l) : formatBOnAirLength(l);
}

function crcAt(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

/** Most blocks a frame can have: format A with L = 255 has 1 + ceil(246 / 16) = 17. */
export const MAX_BLOCKS = 17;

const MIN_L: Record<FrameFormat, number> = { A: 9, B: 12 };
// Reused by every call: the core is synchronous, so no two calls share it at once.
const scratchLayout = new Int32Array(2 * MAX_BLOCKS);

/** The block a user reads about: format B's first CRC covers what format A calls blocks 1 and 2. */
function blockName(format: FrameFormat, index: number): string {
  if (format === 'A') return `block ${index + 1}`;
  return index === 0 ? 'block 1+2' : 'block 3';
}

function blockCrcHolds(bytes: Uint8Array, start: number, crcPos: number): boolean {
  return crc16En13757(bytes, start, crcPos) === crcAt(bytes, crcPos);
}

/**
 * True when every block CRC of a `format` frame holds (what stripBlockCrcs would accept). Checks
 * the last block first: it is the shorter one, so a frame that has no CRCs at all is turned down
 * after the fewest bytes.
 */
export function blockCrcsHold(format: FrameFormat, bytes: Uint8Array): boolean {
  const l = bytes[0] ?? 0;
  if (l < MIN_L[format] || bytes.length < onAirLength(format, l)) return false;
  const layout = scratchLayout;
  for (let b = blockLayout(format, l, layout) - 1; b >= 0; b--) {
    const start = layout[2 * b]!;
    const crcPos = layout[2 * b + 1]!;
    if (crcPos <= start || !blockCrcHolds(bytes, start, crcPos)) return false;
  }
  return true;
}

/**
 * Verify and strip the block CRCs of a frame in `format`; `bytes` starts at L and holds at least
 * the whole frame. Rewrites L to count the bytes that remain (a no-op for format A).
 */
export function stripBlockCrcs(format: FrameFormat, bytes: Uint8Array): BlockCheck {
  const l = bytes[0] ?? 0;
  if (l < MIN_L[format]) {
    return { ok: false, reason: 'TRUNCATED', block: 0, message: `L=${l} is too short for a format ${format} frame` };
  }
  const total = onAirLength(format, l);
  if (bytes.length < total) {
    return { ok: false, reason: 'TRUNCATED', block: 0, message: `frame ${format} with L=${l} needs ${total} bytes, got ${bytes.length}` };
  }
  const layout = scratchLayout;
  const blocks = blockLayout(format, l, layout);
  let dataLength = 0;
  for (let b = 0; b < blocks; b++) {
    const start = layout[2 * b]!;
    const crcPos = layout[2 * b + 1]!;
    if (crcPos <= start) {
      return { ok: false, reason: 'TRUNCATED', block: b, message: `L=${l} leaves ${blockName(format, b)} empty` };
    }
    if (!blockCrcHolds(bytes, start, crcPos)) {
      return { ok: false, reason: 'CRC', block: b, message: `${blockName(format, b)} CRC mismatch` };
    }
    dataLength += crcPos - start;
  }
  const out = uninitialisedBytes(dataLength);
  let dst = 0;
  for (let b = 0; b < blocks; b++) {
    out.set(bytes.subarray(layout[2 * b]!, layout[2 * b + 1]!), dst);
    dst += layout[2 * b + 1]! - layout[2 * b]!;
  }
  out[0] = dataLength - 1;
  return { ok: true, frame: out };
}

/**
 * Where the blocks of an on-air frame with length field `l` lie: writes `[start, crcAt]` pairs
 * (data bytes [start, crcAt), CRC bytes crcAt and crcAt + 1) into `out` (2 * MAX_BLOCKS long) and
 * returns the number of blocks. Senders and frame repair walk the same blocks the strip functions check.
 */
export function blockLayout(format: FrameFormat, l: number, out: Int32Array): number {
  if (format === 'B') {
    const total = formatBOnAirLength(l);
    const firstEnd = Math.min(total - 2, FIRST_BLOCK_B);
    out[0] = 0;
    out[1] = firstEnd;
    if (firstEnd + 2 >= total) return 1;
    out[2] = firstEnd + 2;
    out[3] = total - 2;
    return 2;
  }
  const dataEnd = l + 1;
  out[0] = 0;
  out[1] = FIRST_BLOCK_A;
  let blocks = 1;
  let dst = FIRST_BLOCK_A;
  let src = FIRST_BLOCK_A + 2;
  while (dst < dataEnd) {
    const n = Math.min(BLOCK_A, dataEnd - dst);
    out[2 * blocks] = src;
    out[2 * blocks + 1] = src + n;
    blocks++;
    src += n + 2;
    dst += n;
  }
  return blocks;
}

/** On-air L of a format B frame that carries a `telegramLength`-byte telegram (L first, no CRCs). */
export function formatBLengthFor(telegramLength: number): number {
  return telegramLength <= FIRST_BLOCK_B ? telegramLength + 1 : telegramLength + 3;
}
