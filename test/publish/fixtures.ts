/** What the publish tests feed the gateway: the real GAMA 350 telegram and water meters made by our own encoder. */
import { encodeRecord } from '../../src/wmbus/apl/encode.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import type { GatewayConfig } from '../../src/config/config.js';
import type { Gateway, Output } from '../../src/gateway/gateway.js';
import type { Logger } from '../../src/model/log.js';
import { type ExpectedRecord, gamaBytes, gamaReference, haveShared, skipping } from '../conformance/shared-files.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';

if (!haveShared) console.warn(skipping('publish tests that need the GAMA 350 telegram'));

export const gama = gamaReference();

/** The GAMA 350's expected record with these dimensions. */
export function gamaRecord(quantity: string, dims: { direction?: string; tariff?: number; phase?: string } = {}): ExpectedRecord {
  const r = gama!.expect.records.find(
    (x) => x.quantity === quantity && x.direction === dims.direction && (x.tariff ?? 0) === (dims.tariff ?? 0) && x.phase === dims.phase,
  );
  if (!r) throw new Error(`the GAMA 350 reference has no ${quantity} record ${JSON.stringify(dims)}`);
  return r;
}

/** An unencrypted water meter telegram (volume register 0C 13, litres resolution). */
export function waterTelegram(id: string, m3: number, accessNumber: number): Uint8Array {
  const record = encodeRecord({ dif: '0C', vif: '13', value: m3 });
  const apl = new Uint8Array(2 + record.length);
  apl.set([0x2f, 0x2f]);
  apl.set(record, 2);
  return buildTelegram({ manufacturer: 'ELS', id, version: 0x33, deviceType: 0x07, accessNumber, apl, security: { mode: 0 } });
}

export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  debug(m: string): void {
    this.lines.push(`debug ${m}`);
  }
  info(m: string): void {
    this.lines.push(`info ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error ${m}`);
  }
}

/** Waits (up to 20 s: the machine may be busy) until the log has a line that matches. */
export async function waitForLog(log: CapturingLogger, pattern: RegExp): Promise<string> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    const line = log.lines.find((l) => pattern.test(l));
    if (line !== undefined) return line;
  }
  throw new Error(`no log line matching ${pattern} within 20 s; the log: ${log.lines.join(' | ')}`);
}

export interface TestGateway {
  gateway: Gateway;
  clock: FakeClock;
  config: GatewayConfig;
  close(): Promise<void>;
}

export const T0 = Date.parse('2025-06-20T09:50:47+02:00');

/** A gateway on a temp data folder with a fake clock; `makeOutputs` builds its outputs from the configuration. */
export async function startGateway(
  env: Record<string, string>,
  makeOutputs: (config: GatewayConfig) => Output[] = () => [],
): Promise<TestGateway> {
  const tmp = await tempDir();
  const clock = new FakeClock(T0);
  const config = testConfig(tmp.dir, env);
  const gateway = await openGateway(config, clock, { outputs: makeOutputs(config) });
  await gateway.start();
  return {
    gateway,
    clock,
    config,
    close: async () => {
      await gateway.stop();
      await tmp.remove();
    },
  };
}

/** Claims the GAMA 350 with its key and feeds its telegram. */
export async function claimGama(gateway: Gateway, clock: FakeClock, name = 'Dom'): Promise<void> {
  gateway.ingestTelegram(gamaBytes(), { time: clock.t, rssi: -67 });
  await gateway.claim({ id: gama!.expect.id, name, key: gama!.key });
}
