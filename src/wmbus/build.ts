import { type AflFields } from './decode-state.js';
import { aflMac } from './afl.js';
import { idToBytes } from './hex.js';
import { manufacturerToCode } from './manufacturer.js';
import { aesKey, cbcEncryptInPlace } from './security/aes.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from './security/kdf.js';
import { mode5Iv } from './security/iv.js';

/**
 * Builds a meter's telegram, the inverse of the decoder: for test senders, the simulated air and
 * the demo. Output is link-layer bytes from L, without DLL CRCs, L = length - 1.
 * Throws RangeError on parameters no meter could send (this is a builder, not the decode path).
 */

export type BuildSecurity = { mode: 0 } | { mode: 5; key: Uint8Array } | { mode: 7; key: Uint8Array; counter: number };

export interface BuildParams {
  /** C-field; default 0x44 SND_NR */
  c?: number;
  manufacturer: string;
  id: string;
  version: number;
  deviceType: number;
  accessNumber: number;
  status?: number;
  /** plaintext application records (starting with 2F2F when encrypted is conventional) */
  apl: Uint8Array;
  security?: BuildSecurity;
  /** default short (CI 7A); long = CI 72 */
  tpl?: 'short' | 'long';
}

const FILLER = 0x2f;
/** OMS profile B AFL: FCL = MCL + MCR + MAC present, MCL = MCR in message + CMAC 8 bytes. */
const AFL_FCL = 0x2c00;
const AFL_MCL = 0x25;
const AFL_LENGTH = 2 + 1 + 4 + 8;
const CFE_KDF_A = 0x10;

function padToBlocks(apl: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(apl.length / 16) * 16).fill(FILLER);
  out.set(apl);
  return out;
}

export function buildTelegram(p: BuildParams): Uint8Array {
  const security = p.security ?? { mode: 0 };
  const mode = security.mode;
  const m = manufacturerToCode(p.manufacturer);
  const id = idToBytes(p.id);
  const payload = mode === 0 ? p.apl : padToBlocks(p.apl);
  const blocks = mode === 0 ? 0 : payload.length / 16;
  if (blocks > 15) throw new RangeError(`${blocks} encrypted blocks do not fit the configuration word (at most 15, 240 bytes of records)`);

  const out: number[] = [0, p.c ?? 0x44, m & 0xff, m >> 8, ...id, p.version & 0xff, p.deviceType & 0xff];
  let aflAt = -1;
  if (mode === 7) {
    aflAt = out.length;
    out.push(0x90, AFL_LENGTH, AFL_FCL & 0xff, AFL_FCL >> 8, AFL_MCL);
    const c = security.counter >>> 0;
    out.push(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
    out.push(0, 0, 0, 0, 0, 0, 0, 0);
  }
  const tplAt = out.length;
  const long = p.tpl === 'long';
  out.push(long ? 0x72 : 0x7a);
  let idAt = 4;
  let mAt = 2;
  if (long) {
    idAt = out.length;
    mAt = idAt + 4;
    out.push(...id, m & 0xff, m >> 8, p.version & 0xff, p.deviceType & 0xff);
  }
  const cw = (mode << 8) | (blocks << 4);
  out.push(p.accessNumber & 0xff, (p.status ?? 0) & 0xff, cw & 0xff, cw >> 8);
  if (mode === 7) out.push(CFE_KDF_A);
  const payloadAt = out.length;
  const total = payloadAt + payload.length;
  if (total > 256) throw new RangeError(`telegram of ${total} bytes does not fit a one-byte L-field`);

  const frame = new Uint8Array(total);
  frame.set(out);
  frame.set(payload, payloadAt);
  frame[0] = total - 1;
  if (security.mode === 5) {
    const iv = mode5Iv(frame, mAt, idAt, p.version & 0xff, p.deviceType & 0xff, p.accessNumber & 0xff);
    cbcEncryptInPlace(aesKey(security.key), iv, frame, payloadAt, total);
  } else if (security.mode === 7) {
    const counter = frame.subarray(aflAt + 5, aflAt + 9);
    const meterId = frame.subarray(idAt, idAt + 4);
    const kenc = kdfA(security.key, KDF_ENC_FROM_METER, counter, meterId);
    cbcEncryptInPlace(aesKey(kenc), new Uint8Array(16), frame, payloadAt, total);
    const afl: AflFields = { mcl: AFL_MCL, mclAt: aflAt + 4, kiAt: -1, mcrAt: aflAt + 5, macAt: aflAt + 9, macLength: 8, mlAt: -1 };
    const kmac = kdfA(security.key, KDF_MAC_FROM_METER, counter, meterId);
    frame.set(aflMac(kmac, frame, afl, tplAt, total), afl.macAt);
  }
  return frame;
}
