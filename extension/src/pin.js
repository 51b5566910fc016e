/**
 * The extension window's script (pin.html): the origin question, the token and PIN form, and
 * the settings page. It holds no state of its own beyond the form: the service worker owns the
 * session (background.js), and this page only shows what the worker says and sends back the
 * holder's answer. The PIN leaves this page once, in the `pin.submit` runtime message, and the
 * field is emptied at that moment. Text from outside (the site's origin, the subject, token
 * labels, error messages, a document's name) is only ever set with `textContent`. Before a
 * signature the form also shows what is signed (signing.js: the document's name and the start
 * of its digest).
 */
import { ALG, signRows } from './signing.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const mode = query.get('mode');
const session = query.get('session');
const CLOSE_AFTER_MS = 1200;

/** Indonesian first, English beside: [id, en]. */
const T = {
  originTitle: ['Izin situs', 'Site permission'],
  pinTitle: ['Token USB', 'USB token'],
  settingsTitle: ['kunci: situs yang diizinkan', 'kunci: allowed sites'],
  loading: ['Memuat…', 'Loading…'],
  working: ['Sedang bekerja di token… Jangan cabut token.', 'Working on the token… Do not unplug it.'],
  looking: ['Mencari token…', 'Looking for tokens…'],
  done: ['Selesai. Jendela ini akan tertutup.', 'Done. This window will close.'],
  ended: ['Permintaan ini sudah berakhir. Anda boleh menutup jendela ini.', 'This request has ended. You may close this window.'],
  allowed: ['Diizinkan.', 'Allowed.'],
  refused: ['Ditolak.', 'Refused.'],
  chooseToken: ['Pilih token dulu.', 'Choose a token first.'],
  typePin: ['Ketik PIN token.', 'Type the token PIN.'],
  keyElsewhere: ['Kunci ini tidak ada di token itu. Pilih token lain lalu lanjutkan.', 'This key is not on that token. Choose another token, then continue.'],
  wrongPin: ['PIN salah.', 'Wrong PIN.'],
  triesLeft: ['Sisa percobaan: {n}.', 'Tries left: {n}.'],
  lastTry: ['Percobaan terakhir: PIN yang salah sekali lagi akan mengunci token.', 'Final try: one more wrong PIN locks the token.'],
  fewTries: ['Sisa percobaan PIN tinggal sedikit.', 'Few PIN tries are left.'],
  locked: [
    'PIN token terkunci. Buka kuncinya dengan PIN SO (PUK) memakai aplikasi token Anda, lalu coba lagi dari halaman situs.',
    "The token's PIN is locked. Unlock it with the SO PIN (PUK) in your token's tool, then try again from the site's page.",
  ],
  lockedShort: ['PIN terkunci', 'PIN locked'],
  pinPad: ['PIN pad', 'PIN pad'],
  failed: ['Gagal: {m}', 'Failed: {m}'],
  forget: ['Lupakan', 'Forget'],
  allowWord: ['diizinkan', 'allowed'],
  denyWord: ['ditolak', 'refused'],
  generateCsr: ['Situs ini meminta kunci {alg} baru dibuat di token dan CSR untuk: {subject}', 'The site asks for a new {alg} key on the token and a CSR for: {subject}'],
  importCertificate: ['Situs ini meminta sertifikat Anda disimpan di token, di samping kuncinya.', 'The site asks to store your certificate on the token, beside its key.'],
  listCertificates: ['Situs ini meminta daftar sertifikat di token.', 'The site asks for the list of certificates on the token.'],
  signDigest: [
    'Situs ini meminta Anda menandatangani dokumen di bawah dengan kunci di token. Periksa nama dan sidiknya sebelum mengetik PIN.',
    "The site asks you to sign the document below with the key on the token. Check its name and fingerprint before typing the PIN.",
  ],
};

/** "Indonesian" + English beside it, as text nodes (never HTML). */
function say(el, key, vars = {}) {
  const [id, en] = T[key].map((s) => s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')));
  el.replaceChildren(document.createTextNode(id), enSpan(en));
}

function enSpan(text) {
  const span = document.createElement('span');
  span.lang = 'en';
  span.className = 'en';
  span.textContent = text;
  return span;
}

function show(view) {
  for (const id of ['origin-view', 'pin-view', 'settings-view', 'end-view']) $(id).hidden = id !== view;
}

function send(message) {
  return api.runtime.sendMessage({ ...message, session });
}

function end(key, vars, focusClose = true) {
  say($('end-text'), key, vars);
  $('status').textContent = '';
  show('end-view');
  if (focusClose) $('close').focus();
}

function closeSoon() {
  setTimeout(() => window.close(), CLOSE_AFTER_MS);
}

$('close').addEventListener('click', () => window.close());
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && mode) {
    event.preventDefault();
    cancel();
  }
});

async function cancel() {
  try {
    await send({ type: 'window.cancel' });
  } catch {
    // the worker is gone: closing is all that is left
  }
  window.close();
}

// ---- start -------------------------------------------------------------------------------

start();

async function start() {
  if (!mode) return settings();
  say($('title'), mode === 'origin' ? 'originTitle' : 'pinTitle');
  document.title = `kunci: ${T[mode === 'origin' ? 'originTitle' : 'pinTitle'][0]}`;
  say($('status'), 'loading');
  // The service worker may otherwise be stopped while the holder reads or types.
  setInterval(() => api.runtime.sendMessage({ type: 'keepalive' }).catch(() => {}), 20_000);
  let info;
  try {
    info = await send({ type: 'window.hello' });
  } catch {
    info = null;
  }
  $('status').textContent = '';
  if (!info?.ok) return end('ended');
  if (info.mode === 'origin') return originQuestion(info);
  if (info.mode === 'pin') return pinForm(info);
  return end('ended');
}

// ---- may this origin use the tokens ------------------------------------------------------

function originQuestion(info) {
  $('origin-name').textContent = info.origin;
  show('origin-view');
  $('allow').focus();
  const answer = async (allow) => {
    $('allow').disabled = true;
    $('deny').disabled = true;
    try {
      const reply = await send({ type: 'origin.answer', allow });
      if (!reply?.ok) return end('ended');
    } catch {
      return end('ended');
    }
    end(allow ? 'allowed' : 'refused', {}, false);
    closeSoon();
  };
  $('allow').addEventListener('click', () => answer(true));
  $('deny').addEventListener('click', () => answer(false));
}

// ---- token and PIN -----------------------------------------------------------------------

function pinForm(info) {
  $('pin-origin').textContent = info.origin;
  const s = info.summary ?? {};
  const op = info.op?.replace(/^token\./, '');
  if (T[op]) say($('pin-what'), op, { alg: ALG[s.algorithm] ?? s.algorithm, subject: s.subject });
  if (op === 'signDigest') showSigned(s);
  renderTokens(info.tokens);
  show('pin-view');
  focusFirst();

  $('refresh').addEventListener('click', async () => {
    say($('status'), 'looking');
    try {
      const reply = await send({ type: 'pin.refresh' });
      if (reply?.ok) renderTokens(reply.tokens);
      else if (reply?.error?.code === 'session.unknown') return end('ended');
    } catch {
      return end('ended');
    }
    $('status').textContent = '';
    focusFirst();
  });
  $('cancel').addEventListener('click', cancel);
  $('pin-view').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
}

/** The signature's summary as a definition list: each label in both languages, the value as text. */
function showSigned(summary) {
  const list = $('pin-sign');
  list.replaceChildren();
  for (const row of signRows(summary)) {
    const dt = document.createElement('dt');
    dt.append(document.createTextNode(`${row.label[0]} `), enSpan(row.label[1]));
    const dd = document.createElement('dd');
    if (Array.isArray(row.value)) dd.append(document.createTextNode(row.value[0]), enSpan(row.value[1]));
    else dd.textContent = row.value;
    if (row.digest) dd.className = 'digest';
    list.append(dt, dd);
  }
  list.hidden = false;
}

let tokens = [];

function renderTokens(list) {
  tokens = Array.isArray(list) ? list : [];
  const box = $('token-list');
  box.replaceChildren();
  tokens.forEach((t, i) => {
    const row = document.createElement('div');
    row.className = 'token';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'token';
    input.id = `token-${i}`;
    input.value = t.serial;
    input.disabled = !!t.pinLocked;
    input.addEventListener('change', updatePinField);
    const label = document.createElement('label');
    label.htmlFor = input.id;
    const name = document.createElement('strong');
    name.textContent = t.label || t.serial;
    const detail = document.createElement('small');
    detail.textContent = [t.manufacturer, t.model, t.serial && `(${t.serial})`].filter(Boolean).join(' ');
    label.append(name, detail);
    const notes = [];
    if (t.pinLocked) notes.push('lockedShort');
    else if (t.pinFinalTry) notes.push('lastTry');
    else if (t.pinCountLow) notes.push('fewTries');
    if (t.pinPad) notes.push('pinPad');
    for (const key of notes) {
      const note = document.createElement('small');
      note.className = key === 'pinPad' ? '' : 'warn';
      note.textContent = `${T[key][0]} / ${T[key][1]}`;
      label.append(note);
    }
    row.append(input, label);
    box.append(row);
  });
  const usable = tokens.filter((t) => !t.pinLocked);
  if (usable.length === 1) {
    const i = tokens.indexOf(usable[0]);
    $(`token-${i}`).checked = true;
  }
  $('no-token').hidden = tokens.length > 0;
  $('token-list').hidden = tokens.length === 0;
  $('submit').disabled = usable.length === 0;
  if (tokens.length > 0 && usable.length === 0) say($('pin-error'), 'locked');
  else $('pin-error').textContent = '';
  updatePinField();
}

function chosen() {
  const input = document.querySelector('input[name="token"]:checked');
  return input ? tokens.find((t) => t.serial === input.value) : undefined;
}

function updatePinField() {
  const token = chosen();
  const pad = !!token?.pinPad;
  $('pin-field').hidden = pad;
  $('pin-pad').hidden = !pad;
  const help = $('pin-help');
  if (token?.pinFinalTry) say(help, 'lastTry');
  else if (token?.pinCountLow) say(help, 'fewTries');
  else help.textContent = '';
}

function focusFirst() {
  const token = chosen();
  if (token && !token.pinPad) $('pin').focus();
  else if (!token && tokens.length > 0) document.querySelector('input[name="token"]:not(:disabled)')?.focus();
  else if (tokens.length === 0) $('refresh').focus();
  else $('submit').focus();
}

function setBusy(busy) {
  for (const el of $('pin-view').querySelectorAll('input, button')) {
    if (busy) {
      el.dataset.wasDisabled = el.disabled ? '1' : '';
      el.disabled = true;
    } else {
      el.disabled = el.dataset.wasDisabled === '1';
    }
  }
  $('pin-view').setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function submit() {
  const token = chosen();
  const error = $('pin-error');
  if (!token) {
    say(error, 'chooseToken');
    document.querySelector('input[name="token"]:not(:disabled)')?.focus();
    return;
  }
  const field = $('pin');
  if (!token.pinPad && field.value.length === 0) {
    say(error, 'typePin');
    field.focus();
    return;
  }
  error.textContent = '';
  const message = { type: 'pin.submit', token: token.serial, pin: token.pinPad ? undefined : field.value };
  field.value = '';
  setBusy(true);
  say($('status'), 'working');
  let reply;
  try {
    reply = await send(message);
  } catch {
    reply = null;
  } finally {
    message.pin = undefined;
  }
  $('status').textContent = '';
  if (reply?.ok) {
    end('done', {}, false);
    closeSoon();
    return;
  }
  if (!reply?.error || reply.error.code === 'session.unknown') return end('ended');
  const e = reply.error;
  if (!reply.retry) {
    if (e.code === 'pin.locked' || (e.code === 'pin.incorrect' && e.tries_left === 0)) return end('locked');
    return end('failed', { m: e.message });
  }
  setBusy(false);
  if (e.code === 'pin.incorrect') {
    error.replaceChildren(document.createTextNode(T.wrongPin[0]), enSpan(T.wrongPin[1]));
    if (Number.isInteger(e.tries_left)) {
      const n = document.createElement('span');
      say(n, e.tries_left === 1 ? 'lastTry' : 'triesLeft', { n: e.tries_left });
      error.append(n);
    }
  } else if (e.code === 'pin.required') {
    say(error, 'typePin');
  } else if (e.code === 'key.not_found') {
    say(error, 'keyElsewhere');
  } else {
    say(error, 'failed', { m: e.message });
  }
  focusFirst();
}

// ---- settings: the remembered origins ----------------------------------------------------

async function settings() {
  say($('title'), 'settingsTitle');
  document.title = T.settingsTitle[0];
  show('settings-view');
  const list = $('origin-list');
  const reply = await api.runtime.sendMessage({ type: 'settings.list' }).catch(() => null);
  const origins = Object.entries(reply?.origins ?? {}).sort(([a], [b]) => a.localeCompare(b));
  list.replaceChildren();
  $('no-origins').hidden = origins.length > 0;
  for (const [origin, answer] of origins) {
    const li = document.createElement('li');
    const text = document.createElement('span');
    const [id, en] = T[answer === 'allow' ? 'allowWord' : 'denyWord'];
    text.textContent = `${origin}: ${id} / ${en}`;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `${T.forget[0]} / ${T.forget[1]}`;
    button.setAttribute('aria-label', `${T.forget[0]} ${origin} / ${T.forget[1]} ${origin}`);
    button.addEventListener('click', async () => {
      await api.runtime.sendMessage({ type: 'settings.forget', origin });
      settings();
    });
    li.append(text, button);
    list.append(li);
  }
}
