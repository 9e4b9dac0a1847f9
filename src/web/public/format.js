// Labels and units of the gateway's register names, shared by the dashboard and the charts.
import { h } from './dom.js';
import { num, t } from './i18n.js';

/** energy_import_t2 -> "Import · Tariff 2" */
export function registerLabel(name) {
  const parts = name.split('_');
  const out = [];
  const quantity = parts.shift();
  const dir = parts[0] === 'import' || parts[0] === 'export' ? parts.shift() : undefined;
  out.push(dir ? t(dir) : t(quantity));
  for (const p of parts) {
    const tariff = /^t(\d+)$/.exec(p);
    if (tariff) out.push(`${t('tariff')} ${tariff[1]}`);
    else out.push(p.toUpperCase());
  }
  return out.join(' · ');
}

/** A delta or counter with its unit: kWh with 2 (delta) or 3 (register) decimals, water in l or m³. */
export function amount(name, v, isRegister = false) {
  if (v === undefined || v === null) return '–';
  if (name.startsWith('volume')) return isRegister ? `${num(v, 3)} m³` : `${num(v * 1000, 0)} l`;
  return `${num(v, isRegister ? 3 : 2)} kWh`;
}

export function instantAmount(name, v) {
  if (name.startsWith('voltage')) return `${num(v, 0)} V`;
  if (name.startsWith('current')) return `${num(v, 1)} A`;
  if (name.startsWith('power')) return v >= 10000 ? `${num(v / 1000, 1)} kW` : `${num(v, 0)} W`;
  return num(v, 2);
}

/** Four bars, filled by RSSI: what a phone shows for its own signal. */
export function signalBars(rssi) {
  const level = rssi === undefined ? 0 : rssi >= -70 ? 4 : rssi >= -80 ? 3 : rssi >= -90 ? 2 : 1;
  return h(
    'span',
    { class: 'bars', 'aria-hidden': 'true' },
    [1, 2, 3, 4].map((i) => h('i', { class: i <= level ? 'on' : undefined })),
  );
}

export function statusBadge(status) {
  return h('span', { class: `badge ${status.state}` }, t(`status.${status.state}`));
}

/** What a meter's status asks of the user, in the page's language (the gateway's own words as a tooltip). */
export function statusProblem(m) {
  if (m.status.state === 'ok' || m.status.state === 'waiting' || !m.status.message) return null;
  const text =
    m.status.state === 'wrong_key'
      ? t('meters.wrongKey', { id: m.id })
      : m.status.state === 'no_key'
        ? t('meters.noKeyMsg', { id: m.id })
        : m.status.message;
  return h('p', { class: 'problem', role: 'alert', title: m.status.message }, text);
}
