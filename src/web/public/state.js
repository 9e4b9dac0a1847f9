// What the page knows, loaded from the API and kept current by server-sent events.
import { api } from './api.js';

export const state = {
  info: null,
  /** id -> MeterView */
  meters: new Map(),
  /** id -> newest reading */
  latest: new Map(),
  /** id -> today/month/year totals */
  summary: new Map(),
  /** id -> NearbyMeter */
  nearby: new Map(),
  radio: null,
  telegrams: [],
  live: false,
};

const listeners = new Set();

/** fn(kind) with kind one of meters, latest, nearby, radio, telegram, live, all */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed(kind) {
  for (const fn of listeners) fn(kind);
}

const TELEGRAM_LOG = 50;

export async function loadAll() {
  const [info, meters, latest, nearby, radio] = await Promise.all(
    ['/api/info', '/api/meters', '/api/latest', '/api/nearby', '/api/radio'].map((p) => api.get(p)),
  );
  state.info = info;
  state.meters = new Map(meters.map((m) => [m.id, m]));
  state.latest = new Map(Object.entries(latest));
  state.nearby = new Map(nearby.map((n) => [n.id, n]));
  state.radio = radio;
  const summaries = await Promise.all(meters.map((m) => api.get(`/api/meters/${m.id}/summary`).catch(() => null)));
  state.summary = new Map(meters.map((m, i) => [m.id, summaries[i]]).filter(([, s]) => s));
  changed('all');
}

/** The telegram log is for the Radio view only: fetched when it first opens, then kept by events. */
export async function loadTelegrams() {
  const list = await api.get('/api/telegrams');
  // Events that came in meanwhile are in the fetched list too.
  state.telegrams = list.slice(-TELEGRAM_LOG);
  changed('telegram');
}

/** Listens to /api/events; after a lost connection the whole state is fetched again. */
export function connectLive() {
  const es = new EventSource('/api/events?topics=reading,meter,nearby,radio,telegram');
  let opened = false;
  es.onopen = () => {
    state.live = true;
    changed('live');
    if (opened) loadAll().catch(() => {});
    opened = true;
  };
  es.onerror = () => {
    state.live = false;
    changed('live');
  };
  es.addEventListener('reading', (e) => {
    const { reading, summary } = JSON.parse(e.data);
    state.latest.set(reading.meterId, reading);
    state.summary.set(reading.meterId, summary);
    const m = state.meters.get(reading.meterId);
    if (m) {
      m.lastSeen = reading.time;
      m.telegrams += 1;
      if (reading.rssi !== undefined) m.rssi = reading.rssi;
    }
    changed('latest');
  });
  es.addEventListener('meter', (e) => {
    const c = JSON.parse(e.data);
    if (c.change === 'removed') {
      state.meters.delete(c.id);
      state.latest.delete(c.id);
    } else {
      state.meters.set(c.id, c.meter);
    }
    changed('meters');
  });
  es.addEventListener('nearby', (e) => {
    const c = JSON.parse(e.data);
    if (c.change === 'removed') state.nearby.delete(c.id);
    else state.nearby.set(c.id, c.nearby);
    changed('nearby');
  });
  es.addEventListener('radio', (e) => {
    state.radio = JSON.parse(e.data);
    changed('radio');
  });
  es.addEventListener('telegram', (e) => {
    state.telegrams.push(JSON.parse(e.data));
    if (state.telegrams.length > TELEGRAM_LOG) state.telegrams.shift();
    changed('telegram');
  });
  return es;
}

/** Claimed meters, electricity first (power now is what most people open the page for), then by name. */
export function meterList() {
  const rank = (m) => (m.medium === 'electricity' ? 0 : 1);
  return [...state.meters.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
