import { aflCounterBytes, aflMacMatches } from './afl.js';
import { compactSignatureOf, parseCompactFrame, parseFormatFrame } from './apl/compact.js';
import { parseRecords } from './apl/records.js';
import { type DecodeState, failure, keyFor, needBytes, noKey, notEncrypted, useDecryptedApdu } from './decode-state.js';
import { type FormatMemory, meterKey } from './format-memory.js';
import { hexByte, idFromBytes, toHex } from './hex.js';
import { manufacturerAt } from './manufacturer.js';
import type { MeterFamilySet } from './meter-family.js';
import { aesKey, cbcDecrypt } from './security/aes.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from './security/kdf.js';
import { mode5Iv } from './security/iv.js';
import type { DecodeErrorInfo, MbusRecord, UnparsedRegion } from './types.js';

/**
 * Transport layer (EN 13757-7 §7): the CI decides the header (none, short, long) and whether the
 * APDU is a full, compact or format frame; the configuration word selects security mode 0, 5 or 7.
 */

type Apdu = 'full' | 'compact' | 'format';
const NO_HEADER = 0;
const SHORT_HEADER = 1;
const LONG_HEADER = 2;

/** APDU and header by CI field; undefined for the CIs that are not a TPL this decoder reads. */
const TPL_CI: readonly ({ apdu: Apdu; header: number } | undefined)[] = (() => {
  const t = new Array<{ apdu: Apdu; header: number } | undefined>(256).fill(undefined);
  t[0x78] = { apdu: 'full', header: NO_HEADER };
  t[0x7a] = { apdu: 'full', header: SHORT_HEADER };
  t[0x72] = { apdu: 'full', header: LONG_HEADER };
  t[0x79] = { apdu: 'compact', header: NO_HEADER };
  t[0x7b] = { apdu: 'compact', header: SHORT_HEADER };
  t[0x73] = { apdu: 'compact', header: LONG_HEADER };
  t[0x69] = { apdu: 'format', header: NO_HEADER };
  t[0x6a] = { apdu: 'format', header: SHORT_HEADER };
  t[0x6b] = { apdu: 'format', header: LONG_HEADER };
  return t;
})();

const FILLER = 0x2f;
const CW_MODE7_COUNTER = 0x2000;
const CFE_KEY_VERSION = 0x40;
const KDF_A = 1;
/** Security modes 16..31 are the manufacturers' own (EN 13757-7 table 19). */
const MANUFACTURER_MODES = 16;

export type TplResult = { ok: true; records: MbusRecord[]; unparsed?: UnparsedRegion } | { ok: false; error: DecodeErrorInfo };

function fail(error: DecodeErrorInfo): TplResult {
  return { ok: false, error };
}

function startsWithFiller(buf: Uint8Array, at: number, end: number): boolean {
  return at + 1 < end && buf[at] === FILLER && buf[at + 1] === FILLER;
}

/** True for the CIs parseTpl reads (EN 13757-7 table 2 responses with full, compact or format APDUs). */
export function isTplCi(ci: number): boolean {
  return TPL_CI[ci] !== undefined;
}

export function unsupportedCi(state: DecodeState, ci: number): DecodeErrorInfo {
  const name = hexByte(ci);
  if (ci >= 0xa0 && ci <= 0xb7) {
    return failure(state, 'UNSUPPORTED_CI', `CI ${name} carries manufacturer-specific data that needs a meter-specific decoder`);
  }
  return failure(state, 'UNSUPPORTED_CI', `CI ${name} is not a meter data response this decoder reads`);
}

export function parseTpl(state: DecodeState, formats: FormatMemory | undefined, meters: MeterFamilySet | undefined): TplResult {
  const buf = state.buf;
  const tplAt = state.pos;
  const ci = buf[tplAt]!;
  const spec = TPL_CI[ci];
  if (!spec) return fail(unsupportedCi(state, ci));
  state.pos++;
  if (spec.header === LONG_HEADER) {
    const short = needBytes(state, 12, 'long TPL header');
    if (short) return fail(short);
    const p = state.pos;
    state.idAt = p;
    state.mAt = p + 4;
    state.id = idFromBytes(buf, p);
    state.manufacturer = manufacturerAt(buf, p + 4);
    state.version = buf[p + 6]!;
    state.deviceType = buf[p + 7]!;
    state.pos += 8;
  } else if (state.kind === 'wired') {
    return fail(failure(state, 'MALFORMED', `wired M-Bus frame with CI ${hexByte(ci)} names no meter (a long header, CI 72, is needed)`));
  }
  if (state.kind === 'wired') {
    state.dllId = state.id;
    state.dllManufacturer = state.manufacturer;
  }

  let aplAt = state.pos;
  if (spec.header !== NO_HEADER) {
    const short = needBytes(state, 4, 'TPL header');
    if (short) return fail(short);
    const p = state.pos;
    state.accessNumber = buf[p]!;
    state.status = buf[p + 1]!;
    const cw = buf[p + 2]! | (buf[p + 3]! << 8);
    state.pos += 4;
    const secured = applySecurity(state, cw, tplAt, meters);
    if (typeof secured !== 'number') return fail(secured);
    aplAt = secured;
    // Encrypted compact and format frames open with the 2F2F check bytes, which full frames parse as fillers.
    if (spec.apdu !== 'full' && state.security.blocks && startsWithFiller(state.buf, aplAt, state.end)) aplAt += 2;
  } else if (state.afl?.macAt !== undefined && state.afl.macAt >= 0) {
    return fail(failure(state, 'MALFORMED', `an AFL MAC protects CI ${hexByte(ci)}, which has no TPL header to say how`));
  }
  return parseApdu(state, spec.apdu, aplAt, formats, meters);
}

/** Decrypts what the configuration word says is encrypted; returns where the APDU starts. */
function applySecurity(state: DecodeState, cw: number, tplAt: number, meters: MeterFamilySet | undefined): number | DecodeErrorInfo {
  const mode = (cw >> 8) & 0x1f;
  state.security.mode = mode;
  // Only mode 7 says how to derive the AFL MAC key; a MAC left unchecked would let anyone switch a
  // keyed meter's telegram to mode 0 and write its records in clear.
  if (mode !== 7 && state.afl !== undefined && state.afl.macAt >= 0 && keyFor(state)) {
    return failure(
      state,
      'UNSUPPORTED_SECURITY',
      `meter ${state.id} sends an AFL MAC with TPL security mode ${mode}, which cannot be checked (only with mode 7); refused because a key is configured for it`,
    );
  }
  if (mode === 0) return state.pos;
  if (mode === 5) return decryptMode5(state, (cw >> 4) & 0x0f);
  if (mode === 7) return decryptMode7(state, cw, tplAt);
  if (mode >= MANUFACTURER_MODES) {
    const header = { manufacturer: state.manufacturer, version: state.version, deviceType: state.deviceType };
    const plain = meters?.familyFor(header)?.unscrambleApdu?.(state.buf.subarray(0, state.end), state.pos, cw, keyFor(state));
    if (plain) {
      useDecryptedApdu(state, state.pos, plain);
      return 0;
    }
  }
  // A replayed log of a meter with a mode we cannot decrypt may still carry plain records.
  if (!keyFor(state) && startsWithFiller(state.buf, state.pos, state.end)) return state.pos;
  return failure(state, 'UNSUPPORTED_SECURITY', `meter ${state.id} uses TPL security mode ${mode}; only modes 0, 5 and 7 are supported`);
}

/** Encrypted bytes [start, end) from the NNNN field; 0 blocks means "all whole blocks". */
function encryptedRange(state: DecodeState, blocks: number): { start: number; end: number } | DecodeErrorInfo {
  const start = state.pos;
  const count = blocks !== 0 ? blocks : Math.floor((state.end - start) / 16);
  const end = start + count * 16;
  if (end > state.end) {
    return failure(
      state,
      'TRUNCATED',
      `meter ${state.id} announces ${count} encrypted blocks, the telegram ends after ${state.end - start} bytes`,
    );
  }
  state.security.blocks = count;
  return { start, end };
}

function decryptMode5(state: DecodeState, blocks: number): number | DecodeErrorInfo {
  const range = encryptedRange(state, blocks);
  if ('code' in range) return range;
  if (range.end === range.start) return range.start;
  const key = keyFor(state);
  const wasClear = startsWithFiller(state.buf, range.start, range.end);
  if (!key) return wasClear ? range.start : noKey(state);
  const iv = mode5Iv(state.buf, state.mAt, state.idAt, state.version, state.deviceType, state.accessNumber ?? 0);
  useDecryptedApdu(state, range.start, cbcDecrypt(aesKey(key), iv, state.buf, range.start, range.end));
  return checkedContent(state, range.end - range.start, wasClear);
}

function decryptMode7(state: DecodeState, cw: number, tplAt: number): number | DecodeErrorInfo {
  const short = needBytes(state, 1, 'TPL configuration field extension');
  if (short) return short;
  const buf = state.buf;
  const cfe = buf[state.pos]!;
  state.pos++;
  let counter = state.afl ? aflCounterBytes(buf, state.afl) : undefined;
  if (cw & CW_MODE7_COUNTER) {
    const c = needBytes(state, 4, 'TPL message counter');
    if (c) return c;
    counter ??= buf.subarray(state.pos, state.pos + 4);
    state.pos += 4;
  }
  if (cfe & CFE_KEY_VERSION) state.pos++;
  const afl = state.afl;
  const ki = afl && afl.kiAt >= 0 ? buf[afl.kiAt]! : undefined;
  const kdf = ki !== undefined ? (ki >> 4) & 3 : (cfe >> 4) & 3;
  const range = encryptedRange(state, (cw >> 4) & 0x0f);
  if ('code' in range) return range;
  const key = keyFor(state);
  const wasClear = startsWithFiller(buf, range.start, range.end);
  if (!key) return wasClear ? range.start : noKey(state);
  if (kdf !== KDF_A)
    return failure(state, 'UNSUPPORTED_SECURITY', `meter ${state.id} uses mode 7 with key derivation ${kdf}; only KDF-A is supported`);
  if (!counter) return failure(state, 'MALFORMED', `meter ${state.id} uses mode 7 without a message counter to derive keys from`);
  const id = buf.subarray(state.idAt, state.idAt + 4);
  if (afl && afl.macAt >= 0) {
    const kmac = kdfA(key, KDF_MAC_FROM_METER, counter, id);
    if (!aflMacMatches(kmac, buf, afl, tplAt, state.end)) {
      if (wasClear) return notEncrypted(state);
      return failure(state, 'MAC_MISMATCH', `MAC check failed for meter ${state.id}: the key is wrong or the telegram was altered`);
    }
    state.security.macVerified = true;
  }
  const kenc = kdfA(key, KDF_ENC_FROM_METER, counter, id);
  useDecryptedApdu(state, range.start, cbcDecrypt(aesKey(kenc), new Uint8Array(16), buf, range.start, range.end));
  return checkedContent(state, range.end - range.start, wasClear);
}

/**
 * The key check after decryption. OMS puts 2F2F first. Some meters (a Sanxing S34U28, mfct KPL,
 * starts with 0x609B) put two other bytes there; for those the encrypted blocks must end in 2F
 * filler and everything after the two bytes must parse as records, which a wrong key passes about
 * once in millions. `decrypted` bytes of plaintext open the APDU (useDecryptedApdu); returns where
 * the records start.
 */
function checkedContent(state: DecodeState, decrypted: number, wasClear: boolean): number | DecodeErrorInfo {
  const buf = state.buf;
  if (startsWithFiller(buf, 0, decrypted)) {
    state.security.decrypted = true;
    return 0;
  }
  if (decrypted >= 4 && buf[decrypted - 1] === FILLER && buf[decrypted - 2] === FILLER && parseRecords(buf, 2, state.end).ok) {
    state.security.decrypted = true;
    return 2;
  }
  if (wasClear) return notEncrypted(state);
  return failure(state, 'WRONG_KEY', `the key for meter ${state.id} is wrong: the decrypted content fails its check`);
}

function parseApdu(
  state: DecodeState,
  apdu: Apdu,
  at: number,
  formats: FormatMemory | undefined,
  meters: MeterFamilySet | undefined,
): TplResult {
  const buf = state.buf;
  const end = state.end;
  const meter = formats ? meterKey(state.manufacturer, state.id, state.version, state.deviceType) : '';
  if (apdu === 'full') {
    const parsed = parseRecords(buf, at, end);
    if (!parsed.ok) return unparsedApdu(buf, parsed.kept.records, parsed.keptEnd, end, parsed.error.message);
    if (formats && parsed.apl.dibVib.length > 0) formats.learnFull(meter, parsed.apl.dibVib);
    return { ok: true, records: parsed.apl.records };
  }
  const start = at;
  if (apdu === 'format') {
    const parsed = parseFormatFrame(buf, start, end);
    if (!parsed.ok) return fail(failure(state, parsed.error.code, parsed.error.message));
    formats?.learn(meter, parsed.signature, parsed.dibVib);
    return { ok: true, records: [] };
  }
  if (start + 4 > end) return fail(failure(state, 'TRUNCATED', 'compact frame shorter than its signature and CRC'));
  const signature = compactSignatureOf(buf, start);
  const dibVib = formats?.lookup(meter, signature) ?? meters?.compactFormat(signature);
  if (!dibVib) {
    return fail(
      failure(
        state,
        'UNKNOWN_FORMAT',
        `compact frame of meter ${state.id} uses format 0x${signature.toString(16).toUpperCase().padStart(4, '0')}, not learned yet: it is decoded once a full frame of this meter has been seen`,
      ),
    );
  }
  const parsed = parseCompactFrame(buf, start, end, dibVib);
  if (!parsed.ok) return fail(failure(state, parsed.error.code, parsed.error.message));
  return { ok: true, records: parsed.apl.records };
}

/**
 * A full APDU whose records do not parse to the end. The key (if any) is confirmed by now, so the
 * telegram is the meter's, but the broken region's bytes are not the records they seemed: a
 * proprietary block after 2F2F, or a layout of the manufacturer's own. None of that region is
 * read as values (its records before the break would be guesses too); it is kept as hex with the
 * reason. `kept` are the records of regions closed by fillers before it.
 */
function unparsedApdu(buf: Uint8Array, kept: MbusRecord[], at: number, end: number, reason: string): TplResult {
  const hex = toHex(buf, at, end);
  const record: MbusRecord = {
    quantity: 'unparsed',
    unit: '',
    value: hex,
    function: 'instantaneous',
    storage: 0,
    tariff: 0,
    subunit: 0,
    dif: '',
    vif: '',
    data: hex,
  };
  return { ok: true, records: [...kept, record], unparsed: { reason, hex } };
}
