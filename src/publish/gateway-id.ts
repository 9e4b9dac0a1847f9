/**
 * Who this gateway is to Home Assistant: a UUID kept in the data folder (file `gateway-id`), made
 * at first start. The host name is no identity: an SD card moved to a new Pi, or a renamed host,
 * would otherwise become a second gateway device with every meter attached twice. The demo has a
 * data folder of its own and so an identity of its own.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FILE = 'gateway-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The gateway's UUID from `<dataDir>/gateway-id`, written there first when missing or unreadable. */
export function gatewayUuid(dataDir: string): string {
  const file = path.join(dataDir, FILE);
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (UUID.test(text)) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  mkdirSync(dataDir, { recursive: true });
  // Written whole or not at all: a power cut must not leave half an id that changes at the next start.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${id}\n`);
  renameSync(tmp, file);
  return id;
}

/**
 * Where a user on the LAN opens the page, for Home Assistant's "Visit" link: the configured
 * address, or for a wildcard address the machine's first LAN IPv4 address (its host name as a
 * fallback). Undefined when the page is off.
 */
export function pageUrl(http: { enabled: boolean; host: string; port: number }): string | undefined {
  if (!http.enabled) return undefined;
  const wildcard = http.host === '0.0.0.0' || http.host === '::' || http.host === '';
  const host = wildcard ? lanAddress() : http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${http.port}/`;
}

function lanAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    const v4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return os.hostname();
}
