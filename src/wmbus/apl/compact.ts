import type { DecodeErrorInfo } from '../types.js';
import type { AplResult } from './records.js';

export function formatSignature(dibVib: Uint8Array): number {
  void dibVib;
  return 0;
}

export function parseFormatFrame(bytes: Uint8Array, start: number, end: number):
  { ok: true; signature: number; dibVib: Uint8Array } | { ok: false; error: DecodeErrorInfo } {
  void bytes; void start; void end;
  return { ok: false, error: { code: 'MALFORMED', message: 'format frames not implemented yet' } };
}

export function parseCompactFrame(bytes: Uint8Array, start: number, end: number, dibVib: Uint8Array): AplResult {
  void bytes; void start; void end; void dibVib;
  return { ok: false, error: { code: 'MALFORMED', message: 'compact frames not implemented yet' } };
}

export function compactSignatureOf(bytes: Uint8Array, start: number): number {
  return (bytes[start] ?? 0) | ((bytes[start + 1] ?? 0) << 8);
}
