/**
 * A real gateway (fake clock, temp data folder) with the web output listening on 127.0.0.1, fed
 * with the frames the demo's simulated meters send; a small HTTP client for the tests.
 */
import type { GatewayConfig } from '../../src/config/config.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { Logger } from '../../src/model/log.js';
import { type DemoMeter, DEMO_METERS, frameAt, rssiAt } from '../../src/gateway/demo/neighbourhood.js';
import { type WebOutput, type WebOutputOptions, createWebOutput } from '../../src/web/server.js';
import { FakeClock, openGateway, tempDir, testConfig } from './gateway-harness.js';

export const demoMeter = (id: string): DemoMeter => DEMO_METERS.find((m) => m.id === id)!;
export const GAMA = demoMeter('30434741');
export const WATER = demoMeter('51834620');
export const NEIGHBOUR_GAMA = demoMeter('30435002');
export const PLAIN_WATER = demoMeter('72104388');

export interface Rig {
  gw: Gateway;
  web: WebOutput;
  config: GatewayConfig;
  clock: FakeClock;
  dir: string;
  base: string;
  logs: string[];
  stop(): Promise<void>;
}

export function memoryLogger(lines: string[]): Logger {
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export async function startRig(opts: {
  t0: number;
  env?: Record<string, string>;
  dir?: string;
  web?: Partial<WebOutputOptions>;
}): Promise<Rig> {
  const tmp = opts.dir ? { dir: opts.dir, remove: async () => {} } : await tempDir();
  const loaded = testConfig(tmp.dir, opts.env ?? {});
  // Port 0: the system picks a free one; the tests read it back from the output.
  const config: GatewayConfig = { ...loaded, http: { ...loaded.http, host: '127.0.0.1', port: 0 } };
  const clock = new FakeClock(opts.t0);
  const logs: string[] = [];
  const log = memoryLogger(logs);
  const web = createWebOutput(config, log, opts.web);
  const gw = await openGateway(config, clock, { outputs: [web], log });
  await gw.start();
  return {
    gw,
    web,
    config,
    clock,
    dir: tmp.dir,
    base: web.url.replace(/\/$/, ''),
    logs,
    async stop() {
      await gw.stop();
      await tmp.remove();
    },
  };
}

/** The frame a demo meter sends at t, as the radio would hand it over. */
export function send(rig: Rig, meter: DemoMeter, t: number): void {
  rig.clock.t = t;
  rig.gw.ingestTelegram(frameAt(meter, t), { time: t, rssi: rssiAt(meter, t), mode: meter.mode, frameFormat: meter.frameFormat });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function request(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers['Authorization'] = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
