/**
 * The MQTT output: retained per-meter state, an availability topic with a last will, Home
 * Assistant discovery, and optionally wmbusmeters-compatible JSON (topic layout in topics.ts).
 *
 * Everything published is "latest value wins": the link (mqtt-link.ts) queues nothing while the
 * broker is away, and on every (re)connect this output publishes the current state of everything
 * again.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { DEMO_TOPIC_SUFFIX, type GatewayConfig } from '../config/config.js';
import type { Gateway, Output } from '../gateway/gateway.js';
import type { Logger } from '../model/log.js';
import type { MeterChange } from '../model/meter.js';
import type { Reading } from '../model/reading.js';
import { gatewayUuid, pageUrl } from './gateway-id.js';
import { type DiscoveryMessage, type GatewayIdentity, gatewayDiscovery, meterDiscovery, meterSensors } from './homeassistant.js';
import { MqttLink, type MqttLinkOptions } from './mqtt-link.js';
import { gatewayStateJson, meterStateJson } from './state.js';
import { type TopicSettings, type Topics, topicsFor } from './topics.js';
import { toWmbusmetersJson } from './wmbusmeters.js';

export interface MqttOutputOptions extends Omit<MqttLinkOptions, 'will'> {
  topics: TopicSettings;
  /** the gateway's UUID (gateway-id.ts): its device in Home Assistant */
  gatewayUuid: string;
  /** the page's address, for Home Assistant's "Visit" link */
  configurationUrl?: string;
  /**
   * Topic prefixes this gateway owns: retained state and discovery pointing under them that it
   * does not publish now (a meter removed while it was stopped, the demo's meters) are cleared
   * on connect.
   */
  ownedPrefixes: string[];
  homeAssistant: boolean;
  wmbusmeters: boolean;
  /** the last level of the wmbusmeters topic: the meter's name (as wmbusmeters does) or its id */
  wmbusmetersTopic: 'name' | 'id';
  /** seconds after which Home Assistant shows a momentary value unavailable (0: never) */
  expireAfterS: number;
  /** seconds of silence after which a meter's availability says offline */
  meterSilentAfterS: number;
  /** the gateway counters are published at most this often (default 10 s) */
  gatewayStateIntervalMs?: number;
}

const ONLINE = 'online';
const OFFLINE = 'offline';

export class MqttOutput implements Output {
  readonly name = 'mqtt';
  readonly #o: MqttOutputOptions;
  readonly #topics: Topics;
  readonly #identity: GatewayIdentity;
  readonly #link: MqttLink;
  #gateway: Gateway | undefined;
  /** discovery topics published per meter (payload kept to send only what changed) */
  readonly #discovery = new Map<string, Map<string, string>>();
  /** retained topics of removed meters still to be cleared (when the broker was away at removal) */
  readonly #toClear = new Set<string>();
  /** the last wmbusmeters message per meter, to republish on reconnect */
  readonly #wmbusmeters = new Map<string, { topic: string; payload: string }>();
  #gatewayTimer: NodeJS.Timeout | undefined;
  #gatewayPublishedAt = 0;
  /** state keys the discovery templates of each meter read: every state message carries them all */
  readonly #templateKeys = new Map<string, Set<string>>();
  /** when each claimed meter was last heard (Date.now of the reading's arrival) */
  readonly #heardAt = new Map<string, number>();
  /** the availability last published per meter */
  readonly #available = new Map<string, boolean>();
  #silenceTimer: NodeJS.Timeout | undefined;

  constructor(options: MqttOutputOptions) {
    this.#o = options;
    this.#topics = topicsFor(options.topics);
    this.#identity = {
      id: `wmbus_gateway_${options.gatewayUuid}`,
      name: `wM-Bus gateway ${options.clientId.replace(/^wmbus-gateway-/, '')}`,
      ...(options.configurationUrl ? { configurationUrl: options.configurationUrl } : {}),
    };
    this.#link = new MqttLink({ ...options, will: { topic: this.#topics.availability, payload: OFFLINE } });
  }

  /** Connections made so far (a reconnect counts), for logs and tests. */
  get connections(): number {
    return this.#link.connections;
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  async start(gateway: Gateway): Promise<void> {
    this.#gateway = gateway;
    gateway.on('reading', this.#onReading);
    gateway.on('meter', this.#onMeter);
    gateway.on('radio', this.#scheduleGatewayState);
    // Meters heard before a restart get one silence period to be heard again.
    for (const meter of gateway.meters()) if (meter.lastSeen !== undefined) this.#heardAt.set(meter.id, Date.now());
    const silentMs = this.#o.meterSilentAfterS * 1000;
    this.#silenceTimer = setInterval(
      () => {
        for (const meter of gateway.meters()) this.#publishAvailability(meter.id, false);
      },
      Math.min(60_000, silentMs / 4),
    );
    this.#silenceTimer.unref();
    this.#link.start({
      onConnect: () => this.#onConnect(),
      onMessage: (topic, payload, retain) => {
        // A retained "online" is HA's old news; discovery was just sent on connect anyway.
        if (topic === this.#topics.haStatus && !retain && payload.toString() === ONLINE) {
          this.#o.log.info('mqtt: Home Assistant came online: sending discovery again');
          this.#publishDiscoveryAndState();
        }
      },
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.#gatewayTimer);
    clearInterval(this.#silenceTimer);
    const gw = this.#gateway;
    if (gw) {
      gw.off('reading', this.#onReading);
      gw.off('meter', this.#onMeter);
      gw.off('radio', this.#scheduleGatewayState);
    }
    // The gateway writes its store after the outputs stop: the link bounds the goodbye in time.
    await this.#link.stop({ topic: this.#topics.availability, payload: OFFLINE });
  }

  #onConnect(): void {
    this.#publish(this.#topics.availability, ONLINE, 1);
    if (this.#o.homeAssistant) this.#link.subscribe(this.#topics.haStatus);
    for (const topic of this.#toClear) this.#publish(topic, '', 1);
    this.#toClear.clear();
    this.#publishDiscoveryAndState();
    for (const m of this.#wmbusmeters.values()) this.#publish(m.topic, m.payload, 0);
    void this.#sweep();
  }

  /**
   * Clears retained topics under this gateway's prefixes that it does not publish now: the
   * configs and states of meters removed while it was stopped, of the demo, and of sensors a
   * meter no longer has. Discovery configs count as this gateway's when their state topic is.
   */
  async #sweep(): Promise<void> {
    const owned = this.#o.ownedPrefixes.map((p) => `${p}/`);
    const filters = owned.map((p) => `${p}#`);
    if (this.#o.homeAssistant) filters.push(`${this.#o.topics.discoveryPrefix}/+/+/+/config`);
    const retained = await this.#link.readRetained(filters);
    const current = this.#currentTopics();
    let cleared = 0;
    for (const [topic, payload] of retained) {
      if (current.has(topic) || payload.length === 0) continue;
      const stateTopic = topic.endsWith('/config') ? discoveryStateTopic(payload) : topic;
      if (!stateTopic || !owned.some((p) => stateTopic.startsWith(p))) continue;
      this.#publish(topic, '', 1);
      cleared++;
    }
    const line = `mqtt: cleared ${cleared} retained topic(s) of meters this gateway no longer has`;
    if (cleared > 0) this.#o.log.info(line);
    else this.#o.log.debug(line);
  }

  /** Every retained topic this gateway publishes now. */
  #currentTopics(): Set<string> {
    const topics = new Set([this.#topics.availability, this.#topics.gatewayState]);
    for (const m of gatewayDiscovery(this.#topics, this.#identity)) topics.add(m.topic);
    for (const meter of this.#gateway?.meters() ?? []) {
      topics.add(this.#topics.meterState(meter.id));
      topics.add(this.#topics.meterAvailability(meter.id));
    }
    for (const sent of this.#discovery.values()) for (const topic of sent.keys()) topics.add(topic);
    return topics;
  }

  #publish(topic: string, payload: string, qos: 0 | 1, retain = true): void {
    this.#link.publish(topic, payload, qos, retain);
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
    let keys = this.#templateKeys.get(id);
    if (!keys) this.#templateKeys.set(id, (keys = new Set()));
    if (this.#o.homeAssistant) {
      const staleness = { expireAfterS: this.#o.expireAfterS };
      this.#sendDiscovery(id, meterDiscovery(meter, latest, this.#topics, this.#identity, staleness), force);
      for (const s of meterSensors(meter, latest)) keys.add(s.key);
    }
    this.#publish(this.#topics.meterState(id), JSON.stringify(meterStateJson(meter, latest, keys)), 0);
    this.#publishAvailability(id, force);
  }

  /** A meter is available while heard within meterSilentAfterS; published when that changes. */
  #publishAvailability(id: string, force: boolean): void {
    const heard = this.#heardAt.get(id);
    const available = heard !== undefined && Date.now() - heard < this.#o.meterSilentAfterS * 1000;
    if (!force && this.#available.get(id) === available) return;
    if (!this.connected) return;
    this.#available.set(id, available);
    this.#publish(this.#topics.meterAvailability(id), available ? ONLINE : OFFLINE, 1);
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
    this.#heardAt.set(reading.meterId, Date.now());
    this.#publishMeter(reading.meterId, false, reading);
    this.#scheduleGatewayState();
    if (this.#o.wmbusmeters && reading.records) {
      const meter = this.#gateway!.meter(reading.meterId);
      if (!meter) return;
      const device = `cc1101[${this.#o.gatewayUuid.slice(0, 8)}]`;
      const json = toWmbusmetersJson({ ...reading, id: reading.meterId, name: meter.name, records: reading.records, device });
      const message = { topic: this.#wmbusmetersTopic(meter.id, meter.name), payload: JSON.stringify(json) };
      this.#wmbusmeters.set(reading.meterId, message);
      this.#publish(message.topic, message.payload, 0);
    }
  };

  #wmbusmetersTopic(id: string, name: string): string {
    return this.#topics.wmbusmeters(this.#o.wmbusmetersTopic === 'id' ? id : name);
  }

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
      const moved = { topic: this.#wmbusmetersTopic(change.id, change.meter.name), payload: JSON.stringify(json) };
      if (moved.topic !== last.topic) this.#clear(last.topic);
      this.#wmbusmeters.set(change.id, moved);
      this.#publish(moved.topic, moved.payload, 0);
    }
  };

  #forgetMeter(id: string): void {
    for (const topic of this.#discovery.get(id)?.keys() ?? []) this.#clear(topic);
    this.#discovery.delete(id);
    this.#clear(this.#topics.meterState(id));
    this.#clear(this.#topics.meterAvailability(id));
    this.#templateKeys.delete(id);
    this.#heardAt.delete(id);
    this.#available.delete(id);
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

/** The state topic a retained discovery config reads, if it is one. */
function discoveryStateTopic(payload: Buffer): string | undefined {
  try {
    const config = JSON.parse(payload.toString()) as { state_topic?: unknown };
    return typeof config.state_topic === 'string' ? config.state_topic : undefined;
  } catch {
    return undefined;
  }
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
export function mqttOutputFrom(
  config: GatewayConfig,
  log: Logger,
  tuning: Pick<MqttOutputOptions, 'backoff' | 'gatewayStateIntervalMs'> = {},
): MqttOutput | undefined {
  const m = config.mqtt;
  if (!m.url) return undefined;
  const problems: string[] = [];
  const tls = {
    ca: readTlsFile('mqtt.tls.ca', m.tls.ca, problems),
    cert: readTlsFile('mqtt.tls.cert', m.tls.cert, problems),
    key: readTlsFile('mqtt.tls.key', m.tls.key, problems),
    rejectUnauthorized: m.tls.rejectUnauthorized,
  };
  let gatewayId: string | undefined;
  try {
    gatewayId = gatewayUuid(config.dataDir);
  } catch (err) {
    problems.push(`cannot keep the gateway's id in ${config.dataDir}: ${(err as Error).message}`);
  }
  if (problems.length > 0 || gatewayId === undefined) {
    log.error(`mqtt: not started: ${problems.join('; ')}`);
    return undefined;
  }
  const options: MqttOutputOptions = {
    url: m.url,
    clientId: m.clientId ?? `wmbus-gateway-${os.hostname()}`,
    tls,
    topics: { topicPrefix: m.topicPrefix, discoveryPrefix: m.discoveryPrefix, wmbusmetersPrefix: m.wmbusmetersPrefix },
    gatewayUuid: gatewayId,
    // A real start also owns the demo's prefix, so what a demo published with mqtt.demo goes away.
    ownedPrefixes: config.demo ? [m.topicPrefix] : [m.topicPrefix, `${m.topicPrefix}${DEMO_TOPIC_SUFFIX}`],
    homeAssistant: m.homeAssistant,
    wmbusmeters: m.wmbusmeters,
    wmbusmetersTopic: m.wmbusmetersTopic,
    expireAfterS: m.expireAfterS,
    meterSilentAfterS: m.meterSilentAfterS,
    log,
    ...tuning,
  };
  const configurationUrl = pageUrl(config.http);
  if (configurationUrl) options.configurationUrl = configurationUrl;
  if (m.username !== undefined) options.username = m.username;
  if (m.password !== undefined) options.password = m.password;
  return new MqttOutput(options);
}
