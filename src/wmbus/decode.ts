import { AFL_CI, parseAfl } from './afl.js';
import { type DecodeState, keyFor } from './decode-state.js';
import { isEllCi, parseEll } from './ell.js';
import { buildFields } from './fields.js';
import { FormatMemory } from './format-memory.js';
import { parseHex } from './hex.js';
import { parseLink } from './link.js';
import { mediumName } from './medium.js';
import { type MeterFamily, type MeterFamilySet, type MeterHeader, type ProprietaryPayload, normaliseRecords } from './meter-family.js';
import { isTplCi, parseTpl, unsupportedCi } from './tpl.js';
import type { DecodeResult, DecodedTelegram, KeyLookup, MbusRecord, UnparsedRegion } from './types.js';

/**
 * The telegram decoder: link layer → [ELL] → [AFL] → TPL (security) → application records.
 * Bytes in, a decoded telegram or a typed error out; it never throws.
 */

export { FormatMemory } from './format-memory.js';
export { MeterFamilySet } from './meter-family.js';

export interface DecodeOptions {
  /** AES keys by meter */
  keys?: KeyLookup;
  /** compact-frame formats learned from earlier full frames (and field names); the caller keeps one per run */
  formats?: FormatMemory;
  /**
   * Meter families that read what the standard does not (proprietary payloads, quirks, names);
   * without them every telegram is read by the standard alone and proprietary data stays hex.
   */
  meters?: MeterFamilySet;
}

export function decodeTelegram(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  try {
    return decodeLayers(plainView(bytes), options);
  } catch (err) {
    // Every layer returns typed errors; this only guards the promise that nothing escapes.
    return {
      ok: false,
      error: { code: 'MALFORMED', message: `decoder fault on this telegram: ${(err as Error)?.message ?? String(err)}` },
    };
  }
}

/**
 * The caller's bytes as a plain Uint8Array over the same memory. Subclasses change what methods
 * mean (a Node Buffer's slice() is a view, not a copy), so below this point every array is plain
 * and copies taken to decrypt in place or to keep are real copies.
 */
function plainView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeLayers(bytes: Uint8Array, options: DecodeOptions): DecodeResult {
  const link = parseLink(bytes, options.keys);
  if (!link.ok) return link;
  const state = link.state;
  if (state.kind === 'wmbus') useLinkAddress(state, options.meters);
  let ci = state.buf[state.pos]!;
  if (isEllCi(ci)) {
    const error = parseEll(state);
    if (error) return { ok: false, error };
    ci = state.buf[state.pos]!;
  }
  if (state.pos >= state.end) return { ok: true, telegram: telegramOf(state, [], undefined, options) };
  if (ci === AFL_CI) {
    const error = parseAfl(state);
    if (error) return { ok: false, error };
    ci = state.buf[state.pos]!;
  }
  if (state.pos >= state.end) return { ok: true, telegram: telegramOf(state, [], undefined, options) };
  if (!isTplCi(ci)) {
    const records = proprietaryApdu(state, ci, bytes, options.meters);
    if (!records) return { ok: false, error: unsupportedCi(state, ci) };
    return { ok: true, telegram: telegramOf(state, records, undefined, options) };
  }
  const tpl = parseTpl(state, options.formats, options.meters);
  if (!tpl.ok) return tpl;
  return { ok: true, telegram: telegramOf(state, tpl.records, tpl.unparsed, options, bytes) };
}

/** The identity a meter family reads from a link header in an order of the manufacturer's own. */
function useLinkAddress(state: DecodeState, meters: MeterFamilySet | undefined): void {
  const address = meters?.familyFor(headerOf(state))?.linkAddress?.(state.buf.subarray(0, state.end));
  if (!address) return;
  state.id = state.dllId = address.id;
  state.version = address.version;
  state.deviceType = address.deviceType;
}

function headerOf(state: DecodeState): MeterHeader {
  return { manufacturer: state.manufacturer, version: state.version, deviceType: state.deviceType };
}

/** A whole APDU under a CI of the manufacturer's own, read by its family; undefined when none can. */
function proprietaryApdu(
  state: DecodeState,
  ci: number,
  telegram: Uint8Array,
  meters: MeterFamilySet | undefined,
): MbusRecord[] | undefined {
  const header = headerOf(state);
  const family = meters?.familyFor(header);
  if (!family?.decodeProprietary) return undefined;
  const data = state.buf.slice(state.pos + 1, state.end);
  const payload: ProprietaryPayload = { header, ci, id: state.id, data, telegram, records: [] };
  const key = keyFor(state);
  if (key) payload.key = key;
  return family.decodeProprietary(payload);
}

/**
 * Records with the meter family's reading of what the standard left as bytes: the manufacturer
 * data after DIF 0F/1F, or an APDU that did not parse as records. What the family does not read
 * stays as it was (hex), never half-read.
 */
function withProprietary(
  state: DecodeState,
  parsed: MbusRecord[],
  unparsed: UnparsedRegion | undefined,
  family: MeterFamily,
  telegram: Uint8Array,
): { records: MbusRecord[]; unparsed: UnparsedRegion | undefined } {
  const last = parsed[parsed.length - 1];
  const isRaw = unparsed ? last?.quantity === 'unparsed' : last?.quantity === 'manufacturer_data';
  const data = isRaw && typeof last?.value === 'string' ? parseHex(last.value) : undefined;
  if (!data) return { records: parsed, unparsed };
  const before = parsed.slice(0, -1);
  const records = family.decodeProprietary!({ header: headerOf(state), id: state.id, data, telegram, records: before });
  if (!records) return { records: parsed, unparsed };
  // A family may read part of a region and hand back the rest as an unparsed record.
  const tail = records[records.length - 1];
  const rest = tail?.quantity === 'unparsed' && typeof tail.value === 'string' ? tail.value : undefined;
  const reason = unparsed?.reason ?? `${family.name}: manufacturer data not read`;
  return { records: [...before, ...records], unparsed: rest === undefined ? undefined : { reason, hex: rest } };
}

function telegramOf(
  state: DecodeState,
  parsed: MbusRecord[],
  unparsedRegion: UnparsedRegion | undefined,
  options: DecodeOptions,
  telegram?: Uint8Array,
): DecodedTelegram {
  const header = headerOf(state);
  const family = options.meters?.familyFor(header);
  let unparsed = unparsedRegion;
  if (family?.decodeProprietary && telegram) ({ records: parsed, unparsed } = withProprietary(state, parsed, unparsed, family, telegram));
  const records = normaliseRecords(parsed, family);
  const decoded: DecodedTelegram = {
    id: state.id,
    manufacturer: state.manufacturer,
    version: state.version,
    deviceType: state.deviceType,
    medium: mediumName(state.deviceType),
    link: { kind: state.kind, c: state.c, dllId: state.dllId, dllManufacturer: state.dllManufacturer },
    security: state.security,
    records,
    fields: buildFields(records, family, options.formats?.fieldNames),
  };
  if (unparsed) decoded.unparsed = unparsed;
  if (state.accessNumber !== undefined) decoded.accessNumber = state.accessNumber;
  if (state.status !== undefined) decoded.status = state.status;
  return decoded;
}

const KEY_HEX = /^[0-9A-Fa-f]{32}$/;
const ID_TEXT = /^[0-9A-Fa-f]{8}$/;

/** Parses a 32-hex-digit AES-128 key; throws an Error naming what is wrong. */
export function parseKey(text: string, what = 'key'): Uint8Array {
  const clean = text.trim();
  if (!KEY_HEX.test(clean)) throw new Error(`${what} must be 32 hex digits (AES-128), got ${clean.length} characters`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/**
 * Keys from a JSON object {"<8-digit id>": "<32 hex digits>"}; throws an Error naming the first bad
 * entry. Ids compare case-insensitively.
 */
export function keysFromObject(obj: Record<string, string>): KeyLookup {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new Error('keys must be a JSON object like {"30434741": "<32 hex digits>"}');
  }
  const keys = new Map<string, Uint8Array>();
  for (const [id, value] of Object.entries(obj)) {
    if (!ID_TEXT.test(id)) throw new Error(`meter id '${id}' in keys must be 8 digits`);
    if (typeof value !== 'string') throw new Error(`key for meter ${id} must be a string of 32 hex digits`);
    keys.set(id.toUpperCase(), parseKey(value, `key for meter ${id}`));
  }
  return (id) => keys.get(id.toUpperCase());
}

/** One key for every meter (the CLI's --key). */
export function keyForAll(key: Uint8Array): KeyLookup {
  return () => key;
}
