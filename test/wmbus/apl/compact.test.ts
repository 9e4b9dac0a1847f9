/**
 * Format and compact frames against EN 13757-3:2018 G.5 (docs PROTOCOL §6.9): full frame
 * 02 02 D204 | 02 15 2E16 | 02 2A 3423, format frame 69 08 313B 02020215022A, compact frame
 * 79 313B 42A6 D2042E163423.
 */
import { describe, expect, it } from 'vitest';
import { compactSignatureOf, formatSignature, parseCompactFrame, parseFormatFrame } from '../../../src/wmbus/apl/compact.js';
import { parseRecords } from '../../../src/wmbus/apl/records.js';
import { hex } from '../../support/bytes.js';

const FULL = hex('0202D204 02152E16 022A3423');
const FORMAT = hex('08 313B 02020215022A'); // after CI 0x69
const COMPACT = hex('313B 42A6 D2042E163423'); // after CI 0x79

describe('compact frames (EN 13757-3 Annex G)', () => {
  it('signs the DIF/VIF bytes of the full frame as the standard does', () => {
    const full = parseRecords(FULL);
    expect(full.ok).toBe(true);
    if (!full.ok) return;
    expect(formatSignature(full.apl.dibVib)).toBe(0x3b31);
    expect(compactSignatureOf(COMPACT, 0)).toBe(0x3b31);
    expect(formatSignature(hex('040404843C042B04AB3C'))).toBe(0x8c13);
  });

  it('learns the format from a format frame', () => {
    const f = parseFormatFrame(FORMAT, 0, FORMAT.length);
    expect(f).toMatchObject({ ok: true, signature: 0x3b31 });
    if (f.ok) expect(Buffer.from(f.dibVib).toString('hex')).toBe('02020215022a');
  });

  it('decodes the compact frame to the same records as the full frame', () => {
    const full = parseRecords(FULL);
    const compact = parseCompactFrame(COMPACT, 0, COMPACT.length, hex('02020215022A'));
    expect(compact.ok && full.ok).toBe(true);
    if (compact.ok && full.ok) expect(compact.apl.records).toEqual(full.apl.records);
  });

  it('ignores idle filler after the last record (padding of encrypted compact frames)', () => {
    const padded = hex('313B 42A6 D2042E163423 2F2F2F');
    expect(parseCompactFrame(padded, 0, padded.length, hex('02020215022A')).ok).toBe(true);
  });

  it('rejects a compact frame whose data does not fit the learned format', () => {
    const changed = hex('313B 42A6 D2042E163424');
    const r = parseCompactFrame(changed, 0, changed.length, hex('02020215022A'));
    expect(r.ok ? 'ok' : r.error.code).toBe('CRC');
    const short = hex('313B 42A6 D2042E16');
    const s = parseCompactFrame(short, 0, short.length, hex('02020215022A'));
    expect(s.ok ? 'ok' : s.error.code).toBe('TRUNCATED');
  });

  it('rejects a format frame whose signature is not the CRC of its headers', () => {
    const bad = hex('08 323B 02020215022A');
    const r = parseFormatFrame(bad, 0, bad.length);
    expect(r.ok ? 'ok' : r.error.code).toBe('CRC');
    const short = hex('09 313B 02020215022A');
    const s = parseFormatFrame(short, 0, short.length);
    expect(s.ok ? 'ok' : s.error.code).toBe('TRUNCATED');
  });
});
