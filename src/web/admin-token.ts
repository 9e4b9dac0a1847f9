/**
 * The admin token that every change (claim, rename, key, remove) must carry as
 * `Authorization: Bearer <token>`. Reading stays open on the LAN.
 *
 * From the configuration (http.adminToken / WMBUS_ADMIN_TOKEN) when set; otherwise generated at
 * first start, kept in <dataDir>/admin-token (mode 0600) and printed in the log that one time, so
 * it survives restarts and updates without ever appearing in the log again.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { access, chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../model/log.js';

export const TOKEN_FILE = 'admin-token';
// No 0/o, 1/l/i: the token is typed on a phone from a log line.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 5;
const GROUP_LEN = 4;

/** xxxx-xxxx-xxxx-xxxx-xxxx: 20 letters of a 31-sign alphabet, about 99 bits. */
export function generateToken(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LEN; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

export async function resolveAdminToken(configured: string | undefined, dataDir: string, log: Logger): Promise<string> {
  if (configured !== undefined && configured.trim() !== '') {
    log.info('web: changes need the admin token from the configuration (http.adminToken)');
    return configured.trim();
  }
  const file = path.join(dataDir, TOKEN_FILE);
  const stored = await readFile(file, 'utf8').then(
    (s) => s.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw new Error(`cannot read the admin token from ${file} (${err.message}): fix its permissions or delete it to get a new one`);
    },
  );
  if (stored !== '') {
    log.info(`web: changes need the admin token kept in ${file} (generated at first start; set http.adminToken to choose your own)`);
    return stored;
  }
  const token = generateToken();
  await writeTokenFile(file, token);
  log.info(`web: admin token for changes on the page and the API: ${token} (shown this once; kept in ${file})`);
  return token;
}

async function writeTokenFile(file: string, token: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/**
 * Writes a generated token again when its file is gone (the data folder was deleted while running),
 * so a restart does not make a new one the household never saw. A configured token has no file.
 */
export async function keepTokenFile(configured: string | undefined, dataDir: string, token: string): Promise<void> {
  if (configured !== undefined && configured.trim() !== '') return;
  const file = path.join(dataDir, TOKEN_FILE);
  if (
    await access(file).then(
      () => true,
      () => false,
    )
  )
    return;
  await writeTokenFile(file, token);
}

/** Compares a presented token with the admin token in constant time. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}
