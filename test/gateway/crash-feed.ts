/** The crash test's meter: an unencrypted water meter whose counter is a known function of the sequence number. */
import { buildTelegram } from '../../src/wmbus/build.js';

export const CRASH_METER = '72104388';
/** Simulated time of reading 0: the run crosses the spring DST change of 2025-03-30. */
export const CRASH_T0 = Date.parse('2025-03-28T12:00:00Z');

/** litres on the meter at reading `seq` (monotonic, uneven steps) */
export function crashLitres(seq: number): number {
  return 100_000 + seq * 10 + (seq % 7);
}

export function crashTelegram(seq: number): Uint8Array {
  const bcd = String(crashLitres(seq)).padStart(8, '0');
  const apl = Buffer.from(`0C13${bcd.slice(6, 8)}${bcd.slice(4, 6)}${bcd.slice(2, 4)}${bcd.slice(0, 2)}`, 'hex');
  return buildTelegram({ manufacturer: 'DME', id: CRASH_METER, version: 0x70, deviceType: 0x07, accessNumber: seq & 0xff, apl });
}
