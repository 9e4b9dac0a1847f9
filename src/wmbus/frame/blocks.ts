import { crc16En13757 } from '../crc.js';

/**
 * DLL block CRCs of frame formats A and B (EN 13757-4): check every block and strip the CRCs.
 * The result is the link-layer frame as the decoder wants it: L first, CRCs gone, L = length - 1.
 */

export type FrameFormat = 'A' | 'B';

export type BlockCheck =
  | { ok: true; frame: Uint8Array }
  | { ok: false; reason: 'TRUNCATED' | 'CRC'; block: number; message: string };

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

/** Verify and strip format A CRCs. `bytes` starts at L and holds at least the whole frame. */
export function stripFormatA(bytes: Uint8Array): BlockCheck {
  if (bytes.length < 12) return { ok: false, reason: 'TRUNCATED', block: 0, message: 'shorter than the first block' };
  const l = bytes[0]!;
  if (l < 9) return { ok: false, reason: 'TRUNCATED', block: 0, message: `L=${l} is shorter than a link header` };
  const total = formatAOnAirLength(l);
  if (bytes.length < total) {
    return { ok: false, reason: 'TRUNCATED', block: 0, message: `frame A with L=${l} needs ${total} bytes, got ${bytes.length}` };
  }
  const out = new Uint8Array(l + 1);
  if (crc16En13757(bytes, 0, FIRST_BLOCK_A) !== crcAt(bytes, FIRST_BLOCK_A)) {
    return { ok: false, reason: 'CRC', block: 0, message: 'block 1 CRC mismatch' };
  }
  out.set(bytes.subarray(0, FIRST_BLOCK_A), 0);
  let src = FIRST_BLOCK_A + 2;
  let dst = FIRST_BLOCK_A;
  for (let block = 1; dst < out.length; block++) {
    const n = Math.min(BLOCK_A, out.length - dst);
    if (crc16En13757(bytes, src, src + n) !== crcAt(bytes, src + n)) {
      return { ok: false, reason: 'CRC', block, message: `block ${block + 1} CRC mismatch` };
    }
    out.set(bytes.subarray(src, src + n), dst);
    src += n + 2;
    dst += n;
  }
  return { ok: true, frame: out };
}

/** Verify and strip format B CRCs; rewrites L to count the bytes that remain. */
export function stripFormatB(bytes: Uint8Array): BlockCheck {
  const l = bytes[0] ?? 0;
  if (l < 12) return { ok: false, reason: 'TRUNCATED', block: 0, message: `L=${l} is too short for a format B frame` };
  const total = formatBOnAirLength(l);
  if (bytes.length < total) {
    return { ok: false, reason: 'TRUNCATED', block: 0, message: `frame B with L=${l} needs ${total} bytes, got ${bytes.length}` };
  }
  const firstEnd = Math.min(total - 2, FIRST_BLOCK_B);
  if (crc16En13757(bytes, 0, firstEnd) !== crcAt(bytes, firstEnd)) {
    return { ok: false, reason: 'CRC', block: 0, message: 'block 1+2 CRC mismatch' };
  }
  if (firstEnd + 2 === total) {
    const out = bytes.slice(0, firstEnd);
    out[0] = out.length - 1;
    return { ok: true, frame: out };
  }
  const thirdStart = firstEnd + 2;
  if (total - 2 <= thirdStart) {
    return { ok: false, reason: 'TRUNCATED', block: 2, message: `L=${l} leaves an empty third block` };
  }
  if (crc16En13757(bytes, thirdStart, total - 2) !== crcAt(bytes, total - 2)) {
    return { ok: false, reason: 'CRC', block: 2, message: 'block 3 CRC mismatch' };
  }
  const out = new Uint8Array(firstEnd + (total - 2 - thirdStart));
  out.set(bytes.subarray(0, firstEnd), 0);
  out.set(bytes.subarray(thirdStart, total - 2), firstEnd);
  out[0] = out.length - 1;
  return { ok: true, frame: out };
}

export function stripBlockCrcs(format: FrameFormat, bytes: Uint8Array): BlockCheck {
  return format === 'A' ? stripFormatA(bytes) : stripFormatB(bytes);
}

/** Most blocks a frame can have: format A with L = 255 has 1 + ceil(246 / 16) = 17. */
export const MAX_BLOCKS = 17;

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
