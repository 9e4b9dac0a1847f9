import { decode3of6Into } from '../phy/three-of-six.js';
import { MAX_BLOCKS, blockLayout, stripBlockCrcs } from './blocks.js';
import { repairBits, repairSymbols } from './repair.js';
import { C_MARKER_BYTES, frameStart } from './start.js';
import type { FrameResult, LinkFrame, RadioMode, RawFrame } from './types.js';
import type { FrameFormat } from './blocks.js';

/**
 * Raw bytes after the 0x543D sync word -> link-layer frame: classify, 3-of-6 decode (T), check
 * and strip the block CRCs, repair what repair.ts allows. Never throws.
 */

export interface DecodeRawOptions {
  /** try to repair damaged blocks (repair.ts); default true */
  repair?: boolean;
}

// Enough to name every broken symbol a repair could accept, and more to tell "too many".
const BAD_SYMBOLS_NOTED = 8;

export function decodeRawFrame(raw: RawFrame, options?: DecodeRawOptions): FrameResult {
  const bytes = raw.raw;
  const head = frameStart(bytes);
  if (!head.ok) return head;
  const { mode, frameFormat, rawLength, frameLength } = head.start;
  if (bytes.length < rawLength) {
    return {
      ok: false,
      reason: 'TRUNCATED',
      message: `${mode} mode frame ${frameFormat} needs ${rawLength} bytes after the sync word, got ${bytes.length}`,
    };
  }
  const repair = options?.repair ?? true;
  if (mode === 'T') return decodeT(raw, frameLength, repair);
  const frame = bytes.subarray(C_MARKER_BYTES, C_MARKER_BYTES + frameLength);
  const clean = stripBlockCrcs(frameFormat, frame);
  if (clean.ok) return accepted(raw, mode, frameFormat, clean.frame, 0);
  if (!repair || frameFormat === 'B') return { ok: false, reason: clean.reason, message: clean.message };
  const copy = frame.slice();
  const layout = new Int32Array(2 * MAX_BLOCKS);
  const repaired = repairBits(copy, layout, blockLayout('A', copy[0]!, layout));
  // A repaired L means the frame was read to the wrong length: nothing after it can be trusted.
  const stripped = repaired > 0 && copy[0] === frame[0] ? stripBlockCrcs('A', copy) : clean;
  if (!stripped.ok) return { ok: false, reason: stripped.reason, message: `${stripped.message}, not repairable` };
  return accepted(raw, mode, frameFormat, stripped.frame, repaired);
}

function decodeT(raw: RawFrame, frameLength: number, repair: boolean): FrameResult {
  const frame = new Uint8Array(frameLength);
  const bad = new Int32Array(BAD_SYMBOLS_NOTED);
  const invalid = decode3of6Into(raw.raw, frameLength, frame, bad);
  if (invalid < 0) {
    const clean = stripBlockCrcs('A', frame);
    return clean.ok ? accepted(raw, 'T', 'A', clean.frame, 0) : { ok: false, reason: clean.reason, message: clean.message };
  }
  const what = `${invalid} invalid 3-of-6 symbol${invalid === 1 ? '' : 's'} (first in byte ${bad[0]! >>> 1})`;
  if (!repair) return { ok: false, reason: 'NOT_3OF6', message: what };
  const layout = new Int32Array(2 * MAX_BLOCKS);
  const repaired = repairSymbols(raw.raw, frame, bad, invalid, layout, blockLayout('A', frame[0]!, layout));
  const stripped = repaired > 0 ? stripBlockCrcs('A', frame) : undefined;
  if (!stripped?.ok) return { ok: false, reason: 'NOT_3OF6', message: `${what}, not repairable` };
  return accepted(raw, 'T', 'A', stripped.frame, repaired);
}

function accepted(raw: RawFrame, mode: RadioMode, frameFormat: FrameFormat, telegram: Uint8Array, corrected: number): FrameResult {
  const frame: LinkFrame = { mode, frameFormat, telegram, corrected };
  if (raw.rssi !== undefined) frame.rssi = raw.rssi;
  if (raw.lqi !== undefined) frame.lqi = raw.lqi;
  if (raw.freqOffsetHz !== undefined) frame.freqOffsetHz = raw.freqOffsetHz;
  if (raw.time !== undefined) frame.time = raw.time;
  return { ok: true, frame };
}
