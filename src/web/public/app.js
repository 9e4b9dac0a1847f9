// The page's frame: navigation (#/, #/charts, #/meters, #/radio), language switch, live status,
// and the view that is open. Views redraw from the shared state when it changes.
import { fill, h } from './dom.js';
import { language, setLanguage, setTimeZone, t } from './i18n.js';
import { connectLive, loadAll, onChange, state } from './state.js';
import * as dashboard from './dashboard.js';
import * as meters from './meters.js';
import * as radio from './radio.js';

const VIEWS = {
  '': { label: 'nav.dashboard', load: async () => dashboard },
  charts: { label: 'nav.charts', load: () => import('./charts.js') },
  meters: { label: 'nav.meters', load: async () => meters },
  radio: { label: 'nav.radio', load: async () => radio },
};

const root = document.getElementById('view');
let current; // { name, view: { update(kind), destroy?() } }
let pending = new Set();

function routeName() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return name in VIEWS ? name : '';
}

async function open() {
  const name = routeName();
  current?.view.destroy?.();
  current = undefined;
  renderNav(name);
  const mod = await VIEWS[name].load();
  if (routeName() !== name) return; // the user moved on while a view was loading
  root.replaceChildren();
  current = { name, view: mod.mount(root) };
}

function renderNav(active) {
  fill(
    document.getElementById('nav'),
    Object.entries(VIEWS).map(([name, v]) =>
      h(
        'a',
        { href: `#/${name}`, class: name === active ? 'active' : undefined, 'aria-current': name === active ? 'page' : undefined },
        t(v.label),
      ),
    ),
  );
}

function renderChrome() {
  document.title = `${t('title')} · wmbus-gateway`;
  const live = document.getElementById('live');
  live.className = `live ${state.live ? 'on' : 'off'}`;
  live.textContent = t(state.live ? 'live.on' : 'live.off');
  const banner = document.getElementById('banner');
  // The demo also starts by itself when no CC1101 is found: the radio then says it is simulated.
  banner.hidden = !(state.info?.demo || /simulated/i.test(state.radio?.radio?.chip ?? ''));
  banner.textContent = t('demo');
}

// Many events can arrive together (a claim, its reading, the radio counters): redraw once a frame.
onChange((kind) => {
  pending.add(kind);
  if (pending.size > 1) return;
  requestAnimationFrame(() => {
    const kinds = pending;
    pending = new Set();
    if (kinds.has('all') || kinds.has('live') || kinds.has('radio')) renderChrome();
    if (kinds.has('all')) setTimeZone(state.info?.timeZone);
    for (const k of kinds) current?.view.update(k);
  });
});

const langSelect = document.getElementById('lang');
langSelect.value = language();
langSelect.addEventListener('change', () => {
  setLanguage(langSelect.value);
  renderChrome();
  open();
});
document.documentElement.lang = language();
window.addEventListener('hashchange', open);

renderChrome();
open();
loadAll().catch(() => {});
connectLive();
// "12 s ago" labels move on their own.
setInterval(() => current?.view.update('tick'), 1000);
