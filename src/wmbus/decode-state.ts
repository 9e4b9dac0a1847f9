import type { DecodeErrorInfo, ErrorCode, KeyLookup, SecurityInfo } from './types.js';
import { copyOf, uninitialisedBytes } from './bytes.js';
import { mediumName } from './medium.js';

/** Where the AFL's fields sit in the buffer (-1 = absent). */
export interface AflFields {
  mcl: number;
  mclAt: number;
  kiAt: number;
  mcrAt: number;
  macAt: number;
  macLength: number;
  mlAt: number;
}

/**
 * What the layers learn while a telegram is decoded. One object per decode, filled in layer by
 * layer; offsets point into `buf` so that IVs and MACs read the bytes as transmitted.
 */
export interface DecodeState {
  /**
   * the bytes being decoded; becomes a private copy before the ELL decrypts in place, and the
   * decrypted APDU alone once the TPL has decrypted (see useDecryptedApdu)
   */
  buf: Uint8Array;
  owned: boolean;
  /** next unread byte (a CI field when a layer starts) and end of the frame's data */
  pos: number;
  end: number;
  kind: 'wmbus' | 'wired';
  c: number;
  /** wired M-Bus primary address */
  address?: number;
  /** offset of the DLL M-field (-1 for wired frames, which have none) */
  dllAt: number;
  dllId: string;
  dllManufacturer: string;
  /** the meter as named by the innermost header read so far */
  id: string;
  manufacturer: string;
  version: number;
  deviceType: number;
  /** offsets of the M-field and ID bytes of that header */
  mAt: number;
  idAt: number;
  accessNumber?: number;
  status?: number;
  security: SecurityInfo;
  afl?: AflFields;
  keys?: KeyLookup;
}

export function newState(buf: Uint8Array, owned: boolean, keys: KeyLookup | undefined): DecodeState {
  return {
    buf,
    owned,
    pos: 0,
    end: buf.length,
    kind: 'wmbus',
    c: 0,
    dllAt: -1,
    dllId: '',
    dllManufacturer: '',
    id: '',
    manufacturer: '',
    version: 0,
    deviceType: 0,
    mAt: -1,
    idAt: -1,
    security: { mode: 0, decrypted: false },
    keys,
  };
}

/** A typed error carrying the header facts known so far, so a gateway can still list the meter. */
export function failure(state: DecodeState | undefined, code: ErrorCode, message: string): DecodeErrorInfo {
  const error: DecodeErrorInfo = { code, message };
  if (state && state.id !== '') {
    error.id = state.id;
    error.manufacturer = state.manufacturer;
    error.deviceType = state.deviceType;
    error.medium = mediumName(state.deviceType);
  }
  return error;
}

/** Makes `buf` the decoder's own copy, so decrypting in place never touches the caller's bytes. */
export function ownBuffer(state: DecodeState): Uint8Array {
  if (!state.owned) {
    // Not slice(): on a Node Buffer that is a view of the same memory, not a copy.
    state.buf = copyOf(state.buf);
    state.owned = true;
  }
  return state.buf;
}

/**
 * Makes the decrypted APDU the bytes being decoded: `plain` is the plaintext of the encrypted
 * bytes at [start, start + plain.length), and whatever follows them up to `end` was sent in clear
 * (partial encryption). Afterwards `buf` holds only this APDU, from offset 0, so the caller's
 * telegram is neither written nor copied; the header offsets are void, since the TPL is the last
 * layer that reads the header.
 */
export function useDecryptedApdu(state: DecodeState, start: number, plain: Uint8Array): void {
  const clearFrom = start + plain.length;
  let apdu = plain;
  if (clearFrom < state.end) {
    apdu = uninitialisedBytes(plain.length + state.end - clearFrom);
    apdu.set(plain);
    apdu.set(state.buf.subarray(clearFrom, state.end), plain.length);
  }
  state.buf = apdu;
  state.owned = true;
  state.pos = 0;
  state.end = apdu.length;
  state.dllAt = -1;
  state.mAt = -1;
  state.idAt = -1;
  state.afl = undefined;
}

/** The configured key of the meter the current header names, if any. */
export function keyFor(state: DecodeState): Uint8Array | undefined {
  const key = state.keys?.(state.id, state.manufacturer);
  return key && key.length === 16 ? key : undefined;
}

export function noKey(state: DecodeState): DecodeErrorInfo {
  return failure(state, 'NO_KEY', `no key for meter ${state.id}: add it on the Meters page or in keys.json`);
}

/** A payload the header announces as encrypted arrived in clear while the meter has a key (no downgrade). */
export function notEncrypted(state: DecodeState): DecodeErrorInfo {
  const layer = state.security.mode === 5 || state.security.mode === 7 ? `mode ${state.security.mode}` : 'ELL AES-CTR';
  return failure(
    state,
    'NOT_ENCRYPTED',
    `meter ${state.id} announces encryption (${layer}) but sent its data in clear; refused because a key is configured for it`,
  );
}

export function needBytes(state: DecodeState, count: number, what: string): DecodeErrorInfo | undefined {
  if (state.pos + count <= state.end) return undefined;
  return failure(
    state,
    'TRUNCATED',
    `telegram ends inside the ${what} (needs ${count} bytes at offset ${state.pos}, ${state.end - state.pos} left)`,
  );
}
