import { applyMeterQuirks, quirkFor } from '../meters/index.js';
import { AFL_CI, parseAfl } from './afl.js';
import type { DecodeState } from './decode-state.js';
import { isEllCi, parseEll } from './ell.js';
import { buildFields } from './fields.js';
import { FormatMemory } from './format-memory.js';
import { parseLink } from './link.js';
import { mediumName } from './medium.js';
import { parseTpl } from './tpl.js';
import type { DecodeResult, DecodedTelegram, KeyLookup, MbusRecord } from './types.js';

/**
 * The telegram decoder: link layer → [ELL] → [AFL] → TPL (security) → application records.
 * Bytes in, a decoded telegram or a typed error out; it never throws.
 */

export { FormatMemory } from './format-memory.js';

export interface DecodeOptions {
  /** AES keys by meter */
  keys?: KeyLookup;
  /** compact-frame formats learned from earlier full frames (and field names); the caller keeps one per run */
  formats?: FormatMemory;
}

export function decodeTelegram(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  try {
    return decodeLayers(plainView(bytes), options);
  } catch (err) {
    // Every layer returns typed errors; this only guards the promise that nothing escapes.
    return { ok: false, error: { code: 'MALFORMED', message: `decoder fault on this telegram: ${(err as Error)?.message ?? String(err)}` } };
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
  let ci = state.buf[state.pos]!;
  if (isEllCi(ci)) {
    const error = parseEll(state);
    if (error) return { ok: false, error };
    ci = state.buf[state.pos]!;
  }
  if (state.pos >= state.end) return { ok: true, telegram: telegramOf(state, [], options.formats) };
  if (ci === AFL_CI) {
    const error = parseAfl(state);
    if (error) return { ok: false, error };
  }
  if (state.pos >= state.end) return { ok: true, telegram: telegramOf(state, [], options.formats) };
  const tpl = parseTpl(state, options.formats);
  if (!tpl.ok) return tpl;
  return { ok: true, telegram: telegramOf(state, tpl.records, options.formats) };
}

function telegramOf(state: DecodeState, parsed: MbusRecord[], formats: FormatMemory | undefined): DecodedTelegram {
  const header = { manufacturer: state.manufacturer, version: state.version, deviceType: state.deviceType };
  const quirk = quirkFor(header);
  const records = applyMeterQuirks(parsed, header, quirk);
  const telegram: DecodedTelegram = {
    id: state.id,
    manufacturer: state.manufacturer,
    version: state.version,
    deviceType: state.deviceType,
    medium: mediumName(state.deviceType),
    link: { kind: state.kind, c: state.c, dllId: state.dllId, dllManufacturer: state.dllManufacturer },
    security: state.security,
    records,
    fields: buildFields(records, header, quirk, formats?.fieldNames),
  };
  if (state.accessNumber !== undefined) telegram.accessNumber = state.accessNumber;
  if (state.status !== undefined) telegram.status = state.status;
  return telegram;
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
