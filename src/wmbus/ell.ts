import { crc16En13757 } from './crc.js';
import { type DecodeState, failure, keyFor, needBytes, noKey, notEncrypted, ownBuffer } from './decode-state.js';
import { aesKey, ctrXorInPlace } from './security/aes.js';
import { ellIcb } from './security/iv.js';
import type { DecodeErrorInfo } from './types.js';

/**
 * Extended link layer, CI 8C–8F (EN 13757-4 §13.2): CC, ACC, optional second address, optional
 * session number with AES-128-CTR encryption and a payload CRC that is the only key check.
 */

export function isEllCi(ci: number): boolean {
  return ci >= 0x8c && ci <= 0x8f;
}

const ENC_NONE = 0;
const ENC_AES_CTR = 1;

export function parseEll(state: DecodeState): DecodeErrorInfo | undefined {
  const ci = state.buf[state.pos]!;
  const hasAddress = ci === 0x8e || ci === 0x8f;
  const hasSession = ci === 0x8d || ci === 0x8f;
  const size = 3 + (hasAddress ? 8 : 0) + (hasSession ? 6 : 0);
  const short = needBytes(state, size, `ELL header (CI ${ci.toString(16).toUpperCase()})`);
  if (short) return short;
  const cc = state.buf[state.pos + 1]!;
  const snAt = state.pos + 3 + (hasAddress ? 8 : 0);
  state.pos += size;
  if (!hasSession) return undefined;

  const buf = state.buf;
  const sn = (buf[snAt]! | (buf[snAt + 1]! << 8) | (buf[snAt + 2]! << 16) | (buf[snAt + 3]! << 24)) >>> 0;
  const enc = sn >>> 29;
  const crcAt = snAt + 4;
  if (enc === ENC_NONE)
    return checkPayloadCrc(state, crcAt)
      ? undefined
      : failure(state, 'CRC', 'ELL payload CRC mismatch: the telegram was damaged on the way');
  if (enc !== ENC_AES_CTR) return failure(state, 'UNSUPPORTED_SECURITY', `ELL encryption ${enc} is not supported (only AES-128-CTR)`);

  state.security.ell = true;
  const key = keyFor(state);
  if (!key) {
    // A replayed log may carry the payload already decrypted: its CRC then holds in clear.
    return checkPayloadCrc(state, crcAt) ? undefined : noKey(state);
  }
  if (state.dllAt < 0) return failure(state, 'MALFORMED', 'ELL encryption needs the wM-Bus link address');
  const icb = ellIcb(buf, state.dllAt, cc, buf, snAt);
  const own = ownBuffer(state);
  const cipher = aesKey(key);
  ctrXorInPlace(cipher, icb, own, crcAt, state.end);
  if (!checkPayloadCrc(state, crcAt)) {
    // CTR is its own inverse: undoing it shows whether the payload came in clear, in which case
    // the key is not what is wrong (no downgrade either way).
    ctrXorInPlace(cipher, icb, own, crcAt, state.end);
    if (checkPayloadCrc(state, crcAt)) return notEncrypted(state);
    return failure(state, 'WRONG_KEY', `the key for meter ${state.id} is wrong: the decrypted ELL payload fails its CRC`);
  }
  state.security.decrypted = true;
  return undefined;
}

function checkPayloadCrc(state: DecodeState, crcAt: number): boolean {
  const buf = state.buf;
  const stated = buf[crcAt]! | (buf[crcAt + 1]! << 8);
  return stated === crc16En13757(buf, crcAt + 2, state.end);
}
