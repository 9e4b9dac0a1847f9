/** Issue 14, point 9: wrong tokens, short tokens and greedy clients. */
import http from 'node:http';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { renderMetrics } from '../../src/publish/prometheus.js';
import { MAX_EVENT_CLIENTS } from '../../src/web/events.js';
import { type Rig, request, startRig } from '../support/web-client.js';

const T0 = Date.parse('2025-06-20T10:00:00+02:00');
const TOKEN = 'abuse-test-token-0123';
let rig: Rig;

beforeEach(async () => {
  rig = await startRig({ t0: T0, env: { WMBUS_ADMIN_TOKEN: TOKEN }, web: { renderMetrics } });
});
afterEach(() => rig.stop());

it('slows down an address after eleven wrong tokens, counts them in /metrics and logs the burst once', async () => {
  for (let i = 0; i < 11; i++) {
    expect((await request(rig.base, 'GET', '/api/token', { token: `wrong-token-${i}-0000000` })).status).toBe(401);
  }
  const blocked = await request(rig.base, 'GET', '/api/token', { token: 'wrong-token-11-0000000' });
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  // While it waits, not even a token is compared (so guessing gets no faster with more tries).
  expect((await request(rig.base, 'GET', '/api/token', { token: TOKEN })).status).toBe(429);
  const metrics = await request(rig.base, 'GET', '/metrics');
  expect(metrics.text).toMatch(/^wmbus_web_admin_token_failures_total 11$/m);
  expect(rig.logs.filter((l) => /wrong admin token from/.test(l))).toHaveLength(1);
  // Reading stays open meanwhile.
  expect((await request(rig.base, 'GET', '/api/meters')).status).toBe(200);
});

it('refuses a configured admin token shorter than 16 characters', () => {
  let problems: string[] = [];
  try {
    loadConfig({ env: { WMBUS_ADMIN_TOKEN: 'a', WMBUS_DATA_DIR: rig.dir } });
  } catch (err) {
    if (err instanceof ConfigError) problems = err.problems;
  }
  expect(problems.join('\n')).toMatch(/http\.adminToken .*at least 16 characters/);
  expect(problems.join('\n')).not.toMatch(/"a"/);
});

it(`keeps at most ${MAX_EVENT_CLIENTS} event streams open and answers the next one 503`, async () => {
  const open: http.ClientRequest[] = [];
  const connect = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(`${rig.base}/api/events`, { agent: false }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      open.push(req);
    });
  try {
    const statuses = await Promise.all(Array.from({ length: MAX_EVENT_CLIENTS }, connect));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(rig.web.eventClients).toBe(MAX_EVENT_CLIENTS);
    expect(await connect()).toBe(503);
  } finally {
    for (const req of open) req.destroy();
  }
});
