/**
 * What kunci's two custom elements share (docs/ELEMENTS.md): the base class (an open shadow
 * root with a constructed style sheet, the `lang` attribute, overridable strings in two
 * languages, the live regions and the three events), element building without `innerHTML`, the
 * password field with its live strength meter and repeat field, Blob download links, and the
 * lazy connection to the package: the worker client and the token API are imported on first
 * use, so defining the elements loads no WebAssembly.
 */

let sheet = null;

/** The elements' one style sheet (constructed: CSP's style-src does not govern it). */
const CSS = `:host{display:block;font-family:var(--kunci-font,system-ui,sans-serif);color:var(--kunci-fg,#1b1f24);line-height:1.5;--a:var(--kunci-accent,#0b57d0);--r:var(--kunci-radius,6px);--g:var(--kunci-gap,.75rem)}
:host([hidden]),[hidden]{display:none!important}
*{box-sizing:border-box}
.panel{background:var(--kunci-bg,#fff);border:1px solid var(--kunci-line,#c5ccd6);border-radius:var(--r);padding:var(--g) calc(var(--g)*1.5)}
h2,h3{margin:var(--g) 0 calc(var(--g)/2);font-size:1.15rem}h3{font-size:1rem}
h2:focus,h3:focus{outline:none}h2:focus-visible,h3:focus-visible{outline:3px solid var(--a);outline-offset:2px}
p{margin:.4rem 0}
.field{margin:var(--g) 0;display:flex;flex-direction:column;gap:.25rem}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
label,legend{font-weight:600}
fieldset{border:1px solid var(--kunci-line,#c5ccd6);border-radius:var(--r);margin:var(--g) 0;padding:.5rem var(--g)}
.choice{display:flex;gap:.5rem;align-items:baseline;margin:.25rem 0}.choice label{font-weight:400}
input[type=text],input[type=password],input:not([type]),select{font:inherit;padding:.45rem .55rem;border:1px solid var(--kunci-muted,#4a5360);border-radius:var(--r);min-width:0;max-width:100%;width:28rem;background:var(--kunci-bg,#fff);color:inherit}
.mono{font-family:ui-monospace,monospace}
button,.button{font:inherit;font-weight:600;cursor:pointer;display:inline-block;padding:.5rem 1rem;border-radius:var(--r);border:2px solid var(--a);background:var(--a);color:var(--kunci-accent-fg,#fff);text-decoration:none}
button.secondary,.button.secondary{background:transparent;color:var(--a)}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.hint{color:var(--kunci-muted,#4a5360);font-size:.92rem}
.status:empty,.alert:empty{display:none}
.alert{color:var(--kunci-bad,#a51d1d);border-left:4px solid currentColor;padding:.25rem .6rem;margin:.5rem 0}
.ok{color:var(--kunci-ok,#17602c)}.bad{color:var(--kunci-bad,#a51d1d)}
.notice{background:var(--kunci-warn-bg,#fff4d6);border-radius:var(--r);padding:.5rem var(--g);margin:var(--g) 0}
meter{width:100%;max-width:28rem;height:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
ul{margin:.25rem 0;padding-left:1.2rem}
.spin{display:inline-block;width:1em;height:1em;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:s 1s linear infinite;vertical-align:-.15em;margin-right:.4rem}
@keyframes s{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spin{animation:none}}
@media (max-width:30rem){input[type=text],input[type=password],input:not([type]),select{width:100%}dl{grid-template-columns:1fr}}`;

function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

/**
 * Creates an element. `a`: attributes, plus `text`, `on` ({event: handler}) and `part`;
 * `true` sets an empty attribute, null/undefined/false none. Children: nodes or text.
 */
export function h(tag, a = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(a)) {
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A stable `{code, message}` from anything thrown. */
export function errorOf(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string') return { code: e.code, message: String(e.message || e.code) };
  return { code: 'internal', message: String((e && e.message) || e) };
}

/** An Error with a code (what the elements throw and report). */
export function fault(code, message) {
  return Object.assign(new Error(message || code), { code });
}

/**
 * The piece of the USB-token path each code says is missing, for `kunci-missing` (the page
 * says what to install: docs/ELEMENTS.md). The texts stay with the page, not in the bundle.
 */
const MISSING = {
  'extension.absent': 'extension', 'extension.too_old': 'extension', 'host.absent': 'helper', 'host.too_old': 'helper', 'host.version': 'helper',
  'module.not_found': 'module', 'token.absent': 'token',
};

/** Texts every element uses: [Indonesian, English]. */
const COMMON = {
  working: ['Sedang bekerja…', 'Working…'],
  'e.internal': ['Terjadi kesalahan tak terduga: {m}', 'Something unexpected went wrong: {m}'],
  'e.net.failed': ['Server tidak dapat dihubungi. Periksa koneksi lalu coba lagi.', 'The server cannot be reached. Check the connection and try again.'],
  'e.pkcs8.wrong_password': ['Kata sandi salah: berkas kunci tidak dapat dibuka dengan kata sandi ini.', 'Wrong password: the key file does not open with this password.'],
  'e.pkcs8.malformed': ['Berkas ini bukan berkas kunci terenkripsi (ENCRYPTED PRIVATE KEY).', 'This file is not an encrypted key file (ENCRYPTED PRIVATE KEY).'],
  'e.extension.absent': ['Ekstensi peramban kunci tidak terpasang.', 'The kunci browser extension is not installed.'],
  'e.element.removed': ['Elemen dilepas dari halaman saat bekerja; kunci yang dibuat tetap tersimpan di peramban ini.', 'The element was removed from the page while it worked; the key it made is kept in this browser.'],
  'e.worker.crashed': ['Pekerja kunci berhenti. Muat ulang halaman lalu coba lagi.', 'The kunci worker stopped. Reload the page and try again.'],
  'e.wasm.load_failed': ['Modul kunci tidak dapat dimuat: {m}', 'The kunci module could not be loaded: {m}'],
  'e.http': ['Server menjawab dengan galat ({m}).', 'The server answered with an error ({m}).'],
  'pw.strength': ['Kekuatan kata sandi', 'Password strength'],
  'pw.wait': ['Menilai kata sandi…', 'Judging the password…'],
  'pw.ok': ['{p} % — cukup kuat, diterima', '{p} % — strong enough, accepted'],
  'pw.bad': ['{p} % — terlalu lemah (harus lebih dari {min} %)', '{p} % — too weak (must be over {min} %)'],
  'pw.about': ['Persentase menunjukkan berapa lama penyerang yang menebak secara otomatis memerlukan waktu: 50 % kira-kira 10 miliar tebakan, 100 % 100 juta triliun tebakan atau lebih. Nama, e-mail, NIK, instansi Anda (juga singkatannya), tahun, dan kata umum mudah ditebak.',
    'The percentage shows how long an attacker guessing automatically would need: 50 % is about 10 billion guesses, 100 % 100 quintillion or more. Your name, e-mail, NIK, organisation (also its abbreviation), years and common words are easy to guess.'],
  'pw.empty': ['Isi kata sandi yang lebih dari {min} % lalu ulangi dengan sama.', 'Enter a password over {min} % and repeat it exactly.'],
  'pw.weak': ['Kata sandi belum diterima: kekuatannya {p} %, harus lebih dari {min} %.', 'The password is not accepted yet: its strength is {p} %, it must be over {min} %.'],
  'pw.mismatch': ['Kedua kata sandi belum sama.', 'The two passwords do not match yet.'],
};

let counter = 0;

/**
 * The base of both elements. A subclass sets `static texts` ({key: [id, en]}), builds its
 * content in `build()` (called on first connection and on every `lang` change) and calls
 * `this.progress`, `this.fail` and `this.emit`.
 */
export class KunciElement extends HTMLElement {
  static get observedAttributes() {
    return ['lang'];
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.shadowRoot.adoptedStyleSheets = [styles()];
    this.uid = `k${++counter}`;
    this._strings = {};
    this.built = false;
    this.adopt();
  }

  connectedCallback() {
    this.gone = false;
    if (!this.built) {
      this.built = true;
      this.build();
    }
  }

  disconnectedCallback() {
    this.gone = true;
  }

  /**
   * Properties a page set on the tag before the element was defined (own properties, which
   * would hide the accessors) pass through their setters. A subclass names its own in
   * `static props`.
   */
  adopt() {
    for (const name of ['holder', 'strings', ...(this.constructor.props || [])]) {
      if (!Object.hasOwn(this, name)) continue;
      const value = this[name];
      delete this[name];
      this[name] = value;
    }
  }

  attributeChangedCallback(name, old, now) {
    if (name === 'lang' && old !== now && this.built) this.build();
  }

  /** `en` when the `lang` attribute starts with "en", else `id`. */
  get language() {
    return /^en\b/i.test(this.getAttribute('lang') || '') ? 'en' : 'id';
  }

  /** `{key: text}` overriding any text in the current language. */
  get strings() {
    return this._strings;
  }

  set strings(value) {
    this._strings = value && typeof value === 'object' ? { ...value } : {};
    if (this.built) this.build();
  }

  /**
   * `{name, email, organization, nik, other}`: the holder's data for the strength check. An
   * accessor, so that frameworks which set a property only when the element has it (React 19)
   * pass the object instead of writing it as an attribute.
   */
  get holder() {
    return this._holder;
  }

  set holder(value) {
    this._holder = value;
  }

  /** The text of `key` in the current language, `{name}` filled from `params`. */
  t(key, params = {}) {
    const own = Object.hasOwn(this._strings, key) ? this._strings[key] : null;
    const pair = this.constructor.texts[key] || COMMON[key];
    let text = own ?? (pair ? pair[this.language === 'en' ? 1 : 0] : key);
    for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
    return text;
  }

  /** A unique id inside this shadow root. */
  kid(name) {
    return `${this.uid}-${name}`;
  }

  /** The shadow root's element with `data-k="name"`. */
  $(name) {
    return this.shadowRoot.querySelector(`[data-k="${name}"]`);
  }

  /** Fires `type` with `detail`, bubbling out of the shadow root. */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Shows `key` (or clears, with null) in `box` with a spinner, and fires kunci-progress. */
  progress(box, step, key, params) {
    if (!key) {
      box.replaceChildren();
      return;
    }
    const message = this.t(key, params);
    box.replaceChildren(h('span', { class: 'spin', 'aria-hidden': 'true' }), message);
    this.emit('kunci-progress', { step, message });
  }

  /** The holder's words for an error: the element's own text for its code, else its message. */
  errorText(e) {
    const { code, message } = errorOf(e);
    for (const key of [`e.${code}`, `e.${code.split('.')[0]}`]) {
      if (this.constructor.texts[key] || COMMON[key] || Object.hasOwn(this._strings, key)) return this.t(key, { m: message });
    }
    return message;
  }

  /** Shows the error in `box` (role=alert) and fires kunci-error; returns `{code, message}`. */
  fail(box, e, step) {
    const { code } = errorOf(e);
    const message = this.errorText(e);
    if (box) box.textContent = message;
    this.emit('kunci-error', { code, message, step });
    this.lack(code);
    return { code, message };
  }

  /** Fires `kunci-missing` `{missing, code}` when `code` names a missing piece of the token path. */
  lack(code) {
    if (MISSING[code]) this.emit('kunci-missing', { missing: MISSING[code], code });
  }
}

/**
 * A password and its repeat, with the live strength meter (the package's passwordStrength,
 * judged after typing pauses). `owner`: the element; `min`: the percentage to exceed;
 * `inputs()`: the holder's data for the check; `onChange()`: called when `state()` may have
 * changed. The returned object has `node`, `value`, `state()` → `{ok, why}`, `setMin(n)`,
 * `clear()`, `disable(b)`.
 */
export function passwordPair(owner, { label, repeat, min = 50, inputs = () => ({}), onChange = () => {}, autocomplete = 'new-password' }) {
  const ids = ['pw', 'pw2', 'sum', 'about', 'meter'].map((n) => owner.kid(`${label}-${n}`));
  const [pwId, pw2Id, sumId, aboutId, meterId] = ids;
  const pw = h('input', { id: pwId, type: 'password', part: 'input', autocomplete, 'aria-describedby': `${sumId} ${aboutId}` });
  const pw2 = h('input', { id: pw2Id, type: 'password', part: 'input', autocomplete });
  const meter = h('meter', { id: meterId, part: 'meter', min: 0, max: 100, low: min, high: 80, optimum: 100, value: 0 }, '0 %');
  const summary = h('p', { id: sumId, 'aria-live': 'polite' });
  const warning = h('p');
  const suggestions = h('ul');
  const about = h('p', { id: aboutId, class: 'hint', part: 'hint', text: owner.t('pw.about') });
  let result = null; // {password, s}
  let seq = 0;
  let timer = null;
  let floor = min;

  const render = () => {
    const s = result && result.password === pw.value ? result.s : null;
    meter.value = s ? s.percent : 0;
    meter.textContent = `${s ? Math.round(s.percent) : 0} %`;
    const good = s && s.percent > floor;
    summary.textContent = s ? owner.t(good ? 'pw.ok' : 'pw.bad', { p: Math.round(s.percent), min: floor }) : (pw.value ? owner.t('pw.wait') : '');
    summary.className = s ? (good ? 'ok' : 'bad') : '';
    warning.textContent = s && s.warning ? s.warning.text : '';
    suggestions.replaceChildren(...((s && s.suggestions) || []).map((x) => h('li', { text: x.text })));
    about.textContent = `${(s && s.explanation) || ''} ${owner.t('pw.about')}`.trim();
    onChange();
  };

  const judge = async () => {
    const password = pw.value;
    const mine = ++seq;
    if (!password) {
      result = null;
      render();
      return;
    }
    try {
      const k = await kunci();
      const s = await k.passwordStrength(password, inputs(), owner.language);
      if (mine === seq) result = { password, s };
    } catch (e) {
      if (mine === seq) owner.fail(null, e, 'strength');
    }
    if (mine === seq) render();
  };

  pw.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(judge, 120);
    render();
  });
  pw2.addEventListener('input', onChange);

  const node = h('div', {},
    h('div', { class: 'field', part: 'field' }, h('label', { for: pwId, part: 'label', text: label }), pw),
    h('div', { class: 'field', part: 'field' },
      h('label', { for: meterId, part: 'label', text: owner.t('pw.strength') }), meter, summary, warning, suggestions, about),
    h('div', { class: 'field', part: 'field' }, h('label', { for: pw2Id, part: 'label', text: repeat }), pw2));

  return {
    node,
    get value() {
      return pw.value;
    },
    /** `{ok, why}`: whether the pair is accepted, and the holder's words for why not. */
    state() {
      const s = result && result.password === pw.value ? result.s : null;
      if (!pw.value) return { ok: false, why: owner.t('pw.empty', { min: floor }) };
      if (!s) return { ok: false, why: owner.t('pw.wait') };
      if (!(s.percent > floor)) return { ok: false, why: owner.t('pw.weak', { p: Math.round(s.percent), min: floor }) };
      if (pw.value !== pw2.value) return { ok: false, why: owner.t('pw.mismatch') };
      return { ok: true, why: '' };
    },
    setMin(n) {
      floor = n;
      meter.low = n;
      render();
    },
    rejudge: judge,
    clear() {
      pw.value = '';
      pw2.value = '';
      result = null;
      render();
    },
    disable(b) {
      pw.disabled = b;
      pw2.disabled = b;
    },
    focus() {
      pw.focus();
    },
  };
}

/** Points `link` at a Blob download of `data` named `name` (revoking its previous URL). */
export function setDownload(link, data, name, type) {
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  const url = URL.createObjectURL(new Blob([data], { type }));
  link.dataset.url = url;
  link.href = url;
  link.download = name;
}

let client = null;

/** The page's one worker client of the package, started on first use (restarted if it died). */
export function kunci() {
  client ??= import('./client.js').then((m) => m.createWorkerClient()).catch((e) => {
    client = null;
    throw e;
  });
  return client;
}

/** The package's token API (the extension), imported on first use. */
export function tokenApi() {
  return import('./token.js');
}

/** `{present}` of the kunci extension; never rejects (absent on any failure). */
export async function detectExtension() {
  try {
    return await (await tokenApi()).detect({ timeout: 1000 });
  } catch {
    return { present: false };
  }
}

/**
 * `fetch` of `url` with the page's cookies: JSON in (`body`) and out, `{error: {code,
 * message}}` answers thrown with their code, `net.failed`, and `kit.timeout` after `ms`.
 */
export async function fetchJson(url, { body, ms = 60000, text = false } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  let res;
  try {
    res = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: text ? '*/*' : 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    });
    if (!res.ok) {
      let code = `http.${res.status}`;
      let message = `HTTP ${res.status}`;
      try {
        const j = await res.json();
        if (j && j.error) ({ code = code, message = message } = j.error);
      } catch {
        // not JSON: the HTTP status says it
      }
      throw fault(code, message);
    }
    return text ? await res.text() : res.status === 204 ? null : await res.json();
  } catch (e) {
    if (abort.signal.aborted) throw fault('kit.timeout', `no answer from ${url} within ${ms} ms`);
    if (e && e.code) throw e;
    throw fault('net.failed', String((e && e.message) || e));
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits `promise` for at most `ms`, else rejects with `kit.timeout`. */
export function within(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(fault('kit.timeout', `no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Defines `name` as `cls` unless the page already has it. */
export function define(name, cls) {
  if (!customElements.get(name)) customElements.define(name, cls);
}
