/**
 * Checks of everything a request carries (path ids, query ranges, JSON bodies) before the gateway
 * is asked to do anything, so a bad request is refused whole and changes nothing.
 */
import type { IncomingMessage } from 'node:http';
import type { TimeZone } from '../model/timezone.js';
import { HttpError, badRequest } from './http-error.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** bodies are a few short fields; anything larger is not one of ours */
export const MAX_BODY_BYTES = 4096;

export type Resolution = 'hour' | 'day';

// The widest range one request may ask for: a year of hours (8,784 rows, about 2.5 MB of JSON) or
// the longest daily retention the settings allow; longer hourly history is asked for a year at a time.
const MAX_SPAN_MS: Record<Resolution, number> = { hour: 366 * DAY_MS, day: 36600 * DAY_MS };
// A range given by its end only reaches back as far as the default one (48 hours, 31 days).
const DEFAULT_SPAN_MS: Record<Resolution, number> = { hour: 48 * HOUR_MS, day: 31 * DAY_MS };

export function meterIdParam(raw: string): string {
  // A broken %-escape cannot spell a meter id either: refuse it like any other non-id.
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = raw;
  }
  if (!/^[0-9A-Fa-f]{8}$/.test(id))
    throw badRequest(`"${id.slice(0, 40)}" is not a meter id: a meter id is the 8 digits printed on the meter`);
  return id.toUpperCase();
}

export function resolutionParam(raw: string | null): Resolution {
  if (raw === null || raw === '' || raw === 'hour' || raw === 'hourly') return 'hour';
  if (raw === 'day' || raw === 'daily') return 'day';
  throw badRequest(`resolution "${raw.slice(0, 40)}" is not known: use hour or day`);
}

/**
 * A point in time from a query: milliseconds since the epoch, an ISO 8601 date-time with its
 * offset (2025-06-01T10:00:00+02:00, ...Z), or a date (2025-06-01 = the start of that local day).
 */
export function timeParam(name: string, raw: string | null, tz: TimeZone): number | undefined {
  if (raw === null || raw === '') return undefined;
  const s = raw.trim();
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const noon = Date.UTC(y, m - 1, d, 12);
    if (m < 1 || m > 12 || d < 1 || d > 31 || new Date(noon).getUTCDate() !== d) throw badRequest(`${name}: ${s} is not a date`);
    return tz.dayStart(noon - tz.offset(noon));
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw badRequest(
    `${name}: "${s.slice(0, 40)}" is not a time: give a date (2025-06-01), a date-time with its offset (2025-06-01T10:00:00+02:00) or milliseconds since 1970`,
  );
}

export interface RangeQuery {
  resolution: Resolution;
  from?: number;
  to?: number;
}

export function rangeParams(q: URLSearchParams, tz: TimeZone): RangeQuery {
  const out: RangeQuery = { resolution: resolutionParam(q.get('resolution')) };
  const from = timeParam('from', q.get('from'), tz);
  const to = timeParam('to', q.get('to'), tz);
  if (from !== undefined && to !== undefined) {
    if (from >= to) throw badRequest('from must be before to');
    if (to - from > MAX_SPAN_MS[out.resolution])
      throw badRequest(`a ${out.resolution}ly range spans at most ${MAX_SPAN_MS[out.resolution] / DAY_MS} days`);
  }
  // Every range is bounded, whichever end is missing (from=0 alone once asked for ten years of hours).
  if (from !== undefined) {
    out.from = from;
    out.to = to ?? from + MAX_SPAN_MS[out.resolution];
  } else if (to !== undefined) {
    out.from = to - DEFAULT_SPAN_MS[out.resolution];
    out.to = to;
  }
  return out;
}

/** Refuses query parameters the route does not know (a typo should not silently return defaults). */
export function onlyParams(q: URLSearchParams, allowed: readonly string[]): void {
  for (const name of q.keys()) {
    if (!allowed.includes(name)) {
      throw badRequest(`unknown parameter "${name.slice(0, 40)}"${allowed.length ? ` (known: ${allowed.join(', ')})` : ''}`);
    }
  }
}

/** Reads a JSON object body of at most MAX_BODY_BYTES, sent as application/json. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new HttpError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new HttpError(413, 'too_large', `the body may have at most ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new HttpError(413, 'too_large', `the body may have at most ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw badRequest(`the body is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the body must be one JSON object');
  return value as Record<string, unknown>;
}

/** Refuses fields the route does not know and fields of the wrong type. */
export function checkFields(
  body: Record<string, unknown>,
  spec: Record<string, { type: 'string' | 'string-or-null'; required?: boolean }>,
): void {
  for (const name of Object.keys(body)) {
    if (!(name in spec)) throw badRequest(`unknown field "${name.slice(0, 40)}" (known: ${Object.keys(spec).join(', ')})`);
  }
  for (const [name, s] of Object.entries(spec)) {
    const v = body[name];
    if (v === undefined) {
      if (s.required) throw badRequest(`the field "${name}" is missing`);
      continue;
    }
    if (typeof v === 'string') continue;
    if (v === null && s.type === 'string-or-null') continue;
    throw badRequest(`the field "${name}" must be ${s.type === 'string' ? 'text' : 'text or null'}`);
  }
}
