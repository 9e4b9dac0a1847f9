/**
 * The connection to the MQTT broker, without knowing what is published: connect (plain or TLS,
 * with credentials), a retained last will, reconnects with backoff, hints for refused connections,
 * and a clean goodbye that is bounded in time.
 *
 * Nothing is queued: the client's offline queue is off and a publish while disconnected is
 * dropped; the owner republishes what it needs in its `onConnect`. Reconnects back off
 * exponentially with jitter, so a broker that is down for a day costs a connection attempt a
 * minute, not a growing backlog.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../model/log.js';

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  /** retained message the broker publishes when the connection drops without a goodbye */
  will: { topic: string; payload: string };
  log: Logger;
  /** reconnect delays: the first retry after minMs, doubling up to maxMs (default 1 s .. 60 s) */
  backoff?: { minMs: number; maxMs: number };
}

export interface MqttLinkHandlers {
  /** called on every (re)connect: publish everything the broker should hold */
  onConnect(): void;
  /** a message on a subscribed topic (retain: it was the broker's retained copy) */
  onMessage(topic: string, payload: Buffer, retain: boolean): void;
}

const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 60_000 };
// A broker on the LAN acknowledges in milliseconds; a Pi under load still well within this.
const GOODBYE_MS = 3000;

/** Broker URL for logs: without a password written into it. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What to check for a refused connection: MQTT CONNACK codes (3.1.1 and MQTT 5) and TLS failures. */
function refusalHint(code: unknown, message: string): string | undefined {
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
    return `the broker's certificate is not trusted (${message}): set mqtt.tls.ca to the file of the CA that signed it`;
  }
  if (code === 4 || code === 134) return 'bad user name or password: check mqtt.username and mqtt.password';
  if (code === 5 || code === 135) return 'not authorised: check mqtt.username and mqtt.password (and the broker ACL)';
  if (code === 2 || code === 133) return 'client id refused: set another mqtt.clientId';
  return undefined;
}

/** MQTT topic filter matching with the single-level wildcard `+` and a trailing `#` (MQTT 3.1.1 §4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export class MqttLink {
  readonly #o: MqttLinkOptions;
  #handlers: MqttLinkHandlers | undefined;
  #client: MqttClient | undefined;
  #delayMs: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #outage = false;
  #connections = 0;
  #lastError = '';

  constructor(options: MqttLinkOptions) {
    this.#o = options;
    this.#delayMs = this.#backoff.minMs;
  }

  get #backoff(): { minMs: number; maxMs: number } {
    return this.#o.backoff ?? DEFAULT_BACKOFF;
  }

  /** Connections made so far (a reconnect counts). */
  get connections(): number {
    return this.#connections;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  start(handlers: MqttLinkHandlers): void {
    this.#handlers = handlers;
    this.#stopping = false;
    const o = this.#o;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: true,
      keepalive: 30,
      connectTimeout: 15_000,
      // Reconnects are ours (with backoff); nothing is queued while offline.
      reconnectPeriod: 0,
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.tls) {
      options.rejectUnauthorized = o.tls.rejectUnauthorized;
      if (o.tls.ca) options.ca = o.tls.ca;
      if (o.tls.cert) options.cert = o.tls.cert;
      if (o.tls.key) options.key = o.tls.key;
    }
    const client = connect(o.url, options);
    this.#client = client;
    client.on('connect', () => this.#onConnect());
    client.on('close', () => this.#onClose());
    client.on('error', (err) => this.#onError(err));
    client.on('message', (topic, payload, packet) => this.#handlers?.onMessage(topic, payload, packet.retain));
    o.log.info(`mqtt: connecting to ${safeUrl(o.url)} as ${o.clientId}`);
  }

  /** Publishes only while connected: what is missed is republished on the next connect. */
  publish(topic: string, payload: string, qos: 0 | 1, retain = true): void {
    const client = this.#client;
    if (!client?.connected) return;
    client.publish(topic, payload, { qos, retain }, (err) => {
      if (err && !this.#stopping) this.#o.log.debug(`mqtt: publish to ${topic} failed: ${err.message}`);
    });
  }

  subscribe(topic: string): void {
    this.#client?.subscribe(topic, { qos: 1 }, (err) => {
      if (err) this.#o.log.warn(`mqtt: cannot subscribe to ${topic}: ${err.message}`);
    });
  }

  /**
   * The retained messages the broker holds on these filters (empty when not connected). The
   * broker sends a subscription's retained messages right after its SUBACK and handles one
   * connection's packets in order, so once the UNSUBACK that follows arrives, all have come.
   */
  async readRetained(filters: string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const client = this.#client;
    if (!client?.connected || filters.length === 0) return found;
    const collect = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (packet.retain && filters.some((f) => topicMatches(f, topic))) found.set(topic, payload);
    };
    client.on('message', collect);
    try {
      await client.subscribeAsync(filters, { qos: 1 });
      await client.unsubscribeAsync(filters);
    } catch (err) {
      this.#o.log.warn(`mqtt: cannot read retained topics ${filters.join(', ')}: ${(err as Error).message}`);
      found.clear();
    } finally {
      client.off('message', collect);
    }
    return found;
  }

  /**
   * Ends the connection. A clean goodbye makes the broker drop the last will, so `goodbye` is
   * published first; a broker that stopped answering (a hung machine, a half-open connection)
   * gets GOODBYE_MS, then the socket is dropped and its last will says the same.
   */
  async stop(goodbye: { topic: string; payload: string }): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    if (!client) return;
    const said = client.connected && (await this.#sayGoodbye(client, goodbye));
    await client.endAsync(!said).catch(() => undefined);
  }

  async #sayGoodbye(client: MqttClient, goodbye: { topic: string; payload: string }): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, GOODBYE_MS, false)));
    const acked = client.publishAsync(goodbye.topic, goodbye.payload, { qos: 1, retain: true }).then(
      () => true,
      () => false,
    );
    const said = await Promise.race([acked, late]);
    clearTimeout(timer);
    return said;
  }

  #onConnect(): void {
    this.#connections++;
    this.#delayMs = this.#backoff.minMs;
    this.#o.log.info(`mqtt: ${this.#outage || this.#connections > 1 ? 'reconnected' : 'connected'} to ${safeUrl(this.#o.url)}`);
    this.#outage = false;
    this.#handlers?.onConnect();
  }

  #onClose(): void {
    // Publishes still waiting for their PUBACK died with the connection; with a clean session they
    // are never resent (the next connect republishes everything), and a clean end() would wait for
    // them for ever, so a stop after an outage would hang and the last store write never happen.
    const client = this.#client;
    if (client) for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    if (this.#stopping || this.#retryTimer) return;
    if (!this.#outage) {
      this.#outage = true;
      if (this.#connections > 0) this.#o.log.warn(`mqtt: connection to ${safeUrl(this.#o.url)} lost; reconnecting with backoff`);
    }
    const delay = Math.round(this.#delayMs * (0.8 + 0.4 * Math.random()));
    this.#delayMs = Math.min(this.#delayMs * 2, this.#backoff.maxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#stopping) this.#client?.reconnect();
    }, delay);
    this.#retryTimer.unref();
  }

  #onError(err: Error & { code?: unknown }): void {
    const hint = refusalHint(err.code, err.message);
    const text = `mqtt: ${safeUrl(this.#o.url)}: ${hint ?? err.message}`;
    // Once per kind of failure, not on every retry.
    if (text === this.#lastError) return;
    this.#lastError = text;
    this.#o.log.error(text);
  }
}
