/**
 * The admin token without configuration: generated at first start, shown in the log that once,
 * kept in the data folder (mode 0600) and accepted after a restart without being shown again.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_FILE, bearerToken, resolveAdminToken, tokenMatches } from '../../src/web/admin-token.js';
import { tempDir } from '../support/gateway-harness.js';
import { type Rig, memoryLogger, request, startRig } from '../support/web-client.js';
import { rejection } from '../support/errors.js';

const T0 = Date.parse('2025-06-20T10:00:00+02:00');
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.remove();
});

describe('the generated admin token', () => {
  let token = '';

  it('is generated at first start, logged once and kept with mode 0600', async () => {
    const rig: Rig = await startRig({ t0: T0, dir: tmp.dir });
    try {
      const file = path.join(tmp.dir, TOKEN_FILE);
      token = (await readFile(file, 'utf8')).trim();
      expect(token).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(rig.logs.filter((l) => l.includes(token))).toHaveLength(1);
      expect((await request(rig.base, 'GET', '/api/token', { token })).status).toBe(200);
      expect((await request(rig.base, 'GET', '/api/info')).json.adminToken).toBe('generated');
    } finally {
      await rig.gw.stop();
    }
  });

  it('is read back after a restart and not shown again', async () => {
    const rig: Rig = await startRig({ t0: T0, dir: tmp.dir });
    try {
      expect(rig.logs.join('\n')).not.toContain(token);
      expect(rig.logs.join('\n')).toMatch(/admin token kept in .*admin-token/);
      expect((await request(rig.base, 'GET', '/api/token', { token })).status).toBe(200);
    } finally {
      await rig.gw.stop();
    }
  });

  it('is written again when the data folder is deleted while running, so a restart keeps it', async () => {
    const rig: Rig = await startRig({ t0: T0, dir: tmp.dir });
    try {
      await rm(tmp.dir, { recursive: true });
      const claim = await request(rig.base, 'POST', '/api/meters', { token, body: { id: '12345678', name: 'After' } });
      expect(claim.status).toBe(201);
      await vi.waitFor(async () => expect((await readFile(path.join(tmp.dir, TOKEN_FILE), 'utf8')).trim()).toBe(token));
    } finally {
      await rig.gw.stop();
    }
  });

  it('gives way to a configured token', async () => {
    const rig: Rig = await startRig({ t0: T0, dir: tmp.dir, env: { WMBUS_ADMIN_TOKEN: 'chosen-by-me-0123456' } });
    try {
      expect((await request(rig.base, 'GET', '/api/token', { token })).status).toBe(401);
      expect((await request(rig.base, 'GET', '/api/token', { token: 'chosen-by-me-0123456' })).status).toBe(200);
      expect(rig.logs.join('\n')).not.toContain('chosen-by-me-0123456');
    } finally {
      await rig.gw.stop();
    }
  });
});

describe('a token that is almost right', () => {
  const TOKEN = 'abcd-efgh-jkmn-pqrs-tuvw';
  const nearMisses: Record<string, string> = {
    'one character short': TOKEN.slice(0, -1),
    'one character more': `${TOKEN}x`,
    'other case': TOKEN.toUpperCase(),
    'one character changed': `${TOKEN.slice(0, -1)}x`,
    'a prefix (the first group)': TOKEN.slice(0, 4),
    'a single character': TOKEN.slice(0, 1),
  };

  it.each(Object.entries(nearMisses))('%s is refused (tokenMatches)', (_, presented) => {
    expect(tokenMatches(presented, TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
  });

  it('is refused by the API with 401 admin_token_wrong; the exact token is accepted', async () => {
    const rig: Rig = await startRig({ t0: T0, env: { WMBUS_ADMIN_TOKEN: TOKEN } });
    try {
      for (const [what, presented] of Object.entries(nearMisses)) {
        const answer = await request(rig.base, 'GET', '/api/token', { token: presented });
        expect({ what, status: answer.status, code: answer.json?.error }).toEqual({
          what,
          status: 401,
          code: 'admin_token_wrong',
        });
      }
      expect((await request(rig.base, 'GET', '/api/token', { token: TOKEN })).status).toBe(200);
    } finally {
      await rig.stop();
    }
  });
});

describe('resolveAdminToken', () => {
  it('takes a configured token without its surrounding blanks and says where it comes from', async () => {
    const lines: string[] = [];
    expect(await resolveAdminToken('  chosen-by-me \n', path.join(tmp.dir, 'configured'), memoryLogger(lines))).toBe('chosen-by-me');
    expect(lines).toEqual(['info web: changes need the admin token from the configuration (http.adminToken)']);
  });

  it('treats a blank configured token as none and generates one', async () => {
    const dir = path.join(tmp.dir, 'blank');
    const token = await resolveAdminToken('   ', dir, memoryLogger([]));
    expect(token).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
    expect((await readFile(path.join(dir, TOKEN_FILE), 'utf8')).trim()).toBe(token);
  });

  it('refuses to start when the token file cannot be read, and says what to do', async () => {
    const dir = path.join(tmp.dir, 'unreadable');
    await mkdir(path.join(dir, TOKEN_FILE), { recursive: true }); // a folder where the file should be: EISDIR
    await rejection(
      resolveAdminToken(undefined, dir, memoryLogger([])),
      Error,
      /^cannot read the admin token from .*admin-token \(.*\): fix its permissions or delete it to get a new one$/,
    );
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc-def', 'abc-def'],
    ['bearer abc-def', 'abc-def'],
    ['Bearer   abc-def', 'abc-def'],
    ['Bearer abc-def  ', 'abc-def'],
    ['Bearer abc def', undefined],
    ['xBearer abc-def', undefined],
    ['Basic abc-def', undefined],
    ['Bearer ', undefined],
    [undefined, undefined],
  ])('%j -> %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
