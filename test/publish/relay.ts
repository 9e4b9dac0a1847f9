/**
 * A TCP relay between an MQTT client and a real broker that reads what the client sends and can
 * cut the line: a broker outage as the client sees it, while the test counts every PUBLISH that
 * actually went on the wire (a late subscriber only ever sees the one retained message).
 */
import net from 'node:net';

export interface WirePublish {
  topic: string;
  payload: string;
  retain: boolean;
}

export class MqttRelay {
  /** every PUBLISH the clients sent through the relay, in order */
  readonly published: WirePublish[] = [];
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #brokerPort: number;
  #cut = false;
  #holdReplies = false;

  private constructor(server: net.Server, brokerPort: number) {
    this.#server = server;
    this.#brokerPort = brokerPort;
  }

  static async start(brokerUrl: string): Promise<MqttRelay> {
    const brokerPort = Number(new URL(brokerUrl).port);
    const server = net.createServer();
    const relay = new MqttRelay(server, brokerPort);
    server.on('connection', (client) => relay.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
  }

  /** Stops passing the broker's answers on (PUBACKs too): publishes stay in flight, as when the line dies. */
  holdReplies(): void {
    this.#holdReplies = true;
  }

  /** Drops every connection and every new one until restore(), as a broker that went away. */
  cut(): void {
    this.#cut = true;
    this.#holdReplies = false;
    for (const s of this.#sockets) s.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  /** The payloads published on `topic` from index `from` of `published` on. */
  payloads(topic: string, from = 0): string[] {
    return this.published
      .slice(from)
      .filter((p) => p.topic === topic)
      .map((p) => p.payload);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(client: net.Socket): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const broker = net.connect(this.#brokerPort, '127.0.0.1');
    for (const s of [client, broker]) {
      this.#sockets.add(s);
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        broker.destroy();
      });
      s.on('error', () => undefined);
    }
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk) => {
      pending = this.#read(Buffer.concat([pending, chunk]));
      broker.write(chunk);
    });
    broker.on('data', (chunk) => {
      if (!this.#holdReplies) client.write(chunk);
    });
  }

  /** Records the whole packets in `buf` (MQTT 3.1.1 §2.2); returns the unfinished rest. */
  #read(buf: Buffer): Buffer {
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      for (; i < buf.length; i++) {
        length += (buf[i]! & 0x7f) * multiplier;
        multiplier *= 128;
        if ((buf[i]! & 0x80) === 0) break;
      }
      if (i >= buf.length) break;
      const body = i + 1;
      if (body + length > buf.length) break;
      const header = buf[at]!;
      if (header >> 4 === 3) {
        const qos = (header >> 1) & 3;
        const topicLength = buf.readUInt16BE(body);
        const topic = buf.toString('utf8', body + 2, body + 2 + topicLength);
        const payloadAt = body + 2 + topicLength + (qos > 0 ? 2 : 0);
        this.published.push({ topic, payload: buf.toString('utf8', payloadAt, body + length), retain: (header & 1) === 1 });
      }
      at = body + length;
    }
    return buf.subarray(at);
  }
}
