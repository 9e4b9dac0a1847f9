/**
 * Meter quirks: the few meters that break the standard or need names the records cannot give.
 * One small file per family (as rtl_433 keeps one decoder per device), each with its captures in
 * test/meters/. A standard meter needs nothing here.
 */
import { crc16En13757 } from '../wmbus/crc.js';
import type { MbusRecord } from '../wmbus/types.js';
import { elgamaGama350 } from './egm-gama350.js';
import { imeConto } from './ime.js';
import { kamstrupCompact } from './kam-compact.js';
import { schneiderIem3000 } from './sec-iem3000.js';

export interface MeterHeader {
  manufacturer: string;
  version: number;
  deviceType: number;
}

export interface MeterQuirk {
  /** meter family, for logs and tests */
  name: string;
  matches(header: MeterHeader): boolean;
  /**
   * The record as the standard would have sent it, for meters that bend the standard (subunits
   * used for another quantity, standard quantities behind manufacturer VIFs). Must not mutate.
   */
  normalise?(record: MbusRecord): MbusRecord;
  /** A friendlier field name for a record, without its unit suffix; undefined keeps the generic one. */
  fieldName?(record: MbusRecord): string | undefined;
  /**
   * Record formats (DIF/VIF bytes) the family uses in compact frames without ever sending the full
   * frame that would teach them. Keyed by nothing but their own CRC, so they are safe for any meter.
   */
  compactFormats?: readonly Uint8Array[];
}

const QUIRKS: readonly MeterQuirk[] = [elgamaGama350, kamstrupCompact, schneiderIem3000, imeConto];

export function quirkFor(header: MeterHeader): MeterQuirk | undefined {
  for (const q of QUIRKS) if (q.matches(header)) return q;
  return undefined;
}

/**
 * Records of a telegram with its meter's quirks applied (the same array when there are none).
 * `quirk` is quirkFor(header); a caller that already has it passes it.
 */
export function applyMeterQuirks(records: MbusRecord[], header: MeterHeader, quirk: MeterQuirk | undefined = quirkFor(header)): MbusRecord[] {
  const normalise = quirk?.normalise;
  return normalise ? records.map(normalise) : records;
}

/** Signature (CRC of the format bytes, as a compact frame names it) -> format bytes. */
const KNOWN_FORMATS: ReadonlyMap<number, Uint8Array> = (() => {
  const m = new Map<number, Uint8Array>();
  for (const q of QUIRKS) for (const f of q.compactFormats ?? []) m.set(crc16En13757(f), f);
  return m;
})();

/**
 * A compact-frame format known in advance, for a compact frame whose meter never sent (or not yet)
 * the full frame. The full-frame CRC inside the compact frame still guards against a wrong guess.
 */
export function knownCompactFormat(signature: number): Uint8Array | undefined {
  return KNOWN_FORMATS.get(signature);
}
