/**
 * The LAN page as a phone or laptop first opens it: total bytes transferred and time to first
 * render, measured in Debian's headless Chromium (playwright-core) against a gateway holding two
 * days of the demo household's history. Each load is a cold one in a fresh browser profile; the
 * live-values time is when the power of the GAMA 350 is on screen (after the API answered).
 * The Charts view loads uPlot on first use; its extra bytes are reported separately.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { DEMO_METERS, frameAt, rssiAt, sendTimes } from '../src/gateway/demo/neighbourhood.js';
import { Gateway } from '../src/gateway/gateway.js';
import { silentLogger } from '../src/model/log.js';
import { createWebOutput } from '../src/web/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium.js';

export const title = 'LAN page: transfer size and time to first render';

const RUNS = 5;
const DAY = 86_400_000;

interface Load {
  bytes: { page: number; api: number; total: number; requests: number };
  fcpMs: number;
  liveMs: number;
  chartsBytes: number;
}

async function measure(base: string, viewport: { width: number; height: number }): Promise<Load> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'wmbus-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport,
  });
  try {
    const page: Page = ctx.pages()[0] ?? (await ctx.newPage());
    // The moment the live power is on screen, seen from inside the page.
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.querySelector('[data-field="power_import"]')) {
          (window as unknown as { liveAt: number }).liveAt = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const sizes: Array<Promise<{ url: string; bytes: number }>> = [];
    // The event stream never finishes, so it is never counted: only finished requests are.
    page.on('requestfinished', (req) =>
      sizes.push(req.sizes().then((s) => ({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize }))),
    );
    await page.goto(base, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { liveAt?: number }).liveAt !== undefined, undefined, { timeout: 30_000 });
    await page.waitForLoadState('networkidle').catch(() => {});
    const loaded = await Promise.all(sizes);
    const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    const liveMs = await page.evaluate(() => (window as unknown as { liveAt: number }).liveAt);
    const api = loaded.filter((s) => new URL(s.url).pathname.startsWith('/api/')).reduce((a, s) => a + s.bytes, 0);
    const total = loaded.reduce((a, s) => a + s.bytes, 0);
    const before = sizes.length;
    await page.click('nav a[href="#/charts"]');
    await page.locator('[data-chart="day"] canvas').waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle').catch(() => {});
    const charts = (await Promise.all(sizes.slice(before))).reduce((a, s) => a + s.bytes, 0);
    return { bytes: { page: total - api, api, total, requests: loaded.length }, fcpMs, liveMs, chartsBytes: charts };
  } finally {
    await ctx.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`;

export async function run(): Promise<string> {
  if (!existsSync(CHROMIUM)) return `Not measured: ${CHROMIUM} is not installed (Debian package "chromium").`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-bench-web-'));
  const now = Date.now();
  const clock = { t: now - 2 * DAY };
  const loaded = loadConfig({ env: { WMBUS_DATA_DIR: dir, WMBUS_ADMIN_TOKEN: 'bench' } });
  const config = { ...loaded, http: { ...loaded.http, host: '127.0.0.1', port: 0 } };
  const web = createWebOutput(config, silentLogger);
  const gw = await Gateway.open({ config, outputs: [web], clock: () => clock.t });
  try {
    await gw.start();
    const household = DEMO_METERS.filter((m) => m.household);
    for (const m of household) await gw.claim({ id: m.id, name: m.name, key: m.key });
    const sends = household.flatMap((m) => sendTimes(m, now - 2 * DAY, now).map((t) => ({ m, t }))).sort((a, b) => a.t - b.t);
    for (const { m, t } of sends) {
      clock.t = t;
      gw.ingestTelegram(frameAt(m, t), { time: t, rssi: rssiAt(m, t), mode: m.mode, frameFormat: m.frameFormat });
    }
    const base = web.url;
    const rows: string[] = [];
    for (const [name, viewport] of [
      ['phone 390×844', { width: 390, height: 844 }],
      ['desktop 1280×900', { width: 1280, height: 900 }],
    ] as const) {
      const loads: Load[] = [];
      for (let i = 0; i < RUNS; i++) loads.push(await measure(base, viewport));
      const l = loads[0]!;
      rows.push(
        `| ${name} | ${kb(l.bytes.total)} (${l.bytes.requests} requests) | ${kb(l.bytes.page)} | ${kb(l.bytes.api)} | ${median(loads.map((x) => x.fcpMs)).toFixed(0)} ms | ${median(loads.map((x) => x.liveMs)).toFixed(0)} ms | ${kb(l.chartsBytes)} |`,
      );
    }
    return [
      `Cold loads (fresh profile, gzip, over 127.0.0.1) of the dashboard with two meters and two days of history; times are medians of ${RUNS} loads.`,
      '',
      '| viewport | transferred | page files | API JSON | first contentful paint | live values on screen | Charts view adds (uPlot + history) |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      'Later visits revalidate each file with its ETag (304, no body). The page files are the same on every gateway; the API share grows with the number of meters.',
      'On a Pi 3/4 serving and a phone rendering, expect the times a few times longer, the bytes unchanged.',
    ].join('\n');
  } finally {
    await gw.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
