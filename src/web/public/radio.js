// Radio: is the receiver healthy? Frames per minute, CRC errors, FIFO overflows, the signal of
// every meter, and the last telegrams with what became of each.
import { fill, h } from './dom.js';
import { num, t, time } from './i18n.js';
import { signalBars } from './format.js';
import { loadTelegrams, state } from './state.js';

export function mount(root) {
  const counters = h('div', { class: 'stats' });
  const rssi = h('div', { class: 'list' });
  const log = h('div', { class: 'log' });
  const radioState = h('p', { class: 'sub' });
  root.append(
    h('section', { class: 'card' }, h('h2', {}, t('radio.state')), radioState, counters),
    h('section', { class: 'card' }, h('h2', {}, t('radio.rssi')), rssi),
    h('section', { class: 'card' }, h('h2', {}, t('radio.log')), log),
  );
  const drawStats = () => {
    const s = state.radio;
    if (!s) return;
    const g = s.gateway;
    const r = s.radio;
    fill(radioState, r ? `${r.state}${r.chip ? ` · ${r.chip}` : ''}` : t('radio.none'));
    const decodeErrors = Object.values(g.decodeErrors).reduce((a, b) => a + b, 0);
    fill(
      counters,
      stat('fpm', t('radio.fpm'), g.framesPerMinute),
      stat('frames', t('radio.frames'), g.frames),
      stat('readings', t('radio.readings'), g.readings),
      stat('crc', t('radio.crc'), r?.crcFailures, (r?.crcFailures ?? 0) > 0),
      stat('frame-errors', t('radio.frameErrors'), g.frameErrors, g.frameErrors > 0),
      stat('overflows', t('radio.overflows'), r?.overflows, (r?.overflows ?? 0) > 0),
      stat('restarts', t('radio.restarts'), r?.restarts, (r?.restarts ?? 0) > 0),
      stat('salvaged', t('radio.salvaged'), r?.salvaged),
      stat('pll-unlocks', t('radio.pllUnlocks'), r?.pllUnlocks, (r?.pllUnlocks ?? 0) > 0),
      // The FIFO lasts 5.12 ms: a longer gap in a packet loses it.
      stat('max-gap', t('radio.maxGap'), ms(r?.maxServiceGapMs), (r?.maxServiceGapMs ?? 0) > 5.12, gapTitle(r?.serviceGapHistogram)),
      // A telegram that starts within this time after another one is not heard.
      stat(
        'max-deaf',
        t('radio.maxDeaf'),
        ms(r?.maxDeafAfterPacketMs),
        (r?.maxDeafAfterPacketMs ?? 0) > 3,
        gapTitle(r?.deafAfterPacketHistogram),
      ),
      stat('max-gc', t('radio.maxGc'), ms(r?.maxGcPauseMs)),
      stat(
        'realtime',
        t('radio.realtime'),
        r?.realtime === undefined ? undefined : t(r.realtime ? 'radio.yes' : 'radio.no'),
        r?.realtime === false,
      ),
      stat('duplicates', t('radio.duplicates'), g.duplicates),
      stat('replays', t('radio.replays'), g.replays, g.replays > 0),
      stat(
        'decode-errors',
        t('radio.decodeErrors'),
        decodeErrors,
        false,
        Object.entries(g.decodeErrors)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ),
    );
    const names = new Map([...state.meters.values()].map((m) => [m.id, m.name]));
    const rows = Object.entries(s.rssi).sort((a, b) => b[1] - a[1]);
    fill(
      rssi,
      rows.map(([id, dbm]) =>
        h(
          'div',
          { class: 'row', dataset: { rssi: id } },
          h('div', { class: 'what' }, h('b', { class: 'mono' }, id), names.has(id) ? ` ${names.get(id)}` : ''),
          h('div', { class: 'signal' }, signalBars(dbm), ` ${dbm} dBm`),
        ),
      ),
    );
  };
  const drawLog = () => {
    const list = state.telegrams.slice().reverse();
    if (list.length === 0) return fill(log, h('p', { class: 'empty' }, t('radio.logEmpty')));
    fill(
      log,
      h(
        'table',
        {},
        h(
          'tbody',
          {},
          list.map((e) => {
            // An encrypted meter nobody claimed cannot be decoded: that is normal, not an error.
            const outcome = e.error?.code === 'NO_KEY' ? 'nearby' : e.outcome;
            return h(
              'tr',
              { class: outcome },
              h('td', {}, time(e.time)),
              h('td', { class: 'mono' }, e.id ?? '–'),
              h('td', {}, e.manufacturer ?? ''),
              h('td', {}, e.rssi !== undefined ? `${e.rssi} dBm` : ''),
              h(
                'td',
                { title: e.error?.message ?? '' },
                t(`outcome.${outcome}`),
                e.error && outcome !== 'nearby' ? ` (${e.error.code})` : '',
              ),
            );
          }),
        ),
      ),
    );
  };
  drawStats();
  drawLog();
  loadTelegrams().catch(() => {});
  return {
    update(kind) {
      if (kind === 'radio' || kind === 'all' || kind === 'meters') drawStats();
      if (kind === 'telegram' || kind === 'all') drawLog();
    },
  };
}

const GAP_BUCKETS = ['≤0.5', '≤1', '≤2', '≤3', '≤4', '≤5.12', '>5.12'];

/** A histogram of the radio (service gaps, deafness after packets) as a tooltip: bucket (ms) and count. */
function gapTitle(histogram) {
  return histogram?.map((n, i) => `${GAP_BUCKETS[i] ?? '?'} ms: ${n}`).join(', ');
}

/** ms with two decimals, or undefined when the radio does not report it */
function ms(v) {
  return v === undefined ? undefined : num(v, 2);
}

function stat(name, label, value, warn = false, title) {
  return h(
    'div',
    { class: `stat${warn ? ' warn' : ''}`, dataset: { stat: name }, title },
    h('b', {}, value === undefined ? '–' : typeof value === 'string' ? value : num(value)),
    h('span', {}, label),
  );
}
