/**
 * UTC offsets from a compiled tz database file (TZif, RFC 8536), the files an OS keeps under
 * /usr/share/zoneinfo. Reading them instead of asking Intl keeps ICU's data out of the gateway:
 * one Intl.DateTimeFormat touches about 8 MiB of the Node binary's ICU tables and heap
 * (BENCHMARKS.md, footprint), the file is 3 kB.
 */

const HEADER_BYTES = 44;
const DAY_S = 86_400;

/** Offsets of one zone: transitions (UTC seconds, ascending) with the offset that starts at each. */
export interface ZoneRules {
  /** offset (seconds east of UTC) before the first transition (RFC 8536 3.2: time type 0) */
  readonly initial: number;
  readonly at: readonly number[];
  readonly offsets: readonly number[];
  /** the footer's rule for instants after the last transition (RFC 8536 3.3) */
  readonly after: PosixRule | undefined;
}

export class TzifError extends Error {
  override name = 'TzifError';
}

/** Parses a TZif file of any version; the 64-bit block of version 2+ files is used when present. */
export function parseTzif(bytes: Uint8Array): ZoneRules {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number) => {
    if (bytes.byteLength < at + HEADER_BYTES || String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'TZif') {
      throw new TzifError('not a TZif file (a compiled tz database zone)');
    }
    const count = (i: number) => view.getUint32(at + 20 + 4 * i);
    return { version: bytes[at + 4]!, isut: count(0), isstd: count(1), leap: count(2), time: count(3), type: count(4), chars: count(5) };
  };
  const v1 = header(0);
  const v1Size = v1.time * 5 + v1.type * 6 + v1.chars + v1.leap * 8 + v1.isstd + v1.isut;
  const wide = v1.version >= 0x32; // '2' or later: a second header with 64-bit times follows
  const start = wide ? HEADER_BYTES + v1Size : 0;
  const h = wide ? header(start) : v1;
  const timeBytes = wide ? 8 : 4;
  let p = start + HEADER_BYTES;
  const at: number[] = [];
  for (let i = 0; i < h.time; i++, p += timeBytes) at.push(wide ? Number(view.getBigInt64(p)) : view.getInt32(p));
  const typeOf = [...bytes.subarray(p, p + h.time)];
  p += h.time;
  const typeOffsets: number[] = [];
  for (let i = 0; i < h.type; i++) typeOffsets.push(view.getInt32(p + 6 * i));
  p += h.type * 6 + h.chars + h.leap * (timeBytes + 4) + h.isstd + h.isut;
  let after: PosixRule | undefined;
  if (wide && bytes[p] === 0x0a) {
    const end = bytes.indexOf(0x0a, p + 1);
    const footer = String.fromCharCode(...bytes.subarray(p + 1, end < 0 ? bytes.byteLength : end));
    if (footer !== '') after = parsePosixRule(footer);
  }
  if (typeOffsets.length === 0) throw new TzifError('TZif file has no local time types');
  return { initial: typeOffsets[0]!, at, offsets: typeOf.map((t) => typeOffsets[t] ?? typeOffsets[0]!), after };
}

/** Seconds east of UTC at instant t (UTC seconds). */
export function offsetAt(rules: ZoneRules, t: number): number {
  const { at } = rules;
  if (at.length === 0 || t < at[0]!) return at.length === 0 && rules.after ? posixOffset(rules.after, t) : rules.initial;
  if (t >= at.at(-1)! && rules.after) return posixOffset(rules.after, t);
  let lo = 0;
  let hi = at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (at[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return rules.offsets[lo]!;
}

/** A POSIX TZ string (POSIX.1-2017 8.3, with RFC 8536 3.3.1's hours beyond 24): std offset and DST rule. */
export interface PosixRule {
  /** seconds east of UTC (POSIX writes the opposite sign: CET-1 is UTC+1) */
  readonly std: number;
  readonly dst: { readonly offset: number; readonly start: RuleDate; readonly end: RuleDate } | undefined;
}

/** A day of the year (Jn: 1-365 skipping 29 February; n: 0-365; Mm.w.d) and the local time of the change. */
type RuleDate =
  | { kind: 'julian'; day: number; time: number }
  | { kind: 'zeroBased'; day: number; time: number }
  | { kind: 'month'; month: number; week: number; weekday: number; time: number };

export function parsePosixRule(text: string): PosixRule {
  let i = 0;
  const fail = (): never => {
    throw new TzifError(`cannot read the time zone rule "${text}"`);
  };
  const name = () => {
    if (text[i] === '<') {
      const close = text.indexOf('>', i);
      if (close < 0) fail();
      i = close + 1;
    } else {
      const from = i;
      while (i < text.length && /[A-Za-z]/.test(text[i]!)) i++;
      if (i - from < 3) fail();
    }
  };
  const number = () => {
    const m = /^\d+/.exec(text.slice(i)) ?? fail();
    i += m[0].length;
    return Number(m[0]);
  };
  // [+-]hh[:mm[:ss]] in seconds, sign as written
  const time = () => {
    const sign = text[i] === '-' ? -1 : 1;
    if (text[i] === '-' || text[i] === '+') i++;
    let seconds = number() * 3600;
    for (const unit of [60, 1]) {
      if (text[i] !== ':') break;
      i++;
      seconds += number() * unit;
    }
    return sign * seconds;
  };
  const date = (): RuleDate => {
    let d: RuleDate;
    if (text[i] === 'J') {
      i++;
      d = { kind: 'julian', day: number(), time: 7200 };
    } else if (text[i] === 'M') {
      i++;
      const month = number();
      if (text[i++] !== '.') fail();
      const week = number();
      if (text[i++] !== '.') fail();
      d = { kind: 'month', month, week, weekday: number(), time: 7200 };
    } else d = { kind: 'zeroBased', day: number(), time: 7200 };
    if (text[i] === '/') {
      i++;
      d.time = time();
    }
    return d;
  };
  name();
  const std = -time();
  if (i === text.length) return { std, dst: undefined };
  name();
  const offset = text[i] === ',' ? std + 3600 : -time();
  if (text[i++] !== ',') fail();
  const start = date();
  if (text[i++] !== ',') fail();
  const end = date();
  if (i !== text.length) fail();
  return { std, dst: { offset, start, end } };
}

/** Seconds east of UTC at instant t under a POSIX rule. */
export function posixOffset(rule: PosixRule, t: number): number {
  const { dst } = rule;
  if (!dst) return rule.std;
  const year = new Date((t + rule.std) * 1000).getUTCFullYear();
  // The start is given in standard local time, the end in daylight local time.
  const start = dayStart(year, dst.start) + dst.start.time - rule.std;
  const end = dayStart(year, dst.end) + dst.end.time - dst.offset;
  const inDst = start < end ? t >= start && t < end : t >= start || t < end;
  return inDst ? dst.offset : rule.std;
}

/** UTC seconds of 00:00 of the rule's day in the given year (as if local time were UTC). */
function dayStart(year: number, d: RuleDate): number {
  const jan1 = Date.UTC(year, 0, 1) / 1000;
  if (d.kind === 'zeroBased') return jan1 + d.day * DAY_S;
  if (d.kind === 'julian') {
    const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
    return jan1 + (d.day - 1 + (leap && d.day >= 60 ? 1 : 0)) * DAY_S;
  }
  const first = new Date(Date.UTC(year, d.month - 1, 1));
  let day = 1 + ((d.weekday - first.getUTCDay() + 7) % 7) + (d.week - 1) * 7;
  const monthDays = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
  while (day > monthDays) day -= 7; // week 5: the last such weekday of the month
  return Date.UTC(year, d.month - 1, day) / 1000;
}
