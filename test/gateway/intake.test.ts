/** The intake policy on its own: no gateway, no store, no disk. */
import { describe, expect, it } from 'vitest';
import { DuplicateFilter } from '../../src/gateway/dedup.js';
import { EARLIEST_CLOCK_MS, type IntakeContext, type MeterRecord, classifyLink, classifyRaw } from '../../src/gateway/intake.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FormatMemory } from '../../src/wmbus/decode.js';
import { frameOnAir } from '../support/random-air.js';

const T0 = Date.parse('2025-06-20T09:50:47Z');
const KEY = Uint8Array.from(Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex'));

// A water meter telegram from the decoder's own builder: volume in litres (0C 13, BCD8).
function water(id: string, litres: number, accessNumber: number, counter?: number): Uint8Array {
  const bcd = String(litres).padStart(8, '0');
  const apl = Buffer.from(`2F2F0C13${bcd.slice(6, 8)}${bcd.slice(4, 6)}${bcd.slice(2, 4)}${bcd.slice(0, 2)}`, 'hex');
  const security = counter === undefined ? { mode: 0 as const } : { mode: 7 as const, key: KEY, counter };
  return buildTelegram({ manufacturer: 'ELS', id, version: 0x33, deviceType: 0x07, accessNumber, apl, security });
}

function context(meters: Record<string, MeterRecord>, keyed: string[] = []): IntakeContext {
  return {
    meter: (id) => meters[id],
    keys: { lookup: (id) => (keyed.includes(id) ? KEY : undefined), has: (id) => keyed.includes(id) },
    dedup: new DuplicateFilter(),
    formats: new FormatMemory(),
  };
}

const frame = (telegram: Uint8Array, time = T0) => ({ telegram, time, mode: 'T' as const, frameFormat: 'A' as const, corrected: 0 });

describe('intake', () => {
  it('accepts a telegram of a claimed meter and makes its reading', () => {
    const r = classifyLink(frame(water('12345678', 1258, 1)), context({ '12345678': {} }));
    expect(r.outcome).toBe('accepted');
    if (r.outcome === 'accepted') expect(r.reading).toMatchObject({ meterId: '12345678', time: T0, counters: { volume: 1.258 } });
  });

  it('sends an unknown meter to the nearby list', () => {
    const r = classifyLink(frame(water('87654321', 5, 1)), context({ '12345678': {} }));
    expect(r).toMatchObject({ outcome: 'nearby', telegram: { id: '87654321' } });
  });

  it('refuses a telegram in clear from a meter that has a key', () => {
    const r = classifyLink(frame(water('12345678', 1258, 1)), context({ '12345678': {} }, ['12345678']));
    expect(r).toMatchObject({ outcome: 'decode_error', error: { code: 'NOT_ENCRYPTED', id: '12345678' } });
  });

  it('accepts a mode 7 counter above the last one and refuses one equal or lower as a replay', () => {
    const ctx = context({ '12345678': { lastCounter: 10 } }, ['12345678']);
    expect(classifyLink(frame(water('12345678', 1, 1, 11)), ctx).outcome).toBe('accepted');
    expect(classifyLink(frame(water('12345678', 2, 2, 10)), ctx)).toMatchObject({ outcome: 'replay', counter: 10, lastCounter: 10 });
    expect(classifyLink(frame(water('12345678', 3, 3, 9)), ctx)).toMatchObject({ outcome: 'replay', counter: 9, lastCounter: 10 });
  });

  it('ignores a telegram stamped before 2024 (clock not set yet)', () => {
    const r = classifyLink(frame(water('12345678', 1, 1), EARLIEST_CLOCK_MS - 1), context({ '12345678': {} }));
    expect(r.outcome).toBe('clock_unset');
  });

  it("counts a second copy within the window as a duplicate, but not a claimed meter's replayed last telegram", () => {
    const ctx = context({});
    const bytes = water('12345678', 1, 1);
    expect(classifyLink(frame(bytes), ctx).outcome).toBe('nearby');
    expect(classifyLink(frame(bytes, T0 + 1000), ctx).outcome).toBe('duplicate');
    expect(classifyLink(frame(bytes, T0 + 2000), { ...ctx, replayed: true }).outcome).toBe('nearby');
  });

  it('keeps what the reading needs: RSSI, access number, radio mode and format; the hex in upper case', () => {
    const telegram = water('12345678', 1258, 0x2a);
    const r = classifyLink({ ...frame(telegram), rssi: -71 }, context({ '12345678': {} }));
    expect(r.outcome).toBe('accepted');
    if (r.outcome !== 'accepted') return;
    expect(r.reading).toMatchObject({ rssi: -71, accessNumber: 0x2a, mode: 'T', frameFormat: 'A', securityMode: 0 });
    expect(r.hex).toBe(Buffer.from(telegram).toString('hex').toUpperCase());
    expect(r.hex).toMatch(/^[0-9A-F]+$/);
    // a frame heard without an RSSI makes a reading without one (not rssi: undefined in the store)
    const quiet = classifyLink(frame(water('12345678', 1259, 0x2b)), context({ '12345678': {} }));
    expect(quiet.outcome === 'accepted' && Object.keys(quiet.reading).includes('rssi')).toBe(false);
  });

  it('takes a telegram stamped at the first moment it trusts the clock', () => {
    expect(classifyLink(frame(water('12345678', 1, 1), EARLIEST_CLOCK_MS), context({ '12345678': {} })).outcome).toBe('accepted');
  });

  it('decodes a raw frame from the radio, or takes the link frame the radio process decoded already', () => {
    const telegram = water('12345678', 1258, 1);
    const raw = classifyRaw({ raw: frameOnAir('T', 'A', telegram) }, T0, context({ '12345678': {} }));
    expect(raw.frame).toMatchObject({ time: T0, mode: 'T', frameFormat: 'A' });
    expect(raw.intake.outcome).toBe('accepted');
    // with `link` set the raw bytes are not decoded again (here they could not be)
    const link = { telegram, mode: 'C' as const, frameFormat: 'B' as const, corrected: 0 };
    const given = classifyRaw({ raw: Uint8Array.of(1, 2, 3), link }, T0, context({ '12345678': {} }));
    expect(given.frame).toEqual({ ...link, time: T0 });
    expect(given.intake).toMatchObject({ outcome: 'accepted', reading: { mode: 'C', frameFormat: 'B' } });
  });

  it('names a frame the frame core refuses', () => {
    const r = classifyRaw({ raw: Uint8Array.of(0x01, 0x02, 0x03) }, T0, context({}));
    expect(r.frame).toBeUndefined();
    expect(r.intake.outcome).toBe('frame_error');
  });
});
