import { type DecodeState, failure, newState } from './decode-state.js';
import { blockCrcsHold, formatAOnAirLength, stripBlockCrcs } from './frame/blocks.js';
import { idFromBytes } from './hex.js';
import { manufacturerAt } from './manufacturer.js';
import type { DecodeErrorInfo, KeyLookup } from './types.js';

/**
 * The data link layer: a wM-Bus frame from L (DLL CRCs of format A or B in place or already
 * stripped) or a wired M-Bus long frame. Leaves the state at the first CI field.
 */

export type LinkResult = { ok: true; state: DecodeState } | { ok: false; error: DecodeErrorInfo };

const WIRED_START = 0x68;
const WIRED_STOP = 0x16;
/** L C M(2) ID(4) version type */
const DLL_HEADER = 10;

function isWiredLongFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === WIRED_START && bytes[3] === WIRED_START && bytes[1] === bytes[2];
}

function parseWired(bytes: Uint8Array, keys: KeyLookup | undefined): LinkResult {
  const l = bytes[1]!;
  if (bytes.length < l + 6) {
    return {
      ok: false,
      error: failure(undefined, 'TRUNCATED', `wired M-Bus long frame with L=${l} needs ${l + 6} bytes, got ${bytes.length}`),
    };
  }
  if (l < 3) return { ok: false, error: failure(undefined, 'MALFORMED', `wired M-Bus long frame with L=${l} has no CI field`) };
  if (bytes[l + 5] !== WIRED_STOP) {
    return { ok: false, error: failure(undefined, 'MALFORMED', `wired M-Bus long frame does not end with 16 after L=${l} bytes`) };
  }
  let sum = 0;
  for (let i = 4; i < 4 + l; i++) sum += bytes[i]!;
  if ((sum & 0xff) !== bytes[4 + l]) {
    return {
      ok: false,
      error: failure(undefined, 'CRC', `wired M-Bus checksum mismatch: frame says ${bytes[4 + l]}, bytes sum to ${sum & 0xff}`),
    };
  }
  const state = newState(bytes, false, keys);
  state.kind = 'wired';
  state.c = bytes[4]!;
  state.address = bytes[5]!;
  state.pos = 6;
  state.end = 4 + l;
  return { ok: true, state };
}

/** Picks the CRC layout the length says, verifies and strips it; a frame without CRCs passes as is. */
function stripDllCrcs(bytes: Uint8Array): { ok: true; frame: Uint8Array; owned: boolean } | { ok: false; error: DecodeErrorInfo } {
  const l = bytes[0]!;
  if (bytes.length === formatAOnAirLength(l)) {
    const a = stripBlockCrcs('A', bytes);
    if (a.ok) return { ok: true, frame: a.frame, owned: true };
    return { ok: false, error: failure(undefined, 'CRC', `DLL ${a.message} (frame format A): the frame was damaged on the way`) };
  }
  // A format B frame and a frame without CRCs have the same length; only the CRCs tell them apart.
  if (bytes.length === l + 1 && blockCrcsHold('B', bytes)) {
    const b = stripBlockCrcs('B', bytes);
    if (b.ok) return { ok: true, frame: b.frame, owned: true };
  }
  return { ok: true, frame: bytes, owned: false };
}

export function parseLink(bytes: Uint8Array, keys: KeyLookup | undefined): LinkResult {
  if (bytes.length === 0) return { ok: false, error: failure(undefined, 'TRUNCATED', 'empty telegram') };
  if (isWiredLongFrame(bytes)) return parseWired(bytes, keys);
  const stripped = stripDllCrcs(bytes);
  if (!stripped.ok) return stripped;
  const frame = stripped.frame;
  const l = frame[0]!;
  if (l < DLL_HEADER) {
    return { ok: false, error: failure(undefined, 'MALFORMED', `L=${l} is too short for a link header and a CI field`) };
  }
  if (frame.length < l + 1) {
    return { ok: false, error: failure(undefined, 'TRUNCATED', `L=${l} announces ${l + 1} bytes, got ${frame.length}`) };
  }
  const state = newState(frame, stripped.owned, keys);
  state.c = frame[1]!;
  state.dllAt = 2;
  state.dllManufacturer = manufacturerAt(frame, 2);
  state.dllId = idFromBytes(frame, 4);
  state.manufacturer = state.dllManufacturer;
  state.id = state.dllId;
  state.version = frame[8]!;
  state.deviceType = frame[9]!;
  state.mAt = 2;
  state.idAt = 4;
  state.pos = DLL_HEADER;
  // Bytes past L (an appended RSSI byte, say) are not part of the telegram.
  state.end = l + 1;
  return { ok: true, state };
}
