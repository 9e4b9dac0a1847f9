/**
 * Prometheus text exposition (format 0.0.4) of what the gateway knows, for `/metrics`.
 *
 * Every meter series is identified by `id` alone, plus the dimensions of the register: direction
 * (import/export) and phase (L1, L2, ...). What a user may edit or what describes the meter (name,
 * manufacturer, medium) is on one `wmbus_meter_info{id,...} 1` series to join on, so a rename
 * does not start new series. Tariff registers are a metric of their own
 * (`..._tariff_..._total{tariff}`): the total register already holds their sum, and a sum over one
 * metric must not count it twice. Units are Prometheus base units: energy in joules (kWh x 3.6e6), volume in
 * cubic meters, power in watts. Registers of the meter are counters (`_total`); a meter swap that
 * restarts a register reads as a counter reset, which rate() and increase() already handle.
 * Process metrics use the names the official client libraries use, so stock dashboards work.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Gateway } from '../gateway/gateway.js';
import type { MeterState, MeterView } from '../model/meter.js';
import type { Reading } from '../model/reading.js';
import { SERVICE_GAP_BUCKETS_MS } from '../radio/diagnosis.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
type Sample = { labels: Labels; value: number };

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Collects metric families and writes them with their HELP and TYPE lines. */
class Exposition {
  readonly #out: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void {
    if (samples.length === 0) return;
    this.#out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const s of samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      this.#out.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }

  one(name: string, type: 'counter' | 'gauge', help: string, value: number | undefined, labels: Labels = {}): void {
    if (value !== undefined) this.family(name, type, help, [{ labels, value }]);
  }

  text(): string {
    return this.#out.join('\n') + '\n';
  }
}

/** The normalised reading values (gateway readings.ts) as metrics. */
interface ReadingMetric {
  name: string;
  type: 'counter' | 'gauge';
  factor: number;
  help: string;
  /** the metric of the per-tariff registers, apart from the total */
  tariff?: { name: string; help: string };
}

const READING_METRICS: Readonly<Record<string, ReadingMetric>> = {
  energy: {
    name: 'wmbus_meter_energy_joules_total',
    type: 'counter',
    factor: 3.6e6,
    help: 'Active energy total register of the meter, in joules (kWh x 3.6e6).',
    tariff: {
      name: 'wmbus_meter_energy_tariff_joules_total',
      help: 'Active energy register of one tariff, in joules; their sum is the total register.',
    },
  },
  volume: {
    name: 'wmbus_meter_volume_cubic_meters_total',
    type: 'counter',
    factor: 1,
    help: 'Volume total register of the meter, in cubic meters.',
    tariff: { name: 'wmbus_meter_volume_tariff_cubic_meters_total', help: 'Volume register of one tariff, in cubic meters.' },
  },
  power: { name: 'wmbus_meter_power_watts', type: 'gauge', factor: 1, help: 'Active power the meter reported, in watts.' },
  voltage: { name: 'wmbus_meter_voltage_volts', type: 'gauge', factor: 1, help: 'Voltage the meter reported, in volts.' },
  current: { name: 'wmbus_meter_current_amperes', type: 'gauge', factor: 1, help: 'Current the meter reported, in amperes.' },
};

/**
 * "energy_import_t1" -> energy {direction: import, tariff: 1}; "voltage_l1" -> voltage {phase: L1};
 * "power_import_l1_l2" -> power {direction: import, phase: L1-L2} (names from readings.ts).
 */
export function readingDimensions(name: string): { quantity: string; labels: Labels } {
  const [quantity, ...rest] = name.split('_');
  const labels: Labels = {};
  const phase: string[] = [];
  for (const part of rest) {
    if (part === 'import' || part === 'export') labels['direction'] = part;
    else if (/^t\d+$/.test(part)) labels['tariff'] = part.slice(1);
    else phase.push(part.toUpperCase());
  }
  if (phase.length > 0) labels['phase'] = phase.join('-');
  return { quantity: quantity!, labels };
}

function infoLabels(m: MeterView, r: Reading | undefined): Labels {
  return { id: m.id, name: m.name, manufacturer: r?.manufacturer ?? m.manufacturer ?? '', medium: r?.medium ?? m.medium ?? '' };
}

const METER_STATES: readonly MeterState[] = ['waiting', 'ok', 'wrong_key', 'no_key', 'replay', 'error'];

function writeMeters(x: Exposition, gateway: Gateway): void {
  const readings = new Map<string, Sample[]>();
  const info: Sample[] = [];
  const status: Sample[] = [];
  const telegrams: Sample[] = [];
  const lastSeen: Sample[] = [];
  const rssi: Sample[] = [];
  for (const m of gateway.meters()) {
    const latest = gateway.latest(m.id);
    info.push({ labels: infoLabels(m, latest), value: 1 });
    const labels = { id: m.id };
    for (const state of METER_STATES) status.push({ labels: { ...labels, state }, value: m.status.state === state ? 1 : 0 });
    telegrams.push({ labels, value: m.telegrams });
    if (m.lastSeen !== undefined) lastSeen.push({ labels, value: m.lastSeen / 1000 });
    if (m.rssi !== undefined) rssi.push({ labels, value: m.rssi });
    if (!latest) continue;
    for (const [name, value] of [...Object.entries(latest.counters), ...Object.entries(latest.instant)]) {
      const { quantity, labels: dims } = readingDimensions(name);
      const metric = READING_METRICS[quantity];
      if (!metric || (dims['tariff'] !== undefined && !metric.tariff)) continue;
      const key = dims['tariff'] === undefined ? quantity : `${quantity} tariff`;
      let list = readings.get(key);
      if (!list) readings.set(key, (list = []));
      list.push({ labels: { ...labels, ...dims }, value: value * metric.factor });
    }
  }
  x.family('wmbus_meter_info', 'gauge', 'A claimed meter: its name, manufacturer and medium as labels (join on id).', info);
  for (const [quantity, metric] of Object.entries(READING_METRICS)) {
    x.family(metric.name, metric.type, metric.help, readings.get(quantity) ?? []);
    if (metric.tariff) x.family(metric.tariff.name, metric.type, metric.tariff.help, readings.get(`${quantity} tariff`) ?? []);
  }
  x.family(
    'wmbus_meter_status',
    'gauge',
    'State of a claimed meter: 1 for its current state (ok, waiting, wrong_key, no_key, replay, error).',
    status,
  );
  x.family('wmbus_meter_telegrams_total', 'counter', 'Telegrams accepted from the meter since it was claimed.', telegrams);
  x.family('wmbus_meter_last_seen_timestamp_seconds', 'gauge', 'When the last telegram of the meter arrived (Unix time).', lastSeen);
  x.family('wmbus_meter_rssi_dbm', 'gauge', 'Signal strength of the last telegram of the meter, in dBm.', rssi);
}

function writeGateway(x: Exposition, gateway: Gateway): void {
  const stats = gateway.radioStats();
  const g = stats.gateway;
  x.one('wmbus_gateway_frames_total', 'counter', 'Frames the radio handed over since start.', g.frames);
  x.one('wmbus_gateway_frame_errors_total', 'counter', 'Frames refused by the frame core (3-of-6 coding, CRC, length).', g.frameErrors);
  x.one('wmbus_gateway_readings_total', 'counter', 'Telegrams decoded and accepted for claimed meters.', g.readings);
  x.one('wmbus_gateway_duplicate_telegrams_total', 'counter', 'Repeated copies of telegrams already counted.', g.duplicates);
  x.one('wmbus_gateway_replayed_telegrams_total', 'counter', 'Mode 7 telegrams refused because their counter did not grow.', g.replays);
  x.family(
    'wmbus_gateway_decode_errors_total',
    'counter',
    'Telegrams the decoder refused, by error code.',
    Object.entries(g.decodeErrors).map(([code, n]) => ({ labels: { code }, value: n ?? 0 })),
  );
  x.one('wmbus_gateway_frames_per_minute', 'gauge', 'Frames received in the last 60 seconds.', g.framesPerMinute);
  x.one(
    'wmbus_gateway_last_frame_timestamp_seconds',
    'gauge',
    'When the last frame arrived (Unix time).',
    g.lastFrameAt === undefined ? undefined : g.lastFrameAt / 1000,
  );
  x.one('wmbus_gateway_nearby_meters', 'gauge', 'Unclaimed meters heard recently.', gateway.nearby().length);
  x.one('wmbus_gateway_claimed_meters', 'gauge', 'Claimed meters.', gateway.meters().length);
  const health = gateway.health();
  x.one('wmbus_gateway_uptime_seconds', 'gauge', 'Seconds since the gateway service started.', health.uptimeS);
  x.one('wmbus_gateway_healthy', 'gauge', '1 when the last store write succeeded, else 0.', health.ok ? 1 : 0);
  x.one(
    'wmbus_store_last_flush_timestamp_seconds',
    'gauge',
    'When the store was last written (Unix time).',
    health.lastFlushAt === undefined ? undefined : health.lastFlushAt / 1000,
  );

  const r = stats.radio;
  if (!r) return;
  x.one('wmbus_radio_syncs_total', 'counter', 'Sync words the radio detected.', r.syncs);
  x.one('wmbus_radio_false_syncs_total', 'counter', 'Sync words that did not start a frame.', r.falseSyncs);
  x.one('wmbus_radio_frames_total', 'counter', 'Frames the radio read out.', r.frames);
  x.one('wmbus_radio_fifo_overflows_total', 'counter', 'Receive FIFO overflows of the radio chip.', r.overflows);
  x.one('wmbus_radio_crc_failures_total', 'counter', 'Frames the radio process found with bad CRCs.', r.crcFailures);
  x.one('wmbus_radio_restarts_total', 'counter', 'Restarts of the radio process.', r.restarts);
  x.one('wmbus_radio_info', 'gauge', 'The radio chip and the state of the radio process.', 1, { chip: r.chip ?? '', state: r.state });
  x.one(
    'wmbus_radio_salvaged_frames_total',
    'counter',
    'Frames read whole from a receive FIFO that overflowed after their end.',
    r.salvaged,
  );
  x.one(
    'wmbus_radio_pll_unlocks_total',
    'counter',
    'Times the watchdog found the PLL out of lock and recalibrated the chip.',
    r.pllUnlocks,
  );
  x.one(
    'wmbus_radio_realtime',
    'gauge',
    '1 when the radio process runs under real-time scheduling (SCHED_FIFO), else 0.',
    r.realtime === undefined ? undefined : Number(r.realtime),
  );
  x.one('wmbus_radio_max_gc_pause_seconds', 'gauge', 'Longest garbage-collection pause of the radio process.', seconds(r.maxGcPauseMs));
  x.one(
    'wmbus_radio_max_service_gap_seconds',
    'gauge',
    'Longest time between two services of the receive FIFO during a packet (the FIFO lasts 5.12 ms).',
    seconds(r.maxServiceGapMs),
  );
  // Not a Prometheus histogram: the radio counts gaps per bucket but keeps no sum of them.
  x.family(
    'wmbus_radio_service_gaps_total',
    'counter',
    'Services of the receive FIFO during packets, by the time since the previous one: up to max_ms (not cumulative).',
    perBucket(r.serviceGapHistogram),
  );
  x.one(
    'wmbus_radio_max_deaf_after_packet_seconds',
    'gauge',
    'Longest time from the end of a packet until the chip listened again: a telegram starting sooner was not heard.',
    seconds(r.maxDeafAfterPacketMs),
  );
  x.family(
    'wmbus_radio_deaf_after_packets_total',
    'counter',
    'Packets, by the time from their end until the chip listened again: up to max_ms (not cumulative).',
    perBucket(r.deafAfterPacketHistogram),
  );
}

/** A radio histogram (counts per bucket of SERVICE_GAP_BUCKETS_MS) as samples labelled with each bucket's upper bound. */
function perBucket(histogram: number[] | undefined) {
  return (histogram ?? []).map((n, i) => ({ labels: { max_ms: formatValue(SERVICE_GAP_BUCKETS_MS[i] ?? Infinity) }, value: n }));
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

// Event-loop delay since the previous scrape; the histogram starts with the first scrape.
let loopDelay: IntervalHistogram | undefined;

function writeProcess(x: Exposition): void {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  x.one('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', (cpu.user + cpu.system) / 1e6);
  x.one('process_resident_memory_bytes', 'gauge', 'Resident memory size, in bytes.', mem.rss);
  x.one(
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since the Unix epoch, in seconds.',
    Math.round(Date.now() / 1000 - process.uptime()),
  );
  x.one('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size, in bytes.', mem.heapTotal);
  x.one('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used, in bytes.', mem.heapUsed);
  x.one('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript, in bytes.', mem.external);
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    return;
  }
  if (loopDelay.count > 0) {
    x.one(
      'nodejs_eventloop_lag_mean_seconds',
      'gauge',
      'Mean event-loop delay since the previous scrape, in seconds.',
      loopDelay.mean / 1e9,
    );
    x.one(
      'nodejs_eventloop_lag_p99_seconds',
      'gauge',
      '99th percentile of the event-loop delay since the previous scrape, in seconds.',
      loopDelay.percentile(99) / 1e9,
    );
    x.one(
      'nodejs_eventloop_lag_max_seconds',
      'gauge',
      'Largest event-loop delay since the previous scrape, in seconds.',
      loopDelay.max / 1e9,
    );
  }
  loopDelay.reset();
}

/** The body of `/metrics` (serve it with METRICS_CONTENT_TYPE). */
export function renderMetrics(gateway: Gateway): string {
  const x = new Exposition();
  writeMeters(x, gateway);
  writeGateway(x, gateway);
  writeProcess(x);
  return x.text();
}
