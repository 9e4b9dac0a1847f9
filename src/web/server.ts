/**
 * The LAN page, the JSON API, server-sent events and /metrics on one node:http server, attached
 * to the gateway as an Output. node:http is enough for a score of routes and a stream per
 * open page, and adds nothing to install on a Pi (see README "The page and the JSON API").
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzip } from 'node:zlib';
import type { GatewayConfig } from '../config/config.js';
import { type Gateway, GatewayInputError, type Output, UnknownMeterError } from '../gateway/gateway.js';
import type { Logger } from '../model/log.js';
import { renderMetrics } from '../publish/prometheus.js';
import { StoreWriteError } from '../store/store.js';
import { PACKAGE_VERSION } from '../version.js';
import { bearerToken, keepTokenFile, resolveAdminToken, tokenMatches } from './admin-token.js';
import { corsHeaders, securityHeaders } from './browser-policy.js';
import { EventHub } from './events.js';
import { HttpError } from './http-error.js';
import { type Reply, type RouteContext, findRoute, lightReading } from './routes.js';
import { StaticFiles } from './static.js';
import { TokenGuard } from './token-guard.js';
import { onlyParams } from './validate.js';

/** Renders Prometheus text for a gateway; src/publish/prometheus.ts provides it (metrics.enabled). */
export type MetricsRenderer = (gateway: Gateway) => string | Promise<string>;

export interface WebOutputOptions {
  config: GatewayConfig;
  log: Logger;
  /** mounted on /metrics; absent: /metrics answers 404 with a message */
  renderMetrics?: MetricsRenderer;
  /** seconds between SSE heartbeats (default 15) */
  heartbeatS?: number;
}

/** A LAN page has a handful of clients: beyond this many open connections a new one is closed at accept. */
export const MAX_CONNECTIONS = 512;

export class WebOutput implements Output {
  readonly name = 'web';
  readonly #options: WebOutputOptions;
  #server: Server | undefined;
  #hub: EventHub | undefined;
  #gateway: Gateway | undefined;
  #token = '';
  #files: StaticFiles | undefined;
  #unsubscribe: Array<() => void> = [];
  readonly #guard: TokenGuard;

  constructor(options: WebOutputOptions) {
    this.#options = options;
    this.#guard = new TokenGuard((m) => options.log.warn(m));
  }

  /** http://host:port/ once started (the real port when the configuration asked for 0) */
  get url(): string {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('the web output is not started');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address === '0.0.0.0' ? '127.0.0.1' : a.address;
    return `http://${host}:${a.port}/`;
  }

  /** open server-sent event streams */
  get eventClients(): number {
    return this.#hub?.size ?? 0;
  }

  /**
   * Listens before the gateway is there (run calls this before the store loads, which takes seconds
   * with thousands of meters): until start() every request is answered 503 "starting".
   */
  async listen(): Promise<void> {
    if (this.#server) return;
    const { config, log } = this.#options;
    const server = (this.#server = createServer((req, res) => void this.#handle(req, res)));
    server.keepAliveTimeout = 65_000;
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `web: port ${config.http.port} is already in use: choose another with http.port (WMBUS_HTTP_PORT)`
              : `web: cannot listen on ${config.http.host}:${config.http.port} (${err.message})`,
          ),
        ),
      );
      server.listen(config.http.port, config.http.host, () => resolve());
    });
    server.on('error', (err) => log.error(`web: ${err.message}`));
    const a = server.address() as AddressInfo;
    log.info(`web: the page and JSON API on http://${config.http.host === '0.0.0.0' ? '<this machine>' : config.http.host}:${a.port}/`);
  }

  async start(gateway: Gateway): Promise<void> {
    const { config, log } = this.#options;
    this.#token = await resolveAdminToken(config.http.adminToken, config.dataDir, log);
    const keepToken = () => keepTokenFile(config.http.adminToken, config.dataDir, this.#token);
    gateway.on('flush', () => void keepToken().catch((e: Error) => log.error(`web: ${e.message}`)));
    // A broken installation without the page's files still serves the API, the health check and /metrics.
    this.#files = await StaticFiles.load().catch((err: Error) => {
      log.error(`web: ${err.message}; the JSON API still works`);
      return new StaticFiles();
    });
    const hub = (this.#hub = new EventHub((this.#options.heartbeatS ?? 15) * 1000));
    this.#subscribe(gateway, hub);
    this.#gateway = gateway;
    await this.listen();
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#hub?.close();
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #subscribe(gateway: Gateway, hub: EventHub): void {
    const on = <E extends 'reading' | 'meter' | 'nearby' | 'radio' | 'telegram'>(event: E, fn: (...args: never[]) => void) => {
      gateway.on(event, fn as never);
      this.#unsubscribe.push(() => gateway.off(event, fn as never));
    };
    // The page shows today's and this month's totals next to the live power: send them along.
    on('reading', (r: Parameters<typeof lightReading>[0]) => {
      if (hub.wants('reading')) hub.send('reading', { reading: lightReading(r), summary: gateway.summary(r.meterId) });
    });
    on('meter', (c: unknown) => hub.send('meter', c));
    on('nearby', (c: unknown) => hub.send('nearby', c));
    on('radio', (s: unknown) => hub.send('radio', s));
    on('telegram', (t: unknown) => hub.send('telegram', t));
  }

  #info(): Record<string, unknown> {
    const { config } = this.#options;
    return {
      name: 'wmbus-gateway',
      version: PACKAGE_VERSION,
      timeZone: config.timeZone,
      demo: config.demo,
      metrics: this.#options.renderMetrics !== undefined,
      adminToken: config.http.adminToken ? 'configuration' : 'generated',
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { http } = this.#options.config;
    for (const [k, v] of Object.entries({ ...securityHeaders(http), ...corsHeaders(http, req.headers.origin) })) res.setHeader(k, v);
    try {
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (!this.#gateway) {
        const message = 'the gateway is starting (loading its store): try again in a few seconds';
        const retry = { 'Retry-After': '5' };
        if (url.pathname === '/healthz') return void send(req, res, { status: 503, json: { ok: false, starting: true, message } }, retry);
        throw new HttpError(503, 'starting', message, retry);
      }
      const method = req.method ?? 'GET';
      const found = findRoute(method, url.pathname);
      if (!found) {
        if ((method === 'GET' || method === 'HEAD') && this.#files!.serve(req, res, url.pathname)) return;
        throw new HttpError(404, 'not_found', `nothing at ${url.pathname.slice(0, 100)}: GET /api lists the routes`);
      }
      const { route, params } = found;
      if (route.admin) this.#checkToken(req);
      onlyParams(url.searchParams, route.query);
      const gateway = this.#gateway!;
      const metrics = this.#options.renderMetrics;
      const ctx: RouteContext = {
        gateway,
        hub: this.#hub!,
        req,
        res,
        query: url.searchParams,
        params,
        info: () => this.#info(),
        metrics: metrics ? async () => withNewline(await metrics(gateway)) + this.#guard.metrics() : undefined,
      };
      await send(req, res, await route.handle(ctx));
    } catch (err) {
      this.#fail(req, res, err);
    }
  }

  #checkToken(req: IncomingMessage): void {
    const presented = bearerToken(req.headers.authorization);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="wmbus-gateway"' };
    if (presented === undefined) {
      throw new HttpError(
        401,
        'admin_token_required',
        'changes need the admin token (Authorization: Bearer <token>): it was shown in the log at first start and is kept in the data folder as admin-token',
        challenge,
      );
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitS = this.#guard.waitS(address);
    if (waitS > 0) {
      const message = `too many wrong admin tokens from ${address}: try again in ${waitS} s`;
      throw new HttpError(429, 'admin_token_wait', message, { 'Retry-After': String(waitS) });
    }
    if (!tokenMatches(presented, this.#token)) {
      this.#guard.wrong(address);
      throw new HttpError(401, 'admin_token_wrong', 'the admin token is not right', challenge);
    }
    this.#guard.right(address);
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err instanceof UnknownMeterError) e = new HttpError(404, 'not_found', err.message);
    else if (err instanceof GatewayInputError) e = new HttpError(400, 'bad_request', err.message);
    else {
      const message = err instanceof Error ? err.message : String(err);
      this.#options.log.error(`web: ${req.method} ${req.url}: ${message}`);
      e =
        err instanceof StoreWriteError && !err.committed
          ? new HttpError(
              503,
              'store_unwritable',
              `nothing was changed: ${message}. The data folder cannot be written (a read-only or full card?); /healthz says when it works again`,
            )
          : new HttpError(500, 'internal', `the gateway could not do this: ${message}`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The rest of a refused body is not read; close so it cannot be taken for the next request.
    if (!req.complete) res.setHeader('Connection', 'close');
    void send(req, res, { status: e.status, json: { error: e.code, message: e.message } }, e.headers);
  }
}

const withNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

// Below this a compressed body saves less than its headers cost.
const GZIP_FROM_BYTES = 1024;

const gzipAsync = promisify(gzip);

const acceptsGzip = (req: IncomingMessage) => /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');

async function send(req: IncomingMessage, res: ServerResponse, reply: Reply, extra: Record<string, string> = {}): Promise<void> {
  if (reply === 'streamed') return;
  if ('pieces' in reply) return sendPieces(req, res, reply, extra);
  const isJson = 'json' in reply;
  let body = Buffer.from(isJson ? JSON.stringify(reply.json) : reply.text);
  const headers: Record<string, string> = { ...extra, ...(isJson ? {} : reply.headers), Vary: 'Accept-Encoding' };
  // History and samples of a phone's charts are mostly repeated keys: gzip takes them to a fifth.
  if (body.length >= GZIP_FROM_BYTES && acceptsGzip(req)) {
    // On the thread pool: the event loop (and /healthz) goes on meanwhile.
    body = await gzipAsync(body, { level: 6 });
    headers['Content-Encoding'] = 'gzip';
  }
  res.writeHead(reply.status ?? 200, {
    ...headers,
    'Content-Type': isJson ? 'application/json; charset=utf-8' : reply.type,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// A large answer goes out piece by piece (chunked), through a gzip stream whose work runs on the
// thread pool; the response's back-pressure holds the pieces back for a slow client.
async function sendPieces(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Extract<Reply, { pieces: unknown }>,
  extra: Record<string, string>,
): Promise<void> {
  const gzipped = acceptsGzip(req);
  res.writeHead(reply.status ?? 200, {
    ...extra,
    ...reply.headers,
    Vary: 'Accept-Encoding',
    ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}),
    'Content-Type': reply.type,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const source = Readable.from(reply.pieces);
  await (gzipped ? pipeline(source, createGzip({ level: 6 }), res) : pipeline(source, res)).catch((err: NodeJS.ErrnoException) => {
    // The client went away: nothing to answer, nothing to log.
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  });
}

export function createWebOutput(config: GatewayConfig, log: Logger, options: Partial<WebOutputOptions> = {}): WebOutput {
  return new WebOutput({ config, log, ...options });
}

/**
 * run's output factory: the page, the JSON API and /metrics (src/publish/prometheus.ts) on one
 * port, unless http.enabled is off.
 */
export async function webOutputFrom(config: GatewayConfig, log: Logger): Promise<WebOutput | undefined> {
  if (!config.http.enabled) {
    if (config.metrics.enabled) log.info('web: off (http.enabled), so /metrics is not served either');
    return undefined;
  }
  return createWebOutput(config, log, config.metrics.enabled ? { renderMetrics } : {});
}
