// Meters: the claimed meters (rename, key, remove), the meters heard nearby (claim one with its
// key), claiming by number, and the admin token every change needs.
import { ApiError, api, token } from './api.js';
import { fill, h } from './dom.js';
import { ago, medium, t } from './i18n.js';
import { signalBars, statusBadge, statusProblem } from './format.js';
import { meterList, state } from './state.js';

const dialog = () => document.getElementById('dialog');

export function mount(root) {
  const notice = h('p', { class: 'notice', role: 'status', hidden: true });
  const yours = h('div', { class: 'list', id: 'claimed' });
  const nearby = h('div', { class: 'list', id: 'nearby' });
  const tokenBox = h('div', { id: 'token' });
  const byId = claimByIdForm((msg) => say(msg));
  root.append(
    notice,
    h('section', { class: 'card' }, h('h2', {}, t('meters.yours')), yours),
    h('section', { class: 'card' }, h('h2', {}, t('meters.nearby')), h('p', { class: 'help' }, t('meters.nearbyHelp')), nearby),
    h('section', { class: 'card' }, h('h2', {}, t('meters.byId')), byId),
    h('section', { class: 'card' }, h('h2', {}, t('token.title')), tokenBox),
  );
  let tokenShown;
  const drawToken = () => {
    tokenShown = Boolean(token.get());
    fill(tokenBox, tokenForm(drawToken));
  };
  function say(message, kind = 'ok') {
    notice.hidden = false;
    notice.className = `notice ${kind}`;
    notice.textContent = message;
  }
  const drawYours = () => fill(yours, claimedRows(say, drawToken));
  const drawNearby = () => fill(nearby, nearbyRows(say));
  drawYours();
  drawNearby();
  drawToken();
  return {
    update(kind) {
      if (kind === 'tick') {
        for (const el of root.querySelectorAll('[data-ago]')) el.textContent = ago(Number(el.dataset.ago));
        return;
      }
      if (kind === 'meters' || kind === 'latest' || kind === 'all') drawYours();
      if (kind === 'nearby' || kind === 'all') drawNearby();
      // A dialog may have remembered a token; never redraw under someone typing one.
      if (Boolean(token.get()) !== tokenShown) drawToken();
    },
  };
}

function claimedRows(say, drawToken) {
  const meters = meterList();
  if (meters.length === 0) return h('p', { class: 'empty' }, t('meters.none'));
  return meters.map((m) =>
    h(
      'div',
      { class: 'row', dataset: { meter: m.id } },
      h(
        'div',
        { class: 'what' },
        h('b', {}, m.name),
        ' ',
        statusBadge(m.status),
        h(
          'div',
          { class: 'sub' },
          [m.id, m.manufacturer, medium(m.medium), t(m.hasKey ? 'meters.hasKey' : 'meters.noKey')].filter(Boolean).join(' · '),
          m.lastSeen ? [' · ', t('meters.lastSeen'), ' ', h('span', { dataset: { ago: m.lastSeen } }, ago(m.lastSeen))] : null,
        ),
        statusProblem(m),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => renameDialog(m, say) }, t('meters.rename')),
        h('button', { type: 'button', onclick: () => keyDialog(m, say) }, t('meters.setKey')),
        h('button', { type: 'button', class: 'danger', onclick: () => removeMeter(m, say, drawToken) }, t('meters.remove')),
      ),
    ),
  );
}

function nearbyRows(say) {
  const list = [...state.nearby.values()].sort((a, b) => b.lastSeen - a.lastSeen);
  if (list.length === 0) return h('p', { class: 'empty' }, t('meters.nearbyNone'));
  return list.map((n) =>
    h(
      'div',
      { class: 'row', dataset: { nearby: n.id } },
      h(
        'div',
        { class: 'what' },
        h('b', { class: 'mono' }, n.id),
        ` ${n.manufacturer} · ${medium(n.medium)} · ${t(n.encrypted ? 'meters.encrypted' : 'meters.plain')}`,
        h(
          'div',
          { class: 'sub' },
          signalBars(n.rssi),
          ` ${n.rssi ?? '–'} dBm · ${t('meters.lastSeen')} `,
          h('span', { dataset: { ago: n.lastSeen } }, ago(n.lastSeen)),
          ` · ${n.telegrams} ${t('meters.telegrams')}`,
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => claimDialog(n, say) }, t('meters.claim')),
      ),
    ),
  );
}

// ------------------------------------------------------------------ forms

function field(name, label, attrs = {}, hint) {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('input', { name, autocomplete: 'off', ...attrs }),
    hint ? h('small', {}, hint) : null,
  );
}

const keyField = (required) =>
  field(
    'key',
    t('meters.key'),
    { class: 'mono', spellcheck: 'false', autocapitalize: 'off', required, placeholder: '0123456789ABCDEF0123456789ABCDEF' },
    t('meters.keyHint'),
  );

/** A token field shown when none is remembered or the gateway refused the remembered one. */
function tokenField(show) {
  const f = field('token', t('token.title'), { type: 'password', autocomplete: 'current-password' }, t('token.help'));
  f.classList.add('token-field');
  f.hidden = !show;
  return f;
}

/**
 * Opens the shared dialog with a form; submit(values) returns a message to show and close, or
 * throws. A refused token reveals the token field; any other refusal shows the gateway's message.
 */
function openDialog(title, fields, submitLabel, submit, intro) {
  const d = dialog();
  const error = h('p', { class: 'problem', role: 'alert', hidden: true });
  const tokField = tokenField(!token.get());
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', {}, title),
    intro ? h('p', { class: 'problem', role: 'alert' }, intro) : null,
    fields,
    tokField,
    error,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', value: 'cancel', onclick: () => d.close() }, t('meters.cancel')),
      h('button', { type: 'submit', class: 'primary' }, submitLabel),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    if (values.token) token.set(String(values.token).trim());
    delete values.token;
    error.hidden = true;
    form.querySelector('[type=submit]').disabled = true;
    try {
      await submit(values, d);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        token.clear();
        tokField.hidden = false;
      }
      error.textContent = err instanceof ApiError && err.status === 0 ? t('error.network', { message: err.message }) : err.message;
      error.hidden = false;
    } finally {
      form.querySelector('[type=submit]').disabled = false;
    }
  });
  fill(d, form);
  d.showModal();
  form.querySelector('input:not([type=hidden]):not([readonly])')?.focus();
}

function claimDialog(n, say) {
  openDialog(
    `${t('meters.claim')} ${n.id}`,
    [
      h('input', { type: 'hidden', name: 'id', value: n.id }),
      field('name', t('meters.name'), { maxlength: 64, placeholder: `${medium(n.medium)} ${n.id}` }),
      n.encrypted ? keyField(true) : null,
      n.encrypted ? h('p', { class: 'help' }, t('meters.keyWriteOnly')) : null,
    ],
    t('meters.claim'),
    (v, d) => claim(v, d, say),
  );
}

function claimByIdForm(say) {
  const form = h(
    'form',
    { class: 'inline' },
    field('id', t('meters.id'), { class: 'mono', required: true, pattern: '[0-9A-Fa-f]{8}', maxlength: 8, inputmode: 'numeric' }),
    field('name', t('meters.name'), { maxlength: 64 }),
    keyField(false),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('meters.claim'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    // The same dialog handles the token and the gateway's answer.
    openDialog(
      `${t('meters.claim')} ${values.id}`,
      [
        h('input', { type: 'hidden', name: 'id', value: values.id }),
        h('input', { type: 'hidden', name: 'name', value: values.name }),
        h('input', { type: 'hidden', name: 'key', value: values.key }),
      ],
      t('meters.claim'),
      async (v, d) => {
        await claim(v, d, say);
        form.reset();
      },
    );
  });
  return form;
}

async function claim(values, d, say) {
  const body = { id: values.id };
  if (values.name) body.name = values.name;
  if (values.key) body.key = values.key;
  const meter = await api.send('POST', '/api/meters', body);
  state.meters.set(meter.id, meter);
  state.nearby.delete(meter.id);
  if (meter.status.state === 'wrong_key') {
    // Claimed, but the telegram already heard does not decrypt: ask for the key again right here.
    keyDialog(meter, say, t('meters.wrongKey', { id: meter.id }));
    return;
  }
  d.close();
  say(t(meter.status.state === 'ok' ? 'meters.claimed' : 'meters.claimedWaiting', { id: meter.id }));
}

function renameDialog(m, say) {
  openDialog(
    `${t('meters.rename')}: ${m.id}`,
    [field('name', t('meters.name'), { maxlength: 64, required: true, value: m.name })],
    t('meters.save'),
    async (v, d) => {
      const meter = await api.send('PATCH', `/api/meters/${m.id}`, { name: v.name });
      state.meters.set(meter.id, meter);
      d.close();
      say(`${meter.id}: ${meter.name}`);
    },
  );
}

function keyDialog(m, say, problem) {
  openDialog(
    `${t('meters.key')}: ${m.name} (${m.id})`,
    [keyField(false), h('p', { class: 'help' }, t('meters.keyWriteOnly'))],
    t('meters.save'),
    async (v, d) => {
      const meter = await api.send('PUT', `/api/meters/${m.id}/key`, { key: v.key ? v.key : null });
      state.meters.set(meter.id, meter);
      d.close();
      say(t('meters.keySaved'));
    },
    problem,
  );
}

async function removeMeter(m, say, drawToken) {
  if (!confirm(t('meters.confirmRemove', { id: m.id }))) return;
  try {
    await api.send('DELETE', `/api/meters/${m.id}`);
    state.meters.delete(m.id);
    say(`${m.id}: ${t('meters.remove')} ✓`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      token.clear();
      drawToken();
    }
    say(err.message, 'error');
  }
}

function tokenForm(redraw) {
  if (token.get()) {
    return h('p', {}, `✓ ${t('token.set')} `, h('button', { type: 'button', onclick: () => (token.clear(), redraw()) }, t('token.forget')));
  }
  const msg = h('p', { role: 'status', hidden: true });
  const form = h(
    'form',
    { class: 'inline' },
    field('token', t('token.title'), { type: 'password', required: true, autocomplete: 'current-password' }, t('token.help')),
    msg,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('meters.save'))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = String(new FormData(form).get('token')).trim();
    try {
      await api.checkToken(value);
      token.set(value);
      redraw();
    } catch (err) {
      msg.hidden = false;
      msg.className = 'problem';
      msg.textContent = err instanceof ApiError && err.status === 401 ? t('token.wrong') : err.message;
    }
  });
  return form;
}
