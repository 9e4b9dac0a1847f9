/**
 * What becomes of a frame: the gateway's intake and security policy as one function of the frame,
 * the claimed meter's record, the keys and the duplicate filter. It writes nothing and emits
 * nothing; the only state it advances is what it is handed for that purpose (the duplicate
 * filter's window and the decoder's compact-frame memory). The gateway acts on the answer.
 */
import { meterFamilies } from '../meters/index.js';
import { type FormatMemory, decodeTelegram } from '../wmbus/decode.js';
import { decodeRawFrame } from '../wmbus/frame/decode-raw.js';
import type { LinkFrame, RawFrame } from '../wmbus/frame/types.js';
import type { DecodeErrorInfo, DecodedTelegram, KeyLookup } from '../wmbus/types.js';
import type { DuplicateFilter } from './dedup.js';
import { extractValues } from '../model/reading.js';
import type { Reading } from '../model/reading.js';

/** Before this the system clock is surely unset (the project did not exist yet). */
export const EARLIEST_CLOCK_MS = Date.UTC(2024, 0, 1);

/** A link-layer frame with the time it was heard (ms since the epoch). */
export type TimedFrame = LinkFrame & { time: number };

/** What intake needs to know of a claimed meter. */
export interface MeterRecord {
  /** the last accepted mode 7 message counter */
  lastCounter?: number;
}

export interface IntakeContext {
  /** the record of a claimed meter; undefined for any other */
  meter: (id: string) => MeterRecord | undefined;
  keys: { lookup: KeyLookup; has: (id: string) => boolean };
  dedup: DuplicateFilter;
  formats: FormatMemory;
  /** a frame heard before (the last telegram of a meter being claimed): not a copy of itself */
  replayed?: boolean;
}

export type Intake =
  | { outcome: 'frame_error'; code: string; message: string }
  /** stamped before EARLIEST_CLOCK_MS: the clock is not set yet */
  | { outcome: 'clock_unset' }
  | { outcome: 'duplicate'; hex: string }
  | { outcome: 'decode_error'; error: DecodeErrorInfo; hex: string }
  /** decoded, from a meter that is not claimed */
  | { outcome: 'nearby'; telegram: DecodedTelegram; hex: string }
  | { outcome: 'replay'; telegram: DecodedTelegram; counter: number; lastCounter: number; hex: string }
  /** `reading` is what the telegram says, as the store keeps it (records go with the live view only) */
  | { outcome: 'accepted'; telegram: DecodedTelegram; reading: Reading; hex: string };

/**
 * A frame as the radio hands it over (bytes after the sync word): the frame core first, then
 * classifyLink. When the radio process has already decoded and CRC-checked it (`link`), that is
 * used, so each frame is decoded once.
 */
export function classifyRaw(
  raw: RawFrame & { link?: LinkFrame },
  time: number,
  ctx: IntakeContext,
): { frame?: TimedFrame; intake: Intake } {
  const result = raw.link ? { ok: true as const, frame: raw.link } : decodeRawFrame(raw);
  if (!result.ok) return { intake: { outcome: 'frame_error', code: result.reason, message: result.message } };
  const frame = { ...result.frame, time };
  return { frame, intake: classifyLink(frame, ctx) };
}

export function classifyLink(frame: TimedFrame, ctx: IntakeContext): Intake {
  const { telegram: bytes, time } = frame;
  // A Pi without a battery clock may start at 1970 until NTP answers: readings stamped then would
  // spread the next delta over decades of hourly history.
  if (time < EARLIEST_CLOCK_MS) return { outcome: 'clock_unset' };
  const hex = Buffer.from(bytes).toString('hex').toUpperCase();
  if (!ctx.replayed && ctx.dedup.isCopy(bytes, time)) return { outcome: 'duplicate', hex };
  const result = decodeTelegram(bytes, { keys: ctx.keys.lookup, formats: ctx.formats, meters: meterFamilies });
  if (!result.ok) return { outcome: 'decode_error', error: result.error, hex };
  const telegram = result.telegram;
  const meter = ctx.meter(telegram.id);
  if (!meter) return { outcome: 'nearby', telegram, hex };
  if (!telegram.security.decrypted && ctx.keys.has(telegram.id)) {
    // Anyone nearby can send a telegram in clear with this meter's id: a meter that has a key must
    // prove itself with it, or its readings could be forged.
    const message =
      'a telegram arrived in clear although the meter has a key: it was ignored (remove the key if this meter does not encrypt)';
    const { id, manufacturer } = telegram;
    return { outcome: 'decode_error', error: { code: 'NOT_ENCRYPTED', message, id, manufacturer }, hex };
  }
  const counter = telegram.security.mode === 7 ? telegram.security.counter : undefined;
  // EN 13757-7 mode 7: the message counter rises with every telegram; one not above the last
  // accepted is a recording sent again.
  if (counter !== undefined && meter.lastCounter !== undefined && counter <= meter.lastCounter) {
    return { outcome: 'replay', telegram, counter, lastCounter: meter.lastCounter, hex };
  }
  return { outcome: 'accepted', telegram, reading: readingOf(telegram, frame), hex };
}

function readingOf(t: DecodedTelegram, frame: TimedFrame): Reading {
  const values = extractValues(t.records);
  const reading: Reading = {
    meterId: t.id,
    time: frame.time,
    manufacturer: t.manufacturer,
    medium: t.medium,
    deviceType: t.deviceType,
    version: t.version,
    fields: t.fields,
    counters: values.counters,
    instant: values.instant,
    mode: frame.mode,
    frameFormat: frame.frameFormat,
    securityMode: t.security.mode,
  };
  if (frame.rssi !== undefined) reading.rssi = frame.rssi;
  if (t.accessNumber !== undefined) reading.accessNumber = t.accessNumber;
  return reading;
}
