import { parseHex, toHex } from '../hex.js';
import type { RadioMode } from './types.js';

/**
 * The line format of rtl_wmbus, which SDR users record and wmbusmeters reads (`rtlwmbus` input):
 * `MODE;CRC_OK;3OUTOF6OK;TIMESTAMP;PACKET_RSSI;CURRENT_RSSI;ID;0xHEX`, e.g.
 * `T1;1;1;2025-06-20 09:50:47.000;-62;;;0x1944...`. rtl_wmbus has already removed the DLL CRCs;
 * a second `;0x...` telegram may follow on the same line.
 */

export interface RtlWmbusTelegram {
  mode: RadioMode;
  /** rtl_wmbus found the block CRCs right */
  crcOk: boolean;
  /** rtl_wmbus found every 3-of-6 symbol valid (always true in C mode) */
  codingOk: boolean;
  /** ms since the epoch, read as local time (rtl_wmbus prints local time without a zone) */
  time?: number;
  rssi?: number;
  bytes: Uint8Array;
}

export type RtlWmbusLine = { ok: true; telegrams: RtlWmbusTelegram[] } | { ok: false; message: string };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

export function parseRtlWmbusLine(line: string): RtlWmbusLine {
  const fields = line.trim().split(';');
  // mode;crc ok;coding ok;timestamp;rssi;...;telegram[;telegram...]
  const [modeField = '', crcField, codingField, stampField = '', rssiField = ''] = fields;
  const mode = modeField === 'T1' ? 'T' : modeField === 'C1' ? 'C' : undefined;
  if (!mode) return { ok: false, message: `not a T1 or C1 line: starts with '${modeField.slice(0, 12)}'` };
  if (fields.length < 8) return { ok: false, message: `a ${modeField} line has 8 fields separated by ';', got ${fields.length}` };
  const stamp = TIMESTAMP.exec(stampField.trim());
  const rssi = rssiField.trim() === '' ? undefined : Number(rssiField);
  const telegrams: RtlWmbusTelegram[] = [];
  for (const field of fields.slice(7)) {
    if (!/^0x/i.test(field.trim())) return { ok: false, message: `telegram field '${field.slice(0, 12)}' does not start with 0x` };
    const bytes = parseHex(field.trim().slice(2));
    if (!bytes || bytes.length === 0) return { ok: false, message: 'telegram field is not hex' };
    const t: RtlWmbusTelegram = { mode, crcOk: crcField === '1', codingOk: codingField === '1', bytes };
    if (stamp) {
      const [, y, mo, d, h, mi, s, ms] = stamp;
      t.time = new Date(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, +(ms ?? '0').padEnd(3, '0')).getTime();
    }
    if (rssi !== undefined && Number.isFinite(rssi)) t.rssi = rssi;
    telegrams.push(t);
  }
  return { ok: true, telegrams };
}

/** An rtl_wmbus line for a received telegram (L first, CRCs removed), for tools that read that format. */
export function formatRtlWmbusLine(f: { mode: RadioMode; telegram: Uint8Array; time: number; rssi?: number }): string {
  const t = new Date(f.time);
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ` +
    `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  return `${f.mode}1;1;1;${stamp};${f.rssi ?? ''};;;0x${toHex(f.telegram).toLowerCase()}`;
}
