/** Shared set-up of gateway tests: a temp data folder, a fake clock, a configuration. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type GatewayConfig, loadConfig } from '../../src/config/config.js';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';

export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-gw-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): GatewayConfig {
  return loadConfig({ env: { WMBUS_DATA_DIR: dataDir, ...env } });
}

export class FakeClock {
  constructor(public t: number) {}
  readonly now = () => this.t;
}

export async function openGateway(config: GatewayConfig, clock: FakeClock, extra: Partial<GatewayOptions> = {}): Promise<Gateway> {
  return Gateway.open({ config, clock: clock.now, ...extra });
}
