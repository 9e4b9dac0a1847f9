/**
 * The MQTT output: retained per-meter state, an availability topic with a last will, Home
 * Assistant discovery, and optionally wmbusmeters-compatible JSON (topic layout in topics.ts).
 *
 * Everything published is "latest value wins": while the broker is away nothing is queued (the
 * client's offline queue is off and nothing is published while disconnected); on every
 * (re)connect the output publishes the current state of everything again. Reconnects back off
 * exponentially with jitter, so a broker that is down for a day costs a connection attempt a
 * minute, not a growing backlog.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { GatewayConfig } from '../config/config.js';
import type { Gateway, Output } from '../gateway/gateway.js';
import type { Logger } from '../gateway/log.js';
import type { MeterChange, Reading } from '../gateway/types.js';
import { type DiscoveryMessage, type GatewayIdentity, gatewayDiscovery, meterDiscovery, objectId } from './homeassistant.js';
import { gatewayStateJson, meterStateJson } from './state.js';
import { type TopicSettings, type Topics, topicsFor } from './topics.js';
import { toWmbusmetersJson } from './wmbusmeters.js';

export interface MqttOutputOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  topics: TopicSettings;
  homeAssistant: boolean;
  wmbusmeters: boolean;
  log: Logger;
  /** reconnect delays: the first retry after minMs, doubling up to maxMs (default 1 s .. 60 s) */
  backoff?: { minMs: number; maxMs: number };
  /** the gateway counters are published at most this often (default 10 s) */
  gatewayStateIntervalMs?: number;
}

const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 60_000 };
// A broker on the LAN acknowledges in milliseconds; a Pi under load still well within this.
const GOODBYE_MS = 3000;
const ONLINE = 'online';
const OFFLINE = 'offline';

/** Broker URL for logs: without a password written into it. */
function safeUrl(url: string): string {
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

export class MqttOutput implements Output {
  readonly name = 'mqtt';
  readonly #o: MqttOutputOptions;
  readonly #topics: Topics;
  readonly #identity: GatewayIdentity;
  #client: MqttClient | undefined;
  #gateway: Gateway | undefined;
  /** discovery topics published per meter (payload kept to send only what changed) */
  readonly #discovery = new Map<string, Map<string, string>>();
  /** retained topics of removed meters still to be cleared (when the broker was away at removal) */
  readonly #toClear = new Set<string>();
  /** the last wmbusmeters message per meter, to republish on reconnect */
  readonly #wmbusmeters = new Map<string, { topic: string; payload: string }>();
  #delayMs: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #gatewayTimer: NodeJS.Timeout | undefined;
  #gatewayPublishedAt = 0;
  #stopping = false;
  #outage = false;
  #connections = 0;

  constructor(options: MqttOutputOptions) {
    this.#o = options;
    this.#topics = topicsFor(options.topics);
    this.#identity = { id: objectId(options.clientId), name: `wM-Bus gateway ${options.clientId.replace(/^wmbus-gateway-/, '')}` };
    this.#delayMs = (options.backoff ?? DEFAULT_BACKOFF).minMs;
  }

  /** Connections made so far (a reconnect counts), for logs and tests. */
  get connections(): number {
    return this.#connections;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  async start(gateway: Gateway): Promise<void> {
    this.#gateway = gateway;
    this.#stopping = false;
    gateway.on('reading', this.#onReading);
    gateway.on('meter', this.#onMeter);
    gateway.on('radio', this.#scheduleGatewayState);
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
      will: { topic: this.#topics.availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
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
    client.on('message', (topic, payload, packet) => {
      // A retained "online" is HA's old news; discovery was just sent on connect anyway.
      if (topic === this.#topics.haStatus && !packet.retain && payload.toString() === ONLINE) {
        o.log.info('mqtt: Home Assistant came online: sending discovery again');
        this.#publishDiscoveryAndState();
      }
    });
    o.log.info(`mqtt: connecting to ${safeUrl(o.url)} as ${o.clientId}`);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#gatewayTimer);
    const gw = this.#gateway;
    if (gw) {
      gw.off('reading', this.#onReading);
      gw.off('meter', this.#onMeter);
      gw.off('radio', this.#scheduleGatewayState);
    }
    const client = this.#client;
    if (!client) return;
    // A clean goodbye: the broker drops the last will, so say offline ourselves. The gateway writes
    // its store after the outputs stop, so a broker that stopped answering (a hung machine, a
    // half-open connection) gets GOODBYE_MS; then the socket is dropped and its last will says offline.
    const saidOffline = client.connected && (await this.#sayOffline(client));
    await client.endAsync(!saidOffline).catch(() => undefined);
  }

  async #sayOffline(client: MqttClient): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, GOODBYE_MS, false)));
    const acked = client.publishAsync(this.#topics.availability, OFFLINE, { qos: 1, retain: true }).then(
      () => true,
      () => false,
    );
    const said = await Promise.race([acked, late]);
    clearTimeout(timer);
    return said;
  }

  // ------------------------------------------------------------ connection

  #onConnect(): void {
    this.#connections++;
    this.#delayMs = (this.#o.backoff ?? DEFAULT_BACKOFF).minMs;
    this.#o.log.info(`mqtt: ${this.#outage || this.#connections > 1 ? 'reconnected' : 'connected'} to ${safeUrl(this.#o.url)}`);
    this.#outage = false;
    const client = this.#client!;
    this.#publish(this.#topics.availability, ONLINE, 1);
    if (this.#o.homeAssistant) {
      client.subscribe(this.#topics.haStatus, { qos: 1 }, (err) => {
        if (err) this.#o.log.warn(`mqtt: cannot subscribe to ${this.#topics.haStatus}: ${err.message}`);
      });
    }
    for (const topic of this.#toClear) this.#publish(topic, '', 1);
    this.#toClear.clear();
    this.#publishDiscoveryAndState();
    for (const m of this.#wmbusmeters.values()) this.#publish(m.topic, m.payload, 0);
  }

  #onClose(): void {
    if (this.#stopping || this.#retryTimer) return;
    if (!this.#outage) {
      this.#outage = true;
      if (this.#connections > 0) this.#o.log.warn(`mqtt: connection to ${safeUrl(this.#o.url)} lost; reconnecting with backoff`);
    }
    const b = this.#o.backoff ?? DEFAULT_BACKOFF;
    const delay = Math.round(this.#delayMs * (0.8 + 0.4 * Math.random()));
    this.#delayMs = Math.min(this.#delayMs * 2, b.maxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#stopping) this.#client?.reconnect();
    }, delay);
    this.#retryTimer.unref();
  }

  #lastError = '';

  #onError(err: Error & { code?: unknown }): void {
    const hint = refusalHint(err.code, err.message);
    const text = `mqtt: ${safeUrl(this.#o.url)}: ${hint ?? err.message}`;
    // Once per kind of failure, not on every retry.
    if (text === this.#lastError) return;
    this.#lastError = text;
    this.#o.log.error(text);
  }

  /** Publishes only while connected: what is missed is republished on the next connect. */
  #publish(topic: string, payload: string, qos: 0 | 1, retain = true): void {
    const client = this.#client;
    if (!client?.connected) return;
    client.publish(topic, payload, { qos, retain }, (err) => {
      if (err && !this.#stopping) this.#o.log.debug(`mqtt: publish to ${topic} failed: ${err.message}`);
    });
  }

  // ------------------------------------------------------------ what is published

  #publishDiscoveryAndState(): void {
    const gw = this.#gateway;
    if (!gw) return;
    if (this.#o.homeAssistant) {
      for (const m of gatewayDiscovery(this.#topics, this.#identity)) this.#publish(m.topic, m.payload, 1);
    }
    this.#publishGatewayState();
    for (const meter of gw.meters()) this.#publishMeter(meter.id, true);
  }

  /** Discovery (the configs that changed, or all with `force`) and the state of one meter. */
  #publishMeter(id: string, force: boolean, reading?: Reading): void {
    const gw = this.#gateway!;
    const meter = gw.meter(id);
    if (!meter) return;
    const latest = reading ?? gw.latest(id);
    if (this.#o.homeAssistant) this.#sendDiscovery(id, meterDiscovery(meter, latest, this.#topics, this.#identity), force);
    this.#publish(this.#topics.meterState(id), JSON.stringify(meterStateJson(meter, latest)), 0);
  }

  #sendDiscovery(id: string, messages: DiscoveryMessage[], force: boolean): void {
    let sent = this.#discovery.get(id);
    if (!sent) this.#discovery.set(id, (sent = new Map()));
    for (const m of messages) {
      if (!force && sent.get(m.topic) === m.payload) continue;
      if (!this.connected) continue;
      sent.set(m.topic, m.payload);
      this.#publish(m.topic, m.payload, 1);
    }
  }

  #publishGatewayState(): void {
    const gw = this.#gateway;
    if (!gw) return;
    this.#gatewayPublishedAt = Date.now();
    this.#publish(this.#topics.gatewayState, JSON.stringify(gatewayStateJson(gw.radioStats(), gw.nearby().length, gw.health().uptimeS)), 0);
  }

  readonly #onReading = (reading: Reading): void => {
    this.#publishMeter(reading.meterId, false, reading);
    this.#scheduleGatewayState();
    if (this.#o.wmbusmeters && reading.records) {
      const meter = this.#gateway!.meter(reading.meterId);
      if (!meter) return;
      const json = toWmbusmetersJson({ ...reading, id: reading.meterId, name: meter.name, records: reading.records });
      const message = { topic: this.#topics.wmbusmeters(meter.name), payload: JSON.stringify(json) };
      this.#wmbusmeters.set(reading.meterId, message);
      this.#publish(message.topic, message.payload, 0);
    }
  };

  readonly #onMeter = (change: MeterChange): void => {
    this.#scheduleGatewayState();
    if (change.change === 'removed') {
      this.#forgetMeter(change.id);
      return;
    }
    this.#publishMeter(change.id, change.change === 'renamed');
    const last = this.#wmbusmeters.get(change.id);
    if (change.change === 'renamed' && last) {
      // The wmbusmeters topic carries the name: move the retained message.
      const json = { ...(JSON.parse(last.payload) as Record<string, unknown>), name: change.meter.name };
      const moved = { topic: this.#topics.wmbusmeters(change.meter.name), payload: JSON.stringify(json) };
      if (moved.topic !== last.topic) this.#clear(last.topic);
      this.#wmbusmeters.set(change.id, moved);
      this.#publish(moved.topic, moved.payload, 0);
    }
  };

  #forgetMeter(id: string): void {
    for (const topic of this.#discovery.get(id)?.keys() ?? []) this.#clear(topic);
    this.#discovery.delete(id);
    this.#clear(this.#topics.meterState(id));
    const w = this.#wmbusmeters.get(id);
    if (w) this.#clear(w.topic);
    this.#wmbusmeters.delete(id);
  }

  /** An empty retained message deletes the retained one (and, on a discovery topic, the entity). */
  #clear(topic: string): void {
    if (this.connected) this.#publish(topic, '', 1);
    else this.#toClear.add(topic);
  }

  /** Gateway counters change with every frame: publish them at most every gatewayStateIntervalMs. */
  readonly #scheduleGatewayState = (): void => {
    if (this.#gatewayTimer) return;
    const interval = this.#o.gatewayStateIntervalMs ?? 10_000;
    const wait = Math.max(0, this.#gatewayPublishedAt + interval - Date.now());
    this.#gatewayTimer = setTimeout(() => {
      this.#gatewayTimer = undefined;
      this.#publishGatewayState();
    }, wait);
    this.#gatewayTimer.unref();
  };
}

function readTlsFile(setting: string, file: string | undefined, problems: string[]): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    problems.push(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}

/** The MQTT output the configuration asks for, or undefined when mqtt.url is empty (MQTT off). */
export function mqttOutputFrom(config: GatewayConfig, log: Logger, tuning: Pick<MqttOutputOptions, 'backoff' | 'gatewayStateIntervalMs'> = {}): MqttOutput | undefined {
  const m = config.mqtt;
  if (!m.url) return undefined;
  const problems: string[] = [];
  const tls = {
    ca: readTlsFile('mqtt.tls.ca', m.tls.ca, problems),
    cert: readTlsFile('mqtt.tls.cert', m.tls.cert, problems),
    key: readTlsFile('mqtt.tls.key', m.tls.key, problems),
    rejectUnauthorized: m.tls.rejectUnauthorized,
  };
  if (problems.length > 0) {
    log.error(`mqtt: not started: ${problems.join('; ')}`);
    return undefined;
  }
  const options: MqttOutputOptions = {
    url: m.url,
    clientId: m.clientId ?? `wmbus-gateway-${os.hostname()}`,
    tls,
    topics: { topicPrefix: m.topicPrefix, discoveryPrefix: m.discoveryPrefix, wmbusmetersPrefix: m.wmbusmetersPrefix },
    homeAssistant: m.homeAssistant,
    wmbusmeters: m.wmbusmeters,
    log,
    ...tuning,
  };
  if (m.username !== undefined) options.username = m.username;
  if (m.password !== undefined) options.password = m.password;
  return new MqttOutput(options);
}
