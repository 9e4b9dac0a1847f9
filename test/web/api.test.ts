/**
 * The JSON API over real HTTP on 127.0.0.1, against a real gateway fed with the frames the demo's
 * simulated meters send (fake clock). Expected values come from what the simulated meters sent.
 * Every route of the table is exercised (checked at the end); refused writes change nothing.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendTimes, sentValues } from '../../src/gateway/demo/neighbourhood.js';
import { renderMetrics } from '../../src/publish/prometheus.js';
import { ROUTES } from '../../src/web/routes.js';
import { GAMA, NEIGHBOUR_GAMA, PLAIN_WATER, type Rig, WATER, request, send, startRig } from '../support/web-client.js';

const TOKEN = 'test-admin-token-0123';
const T0 = Date.parse('2025-06-20T10:00:00+02:00');
const HOUR = 3_600_000;
const END = T0 + 3 * HOUR;

const registerWh = (meter: typeof GAMA, t: number, dif: string, vif: string) =>
  sentValues(meter, t).find((v) => v.dif === dif && v.vif === vif)!.value;
const importKwh = (t: number) => registerWh(GAMA, t, '0E', '03') / 1000;
const exportKwh = (t: number) => registerWh(GAMA, t, '0E', '833C') / 1000;

let rig: Rig;
const exercised = new Set<string>();
const api = async (method: string, p: string, opts: Parameters<typeof request>[3] = {}) => {
  const route = ROUTES.find((r) => r.method === method && r.pattern.test(p.split('?')[0]!));
  if (route) exercised.add(`${route.method} ${route.path}`);
  return request(rig.base, method, p, opts);
};

/** Everything the gateway keeps on disk, byte for byte, once pending changes are written. */
async function storedFiles(): Promise<Record<string, string>> {
  await rig.gw.flush();
  const out: Record<string, string> = {};
  for (const name of (await readdir(rig.dir)).sort()) {
    const p = path.join(rig.dir, name);
    if ((await stat(p)).isFile()) out[name] = await readFile(p, 'utf8');
  }
  return out;
}

beforeAll(async () => {
  rig = await startRig({ t0: T0, env: { WMBUS_ADMIN_TOKEN: TOKEN }, web: { renderMetrics, heartbeatS: 0.2 } });
  // The household's meters and two neighbours are heard before anyone claims anything.
  for (const m of [GAMA, WATER, NEIGHBOUR_GAMA, PLAIN_WATER]) send(rig, m, sendTimes(m, T0, T0 + 120_000)[0]!);
});
afterAll(async () => {
  await rig?.stop();
});

describe('reading is open', () => {
  it('GET /healthz answers 200 with JSON while running', async () => {
    const r = await api('GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toMatchObject({ ok: true, lastFrameAt: expect.any(Number) });
  });

  it('GET /api lists every route, and /api/info tells the time zone', async () => {
    const r = await api('GET', '/api');
    expect(r.json.routes.map((x: { method: string; path: string }) => `${x.method} ${x.path}`)).toEqual(
      ROUTES.map((x) => `${x.method} ${x.path}`),
    );
    const info = await api('GET', '/api/info');
    expect(info.json).toMatchObject({ name: 'wmbus-gateway', timeZone: 'Europe/Warsaw', metrics: true, adminToken: 'configuration' });
  });

  it('lists what was heard nearby, with the radio counters and the telegram log', async () => {
    const nearby = await api('GET', '/api/nearby');
    expect(nearby.json.map((n: { id: string }) => n.id).sort()).toEqual([GAMA.id, WATER.id, NEIGHBOUR_GAMA.id, PLAIN_WATER.id].sort());
    expect(nearby.json.find((n: { id: string }) => n.id === GAMA.id)).toMatchObject({ manufacturer: 'EGM', encrypted: true });
    expect(nearby.json.find((n: { id: string }) => n.id === PLAIN_WATER.id)).toMatchObject({ encrypted: false });
    const radio = await api('GET', '/api/radio');
    expect(radio.json.gateway.frames).toBe(4);
    expect(Object.keys(radio.json.rssi).sort()).toEqual(nearby.json.map((n: { id: string }) => n.id).sort());
    const log = await api('GET', '/api/telegrams');
    expect(log.json).toHaveLength(4);
    expect(log.json.map((e: { id: string }) => e.id)).toEqual([GAMA, WATER, NEIGHBOUR_GAMA, PLAIN_WATER].map((m) => m.id));
  });

  it('answers unknown paths, methods and parameters with a JSON message', async () => {
    const missing = await api('GET', '/api/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 'not_found', message: expect.stringContaining('GET /api') });
    const method = await api('POST', '/api/radio', { body: {} });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
    const param = await api('GET', '/api/nearby?limit=3');
    expect(param.status).toBe(400);
    expect(param.json.message).toMatch(/unknown parameter "limit"/);
    // A broken %-escape in a path is the client's mistake, not the gateway's.
    const escape = await api('GET', '/api/meters/%E0%A4');
    expect(escape.status).toBe(400);
    expect(escape.json.message).toMatch(/not a meter id/);
  });
});

describe('changes need the admin token', () => {
  it('refuses every write without the token or with a wrong one, and GET /api/token tells which', async () => {
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/meters', { id: GAMA.id, key: GAMA.key }],
      ['PATCH', `/api/meters/${GAMA.id}`, { name: 'x' }],
      ['PUT', `/api/meters/${GAMA.id}/key`, { key: null }],
      ['DELETE', `/api/meters/${GAMA.id}`, undefined],
    ];
    const before = await storedFiles();
    for (const [method, p, body] of writes) {
      const none = await api(method, p, { body });
      expect(none.status, `${method} ${p}`).toBe(401);
      expect(none.json).toMatchObject({ error: 'admin_token_required', message: expect.stringContaining('admin token') });
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await api(method, p, { body, token: 'not-the-token' });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toBe('admin_token_wrong');
    }
    expect((await api('GET', '/api/token')).status).toBe(401);
    expect((await api('GET', '/api/token', { token: 'nope' })).status).toBe(401);
    expect((await api('GET', '/api/token', { token: TOKEN })).json).toEqual({ ok: true });
    expect(await storedFiles()).toEqual(before);
    expect((await api('GET', '/api/meters')).json).toEqual([]);
  });

  it('refuses malformed bodies and bad values with a message, changing nothing', async () => {
    const before = await storedFiles();
    const bad: Array<{ opts: Parameters<typeof request>[3]; status: number; message: RegExp }> = [
      { opts: { raw: '{"id": "30434741",', headers: { 'Content-Type': 'application/json' } }, status: 400, message: /not valid JSON/ },
      {
        opts: { raw: `{"id":"${GAMA.id}"}`, headers: { 'Content-Type': 'text/plain' } },
        status: 415,
        message: /Content-Type: application\/json/,
      },
      { opts: { body: [GAMA.id] }, status: 400, message: /one JSON object/ },
      { opts: { body: 'x'.repeat(5000) }, status: 413, message: /at most 4096 bytes/ },
      { opts: { body: { id: GAMA.id, key: GAMA.key, admin: true } }, status: 400, message: /unknown field "admin"/ },
      { opts: { body: { name: 'House' } }, status: 400, message: /"id" is missing/ },
      { opts: { body: { id: 30434741 } }, status: 400, message: /"id" must be text/ },
      { opts: { body: { id: '3043474' } }, status: 400, message: /8 digits printed on the meter/ },
      { opts: { body: { id: GAMA.id, key: 'ABC' } }, status: 400, message: /32 hexadecimal digits/ },
      { opts: { body: { id: GAMA.id, key: GAMA.key, name: 'n'.repeat(65) } }, status: 400, message: /at most 64 characters/ },
    ];
    for (const b of bad) {
      const r = await api('POST', '/api/meters', { ...b.opts, token: TOKEN });
      expect(r.status, JSON.stringify(b.opts).slice(0, 80)).toBe(b.status);
      expect(r.json.message).toMatch(b.message);
    }
    expect(await storedFiles()).toEqual(before);
    expect((await api('GET', '/api/nearby')).json).toHaveLength(4);
  });

  it('claims a meter with its key: the reading shows at once, and the key is never served', async () => {
    const r = await api('POST', '/api/meters', { body: { id: GAMA.id.toLowerCase(), name: 'House', key: GAMA.key }, token: TOKEN });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ id: GAMA.id, name: 'House', hasKey: true, status: { state: 'ok' } });
    const latest = await api('GET', `/api/meters/${GAMA.id}/latest`);
    const t = sendTimes(GAMA, T0, T0 + 120_000)[0]!;
    expect(latest.json.counters.energy_import).toBeCloseTo(importKwh(t), 6);
    expect(latest.json.counters.energy_export).toBeCloseTo(exportKwh(t), 6);
    expect(latest.json.records.length).toBe(11);
    const again = await api('POST', '/api/meters', { body: { id: GAMA.id, key: GAMA.key }, token: TOKEN });
    expect(again.status).toBe(400);
    expect(again.json.message).toMatch(/already claimed/);
    const water = await api('POST', '/api/meters', { body: { id: WATER.id, name: 'Water', key: WATER.key }, token: TOKEN });
    expect(water.json.status.state).toBe('ok');
  });

  it('claims with a wrong key: claimed, and the status says the key does not decrypt', async () => {
    const r = await api('POST', '/api/meters', { body: { id: NEIGHBOUR_GAMA.id, key: GAMA.key }, token: TOKEN });
    expect(r.status).toBe(201);
    expect(r.json.status).toMatchObject({ state: 'wrong_key', message: expect.stringMatching(/does not decrypt/) });
    const fixed = await api('PUT', `/api/meters/${NEIGHBOUR_GAMA.id}/key`, { body: { key: NEIGHBOUR_GAMA.key }, token: TOKEN });
    expect(fixed.json).toMatchObject({ hasKey: true, status: { state: 'waiting' } });
    send(rig, NEIGHBOUR_GAMA, sendTimes(NEIGHBOUR_GAMA, T0 + 60_000, T0 + 180_000)[0]!);
    expect((await api('GET', `/api/meters/${NEIGHBOUR_GAMA.id}`)).json.meter.status.state).toBe('ok');
  });

  it('renames, removes a key, refuses bad edits, removes a meter', async () => {
    const before = await storedFiles();
    const refused = [
      await api('PATCH', `/api/meters/${WATER.id}`, { body: { name: 42 }, token: TOKEN }),
      await api('PATCH', `/api/meters/${WATER.id}`, { body: {}, token: TOKEN }),
      await api('PATCH', '/api/meters/not-an-id', { body: { name: 'x' }, token: TOKEN }),
      await api('PUT', `/api/meters/${WATER.id}/key`, { body: { key: 12 }, token: TOKEN }),
      await api('PUT', `/api/meters/${WATER.id}/key`, { body: { key: 'zz' }, token: TOKEN }),
      await api('DELETE', '/api/meters/1234567X', { token: TOKEN }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    const unknown = await api('PATCH', '/api/meters/99999999', { body: { name: 'x' }, token: TOKEN });
    expect(unknown.status).toBe(404);
    expect(await storedFiles()).toEqual(before);

    const renamed = await api('PATCH', `/api/meters/${WATER.id}`, { body: { name: '  Cold   water ' }, token: TOKEN });
    expect(renamed.json.name).toBe('Cold water');
    const plain = await api('POST', '/api/meters', { body: { id: PLAIN_WATER.id }, token: TOKEN });
    expect(plain.json).toMatchObject({ hasKey: false, status: { state: 'ok' } });
    const keyOff = await api('PUT', `/api/meters/${NEIGHBOUR_GAMA.id}/key`, { body: { key: null }, token: TOKEN });
    expect(keyOff.json.hasKey).toBe(false);
    const removed = await api('DELETE', `/api/meters/${NEIGHBOUR_GAMA.id}`, { token: TOKEN });
    expect(removed.json).toEqual({ removed: NEIGHBOUR_GAMA.id });
    expect((await api('GET', `/api/meters/${NEIGHBOUR_GAMA.id}`)).status).toBe(404);
    expect((await api('GET', '/api/meters')).json.map((m: { id: string }) => m.id).sort()).toEqual(
      [GAMA.id, WATER.id, PLAIN_WATER.id].sort(),
    );
  });
});

describe('history, samples and live events', () => {
  it('streams readings as server-sent events, with heartbeats, and forgets a client that leaves', async () => {
    const got: string[] = [];
    const req = http.get(`${rig.base}/api/events?topics=reading,radio`);
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    exercised.add('GET /api/events');
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    res.on('data', (c: Buffer) => got.push(c.toString()));
    await until(() => rig.web.eventClients === 1);
    const t = sendTimes(GAMA, T0 + 120_000, T0 + 240_000)[0]!;
    send(rig, GAMA, t);
    await until(() => got.join('').includes('event: reading'));
    await until(() => got.join('').includes(': heartbeat'));
    const event = got
      .join('')
      .split('\n\n')
      .find((e) => e.includes('event: reading'))!;
    const data = JSON.parse(
      event
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    );
    expect(data.reading).toMatchObject({ meterId: GAMA.id, time: t });
    expect(data.reading.counters.energy_import).toBeCloseTo(importKwh(t), 6);
    expect(data.reading.records).toBeUndefined();
    // Mid-morning in June the PV exports: today's export so far is what the meter counted since 10:00.
    const first = sendTimes(GAMA, T0, T0 + 120_000)[0]!;
    expect(data.summary.today.energy_export).toBeCloseTo(exportKwh(t) - exportKwh(first), 6);
    req.destroy();
    await until(() => rig.web.eventClients === 0);
    // HEAD tells what the stream is and ends: no client is kept waiting, none is counted.
    const head = await fetch(`${rig.base}/api/events`, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(rig.web.eventClients).toBe(0);
    const badTopic = await api('GET', '/api/events?topics=reading,gossip');
    expect(badTopic.status).toBe(400);
  });

  it('serves hourly and daily history with ranges, as JSON and CSV, matching what the meter sent', async () => {
    for (const m of [GAMA, WATER]) for (const t of sendTimes(m, T0 + 240_000, END)) send(rig, m, t);
    rig.clock.t = END;
    const times = [
      ...sendTimes(GAMA, T0, T0 + 120_000).slice(0, 1),
      ...sendTimes(GAMA, T0 + 120_000, T0 + 240_000).slice(0, 1),
      ...sendTimes(GAMA, T0 + 240_000, END),
    ];
    const first = times[0]!;
    const last = times.at(-1)!;

    const hourly = await api('GET', `/api/meters/${GAMA.id}/history?resolution=hour`);
    expect(hourly.json).toMatchObject({ meterId: GAMA.id, resolution: 'hour', timeZone: 'Europe/Warsaw' });
    const buckets = hourly.json.buckets as Array<{ start: number; end: number; local: string; deltas: Record<string, number> }>;
    expect(buckets.map((b) => b.start)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    expect(buckets[0]!.local).toBe('2025-06-20T10:00:00+02:00');
    const sum = (k: string) => buckets.reduce((a, b) => a + (b.deltas[k] ?? 0), 0);
    expect(sum('energy_import')).toBeCloseTo(importKwh(last) - importKwh(first), 6);
    expect(sum('energy_export')).toBeCloseTo(exportKwh(last) - exportKwh(first), 6);

    const ranged = await api(
      'GET',
      `/api/meters/${GAMA.id}/history?resolution=hourly&from=2025-06-20T11:00:00%2B02:00&to=${T0 + 2 * HOUR}`,
    );
    expect(ranged.json.buckets.map((b: { start: number }) => b.start)).toEqual([T0 + HOUR]);

    const daily = await api('GET', `/api/meters/${GAMA.id}/history?resolution=day&from=2025-06-20&to=2025-06-21`);
    expect(daily.json.buckets).toHaveLength(1);
    expect(daily.json.buckets[0]).toMatchObject({
      start: Date.parse('2025-06-20T00:00:00+02:00'),
      local: '2025-06-20T00:00:00+02:00',
      partial: true,
    });
    expect(daily.json.buckets[0].deltas.energy_import ?? 0).toBeCloseTo(sum('energy_import'), 6);
    expect(daily.json.buckets[0].deltas.energy_export).toBeCloseTo(sum('energy_export'), 6);
    // not vacuous: the PV exported in these hours (the value itself is checked against the registers above)
    expect(sum('energy_export')).toBeGreaterThan(1);

    const csv = await api('GET', `/api/meters/${GAMA.id}/history.csv?resolution=hour`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${GAMA.id}-hourly.csv"`);
    const [header, ...rows] = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(header!.slice(0, 5)).toEqual(['meter_id', 'start', 'end', 'energy_import_kwh', 'energy_export_kwh']);
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      expect(row[1]).toBe(buckets[i]!.local);
      expect(Number(row[3])).toBeCloseTo(buckets[i]!.deltas['energy_import'] ?? 0, 5);
      expect(Number(row[4])).toBeCloseTo(buckets[i]!.deltas['energy_export'] ?? 0, 5);
    });
    const dailyCsv = await api('GET', `/api/meters/${WATER.id}/history.csv?resolution=day`);
    expect(dailyCsv.text.split('\r\n')[0]).toBe('meter_id,start,end,volume_m3,partial');

    const summary = await api('GET', `/api/meters/${GAMA.id}/summary`);
    expect(summary.json.today.energy_export).toBeCloseTo(sum('energy_export'), 6);
    expect(summary.json.month.energy_export).toBeCloseTo(sum('energy_export'), 6);
    const one = await api('GET', `/api/meters/${GAMA.id}`);
    expect(one.json).toMatchObject({
      meter: { id: GAMA.id, name: 'House' },
      latest: { time: last },
      summary: { today: summary.json.today },
    });
    const all = await api('GET', '/api/latest');
    expect(all.json[GAMA.id].time).toBe(last);
    expect(all.json[WATER.id].counters.volume).toBeCloseTo(registerWh(WATER, sendTimes(WATER, T0, END).at(-1)!, '0C', '13') / 1000, 6);
  });

  it('refuses bad ranges', async () => {
    const bad = [
      ['resolution=week', /resolution "week"/],
      ['from=yesterday', /from: "yesterday" is not a time/],
      ['from=2025-02-30', /not a date/],
      ['to=2025-06-20T10:00:00', /with its offset/],
      [`from=${T0 + HOUR}&to=${T0}`, /from must be before to/],
      ['from=1900-01-01&to=2025-01-01&resolution=hour', /spans at most/],
    ] as const;
    for (const [q, message] of bad) {
      const r = await api('GET', `/api/meters/${GAMA.id}/history?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.message).toMatch(message);
    }
    expect((await api('GET', '/api/meters/99999999/history')).status).toBe(404);
    expect((await api('GET', `/api/meters/${GAMA.id}/samples?from=${T0}&to=${T0}`)).status).toBe(400);
  });

  it('serves power and voltage samples', async () => {
    const r = await api('GET', `/api/meters/${GAMA.id}/samples?from=${T0}`);
    expect(r.json.meterId).toBe(GAMA.id);
    const samples = r.json.samples as Array<{ t: number; values: Record<string, number> }>;
    expect(samples.length).toBe(36);
    const volts = sentValues(GAMA, T0)
      .filter((v) => v.vif.startsWith('FDC9FC'))
      .map((v) => v.value);
    for (const s of samples) {
      expect(s.t).toBeGreaterThanOrEqual(T0);
      expect(s.values.voltage_l1).toBeGreaterThanOrEqual(Math.min(...volts) - 10);
      expect(s.values.voltage_l1).toBeLessThanOrEqual(Math.max(...volts) + 10);
    }
  });

  it('never serves a key, whatever is read', async () => {
    const keys = [GAMA.key!, WATER.key!, NEIGHBOUR_GAMA.key!].map((k) => k.toUpperCase());
    for (const p of [
      '/api/meters',
      '/api/latest',
      `/api/meters/${GAMA.id}`,
      `/api/meters/${GAMA.id}/latest`,
      '/api/nearby',
      '/api/radio',
      '/api/telegrams',
      '/api/info',
      '/healthz',
      '/metrics',
    ]) {
      const r = await api('GET', p);
      expect(r.status, p).toBe(200);
      for (const k of keys) expect(r.text.toUpperCase(), p).not.toContain(k);
    }
  });

  it('serves Prometheus text on /metrics', async () => {
    const r = await api('GET', '/metrics');
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toMatch(
      new RegExp(`^wmbus_meter_energy_joules_total\\{[^}]*meter="${GAMA.id}"|^wmbus_meter_energy_joules_total\\{[^}]*id="${GAMA.id}"`, 'm'),
    );
  });
});

describe('the page', () => {
  it('serves the page in Polish or English as the browser asks, gzipped, revalidated by ETag', async () => {
    const pl = await request(rig.base, 'GET', '/', { headers: { 'Accept-Language': 'pl-PL,pl;q=0.9,en;q=0.8' } });
    expect(pl.text).toContain('<html lang="pl">');
    const en = await request(rig.base, 'GET', '/', { headers: { 'Accept-Language': 'de-DE,en;q=0.7,pl;q=0.3' } });
    expect(en.text).toContain('<html lang="en">');
    const res = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`${rig.base}/app.js`, { headers: { 'Accept-Encoding': 'gzip' } }, resolve),
    );
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.concat(chunks)).toString()).toContain("from './state.js'");
    const again = await request(rig.base, 'GET', '/app.js', {
      headers: { 'If-None-Match': String(res.headers['etag']), 'Accept-Encoding': 'gzip' },
    });
    expect(again.status).toBe(304);
  });

  it('serves every file the page and its modules ask for, uPlot included (no CDN)', async () => {
    const html = (await request(rig.base, 'GET', '/')).text;
    const wanted = new Set([...html.matchAll(/(?:href|src)="([^"#]+)"/g)].map((m) => m[1]!));
    const seen = new Set<string>();
    while (wanted.size > 0) {
      const [file] = wanted;
      wanted.delete(file!);
      seen.add(file!);
      expect(file, 'a file from another host').not.toMatch(/^(https?:)?\/\//);
      const r = await request(rig.base, 'GET', `/${file!.replace(/^\//, '')}`);
      expect(r.status, file).toBe(200);
      if (file!.endsWith('.js')) {
        for (const m of r.text.matchAll(/(?:from |import\()'\.\/([\w.-]+)'|(?:href|src): '([\w./-]+)'/g)) {
          const next = m[1] ?? m[2]!;
          if (!seen.has(next)) wanted.add(next);
        }
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['app.js', 'charts.js', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css', 'style.css']),
    );
  });

  it('covered every route of the table', () => {
    expect([...exercised].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
