/**
 * Local hours and days in an IANA time zone. Buckets are keyed by their UTC start (ms), so the
 * repeated 02:00 hour of an autumn DST change is two buckets, and a spring day has 23.
 * The zone's rules come from the OS tz database (TZDIR, else /usr/share/zoneinfo: what glibc and
 * Intl's own tables are built from); Intl answers only for a zone that has no file there, since
 * its tables cost the gateway several MiB of memory (see tzif.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { offsetAt, parseTzif, type ZoneRules } from './tzif.js';

const HOUR_MS = 3_600_000;
// Offsets change at most every 15 minutes of UTC time in any zone; caching per quarter hour keeps
// the lookup off the per-telegram path.
const QUARTER_MS = 900_000;
/** zone names are paths below the tz database folder: letters, digits, _ + - and / between parts */
const ZONE_NAME = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

/** The zone's rules from the tz database folder, or undefined when it has no readable file for the name. */
function zoneRules(name: string): ZoneRules | undefined {
  if (!ZONE_NAME.test(name)) return undefined;
  try {
    return parseTzif(readFileSync(path.join(process.env['TZDIR'] ?? '/usr/share/zoneinfo', name)));
  } catch {
    return undefined;
  }
}

function intlFormat(name: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** Local time minus UTC at t (ms), from Intl's calendar fields. */
function intlOffset(format: Intl.DateTimeFormat, t: number): number {
  const p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of format.formatToParts(new Date(t))) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
}

export class TimeZone {
  readonly name: string;
  /** local time minus UTC at an instant, both in ms */
  readonly #offsetAt: (t: number) => number;
  readonly #offsets = new Map<number, number>();

  /** Throws a RangeError naming the zone when neither the tz database nor Intl knows it. */
  constructor(name: string) {
    const rules = zoneRules(name);
    if (rules) {
      this.name = name;
      this.#offsetAt = (t) => offsetAt(rules, Math.floor(t / 1000)) * 1000;
    } else {
      const format = intlFormat(name);
      this.name = format.resolvedOptions().timeZone;
      this.#offsetAt = (t) => intlOffset(format, t);
    }
  }

  /** Local time minus UTC at instant t, in ms (Warsaw: 3_600_000 in winter, 7_200_000 in summer). */
  offset(t: number): number {
    const quarter = Math.floor(t / QUARTER_MS);
    let off = this.#offsets.get(quarter);
    if (off === undefined) {
      off = this.#offsetAt(quarter * QUARTER_MS);
      if (this.#offsets.size > 10_000) this.#offsets.clear();
      this.#offsets.set(quarter, off);
    }
    return off;
  }

  /** Calendar fields of instant t in this zone. */
  parts(t: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
    const local = new Date(t + this.offset(t));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: local.getUTCSeconds(),
    };
  }

  /** Start (UTC ms) of the local hour that contains t. */
  hourStart(t: number): number {
    return t - mod(t + this.offset(t), HOUR_MS);
  }

  /** Start (UTC ms) of the local day that contains t. */
  dayStart(t: number): number {
    const local = t + this.offset(t);
    const midnightLocal = local - mod(local, 24 * HOUR_MS);
    return this.#instantOfLocal(midnightLocal);
  }

  /** Start of the local day after the one containing t (23, 24 or 25 hours later). */
  nextDayStart(t: number): number {
    const local = t + this.offset(t);
    const nextMidnightLocal = local - mod(local, 24 * HOUR_MS) + 24 * HOUR_MS;
    return this.#instantOfLocal(nextMidnightLocal);
  }

  /** Start of the local month that contains t. */
  monthStart(t: number): number {
    const p = this.parts(t);
    return this.#instantOfLocal(Date.UTC(p.year, p.month - 1, 1));
  }

  /** "YYYY-MM-DD" of the local day containing t. */
  dateString(t: number): string {
    return new Date(t + this.offset(t)).toISOString().slice(0, 10);
  }

  /** ISO 8601 local time with its offset, e.g. 2025-03-30T03:00:00+02:00. */
  isoLocal(t: number): string {
    const off = this.offset(t);
    const local = new Date(t + off).toISOString().slice(0, 19);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off) / 60_000;
    return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  }

  // A local wall-clock time (as if UTC) -> the earliest instant showing it. Offsets a day either
  // side cover any DST change; a wall time inside a spring gap maps to the instant after the gap,
  // which is what a midnight that falls in a gap should mean.
  #instantOfLocal(wall: number): number {
    const candidates = [wall - this.offset(wall - 24 * HOUR_MS), wall - this.offset(wall + 24 * HOUR_MS)];
    const exact = candidates.filter((t) => t + this.offset(t) === wall);
    if (exact.length > 0) return Math.min(...exact);
    return Math.min(...candidates.filter((t) => t + this.offset(t) > wall));
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** true when the tz database or Intl knows the zone (used by configuration validation). */
export function isTimeZone(name: string): boolean {
  if (zoneRules(name)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
