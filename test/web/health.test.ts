/** Issue 14, point 3: health tells the truth while the store cannot be written, and the container check acts on it. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type FaultyDisk, faultyDisk } from '../support/faulty-disk.js';
import { type Rig, request, startRig } from '../support/web-client.js';

const T0 = Date.parse('2025-06-20T10:00:00+02:00');
const TOKEN = 'health-test-token-0123';
const script = path.resolve(import.meta.dirname, '../../deploy/healthcheck.js');
let disk: FaultyDisk;
let rig: Rig;

beforeEach(async () => {
  disk = await faultyDisk();
  rig = await startRig({ t0: T0, dir: disk.dir, env: { WMBUS_ADMIN_TOKEN: TOKEN } });
});
afterEach(async () => {
  await disk.writable();
  await rig.gw.stop();
  await disk.remove();
});

// The container's health check as Docker runs it: its exit status.
async function healthcheck(): Promise<number> {
  const port = new URL(rig.base).port;
  return promisify(execFile)(process.execPath, [script], { env: { ...process.env, WMBUS_HTTP_PORT: port } }).then(
    () => 0,
    (err: { code?: number }) => err.code ?? -1,
  );
}

it('answers 503 while the store cannot be written, logs that once, and 200 with one line when it works again', async () => {
  expect((await request(rig.base, 'GET', '/healthz')).status).toBe(200);
  expect(await healthcheck()).toBe(0);

  await disk.readOnly();
  for (const name of ['One', 'Two']) {
    const answer = await request(rig.base, 'POST', '/api/meters', { token: TOKEN, body: { id: '12345678', name } });
    // nothing changed, and the answer says why and what to look at
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({
      error: 'store_unwritable',
      message: expect.stringMatching(/^nothing was changed: writing the store in .*card/),
    });
  }
  const sick = await request(rig.base, 'GET', '/healthz');
  expect(sick.status).toBe(503);
  expect(sick.json).toMatchObject({ ok: false, storeError: expect.stringContaining(disk.dir) });
  expect(await healthcheck()).toBe(1);
  // one line from the store, whatever the retries; each refused request is named by the web log
  expect(
    rig.logs.filter((l) => /writing the store/.test(l) && !l.includes('POST')),
    rig.logs.join('\n'),
  ).toHaveLength(1);

  await disk.writable();
  expect((await request(rig.base, 'POST', '/api/meters', { token: TOKEN, body: { id: '12345678', name: 'Three' } })).status).toBe(201);
  expect((await request(rig.base, 'GET', '/healthz')).status).toBe(200);
  expect(await healthcheck()).toBe(0);
  expect(rig.logs.filter((l) => /works again/.test(l))).toHaveLength(1);
});
