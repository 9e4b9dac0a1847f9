/**
 * The JSON API: one table of routes, each with its method, path, whether it changes anything
 * (then it needs the admin token) and the query parameters it accepts. GET /api lists the table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/gateway.js';
import type { Reading } from '../model/reading.js';
import { METRICS_CONTENT_TYPE } from '../publish/prometheus.js';
import { historyCsv } from './csv.js';
import { type EventHub, MAX_EVENT_CLIENTS, TOPICS, parseTopics } from './events.js';
import { HttpError, badRequest, notFound } from './http-error.js';
import { inPieces, jsonWithList } from './streamed-body.js';
import { checkFields, meterIdParam, rangeParams, readJsonObject, timeParam } from './validate.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteContext {
  gateway: Gateway;
  hub: EventHub;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** the path's captured parts, e.g. the meter id */
  params: string[];
  info: () => Record<string, unknown>;
  metrics: (() => string | Promise<string>) | undefined;
}

/**
 * What a handler answers: JSON (the default), text, a body of pieces (large answers: see
 * streamed-body.ts), or 'streamed' when it wrote the response itself (server-sent events).
 */
export type Reply =
  | { status?: number; json: unknown }
  | { status?: number; text: string; type: string; headers?: Record<string, string> }
  | { status?: number; pieces: AsyncIterable<string>; type: string; headers?: Record<string, string> }
  | 'streamed';

const JSON_TYPE = 'application/json; charset=utf-8';

export interface Route {
  method: Method;
  /** the path as documented, e.g. /api/meters/{id}/history */
  path: string;
  pattern: RegExp;
  admin: boolean;
  query: readonly string[];
  doc: string;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

const ID = '([^/]+)';
const RANGE = ['resolution', 'from', 'to'] as const;

function route(
  method: Method,
  path: string,
  doc: string,
  handle: Route['handle'],
  opts: { admin?: boolean; query?: readonly string[] } = {},
): Route {
  const pattern = new RegExp(`^${path.replace(/\./g, '\\.').replace('{id}', ID)}$`);
  return { method, path, pattern, admin: opts.admin ?? false, query: opts.query ?? [], doc, handle };
}

function claimedId(ctx: RouteContext): string {
  const id = meterIdParam(ctx.params[0]!);
  if (!ctx.gateway.meter(id)) throw notFound(`meter ${id} is not claimed (claim it on the Meters page or with POST /api/meters)`);
  return id;
}

/** A reading without its raw records: what the page and the events need. */
export function lightReading(r: Reading): Omit<Reading, 'records'> {
  const { records: _records, ...rest } = r;
  return rest;
}

export const ROUTES: Route[] = [
  route(
    'GET',
    '/healthz',
    'health for the container health check: 200 while running, 503 while starting or while the store cannot be written',
    (ctx) => {
      const health = ctx.gateway.health();
      return { status: health.ok ? 200 : 503, json: health };
    },
  ),
  route('GET', '/api', 'this list of routes', () => ({
    json: { routes: ROUTES.map((r) => ({ method: r.method, path: r.path, admin: r.admin, query: r.query, doc: r.doc })) },
  })),
  route('GET', '/api/info', 'version, time zone, demo mode, what is served', ({ info }) => ({ json: info() })),
  route('GET', '/api/meters', 'claimed meters (never their keys)', ({ gateway }) => ({ json: gateway.meters() })),
  route('GET', '/api/latest', 'the newest reading of every claimed meter, by meter id', ({ gateway }) => {
    const out: Record<string, Omit<Reading, 'records'>> = {};
    for (const m of gateway.meters()) {
      const r = gateway.latest(m.id);
      if (r) out[m.id] = lightReading(r);
    }
    return { json: out };
  }),
  route('GET', '/api/meters/{id}', 'one meter: its view, newest reading and today/month/year totals', (ctx) => {
    const id = claimedId(ctx);
    const latest = ctx.gateway.latest(id);
    return { json: { meter: ctx.gateway.meter(id), latest: latest ? lightReading(latest) : null, summary: ctx.gateway.summary(id) } };
  }),
  route('GET', '/api/meters/{id}/latest', 'the newest reading with all decoded records (404 before the first)', (ctx) => {
    const id = claimedId(ctx);
    const latest = ctx.gateway.latest(id);
    if (!latest) throw notFound(`meter ${id} has sent nothing since it was claimed`);
    return { json: latest };
  }),
  route('GET', '/api/meters/{id}/summary', 'consumption of the current local day, month and year', (ctx) => ({
    json: ctx.gateway.summary(claimedId(ctx)),
  })),
  route(
    'GET',
    '/api/meters/{id}/history',
    'hourly (default: last 48 h) or daily (default: last 31 days) deltas; from/to: date, ISO date-time or ms',
    (ctx) => {
      const id = claimedId(ctx);
      const q = rangeParams(ctx.query, ctx.gateway.timeZone);
      const head = { meterId: id, resolution: q.resolution, timeZone: ctx.gateway.timeZone.name };
      return { pieces: inPieces(jsonWithList(head, 'buckets', ctx.gateway.historyBuckets(id, q))), type: JSON_TYPE };
    },
    { query: RANGE },
  ),
  route(
    'GET',
    '/api/meters/{id}/history.csv',
    'the same history as CSV, for a spreadsheet',
    (ctx) => {
      const id = claimedId(ctx);
      const q = rangeParams(ctx.query, ctx.gateway.timeZone);
      const buckets = ctx.gateway.historyBuckets(id, q);
      const name = `${id}-${q.resolution === 'hour' ? 'hourly' : 'daily'}.csv`;
      return {
        pieces: inPieces(historyCsv(id, buckets, ctx.gateway.timeZone)),
        type: 'text/csv; charset=utf-8',
        headers: { 'Content-Disposition': `attachment; filename="${name}"` },
      };
    },
    { query: RANGE },
  ),
  route(
    'GET',
    '/api/meters/{id}/samples',
    'averaged power and voltage samples (default: the kept window)',
    (ctx) => {
      const id = claimedId(ctx);
      const tz = ctx.gateway.timeZone;
      const from = timeParam('from', ctx.query.get('from'), tz);
      const to = timeParam('to', ctx.query.get('to'), tz);
      if (from !== undefined && to !== undefined && from >= to) throw badRequest('from must be before to');
      const samples = ctx.gateway.samples(id, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
      // A month of 10-second samples is 267,840 of them: streamed like history.
      return { pieces: inPieces(jsonWithList({ meterId: id }, 'samples', samples)), type: JSON_TYPE };
    },
    { query: ['from', 'to'] },
  ),
  route('GET', '/api/nearby', 'meters heard but not claimed, most recent first', ({ gateway }) => ({ json: gateway.nearby() })),
  route('GET', '/api/radio', 'radio and gateway counters, frames per minute, RSSI per meter', ({ gateway }) => ({
    json: gateway.radioStats(),
  })),
  route('GET', '/api/telegrams', 'the last frames received and what became of each', ({ gateway }) => ({
    json: gateway.recentTelegrams(),
  })),
  route(
    'GET',
    '/api/events',
    `server-sent events; topics: ${TOPICS.join(', ')} (default all but telegram)`,
    (ctx) => {
      const { topics, unknown } = parseTopics(ctx.query.get('topics'));
      if (unknown.length > 0)
        throw badRequest(`unknown topic ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')} (known: ${TOPICS.join(', ')})`);
      if (!ctx.hub.hasRoom) {
        const message = `${MAX_EVENT_CLIENTS} event streams are open already: close a page or try again later`;
        throw new HttpError(503, 'too_many_event_clients', message, { 'Retry-After': '30' });
      }
      ctx.hub.attach(ctx.res, topics);
      return 'streamed';
    },
    { query: ['topics'] },
  ),
  route('GET', '/api/token', 'checks the admin token (200 when it is right)', () => ({ json: { ok: true } }), { admin: true }),
  route(
    'POST',
    '/api/meters',
    'claim a meter: {"id": "30434741", "name": "House", "key": "32 hex digits"}',
    async (ctx) => {
      const body = await readJsonObject(ctx.req);
      checkFields(body, { id: { type: 'string', required: true }, name: { type: 'string' }, key: { type: 'string' } });
      const meter = await ctx.gateway.claim({
        id: body['id'] as string,
        name: body['name'] as string | undefined,
        key: body['key'] as string | undefined,
      });
      return { status: 201, json: meter };
    },
    { admin: true },
  ),
  route(
    'PATCH',
    '/api/meters/{id}',
    'rename a meter: {"name": "..."}',
    async (ctx) => {
      const id = claimedId(ctx);
      const body = await readJsonObject(ctx.req);
      checkFields(body, { name: { type: 'string', required: true } });
      return { json: await ctx.gateway.rename(id, body['name'] as string) };
    },
    { admin: true },
  ),
  route(
    'PUT',
    '/api/meters/{id}/key',
    'set the key {"key": "32 hex digits"} or remove it {"key": null}; keys are never returned',
    async (ctx) => {
      const id = claimedId(ctx);
      const body = await readJsonObject(ctx.req);
      checkFields(body, { key: { type: 'string-or-null', required: true } });
      return { json: await ctx.gateway.setKey(id, body['key'] as string | null) };
    },
    { admin: true },
  ),
  route(
    'DELETE',
    '/api/meters/{id}',
    'forget a meter and its key (its history stays until retention drops it)',
    async (ctx) => {
      const id = claimedId(ctx);
      await ctx.gateway.remove(id);
      return { json: { removed: id } };
    },
    { admin: true },
  ),
  route('GET', '/metrics', 'Prometheus text (when metrics.enabled)', async (ctx) => {
    if (!ctx.metrics) throw notFound('metrics are off (metrics.enabled / WMBUS_METRICS)');
    return { text: await ctx.metrics(), type: METRICS_CONTENT_TYPE };
  }),
];

/** The route for a method and path, a 405 naming the allowed methods, or undefined (not an API path). */
export function findRoute(method: string, pathname: string): { route: Route; params: string[] } | undefined {
  const allowed: string[] = [];
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params: m.slice(1) };
    allowed.push(r.method);
  }
  if (allowed.length === 0) return undefined;
  throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here (allowed: ${allowed.join(', ')})`, {
    Allow: allowed.join(', '),
  });
}
