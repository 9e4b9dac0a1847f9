/**
 * The radio process's own counters on `/metrics` and on the Radio page's status: a real radio
 * process (simulated chip) that salvages a short frame from an overflowed FIFO, its counters passed
 * through the gateway to the exposition, which Prometheus' linter accepts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/publish/prometheus.js';
import { SERVICE_GAP_BUCKETS_MS } from '../../src/radio/diagnosis.js';
import type { Transmission } from '../../src/radio/sim-air.js';
import { RadioSupervisor } from '../../src/radio/supervisor.js';
import { haveShared } from '../conformance/shared-files.js';
import { FakeClock, openGateway, tempDir, testConfig } from '../support/gateway-harness.js';
import { plannedAir, writeScenario } from '../support/air-fixtures.js';
import { waitFor } from '../support/wait.js';
import { T0 } from './fixtures.js';

const promtool = process.env['PROMTOOL'] ?? '/usr/bin/promtool';

/** Raw bytes after sync: 3-of-6 makes a T frame 1.5 times longer; C adds its two-byte marker. */
const rawLength = (t: Transmission) => (t.mode === 'T' ? Math.ceil((t.frameHex.length / 2) * 1.5) : t.frameHex.length / 2 + 2);

describe.skipIf(!haveShared)('radio counters on /metrics', () => {
  it('show a salvaged frame, the scheduling, the longest service gap and GC pause, and the gap histogram', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'radio-metrics-'));
    const tmp = await tempDir();
    // Two frames that fit in the FIFO; the radio stalls 20 ms before the first look at the second.
    const short = plannedAir(200, 3).transmissions.filter((t) => rawLength(t) <= 64);
    const file = path.join(dir, 'air.jsonl');
    await writeScenario(
      file,
      short.slice(0, 2).map((t, k) => ({ ...t, atMs: 5 + k * 60 })),
    );
    const radio = new RadioSupervisor({
      radio: 'sim',
      sim: { scenarioFile: file, time: 'steady', stallOnPacket: { index: 1, ms: 20, at: 'sync' } },
      realtime: false,
    });
    const gateway = await openGateway(testConfig(tmp.dir, {}), new FakeClock(T0), { source: radio });
    try {
      await gateway.start();
      const stats = await waitFor(
        'the radio to report the salvaged frame',
        () => {
          radio.requestStats();
          const r = gateway.radioStats().radio;
          return r?.salvaged === 1 && r.frames === 2 && r;
        },
        { pollMs: 200 },
      );
      // the page's status carries them as the radio sent them
      expect(stats).toMatchObject({ salvaged: 1, pllUnlocks: 0, realtime: false });
      expect(stats.serviceGapHistogram).toHaveLength(SERVICE_GAP_BUCKETS_MS.length);

      const text = renderMetrics(gateway);
      const families = parsePrometheusTextFormat(text);
      const value = (name: string, labels: Record<string, string> = {}) => {
        const f = families.find((x) => x.name === name);
        const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
        return m === undefined ? undefined : Number(m.value);
      };
      expect(value('wmbus_radio_salvaged_frames_total')).toBe(1);
      expect(value('wmbus_radio_pll_unlocks_total')).toBe(0);
      expect(value('wmbus_radio_realtime')).toBe(0);
      // The stall came before the first look: an overflowed FIFO says at least 5.2 ms had passed.
      expect(value('wmbus_radio_max_service_gap_seconds')).toBeGreaterThan(0.0051);
      expect(value('wmbus_radio_max_gc_pause_seconds')).toBeGreaterThanOrEqual(0);
      const gaps = families.find((f) => f.name === 'wmbus_radio_service_gaps_total')!;
      expect(gaps.metrics.map((m) => m.labels?.['max_ms'])).toEqual(['0.5', '1', '2', '3', '4', '5.12', '+Inf']);
      expect(value('wmbus_radio_service_gaps_total', { max_ms: '+Inf' })).toBeGreaterThanOrEqual(1);
      // Each frame's end counts once; the salvaged one left the chip deaf for a while.
      expect(value('wmbus_radio_max_deaf_after_packet_seconds')).toBeGreaterThan(0.001);
      const deaf = families.find((f) => f.name === 'wmbus_radio_deaf_after_packets_total')!;
      expect(deaf.metrics.map((m) => m.labels?.['max_ms'])).toEqual(['0.5', '1', '2', '3', '4', '5.12', '+Inf']);
      expect(deaf.metrics.reduce((sum, m) => sum + Number(m.value), 0)).toBe(2);
      const lint = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(lint.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
    } finally {
      await gateway.stop();
      await tmp.remove();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
