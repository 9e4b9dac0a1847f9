import { type AflFields, type DecodeState, failure, needBytes } from './decode-state.js';
import { cmac } from './security/cmac.js';
import type { DecodeErrorInfo } from './types.js';

/**
 * Authentication and fragmentation layer, CI 90 (EN 13757-7 §6). Only unfragmented messages;
 * the MAC is checked by the TPL once it knows the meter and its derived keys.
 */

export const AFL_CI = 0x90;

const FCL_MORE_FRAGMENTS = 0x4000;
const FCL_MCL = 0x2000;
const FCL_ML = 0x1000;
const FCL_MCR = 0x0800;
const FCL_MAC = 0x0400;
const FCL_KI = 0x0200;
const FCL_FRAGMENT_ID = 0x00ff;

/** MAC length in bytes by MCL.AT (0..15); undefined = not an AES-CMAC MAC this decoder checks. */
const CMAC_LENGTH: readonly (number | undefined)[] = [undefined, undefined, undefined, 2, 4, 8, 12, 16];

export function parseAfl(state: DecodeState): DecodeErrorInfo | undefined {
  const short = needBytes(state, 4, 'AFL header');
  if (short) return short;
  const buf = state.buf;
  const start = state.pos;
  const afll = buf[start + 1]!;
  const next = start + 2 + afll;
  if (next > state.end) return failure(state, 'TRUNCATED', `AFL announces ${afll} bytes, the telegram ends before`);
  const fcl = buf[start + 2]! | (buf[start + 3]! << 8);
  if (fcl & FCL_MORE_FRAGMENTS || (fcl & FCL_FRAGMENT_ID) !== 0) {
    return failure(state, 'UNSUPPORTED_CI', 'fragmented AFL messages are not supported');
  }
  const afl: AflFields = { mcl: 0, mclAt: -1, kiAt: -1, mcrAt: -1, macAt: -1, macLength: 0, mlAt: -1 };
  let at = start + 4;
  if (fcl & FCL_MCL) {
    afl.mclAt = at;
    afl.mcl = buf[at]!;
    at += 1;
  }
  if (fcl & FCL_KI) {
    afl.kiAt = at;
    at += 2;
  }
  if (fcl & FCL_MCR) {
    afl.mcrAt = at;
    at += 4;
  }
  if (fcl & FCL_MAC) {
    const at5 = afl.mcl & 0x0f;
    const length = CMAC_LENGTH[at5];
    if (afl.mclAt < 0 || length === undefined) {
      return failure(state, 'UNSUPPORTED_SECURITY', `AFL MAC type ${at5} is not supported (only AES-CMAC)`);
    }
    afl.macAt = at;
    afl.macLength = length;
    at += length;
  }
  if (fcl & FCL_ML) {
    afl.mlAt = at;
    at += 2;
  }
  if (at !== next) return failure(state, 'MALFORMED', `AFL length ${afll} does not match the fields its FCL announces`);
  state.afl = afl;
  state.pos = next;
  if (afl.mcrAt >= 0) {
    state.security.counter =
      (buf[afl.mcrAt]! | (buf[afl.mcrAt + 1]! << 8) | (buf[afl.mcrAt + 2]! << 16) | (buf[afl.mcrAt + 3]! << 24)) >>> 0;
  }
  return undefined;
}

/** The counter bytes KDF-A uses: AFL.MCR as transmitted. */
export function aflCounterBytes(buf: Uint8Array, afl: AflFields): Uint8Array | undefined {
  return afl.mcrAt >= 0 ? buf.subarray(afl.mcrAt, afl.mcrAt + 4) : undefined;
}

/**
 * CMAC(Kmac, MCL ‖ [KI] ‖ MCR ‖ [ML] ‖ bytes from the TPL CI to the end), truncated to the MAC
 * length; `tplAt..end` is the ciphertext as transmitted (encrypt-then-MAC).
 */
export function aflMac(kmac: Uint8Array, buf: Uint8Array, afl: AflFields, tplAt: number, end: number): Uint8Array {
  const parts: Array<[number, number]> = [];
  if (afl.mclAt >= 0) parts.push([afl.mclAt, 1]);
  if (afl.kiAt >= 0) parts.push([afl.kiAt, 2]);
  if (afl.mcrAt >= 0) parts.push([afl.mcrAt, 4]);
  if (afl.mlAt >= 0) parts.push([afl.mlAt, 2]);
  parts.push([tplAt, end - tplAt]);
  let length = 0;
  for (const [, n] of parts) length += n;
  const message = new Uint8Array(length);
  let o = 0;
  for (const [from, n] of parts) {
    message.set(buf.subarray(from, from + n), o);
    o += n;
  }
  return cmac(kmac, message).subarray(0, afl.macLength);
}

/** True when the AFL carries a MAC and it matches. */
export function aflMacMatches(kmac: Uint8Array, buf: Uint8Array, afl: AflFields, tplAt: number, end: number): boolean {
  const mac = aflMac(kmac, buf, afl, tplAt, end);
  let diff = 0;
  for (let i = 0; i < afl.macLength; i++) diff |= mac[i]! ^ buf[afl.macAt + i]!;
  return diff === 0;
}
