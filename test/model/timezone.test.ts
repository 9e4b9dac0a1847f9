/**
 * The gateway's local hours come from the OS tz database files (TZif) instead of Intl; both must
 * tell the same offsets, across DST changes, half-hour and 45-minute zones, the southern hemisphere,
 * and past 2037 where a file's transitions end and its footer rule takes over.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TimeZone, isTimeZone } from '../../src/model/timezone.js';
import { parsePosixRule, posixOffset, TzifError } from '../../src/model/tzif.js';
import { tempDir } from '../support/gateway-harness.js';
import { thrownBy } from '../support/errors.js';

const HOUR = 3_600_000;
const ZONEINFO = '/usr/share/zoneinfo';

const formats = new Map<string, Intl.DateTimeFormat>();

/** Local time minus UTC at t (ms), as ICU's tables tell it. */
function intlOffset(zone: string, t: number): number {
  const format =
    formats.get(zone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(zone, format);
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(t))) p[part.type] = Number(part.value);
  return Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!) - t;
}

/** Every hour of a year: a change at the wrong hour shows as a mismatch. */
function hoursOf(year: number): number[] {
  const out: number[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) out.push(t);
  return out;
}

// Zones whose rules have been stable for years, so that ICU's copy and the OS's agree.
const ZONES = [
  'Europe/Warsaw',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Europe/Dublin',
  'UTC',
];

const savedTzdir = process.env['TZDIR'];
const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const remove of removals.splice(0)) await remove();
  if (savedTzdir === undefined) delete process.env['TZDIR'];
  else process.env['TZDIR'] = savedTzdir;
});

describe('TimeZone from the tz database files', () => {
  it.each(ZONES)('%s: the same offset as Intl every hour of 2025 and of 2041 (after the files end)', (zone) => {
    const tz = new TimeZone(zone);
    const wrong = [...hoursOf(2025), ...hoursOf(2041)]
      .filter((t) => tz.offset(t) !== intlOffset(zone, t))
      .map((t) => new Date(t).toISOString());
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('reads the zone from its file: a Tokyo file named Europe/Warsaw gives +09:00', async () => {
    const { dir, remove } = await tempDir();
    removals.push(remove);
    mkdirSync(path.join(dir, 'Europe'));
    copyFileSync(path.join(ZONEINFO, 'Asia/Tokyo'), path.join(dir, 'Europe/Warsaw'));
    process.env['TZDIR'] = dir;
    const tz = new TimeZone('Europe/Warsaw');
    expect(tz.offset(Date.UTC(2025, 6, 1))).toBe(9 * HOUR);
    expect(tz.isoLocal(Date.UTC(2025, 6, 1, 12))).toBe('2025-07-01T21:00:00+09:00');
  });

  it('falls back to Intl when the zone has no file or a broken one', async () => {
    const { dir, remove } = await tempDir();
    removals.push(remove);
    writeFileSync(path.join(dir, 'Broken'), 'not a zone');
    process.env['TZDIR'] = dir;
    expect(new TimeZone('Europe/Warsaw').offset(Date.UTC(2025, 6, 1))).toBe(2 * HOUR);
    expect(isTimeZone('Europe/Warsaw')).toBe(true);
    expect(() => new TimeZone('Broken')).toThrow(RangeError);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('../etc/passwd')).toBe(false);
  });

  it('keeps local days right across DST changes (23- and 25-hour days in Warsaw)', () => {
    const tz = new TimeZone('Europe/Warsaw');
    const spring = tz.dayStart(Date.UTC(2025, 2, 30, 12));
    expect(tz.nextDayStart(spring) - spring).toBe(23 * HOUR);
    const autumn = tz.dayStart(Date.UTC(2025, 9, 26, 12));
    expect(tz.nextDayStart(autumn) - autumn).toBe(25 * HOUR);
    expect(tz.parts(Date.UTC(2025, 9, 26, 0, 30))).toEqual({ year: 2025, month: 10, day: 26, hour: 2, minute: 30, second: 0 });
  });
});

describe('POSIX TZ rules (the footer of a TZif file, all a slim file has for today)', () => {
  it.each([
    ['CET-1CEST,M3.5.0,M10.5.0/3', 'Europe/Warsaw'],
    ['EST5EDT,M3.2.0,M11.1.0', 'America/New_York'],
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', 'Australia/Sydney'],
    ['<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45', 'Pacific/Chatham'],
    ['<+0530>-5:30', 'Asia/Kolkata'],
  ])('%s matches Intl for %s every hour of 2030', (text, zone) => {
    const rule = parsePosixRule(text);
    const wrong = hoursOf(2030).filter((t) => posixOffset(rule, t / 1000) * 1000 !== intlOffset(zone, t));
    expect(wrong.map((t) => new Date(t).toISOString()).slice(0, 5)).toEqual([]);
  });

  it('reads Julian days (Jn skips 29 February, n counts it) and times past 24 hours', () => {
    // DST from day 60 (1 March in a leap year with Jn, 29 February with n) at 02:00 local standard time
    const julian = parsePosixRule('AAA3BBB,J60,J300');
    const zeroBased = parsePosixRule('AAA3BBB,59,299');
    const march1 = Date.UTC(2028, 2, 1, 5) / 1000; // 02:00 at UTC-3
    expect(posixOffset(julian, march1 - 1)).toBe(-3 * 3600);
    expect(posixOffset(julian, march1)).toBe(-2 * 3600);
    expect(posixOffset(zeroBased, march1 - 86_400)).toBe(-2 * 3600);
    // Greenland's rule: the change at -1:00 on Saturday, i.e. 23:00 on the Saturday, 01:00 UTC on the Sunday
    const nuuk = parsePosixRule('<-02>2<-01>,M3.5.0/-1,M10.5.0/0');
    expect(posixOffset(nuuk, Date.UTC(2030, 2, 31, 0, 59) / 1000)).toBe(-2 * 3600);
    expect(posixOffset(nuuk, Date.UTC(2030, 2, 31, 1) / 1000)).toBe(-3600);
  });

  it('says which rule it cannot read', () => {
    expect(() => parsePosixRule('CET-1CEST,M3.5.0')).toThrow(TzifError);
    thrownBy(() => parsePosixRule('X1'), TzifError, /cannot read the time zone rule "X1"/);
  });
});
