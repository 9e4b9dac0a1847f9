/**
 * Records built by meter families from proprietary payloads, in the shape the standard records
 * have, so fields, history and units treat them alike.
 */
import { hexByte } from '../wmbus/hex.js';
import type { MbusRecord, Unit } from '../wmbus/types.js';

export interface ProprietaryValue {
  quantity: string;
  unit: Unit;
  value: number | string | null;
  /** the payload bytes the value was read from */
  bytes: Uint8Array;
  storage?: number;
  qualifiers?: string[];
}

export function proprietaryRecord(v: ProprietaryValue): MbusRecord {
  let data = '';
  for (const b of v.bytes) data += hexByte(b);
  const r: MbusRecord = {
    quantity: v.quantity,
    unit: v.unit,
    value: v.value,
    function: 'instantaneous',
    storage: v.storage ?? 0,
    tariff: 0,
    subunit: 0,
    dif: '',
    vif: '',
    data,
  };
  if (v.qualifiers) r.qualifiers = v.qualifiers;
  return r;
}

/** Unsigned little-endian integer of `len` bytes (at most 6). */
export function uintLe(bytes: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = len - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

/** True when bytes[at, end) hold only idle filler (0x2F) or zero padding. */
export function onlyPadding(bytes: Uint8Array, at: number, end = bytes.length): boolean {
  for (let i = at; i < end; i++) if (bytes[i] !== 0x2f && bytes[i] !== 0x00) return false;
  return true;
}
