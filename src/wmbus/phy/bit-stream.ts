import { type DecodeRawOptions, decodeRawFrame } from '../frame/decode-raw.js';
import { FRAME_START_BYTES, frameStart } from '../frame/start.js';
import type { FrameRejectReason, LinkFrame } from '../frame/types.js';

/**
 * Frames from a stream of raw demodulated bits (captures, SDR, a CC1101 in raw mode): finds the
 * 16-bit 0x543D sync at any bit offset, reads the frame that follows and hands it to
 * decodeRawFrame. Frames may span pushes, several may sit in one push.
 *
 * Memory is one fixed buffer: the bits already searched are dropped, except those of a frame still
 * being read (at most 435 bytes). The search shifts each bit into a 16-bit register and looks the
 * register up in a table built once per decoder, so no bit costs an allocation.
 */

export const SYNC_WORD = 0x543d;

export interface BitStreamSink {
  /** a frame whose CRCs matched; `bitOffset` is the stream position of its first bit after the sync */
  frame(frame: LinkFrame): void;
  /** a sync that did not lead to a frame: noise, or a frame too damaged to use */
  reject?(reason: FrameRejectReason, bitOffset: number, message: string): void;
}

export interface BitStreamOptions extends DecodeRawOptions {
  /** sync bits allowed to differ from 0x543D; 0 (exact, what the CC1101 does with 16/16) by default */
  syncErrors?: number;
}

export interface BitStreamStats {
  bits: number;
  syncs: number;
  frames: number;
  rejected: Record<FrameRejectReason, number>;
}

// Long enough for the longest frame (T, L = 255: 435 raw bytes) many times over, so that a push
// never has to wait for room.
const BUFFER_BYTES = 8192;
const MAX_RAW_BYTES = 512;
const SYNC_BITS = 16;

const enum Candidate {
  Wait,
  Rejected,
  Accepted,
}

export class BitStreamDecoder {
  readonly stats: BitStreamStats = {
    bits: 0,
    syncs: 0,
    frames: 0,
    rejected: { NOT_3OF6: 0, CRC: 0, TRUNCATED: 0, LENGTH: 0 },
  };
  readonly #buf = new Uint8Array(BUFFER_BYTES);
  readonly #raw = new Uint8Array(MAX_RAW_BYTES);
  /** 1 where a 16-bit register value is close enough to the sync word */
  readonly #isSync = new Uint8Array(1 << SYNC_BITS);
  readonly #decodeOptions: DecodeRawOptions;
  #len = 0;
  /** stream bit index of buf[0] */
  #base = 0;
  /** next bit (relative to buf[0]) to shift into the register */
  #next = 0;
  /** the last 16 bits before `next` */
  #register = 0;
  /** earliest bit (relative) at which a sync may end: after a frame, 16 fresh bits are needed */
  #minSyncEnd = SYNC_BITS - 1;
  /** relative first bit of a frame still being read (just after its sync), or -1 */
  #pending = -1;
  /** relative end bit of the last accepted frame, set by tryCandidate */
  #acceptedEnd = 0;

  readonly #sink: BitStreamSink;
  constructor(sink: BitStreamSink, options: BitStreamOptions = {}) {
    this.#sink = sink;
    const tolerance = options.syncErrors ?? 0;
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 4) {
      throw new RangeError(`syncErrors must be an integer from 0 to 4, got ${tolerance}`);
    }
    for (let v = 0; v < 1 << SYNC_BITS; v++) if (popcount16(v ^ SYNC_WORD) <= tolerance) this.#isSync[v] = 1;
    this.#decodeOptions = { repair: options.repair ?? true };
  }

  /** Feed raw bits, packed MSB first. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(BUFFER_BYTES - this.#len, chunk.length - offset);
      for (let i = 0; i < n; i++) this.#buf[this.#len + i] = chunk[offset + i]!;
      this.#len += n;
      offset += n;
      this.stats.bits += 8 * n;
      this.#scan(false);
      this.#compact();
    }
  }

  /** The stream has ended: a frame still being read is cut short; syncs inside it are still searched. */
  end(): void {
    this.#scan(true);
    this.#compact();
  }

  #scan(final: boolean): void {
    if (this.#pending >= 0) {
      const outcome = this.#tryCandidate(this.#pending, final);
      if (outcome === Candidate.Wait) return;
      this.#pending = -1;
      if (outcome === Candidate.Accepted) this.#restartAt(this.#acceptedEnd);
    }
    const buf = this.#buf;
    const isSync = this.#isSync;
    const len = this.#len;
    const endBit = len * 8;
    let register = this.#register;
    let bit = this.#next;
    while (bit < endBit) {
      let i = bit >>> 3;
      let k = bit & 7;
      let hit = -1;
      search: for (; i < len; i++) {
        const byte = buf[i]!;
        for (; k < 8; k++) {
          register = ((register << 1) | ((byte >>> (7 - k)) & 1)) & 0xffff;
          if (isSync[register] !== 0 && i * 8 + k >= this.#minSyncEnd) {
            hit = i * 8 + k;
            break search;
          }
        }
        k = 0;
      }
      if (hit < 0) {
        bit = endBit;
        break;
      }
      this.stats.syncs++;
      const outcome = this.#tryCandidate(hit + 1, final);
      if (outcome === Candidate.Wait) {
        this.#pending = hit + 1;
        bit = hit + 1;
        break;
      }
      if (outcome === Candidate.Accepted) {
        this.#restartAt(this.#acceptedEnd);
        register = 0;
        bit = this.#acceptedEnd;
      } else {
        // A rejected candidate may hide a real sync in its first bits: search on right after it.
        bit = hit + 1;
      }
    }
    this.#register = register;
    this.#next = bit;
  }

  #restartAt(bit: number): void {
    this.#register = 0;
    this.#next = bit;
    this.#minSyncEnd = bit + SYNC_BITS - 1;
  }

  /** Read the frame that starts at relative bit `start`, right after a sync word. */
  #tryCandidate(start: number, final: boolean): Candidate {
    const available = this.#len * 8 - start;
    if (available < 8 * FRAME_START_BYTES) return final ? this.#truncated(start) : Candidate.Wait;
    this.#extract(start, FRAME_START_BYTES);
    const head = frameStart(this.#raw);
    if (!head.ok) return this.#rejected(head.reason, start, head.message);
    const rawLength = head.start.rawLength;
    if (available < 8 * rawLength) return final ? this.#truncated(start) : Candidate.Wait;
    this.#extract(start, rawLength);
    const result = decodeRawFrame({ raw: this.#raw.subarray(0, rawLength) }, this.#decodeOptions);
    if (!result.ok) return this.#rejected(result.reason, start, result.message);
    result.frame.bitOffset = this.#base + start;
    this.stats.frames++;
    this.#acceptedEnd = start + 8 * rawLength;
    this.#sink.frame(result.frame);
    return Candidate.Accepted;
  }

  #truncated(start: number): Candidate {
    return this.#rejected('TRUNCATED', start, 'the stream ended inside the frame');
  }

  #rejected(reason: FrameRejectReason, start: number, message: string): Candidate {
    this.stats.rejected[reason]++;
    this.#sink.reject?.(reason, this.#base + start, message);
    return Candidate.Rejected;
  }

  /** Copy `count` bytes starting at relative bit `start` into this.raw. */
  #extract(start: number, count: number): void {
    const buf = this.#buf;
    const raw = this.#raw;
    const at = start >>> 3;
    const shift = start & 7;
    if (shift === 0) {
      for (let j = 0; j < count; j++) raw[j] = buf[at + j]!;
      return;
    }
    for (let j = 0; j < count; j++) raw[j] = ((buf[at + j]! << shift) | (buf[at + j + 1]! >>> (8 - shift))) & 0xff;
  }

  /** Drop the bytes no later search or frame needs. */
  #compact(): void {
    const keepFromBit = this.#pending >= 0 ? this.#pending : this.#next;
    const drop = Math.min(keepFromBit >>> 3, this.#len);
    if (drop === 0) return;
    this.#buf.copyWithin(0, drop, this.#len);
    this.#len -= drop;
    this.#base += 8 * drop;
    const shift = 8 * drop;
    this.#next -= shift;
    this.#minSyncEnd -= shift;
    if (this.#pending >= 0) this.#pending -= shift;
  }
}

function popcount16(v: number): number {
  let n = 0;
  for (let x = v; x !== 0; x &= x - 1) n++;
  return n;
}
