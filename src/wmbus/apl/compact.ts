/**
 * Format and compact frames (EN 13757-3:2018 Annex G). A compact frame carries only the data of
 * the records; their DIF/VIF headers were learned from a full frame or a format frame of the same
 * meter, named by the CRC of those header bytes (the format signature).
 */
import { crc16En13757 } from '../crc.js';
import type { DecodeErrorInfo } from '../types.js';
import { DF_SPECIAL, DIF_GLOBAL_READOUT, DIF_IDLE_FILLER, RecordHeader, readDib, readVib } from './dib.js';
import { dataSize, parseRecords, type AplResult } from './records.js';

export function formatSignature(dibVib: Uint8Array): number {
  return crc16En13757(dibVib);
}

/** Reads the 2-byte little-endian signature that opens format and compact frames. */
export function compactSignatureOf(bytes: Uint8Array, start: number): number {
  return (bytes[start] ?? 0) | ((bytes[start + 1] ?? 0) << 8);
}

type Failure = { ok: false; error: DecodeErrorInfo };
const failure = (code: DecodeErrorInfo['code'], message: string): Failure => ({ ok: false, error: { code, message } });

/** The end of the record format entry at pos in dibVib, or an error when it is not one. */
function formatEntryEnd(dibVib: Uint8Array, pos: number, h: RecordHeader): number | Failure {
  const dif = dibVib[pos]!;
  if ((dif & 0x0f) === DF_SPECIAL) return pos + 1;
  const broken = readDib(dibVib, pos, dibVib.length, h) ?? readVib(dibVib, h.dibEnd, dibVib.length, h);
  if (broken) return failure('MALFORMED', `learned record format: ${broken.message}`);
  return h.vibEnd;
}

/**
 * Format frame (CI 0x69–0x6B): bytes[start] is the length of what follows (signature + headers),
 * then the signature (2 LE) and the DIF/VIF bytes, whose CRC must equal the signature.
 */
export function parseFormatFrame(
  bytes: Uint8Array,
  start: number,
  end: number,
): { ok: true; signature: number; dibVib: Uint8Array } | Failure {
  if (end - start < 3) return failure('TRUNCATED', 'format frame is shorter than its length and signature');
  const len = bytes[start]!;
  if (start + 1 + len > end || len < 2) return failure('TRUNCATED', `format frame announces ${len} bytes, ${end - start - 1} present`);
  const signature = compactSignatureOf(bytes, start + 1);
  // A copy the format memory can keep (slice() of a Node Buffer would still be the caller's memory).
  const dibVib = new Uint8Array(bytes.subarray(start + 3, start + 1 + len));
  const crc = formatSignature(dibVib);
  if (crc !== signature) {
    return failure('CRC', `format frame signature 0x${hex4(signature)} does not match its record headers (CRC 0x${hex4(crc)})`);
  }
  const h = new RecordHeader();
  for (let pos = 0; pos < dibVib.length;) {
    const next = formatEntryEnd(dibVib, pos, h);
    if (typeof next !== 'number') return next;
    pos = next;
  }
  return { ok: true, signature, dibVib };
}

/**
 * Compact frame (CI 0x79/0x7B/0x73): signature (2 LE), full-frame CRC (2 LE), then the record data.
 * The full records are rebuilt from the learned headers and checked against the full-frame CRC.
 */
export function parseCompactFrame(
  bytes: Uint8Array,
  start: number,
  end: number,
  dibVib: Uint8Array,
): Extract<AplResult, { ok: true }> | Failure {
  if (end - start < 4) return failure('TRUNCATED', 'compact frame is shorter than its signature and CRC');
  const signature = compactSignatureOf(bytes, start);
  const fullCrc = compactSignatureOf(bytes, start + 2);
  const full = new Uint8Array(dibVib.length + (end - start - 4));
  let out = 0;
  let data = start + 4;
  const h = new RecordHeader();
  for (let pos = 0; pos < dibVib.length;) {
    const next = formatEntryEnd(dibVib, pos, h);
    if (typeof next !== 'number') return next;
    full.set(dibVib.subarray(pos, next), out);
    out += next - pos;
    const dif = dibVib[pos]!;
    pos = next;
    if ((dif & 0x0f) === DF_SPECIAL) {
      if (dif === DIF_IDLE_FILLER || dif === DIF_GLOBAL_READOUT) continue;
      break; // manufacturer data: the rest of the frame
    }
    const size = dataSize(dif & 0x0f, bytes, data, end);
    if (size < 0) return failure('TRUNCATED', `compact frame (format 0x${hex4(signature)}) ends before its records do`);
    full.set(bytes.subarray(data, data + size), out);
    out += size;
    data += size;
  }
  // What follows the last learned record is manufacturer data, or idle filler after encryption.
  let tail = end;
  while (tail > data && bytes[tail - 1] === DIF_IDLE_FILLER) tail--;
  full.set(bytes.subarray(data, tail), out);
  out += tail - data;
  const crc = crc16En13757(full, 0, out);
  if (crc !== fullCrc) {
    return failure(
      'CRC',
      `compact frame does not fit the learned format 0x${hex4(signature)}: full-frame CRC 0x${hex4(fullCrc)} expected, 0x${hex4(crc)} rebuilt`,
    );
  }
  return parseRecords(full, 0, out);
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
