import type { FrameFormat } from './blocks.js';

export type RadioMode = 'T' | 'C';

/** What a receiver knows about a frame besides its bytes. */
export interface RadioMeta {
  /** dBm */
  rssi?: number;
  lqi?: number;
  /** Hz, from the CC1101 FREQEST register or an SDR */
  freqOffsetHz?: number;
  /** ms since the epoch when the sync word was seen */
  time?: number;
}

/** Bytes as a receiver hands them over, starting right after the 0x543D sync word. */
export interface RawFrame extends RadioMeta {
  raw: Uint8Array;
}

/** A link-layer frame: L first, DLL CRCs verified and removed, L rewritten to length - 1. */
export interface LinkFrame extends RadioMeta {
  mode: RadioMode;
  frameFormat: FrameFormat;
  telegram: Uint8Array;
  /** symbols or bits repaired before the CRCs matched; 0 for a clean frame */
  corrected: number;
  /** bit position of the frame's first bit after sync, for bit-stream sources */
  bitOffset?: number;
}

export type FrameRejectReason = 'NOT_3OF6' | 'CRC' | 'TRUNCATED' | 'LENGTH';

export type FrameResult = { ok: true; frame: LinkFrame } | { ok: false; reason: FrameRejectReason; message: string };
