// Dashboard: one card per claimed meter. Electricity shows power now (import and export), today's
// and this month's energy, the registers, per-phase voltage; other meters show their own counters.
import { fill, h } from './dom.js';
import { ago, medium, num, t, time } from './i18n.js';
import { amount, instantAmount, registerLabel, signalBars, statusBadge, statusProblem } from './format.js';
import { meterList, state } from './state.js';

// The power bar's scale grows with what the meter has shown, never below this.
const MIN_SCALE_W = 3000;
const scales = new Map();

export function mount(root) {
  const grid = h('div', { class: 'cards' });
  root.append(grid);
  const draw = () => fill(grid, cards());
  draw();
  return {
    update(kind) {
      if (kind === 'tick') {
        for (const el of grid.querySelectorAll('[data-ago]')) el.textContent = ago(Number(el.dataset.ago));
      } else if (kind !== 'telegram' && kind !== 'radio' && kind !== 'nearby') {
        draw();
      }
    },
  };
}

function cards() {
  const meters = meterList();
  if (meters.length === 0) return h('p', { class: 'empty' }, t('dash.none'), ' ', h('a', { href: '#/meters' }, t('nav.meters')), '.');
  return meters.map((m) => card(m, state.latest.get(m.id), state.summary.get(m.id)));
}

function card(m, r, summary) {
  const isElectricity = r && ('energy_import' in r.counters || 'power_import' in r.instant);
  return h(
    'section',
    { class: 'card meter', dataset: { meter: m.id, time: r?.time ?? '' } },
    h('header', {}, h('h2', {}, m.name), statusBadge(m.status)),
    h('p', { class: 'sub' }, [m.id, m.manufacturer, medium(m.medium)].filter(Boolean).join(' · ')),
    statusProblem(m),
    !r ? h('p', { class: 'empty' }, t('dash.waiting')) : isElectricity ? electricity(r, summary, m.id) : otherMeter(r, summary),
    r ? footer(m, r) : null,
  );
}

function electricity(r, summary, id) {
  const imp = r.instant.power_import ?? 0;
  const exp = r.instant.power_export ?? 0;
  const scale = Math.max(MIN_SCALE_W, scales.get(id) ?? 0, imp, exp);
  scales.set(id, scale);
  const phases = ['l1', 'l2', 'l3'].filter((p) => r.instant[`voltage_${p}`] !== undefined);
  const tariffs = Object.keys(r.counters).filter((k) => /^energy_(import|export)_t\d+$/.test(k));
  const row = (label, a, b, cls) =>
    h('tr', { class: cls }, h('th', {}, label), h('td', { class: 'import' }, a), h('td', { class: 'export' }, b));
  const deltaRow = (label, s) => row(label, amount('energy', s?.energy_import ?? 0), amount('energy', s?.energy_export ?? 0));
  return [
    h(
      'div',
      { class: 'power' },
      big('import', t('import'), imp, 'power_import'),
      h(
        'div',
        {
          class: 'powerbar',
          role: 'img',
          'aria-label': `${t('powerNow')}: ${instantAmount('power', imp)} / ${instantAmount('power', exp)}`,
        },
        h('span', { class: 'export', style: `width:${(50 * exp) / scale}%` }),
        h('span', { class: 'import', style: `width:${(50 * imp) / scale}%` }),
      ),
      big('export', t('export'), exp, 'power_export'),
    ),
    h(
      'table',
      { class: 'totals' },
      h('thead', {}, row('', t('import'), t('export'))),
      h(
        'tbody',
        {},
        deltaRow(t('today'), summary?.today),
        deltaRow(t('month'), summary?.month),
        row(t('reading'), amount('energy', r.counters.energy_import, true), amount('energy', r.counters.energy_export, true), 'register'),
        tariffs.length > 0
          ? [...new Set(tariffs.map((k) => k.replace(/^energy_(import|export)_/, '')))].map((tk) =>
              row(
                `${t('tariff')} ${tk.slice(1)}`,
                amount('energy', r.counters[`energy_import_${tk}`], true),
                amount('energy', r.counters[`energy_export_${tk}`], true),
                'register tariff',
              ),
            )
          : null,
      ),
    ),
    phases.length > 0
      ? h(
          'div',
          { class: 'phases' },
          h('span', { class: 'label' }, t('voltage')),
          phases.map((p) =>
            h(
              'span',
              { class: 'phase', dataset: { field: `voltage_${p}` } },
              h('b', {}, p.toUpperCase()),
              ` ${num(r.instant[`voltage_${p}`], 0)} V`,
            ),
          ),
        )
      : null,
  ];
}

function big(cls, label, w, field) {
  const kw = w >= 10000;
  return h(
    'div',
    { class: `big ${cls}` },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value', dataset: { field } }, kw ? num(w / 1000, 1) : num(w, 0)),
    h('span', { class: 'unit' }, kw ? 'kW' : 'W'),
  );
}

function otherMeter(r, summary) {
  const counters = Object.keys(r.counters).filter((k) => !/_t\d+$/.test(k));
  const instant = Object.keys(r.instant);
  return [
    counters.length > 0
      ? h(
          'table',
          { class: 'totals' },
          h('thead', {}, h('tr', {}, h('th'), h('th', {}, t('today')), h('th', {}, t('month')), h('th', {}, t('reading')))),
          h(
            'tbody',
            {},
            counters.map((k) =>
              h(
                'tr',
                {},
                h('th', {}, registerLabel(k)),
                h('td', {}, amount(k, summary?.today?.[k] ?? 0)),
                h('td', {}, amount(k, summary?.month?.[k] ?? 0)),
                h('td', { class: 'register', dataset: { field: k } }, amount(k, r.counters[k], true)),
              ),
            ),
          ),
        )
      : null,
    instant.length > 0
      ? h(
          'div',
          { class: 'phases' },
          instant.map((k) =>
            h('span', { class: 'phase', dataset: { field: k } }, h('b', {}, registerLabel(k)), ` ${instantAmount(k, r.instant[k])}`),
          ),
        )
      : null,
    counters.length === 0 && instant.length === 0
      ? h(
          'dl',
          { class: 'fields' },
          Object.entries(r.fields).map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
        )
      : null,
  ];
}

function footer(m, r) {
  return h(
    'footer',
    {},
    h(
      'span',
      {},
      `${t('lastTelegram')} `,
      h('b', { dataset: { field: 'time' } }, time(r.time)),
      ' (',
      h('span', { dataset: { ago: r.time } }, ago(r.time)),
      ')',
    ),
    h('span', { class: 'signal' }, `${t('signal')} `, signalBars(m.rssi ?? r.rssi), ` ${m.rssi ?? r.rssi ?? '–'} dBm`),
  );
}
