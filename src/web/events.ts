/**
 * Server-sent events: the page's live updates. Each client names the topics it wants
 * (`/api/events?topics=reading,radio`); a comment line every heartbeat keeps proxies and phones
 * from closing an idle connection and lets a dead one be noticed. A client that stops reading is
 * dropped once its unsent data passes a limit, so a stalled phone never grows the gateway's memory.
 */
import type { ServerResponse } from 'node:http';

export const TOPICS = ['reading', 'meter', 'nearby', 'radio', 'telegram'] as const;
export type Topic = (typeof TOPICS)[number];
export const DEFAULT_TOPICS: readonly Topic[] = ['reading', 'meter', 'nearby', 'radio'];

const MAX_UNSENT_BYTES = 1 << 20;
/** open event streams at most (2,000 once cost 38 MB); a household has a few phones and Home Assistant */
export const MAX_EVENT_CLIENTS = 64;
// Tells the browser how long to wait before reconnecting after the gateway restarts.
const RETRY_MS = 3000;

interface Client {
  res: ServerResponse;
  topics: ReadonlySet<Topic>;
}

export class EventHub {
  readonly #clients = new Set<Client>();
  #heartbeat: NodeJS.Timeout | undefined;
  #nextId = 1;

  constructor(heartbeatMs: number) {
    this.#heartbeat = setInterval(() => this.#writeAll(': heartbeat\n\n'), heartbeatMs);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** true while another client may attach */
  get hasRoom(): boolean {
    return this.#clients.size < MAX_EVENT_CLIENTS;
  }

  /** Takes over the response: headers now, events until the client goes away. */
  attach(res: ServerResponse, topics: ReadonlySet<Topic>): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream
      'X-Accel-Buffering': 'no',
    });
    // Node sends a HEAD response's headers only at its end: answer them now, keep no client.
    if (res.req.method === 'HEAD') {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n: connected, topics ${[...topics].join(',')}\n\n`);
    const client: Client = { res, topics };
    this.#clients.add(client);
    const drop = () => this.#clients.delete(client);
    res.on('close', drop);
    res.on('error', drop);
  }

  /** true when some client listens to the topic (skip building what nobody reads) */
  wants(topic: Topic): boolean {
    for (const c of this.#clients) if (c.topics.has(topic)) return true;
    return false;
  }

  send(topic: Topic, data: unknown): void {
    let frame: string | undefined;
    for (const c of this.#clients) {
      if (!c.topics.has(topic)) continue;
      frame ??= `id: ${this.#nextId++}\nevent: ${topic}\ndata: ${JSON.stringify(data)}\n\n`;
      this.#write(c, frame);
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  #writeAll(text: string): void {
    for (const c of this.#clients) this.#write(c, text);
  }

  #write(c: Client, text: string): void {
    if (c.res.writableLength > MAX_UNSENT_BYTES) {
      this.#clients.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(text);
  }
}

/** The topics a client asked for; unknown names are refused by the caller. */
export function parseTopics(raw: string | null): { topics: Set<Topic>; unknown: string[] } {
  if (raw === null || raw.trim() === '') return { topics: new Set(DEFAULT_TOPICS), unknown: [] };
  const topics = new Set<Topic>();
  const unknown: string[] = [];
  for (const name of raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    if ((TOPICS as readonly string[]).includes(name)) topics.add(name as Topic);
    else unknown.push(name);
  }
  return { topics, unknown };
}
