/** An MQTT client that watches what the gateway publishes, as Home Assistant or a user would. */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
}

export class Observer {
  readonly messages: Message[] = [];
  readonly #waiters: Array<{ test: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  #sync = 0;

  private constructor(readonly client: MqttClient) {
    // Refused reconnects while a test has the broker down are expected; without a listener they would throw.
    client.on('error', () => undefined);
    client.on('message', (topic, payload, packet) => {
      const m = { topic, payload: payload.toString(), retain: packet.retain };
      this.messages.push(m);
      for (const w of [...this.#waiters]) {
        if (w.test(m)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  static async connect(url: string, options: IClientOptions = {}): Promise<Observer> {
    const client = connect(url, { reconnectPeriod: 100, clientId: `observer-${Math.random().toString(16).slice(2)}`, ...options });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return new Observer(client);
  }

  /**
   * Subscribes and returns once the broker has delivered every retained message of the filter:
   * it sends a marker after the subscription, and the broker delivers in order on one connection.
   */
  async subscribe(filter: string): Promise<void> {
    await this.client.subscribeAsync(filter, { qos: 1 });
    await this.sync();
  }

  async sync(): Promise<void> {
    const marker = `observer-sync/${this.client.options.clientId}/${++this.#sync}`;
    await this.client.subscribeAsync(marker, { qos: 1 });
    const seen = this.next((m) => m.topic === marker, 'its own sync marker');
    await this.client.publishAsync(marker, 'x', { qos: 1 });
    await seen;
  }

  /** The next message (from now on) that passes the test. */
  next(test: (m: Message) => boolean, what: string, timeoutMs = 20_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no message ${what} within ${timeoutMs} ms; seen: ${this.messages.map((m) => m.topic).join(', ')}`));
      }, timeoutMs);
      const waiter = {
        test,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Subscribes to a topic and waits until it holds this payload, retained or published later. */
  async waitForValue(topic: string, payload: string, what: string): Promise<void> {
    await this.waitFor(topic, (p) => p === payload, what);
  }

  /**
   * Subscribes to a topic and waits until its payload passes the test, retained or published
   * later (the gateway publishes asynchronously: what it was just told may still be on its way).
   */
  async waitFor(topic: string, test: (payload: string) => boolean, what: string): Promise<string> {
    const live = this.next((m) => m.topic === topic && test(m.payload), what);
    await this.subscribe(topic);
    const now = this.latest().get(topic);
    if (now !== undefined && test(now)) {
      live.catch(() => undefined);
      return now;
    }
    return (await live).payload;
  }

  /** The last payload seen per topic (an empty payload deletes), like a broker's retained store. */
  latest(prefix = ''): Map<string, string> {
    const out = new Map<string, string>();
    for (const m of this.messages) {
      if (!m.topic.startsWith(prefix)) continue;
      if (m.payload === '') out.delete(m.topic);
      else out.set(m.topic, m.payload);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
