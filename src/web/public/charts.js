// Charts: hourly bars (last 48 h by default) and daily bars (last 31 days), import and export side
// by side, each with a range picker and a CSV download; power and voltage averages as lines.
// uPlot (about 50 kB) loads only when this view opens.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { dateLabel, num, t } from './i18n.js';
import { amount, registerLabel } from './format.js';
import { meterList, state } from './state.js';

const HOUR = 3600e3;
const DAY = 24 * HOUR;
const COLORS = { energy_import: '#e07a1f', energy_export: '#2a9d8f', other: '#3a7bd5' };
const PRESETS = {
  hour: [
    ['h24', 24 * HOUR],
    ['h48', 48 * HOUR],
    ['d7', 7 * DAY],
  ],
  day: [
    ['d31', 31 * DAY],
    ['d90', 90 * DAY],
    ['d365', 365 * DAY],
  ],
};
const DEFAULT_PRESET = { hour: 'h48', day: 'd31' };
// A new reading changes the open bucket; refetching more often than this shows nothing new.
const REFRESH_MS = 20_000;

let uplotLoading;
function loadUplot() {
  uplotLoading ??= new Promise((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: 'vendor/uPlot.min.css' }));
    const s = h('script', { src: 'vendor/uPlot.iife.min.js' });
    s.onload = () => resolve(window.uPlot);
    s.onerror = () => reject(new Error('uPlot did not load'));
    document.head.append(s);
  });
  return uplotLoading;
}

export function mount(root) {
  let meterId = new URLSearchParams(location.hash.split('?')[1] ?? '').get('meter') ?? undefined;
  const picker = h('div', { class: 'picker' });
  const panels = { hour: panel('hour'), day: panel('day') };
  const samples = samplesPanel();
  root.append(picker, panels.hour.el, panels.day.el, samples.el);
  let lastFetch = 0;

  const drawPicker = () => {
    const meters = meterList();
    if (!meterId || !state.meters.has(meterId)) meterId = meters[0]?.id;
    if (meters.length <= 1) return fill(picker);
    const select = h(
      'select',
      { 'aria-label': t('charts.meter'), onchange: () => ((meterId = select.value), refresh()) },
      meters.map((m) => h('option', { value: m.id, selected: m.id === meterId }, `${m.name} (${m.id})`)),
    );
    fill(picker, h('label', { class: 'field inline' }, h('span', {}, t('charts.meter')), select));
  };
  const refresh = () => {
    lastFetch = Date.now();
    if (!meterId) return;
    panels.hour.load(meterId);
    panels.day.load(meterId);
    samples.load(meterId);
  };
  drawPicker();
  refresh();
  const onResize = () => {
    for (const p of [panels.hour, panels.day, samples]) p.resize();
  };
  window.addEventListener('resize', onResize);
  return {
    update(kind) {
      if (kind === 'all' || kind === 'meters') {
        const before = meterId;
        drawPicker();
        if (meterId !== before || kind === 'all') refresh();
      } else if (kind === 'latest' && Date.now() - lastFetch > REFRESH_MS) {
        refresh();
      }
    },
    destroy() {
      window.removeEventListener('resize', onResize);
    },
  };
}

function chartWidth(el) {
  return Math.max(260, el.clientWidth);
}
const chartHeight = () => (window.innerWidth < 600 ? 200 : 260);

/** One history chart (hourly or daily) with its range picker, total and CSV link. */
function panel(resolution) {
  const box = h('div', { class: 'chart', dataset: { chart: resolution } });
  const total = h('p', { class: 'sub total' });
  const csv = h('a', { class: 'button', download: '' }, `⤓ ${t('charts.csv')}`);
  const preset = h(
    'select',
    { 'aria-label': t('charts.range') },
    PRESETS[resolution].map(([k]) => h('option', { value: k, selected: k === DEFAULT_PRESET[resolution] }, t(`charts.${k}`))),
    h('option', { value: 'custom' }, t('charts.custom')),
  );
  const from = h('input', { type: 'date', 'aria-label': t('charts.from'), hidden: true });
  const to = h('input', { type: 'date', 'aria-label': t('charts.to'), hidden: true });
  const show = h('button', { type: 'button', hidden: true }, t('charts.show'));
  const el = h(
    'section',
    { class: 'card' },
    h('header', {}, h('h2', {}, t(resolution === 'hour' ? 'charts.hourly' : 'charts.daily')), csv),
    h('div', { class: 'range' }, preset, from, to, show),
    box,
    total,
  );
  let meterId;
  let plot;
  // The query and the time span the chart shows (whole buckets, so edge bars are never cut).
  const query = () => {
    if (preset.value === 'custom') {
      if (!from.value || !to.value) return undefined;
      return { q: `resolution=${resolution}&from=${from.value}&to=${nextDate(to.value)}` };
    }
    const span = PRESETS[resolution].find(([k]) => k === preset.value)[1];
    const start = resolution === 'hour' ? Math.floor((Date.now() - span) / HOUR) * HOUR + HOUR : Date.now() - span + DAY;
    return { q: `resolution=${resolution}&from=${start}`, from: start, to: Date.now() };
  };
  const load = async (id) => {
    meterId = id ?? meterId;
    const range = query();
    if (!meterId || !range) return;
    csv.href = `/api/meters/${meterId}/history.csv?${range.q}`;
    const data = await api.get(`/api/meters/${meterId}/history?${range.q}`).catch((err) => ({ error: err }));
    if (data.error) return fill(box, h('p', { class: 'problem' }, data.error.message));
    const uPlot = await loadUplot();
    plot?.destroy();
    plot = undefined;
    const series = seriesOf(data.buckets);
    if (data.buckets.length === 0 || series.length === 0) {
      fill(total);
      return fill(box, h('p', { class: 'empty' }, t('charts.empty')));
    }
    fill(box);
    const first = data.buckets[0];
    const last = data.buckets[data.buckets.length - 1];
    const span = [Math.min(first.start, range.from ?? first.start), Math.max(last.end, range.to ?? last.end)].map((ms) => ms / 1000);
    plot = barChart(uPlot, box, data, series, resolution, span);
    fill(
      total,
      `${t('charts.total')}: `,
      series.map((s, i) => [
        i ? ' · ' : '',
        `${registerLabel(s)} `,
        h(
          'b',
          {},
          amount(
            s,
            data.buckets.reduce((a, b) => a + (b.deltas[s] ?? 0), 0),
          ),
        ),
      ]),
    );
  };
  preset.addEventListener('change', () => {
    const custom = preset.value === 'custom';
    from.hidden = to.hidden = show.hidden = !custom;
    if (!custom) load();
  });
  show.addEventListener('click', () => load());
  return { el, load, resize: () => plot?.setSize({ width: chartWidth(box), height: chartHeight() }) };
}

function nextDate(d) {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, day + 1)).toISOString().slice(0, 10);
}

/** Import and export when the meter has them, else its first counter (water, gas, heat). */
function seriesOf(buckets) {
  const names = new Set(buckets.flatMap((b) => Object.keys(b.deltas)));
  const energy = ['energy_import', 'energy_export'].filter((n) => names.has(n));
  if (energy.length > 0) return ['energy_import', 'energy_export'];
  const other = [...names].filter((n) => !/_t\d+$/.test(n)).sort();
  return other.length > 0 ? [other[0]] : [];
}

// 24-hour local times, with the date under midnight; dates alone when ticks are days apart.
function timeTicks(u, splits, axisIdx, space, incr) {
  return splits.map((ts) => {
    const ms = ts * 1000;
    const day = dateLabel(ms, { day: 'numeric', month: 'short' });
    if (incr >= 86400) return day;
    const hm = dateLabel(ms, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    return hm === '00:00' ? `${hm}\n${day}` : hm;
  });
}

function tzDate(uPlot) {
  const tz = state.info?.timeZone;
  return tz ? (ts) => uPlot.tzDate(new Date(ts * 1e3), tz) : (ts) => new Date(ts * 1e3);
}

function barChart(uPlot, box, data, series, resolution, span) {
  const isVolume = series[0].startsWith('volume');
  // Bars stand in the middle of their hour or day; two series share it side by side.
  const xs = data.buckets.map((b) => (b.start + b.end) / 2000);
  const ys = series.map((s) => data.buckets.map((b) => (isVolume ? (b.deltas[s] ?? 0) * 1000 : (b.deltas[s] ?? 0))));
  const unit = isVolume ? 'l' : 'kWh';
  const two = series.length === 2;
  const bar = (align) => uPlot.paths.bars({ size: [two ? 0.42 : 0.7, 48], align, gap: 1 });
  const xLabel = (ts) =>
    resolution === 'hour'
      ? dateLabel(ts * 1000, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })
      : dateLabel(ts * 1000, { weekday: 'short', day: 'numeric', month: 'short' });
  const opts = {
    width: chartWidth(box),
    height: chartHeight(),
    tzDate: tzDate(uPlot),
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: true, range: () => span }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: '#556', grid: { show: false }, values: timeTicks },
      { stroke: '#556', size: 52, values: (u, vals) => vals.map((v) => num(v, v < 10 && !isVolume ? 1 : 0)), label: unit, labelSize: 14 },
    ],
    series: [
      { value: (u, ts) => (ts === null ? '–' : xLabel(ts)) },
      ...series.map((s, i) => ({
        label: registerLabel(s),
        fill: COLORS[s] ?? COLORS.other,
        stroke: COLORS[s] ?? COLORS.other,
        width: 0,
        paths: bar(two ? (i === 0 ? -1 : 1) : 0),
        points: { show: false },
        value: (u, v) => (v === null ? '–' : `${num(v, isVolume ? 0 : 3)} ${unit}`),
      })),
    ],
  };
  return new uPlot(opts, [xs, ...ys], box);
}

/** Power and voltage averages of the kept window (48 h by default), one chart each. */
function samplesPanel() {
  const boxes = {
    power: h('div', { class: 'chart', dataset: { chart: 'power' } }),
    voltage: h('div', { class: 'chart', dataset: { chart: 'voltage' } }),
  };
  const el = h('section', { class: 'card', hidden: true }, h('header', {}, h('h2', {}, t('charts.samples'))), boxes.power, boxes.voltage);
  let plots = [];
  const load = async (meterId) => {
    const data = await api.get(`/api/meters/${meterId}/samples`).catch(() => null);
    for (const [p] of plots) p.destroy();
    plots = [];
    const samples = data?.samples ?? [];
    const names = [...new Set(samples.flatMap((s) => Object.keys(s.values)))].sort();
    // Import before export, as everywhere on the page.
    const power = names.filter((n) => n.startsWith('power')).sort((a, b) => Number(b.includes('import')) - Number(a.includes('import')));
    const groups = { power, voltage: names.filter((n) => n.startsWith('voltage')) };
    el.hidden = samples.length < 2 || (groups.power.length === 0 && groups.voltage.length === 0);
    if (el.hidden) return;
    const uPlot = await loadUplot();
    const xs = samples.map((s) => s.t / 1000);
    for (const [kind, list] of Object.entries(groups)) {
      fill(boxes[kind]);
      if (list.length === 0) continue;
      const unit = kind === 'power' ? 'W' : 'V';
      plots.push([
        new uPlot(
          {
            width: chartWidth(boxes[kind]),
            height: Math.round(chartHeight() * 0.8),
            tzDate: tzDate(uPlot),
            scales: { x: { time: true } },
            axes: [
              { stroke: '#556', grid: { show: false }, values: timeTicks },
              { stroke: '#556', size: 52, label: unit, labelSize: 14 },
            ],
            series: [
              {
                value: (u, ts) =>
                  ts === null ? '–' : dateLabel(ts * 1000, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
              },
              ...list.map((n, i) => ({
                label: registerLabel(n),
                stroke: SAMPLE_COLORS[n] ?? PHASE_COLORS[i % PHASE_COLORS.length],
                width: kind === 'power' ? 1.5 : 1,
                value: (u, v) => (v === null ? '–' : `${num(v, 0)} ${unit}`),
              })),
            ],
          },
          [xs, ...list.map((n) => samples.map((s) => s.values[n] ?? null))],
          boxes[kind],
        ),
        boxes[kind],
      ]);
    }
  };
  return {
    el,
    load,
    resize: () => plots.forEach(([p, box]) => p.setSize({ width: chartWidth(box), height: Math.round(chartHeight() * 0.8) })),
  };
}

const SAMPLE_COLORS = { power_import: COLORS.energy_import, power_export: COLORS.energy_export };
const PHASE_COLORS = ['#7b2cbf', '#3a7bd5', '#c9184a'];
