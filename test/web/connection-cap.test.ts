/**
 * Issue 14, point 9: a cap on connections. A flood of open connections (a broken client, a scan)
 * must not take the gateway's file descriptors: past MAX_CONNECTIONS a new one is closed at once,
 * and once the flood is gone the page answers again.
 */
import { type Socket, connect } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MAX_CONNECTIONS } from '../../src/web/server.js';
import { type Rig, request, startRig } from '../support/web-client.js';
import { waitFor } from '../support/wait.js';

const T0 = Date.parse('2025-06-20T10:00:00+02:00');
let rig: Rig;
const sockets: Socket[] = [];

beforeEach(async () => {
  rig = await startRig({ t0: T0 });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await rig.stop();
});

/** A keep-alive connection that has had its answer to GET /healthz (so the server holds it), or the reason it ended. */
function openConnection(): Promise<{ socket: Socket; answered: boolean }> {
  const { hostname, port } = new URL(rig.base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    let data = '';
    socket.on('connect', () => socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (/^HTTP\/1\.1 200 /.test(data) && data.includes('"ok":true')) resolve({ socket, answered: true });
    });
    socket.on('error', () => resolve({ socket, answered: false }));
    socket.on('close', () => resolve({ socket, answered: false }));
  });
}

it(`closes connection ${MAX_CONNECTIONS + 1} at once, and answers again when the others are gone`, async () => {
  const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, openConnection));
  expect(held.filter((c) => c.answered)).toHaveLength(MAX_CONNECTIONS);

  const extra = await openConnection();
  expect(extra.answered).toBe(false);
  expect(extra.socket.destroyed).toBe(true);

  for (const c of held) c.socket.destroy();
  // The server counts a connection gone when it has seen it close: wait for that, not for luck.
  const answer = await waitFor('an answer once the connections are closed', async () => {
    const c = await openConnection();
    return c.answered && c;
  });
  expect(answer.answered).toBe(true);
  expect((await request(rig.base, 'GET', '/api/meters')).status).toBe(200);
});
