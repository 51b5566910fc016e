/**
 * `<kunci-p12-maker>`: the download step (docs/ELEMENTS.md). Where the key is (kept in this
 * browser, preselected by the certificate's public key; a backup file; or the USB token through
 * the extension), the certificate and chain (property, attribute, URL or upload), the password,
 * the check that key and certificate belong together, the `.p12` profile (modern, or legacy for
 * macOS and older apps, with its stronger password rule), then `.pem` and `.p12` downloads or
 * the certificate written onto the token. The key is decrypted only inside the kunci worker.
 */
import {
  KunciElement, h, define, fault, kunci, tokenApi, detectExtension, fetchJson, setDownload, passwordPair,
} from './element-base.js';
import { listKeys } from './keystore.js';

const T = {
  h: ['Kunci privat dan berkas .p12', 'Private key and .p12 file'],
  'cert.file': ['Sertifikat (.pem, .cer atau .crt)', 'Certificate (.pem, .cer or .crt)'],
  'chain.file': ['Rantai CA (opsional)', 'CA chain (optional)'],
  where: ['Di mana pasangan kunci Anda disimpan?', 'Where is your key pair kept?'],
  'where.file': ['Berkas', 'File'],
  'where.token': ['Token USB', 'USB token'],
  'ext.wait': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
  'ext.absent': ['Ekstensi peramban kunci belum terpasang, jadi sertifikat belum dapat ditulis ke token USB dari halaman ini. Untuk kunci di peramban atau berkas cadangan, pilih "Berkas".',
    'The kunci browser extension is not installed, so the certificate cannot be written onto a USB token from this page. For a key in this browser or a backup file, choose "File".'],
  'ext.present': ['Ekstensi peramban kunci terpasang: pilih "Token USB" bila kunci Anda ada di token; sertifikat ditulis di samping kuncinya (PIN diminta di jendela ekstensi).',
    'The kunci browser extension is installed: choose "USB token" if your key is on a token; the certificate is written beside its key (the PIN is asked in the extension\'s window).'],
  stored: ['Kunci tersimpan di peramban ini', 'Key kept in this browser'],
  'stored.none': ['— tidak ada; pakai berkas cadangan —', '— none; use a backup file —'],
  'stored.req': ['Permohonan #{id} — {date} — {subject}', 'Request #{id} — {date} — {subject}'],
  'stored.match': ['Kunci yang cocok dengan sertifikat ini sudah dipilih: {name}.', 'The key that matches this certificate is selected: {name}.'],
  'stored.nomatch': ['Tidak ada kunci di peramban ini yang cocok dengan sertifikat ini. Pilih berkas cadangannya.', 'No key in this browser matches this certificate. Choose its backup file.'],
  'stored.empty': ['Tidak ada kunci tersimpan di peramban ini. Pilih berkas cadangan kunci Anda.', 'No keys are kept in this browser. Choose your key backup file.'],
  'key.file': ['Atau pilih berkas cadangan kunci (kunci-key-….pem)', 'Or choose the key backup file (kunci-key-….pem)'],
  pw: ['Kata sandi kunci', 'Key password'],
  'pw.hint': ['Kata sandi yang Anda tetapkan saat membangkitkan kunci. Berkas .p12 dilindungi dengan kata sandi yang sama.', 'The password you set when the key was made. The .p12 file is protected with the same password.'],
  profile: ['Untuk perangkat apa berkas .p12 ini?', 'Which devices is this .p12 file for?'],
  modern: ['Windows 10/11, Linux, Android, Java 11+ (modern: AES-256)', 'Windows 10/11, Linux, Android, Java 11+ (modern: AES-256)'],
  legacy: ['macOS / aplikasi lama (Keychain Access, Apple Mail, Adobe Acrobat di Mac, Java 8, Windows lama)', 'macOS / older apps (Keychain Access, Apple Mail, Adobe Acrobat on a Mac, Java 8, older Windows)'],
  mac: ['Peramban ini berjalan di Mac, jadi profil macOS sudah dipilih.', 'This browser runs on a Mac, so the macOS profile is selected.'],
  'legacy.about': ['Profil lama (Triple DES dan MAC SHA-1) dapat dibuka macOS dan aplikasi lama, tetapi tebakan kata sandi lebih murah bagi penyerang. Karena itu kata sandi berkas .p12 ini harus lebih dari 60 % (bukan 50 %). Pilih profil modern bila perangkat Anda menerimanya.',
    'The older profile (Triple DES and a SHA-1 MAC) opens on macOS and in older apps, but an attacker\'s password guesses are cheaper. So this .p12 file\'s password must score over 60 % (not 50 %). Choose the modern profile where your device takes it.'],
  'p12.why': ['Kata sandi kunci Anda bernilai {p} %: cukup untuk kunci, tetapi tidak lebih dari 60 % untuk profil lama. Tetapkan kata sandi lain untuk berkas .p12 ini.',
    'Your key password scores {p} %: enough for the key, but not over 60 % for the older profile. Set another password for this .p12 file.'],
  'p12.pw': ['Kata sandi berkas .p12', '.p12 file password'],
  'p12.pw2': ['Ulangi kata sandi berkas .p12', 'Repeat the .p12 file password'],
  go: ['Download', 'Download'],
  'go.token': ['Tulis ke token USB', 'Write onto the USB token'],
  'e.key.missing': ['Pilih kunci yang tersimpan atau berkas cadangan kunci.', 'Choose a kept key or a key backup file.'],
  'e.password.missing': ['Masukkan kata sandi kunci.', 'Enter the key password.'],
  'e.key.mismatch': ['Kunci ini bukan kunci sertifikat ini: sertifikat dibuat untuk kunci lain. Pilih kunci dari permohonan sertifikat ini atau berkas cadangannya.',
    'This key is not this certificate\'s key: the certificate was made for another key. Choose the key of this certificate\'s request, or its backup file.'],
  'e.cert.missing': ['Pilih berkas sertifikat (.pem, .cer atau .crt).', 'Choose the certificate file (.pem, .cer or .crt).'],
  'e.cert.malformed': ['Berkas ini bukan sertifikat (PEM atau DER).', 'This file is not a certificate (PEM or DER).'],
  'e.token': ['Token USB: {m}', 'USB token: {m}'],
  'p.read': ['Membaca kunci dan sertifikat…', 'Reading the key and the certificate…'],
  'p.unlock': ['Membuka kunci dengan kata sandi…', 'Unlocking the key with the password…'],
  'p.fetch': ['Mengambil sertifikat dan rantai CA…', 'Fetching the certificate and the CA chain…'],
  'p.match': ['Memeriksa bahwa sertifikat milik kunci ini…', 'Checking that the certificate belongs to this key…'],
  'p.pack': ['Membuat berkas .p12…', 'Making the .p12 file…'],
  'p.token': ['Menulis sertifikat ke token USB… masukkan PIN di jendela ekstensi kunci.', 'Writing the certificate onto the USB token… enter the PIN in the kunci extension\'s window.'],
  lost: ['Kata sandi tidak dapat dipulihkan oleh siapa pun, termasuk otoritas.', 'Nobody, not even the authority, can recover the password.'],
  'done.h': ['Sertifikat siap disimpan', 'The certificate is ready to save'],
  'done.file': ['Berhasil: sertifikat {serial} cocok dengan kunci Anda. Simpan berkas .pem (sertifikat) dan .p12 (sertifikat + kunci privat, untuk {profile}, dilindungi {pw}).',
    'Success: certificate {serial} matches your key. Save the .pem file (certificate) and the .p12 file (certificate + private key, for {profile}, protected by {pw}).'],
  'done.key': ['kata sandi kunci Anda', 'your key password'],
  'done.own': ['kata sandi .p12 yang baru', 'the new .p12 password'],
  'done.modern': ['Windows 10/11, Linux, Android, Java 11+', 'Windows 10/11, Linux, Android, Java 11+'],
  'done.legacy': ['macOS / aplikasi lama', 'macOS / older apps'],
  'done.token': ['Berhasil: sertifikat {serial} ditulis ke token {token} di samping kuncinya (ID kunci {id}). Simpan juga berkas .pem bila perlu; untuk kunci di token tidak ada berkas .p12.',
    'Success: certificate {serial} was written onto token {token} beside its key (key ID {id}). Save the .pem file too if you need it; a key on a token has no .p12 file.'],
  'save.pem': ['Simpan .pem', 'Save .pem'],
  'save.p12': ['Simpan .p12', 'Save .p12'],
};

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;

/** DER certificates in `x`: PEM text (a bundle), DER or PEM bytes, or a list of them. */
function ders(x) {
  if (Array.isArray(x)) return x.flatMap(ders);
  if (x instanceof ArrayBuffer) x = new Uint8Array(x);
  if (x instanceof Uint8Array && x[0] !== 45) return [x];
  const text = typeof x === 'string' ? x : new TextDecoder().decode(x);
  let out;
  try {
    out = [...text.matchAll(PEM)].map((m) => Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0)));
  } catch {
    out = [];
  }
  if (!out.length && text.trim()) throw fault('cert.malformed', 'not a PEM or DER certificate');
  return out;
}

function pemOf(der) {
  let s = '';
  for (const b of der) s += String.fromCharCode(b);
  return `-----BEGIN CERTIFICATE-----\n${btoa(s).match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The DER element at `i`: [content start, end]. */
function tlv(b, i) {
  let n = b[i + 1];
  let s = i + 2;
  if (n > 127) {
    let k = n & 127;
    for (n = 0; k > 0; k -= 1) n = n * 256 + b[s++];
  }
  if (s + n > b.length) throw fault('cert.malformed', 'truncated');
  return [s, s + n];
}

/** Hex SHA-256 of the certificate's SubjectPublicKeyInfo (as keystore records name keys). */
async function spkiSha256(der) {
  let [s] = tlv(der, 0);
  [s] = tlv(der, s);
  if (der[s] === 0xa0) [, s] = tlv(der, s); // version
  for (let k = 0; k < 5; k += 1) [, s] = tlv(der, s); // serial, signature, issuer, validity, subject
  const d = await crypto.subtle.digest('SHA-256', der.slice(s, tlv(der, s)[1]));
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** True when the browser says it runs on a Mac. */
const onMac = () => /mac/i.test(navigator.userAgentData?.platform || navigator.platform || navigator.userAgent || '');

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export class KunciP12Maker extends KunciElement {
  static texts = T;

  static get observedAttributes() {
    return ['lang', 'certificate', 'certificate-url', 'profile', 'no-token', 'key-location'];
  }

  constructor() {
    super();
    this.s = {}; // the holder's choices, kept across re-renders
    for (const p of ['certificate', 'chain', 'holder', 'strings']) {
      if (Object.hasOwn(this, p)) {
        const v = this[p];
        delete this[p];
        this[p] = v;
      }
    }
  }

  get certificate() {
    return this._cert ?? null;
  }

  set certificate(v) {
    this._cert = v;
    if (this.built) this.ready = this.loadCert();
  }

  get chain() {
    return this._chain ?? null;
  }

  set chain(v) {
    this._chain = v;
  }

  get holder() {
    return this._holder ?? null;
  }

  set holder(v) {
    this._holder = v;
  }

  attributeChangedCallback(name, old, now) {
    if (old === now || !this.built) return;
    if (name.startsWith('certificate')) this.ready = this.loadCert();
    else {
      if (name === 'profile') delete this.s.profile;
      this.build();
    }
  }

  /** The holder's data for the strength check (package's UserInputs). */
  inputs() {
    const o = this._holder || {};
    return { name: o.name ?? null, email: o.email ?? null, organization: o.organization ?? null, nik: o.nik ?? null, other: o.other ?? null };
  }

  build() {
    const s = this.s;
    const typed = this.$('pw')?.value || '';
    const files = Object.fromEntries(['cert', 'chain', 'keyFile'].map((n) => [n, this.$(n)?.files]));
    const given = this.getAttribute('profile');
    s.mac ??= !/^(modern|legacy)$/.test(given || '') && onMac();
    s.profile ??= /^(modern|legacy)$/.test(given || '') ? given : s.mac ? 'legacy' : 'modern';
    s.where ??= 'file';
    const upload = !this._cert && !this.hasAttribute('certificate') && !this.hasAttribute('certificate-url');
    const radio = (group, value, label, more = {}) => {
      const id = this.id(`${group}-${value}`);
      return h('div', { class: 'choice' },
        h('input', {
          type: 'radio', id, name: this.id(group), value, part: 'input', checked: s[group] === value, ...more,
          on: { change: () => { s[group] = value; s.picked ||= group === 'where'; this.sync(); } },
        }),
        h('label', { for: id, part: 'label', text: this.t(label) }));
    };
    const field = (name, label, input, ...more) => h('div', { class: 'field', part: 'field' },
      h('label', { for: this.id(name), part: 'label', text: this.t(label) }), input, ...more);
    const file = (name, accept, onPick) => h('input', {
      id: this.id(name), 'data-k': name, type: 'file', part: 'input', accept,
      on: { change: (e) => onPick(e.target.files[0] || null) },
    });
    const hint = (k, text, more = {}) => h('p', { class: 'hint', part: 'hint', id: this.id(k), 'data-k': k, text, ...more });

    this.pair = passwordPair(this, {
      label: this.t('p12.pw'), repeat: this.t('p12.pw2'), min: 60, inputs: () => this.inputs(), onChange: () => {},
    });
    const pw = h('input', {
      id: this.id('pw'), 'data-k': 'pw', type: 'password', part: 'input', autocomplete: 'current-password', 'aria-describedby': this.id('pwh'),
      on: {
        input: () => {
          kunci().catch(() => {}); // the worker starts while the holder types
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.judge().catch(() => {}), 300);
        },
      },
    });
    pw.value = typed;

    this.shadowRoot.replaceChildren(h('div', { class: 'panel', part: 'panel' },
      h('h2', { part: 'heading', text: this.t('h') }),
      h('form', { novalidate: true, on: { submit: (e) => this.go(e) } },
        upload && h('div', {},
          field('cert', 'cert.file', file('cert', '.pem,.cer,.crt,.der,application/x-pem-file,application/pkix-cert', (f) => { s.certFile = f; this.ready = this.loadCert(); })),
          field('chain', 'chain.file', file('chain', '.pem,.cer,.crt,.der,.p7b,application/x-pem-file', (f) => { s.chainFile = f; }))),
        h('fieldset', { 'data-k': 'whereSet', hidden: this.hasAttribute('no-token') },
          h('legend', { part: 'label', text: this.t('where') }),
          radio('where', 'token', 'where.token', { 'data-k': 'tokenRadio', 'aria-describedby': this.id('ext') }),
          radio('where', 'file', 'where.file', { 'data-k': 'fileRadio' }),
          hint('ext', '')),
        h('div', { 'data-k': 'filePart' },
          field('keys', 'stored', h('select', { id: this.id('keys'), 'data-k': 'keys', part: 'input', 'aria-describedby': this.id('keysh'), on: { change: (e) => { s.key = e.target.value; } } }),
            hint('keysh', '', { 'aria-live': 'polite' })),
          field('keyFile', 'key.file', file('keyFile', '.pem,.key,application/x-pem-file,text/plain', (f) => { s.keyFile = f; })),
          field('pw', 'pw', pw, hint('pwh', this.t('pw.hint'))),
          h('fieldset', {},
            h('legend', { part: 'label', text: this.t('profile') }),
            radio('profile', 'modern', 'modern'),
            radio('profile', 'legacy', 'legacy'),
            s.mac && hint('mac', this.t('mac')),
            h('p', { class: 'notice', part: 'hint', 'data-k': 'legacyAbout', text: this.t('legacy.about') }),
            h('div', { 'data-k': 'p12' }, h('p', { class: 'notice', part: 'hint', 'data-k': 'p12why' }), this.pair.node))),
        h('div', { class: 'row' }, h('button', { type: 'submit', part: 'button', 'data-k': 'go' })),
        h('div', { class: 'status', part: 'status', role: 'status', 'aria-live': 'polite', 'data-k': 'st' }),
        h('div', { class: 'alert', part: 'error', role: 'alert', 'data-k': 'err' }),
        h('div', { class: 'notice', 'data-k': 'lost', hidden: true }, h('slot', { name: 'lost' }, this.t('lost')))),
      h('section', { 'data-k': 'done', hidden: true, 'aria-labelledby': this.id('doneH') },
        h('h2', { id: this.id('doneH'), 'data-k': 'doneH', tabindex: '-1', part: 'heading', text: this.t('done.h') }),
        h('p', { class: 'notice ok', 'data-k': 'doneText' }),
        h('div', { class: 'row' },
          h('a', { class: 'button', part: 'download', 'data-k': 'savePem', href: '#', text: this.t('save.pem') }),
          h('a', { class: 'button', part: 'download', 'data-k': 'saveP12', href: '#', text: this.t('save.p12') })))));

    for (const [n, f] of Object.entries(files)) if (f?.length) this.$(n).files = f;
    if (!this.ready) {
      this.keysLoaded = listKeys().catch(() => []).then((k) => { this.keys = k; });
      this.ready = Promise.all([this.keysLoaded, this.loadCert()]);
      if (!this.hasAttribute('no-token')) {
        detectExtension().then((d) => {
          this.ext = d;
          if (d.present && this.getAttribute('key-location') === 'token' && !s.picked) s.where = 'token';
          this.sync();
        });
      }
    }
    this.fillKeys();
    this.sync();
    this.showResult();
  }

  /** True when the certificate goes onto the token. */
  onToken() {
    return this.s.where === 'token' && !!this.ext?.present && !this.hasAttribute('no-token');
  }

  /** Shows what the choices ask for. */
  sync() {
    const s = this.s;
    const token = this.onToken();
    const r = this.$('tokenRadio');
    r.disabled = !this.ext?.present;
    r.checked = token;
    this.$('fileRadio').checked = !token;
    this.$('ext').textContent = this.t(!this.ext ? 'ext.wait' : this.ext.present ? 'ext.present' : 'ext.absent');
    this.$('filePart').hidden = token;
    this.$('go').textContent = this.t(token ? 'go.token' : 'go');
    this.$('legacyAbout').hidden = s.profile !== 'legacy';
    this.$('p12').hidden = s.profile !== 'legacy' || this.weak == null;
    this.$('p12why').textContent = this.t('p12.why', { p: this.weak });
    if (s.profile === 'legacy') this.judge().catch(() => {});
  }

  /** The kept keys, the one matching the certificate selected. */
  fillKeys() {
    const sel = this.$('keys');
    const keys = this.keys || [];
    const date = (t) => (t ? new Date(t).toLocaleDateString(this.language === 'en' ? 'en-GB' : 'id-ID') : '');
    const name = (k) => (typeof k.requestId === 'number'
      ? this.t('stored.req', { id: k.requestId, date: date(k.createdAt), subject: k.subject || '' })
      : `${date(k.createdAt)} — ${k.subject || k.publicKeySha256.slice(0, 16)}`);
    sel.replaceChildren(h('option', { value: '', text: this.t('stored.none') }),
      ...keys.map((k) => h('option', { value: String(k.requestId), text: name(k) })));
    const match = this.cert?.hash && keys.find((k) => k.publicKeySha256 === this.cert.hash);
    if (!('key' in this.s) && this.cert) this.s.key = match ? String(match.requestId) : '';
    sel.value = this.s.key ?? '';
    this.$('keysh').textContent = !keys.length ? this.t('stored.empty')
      : match ? this.t('stored.match', { name: name(match) }) : this.cert ? this.t('stored.nomatch') : '';
  }

  /** Reads the certificate (property, attribute, URL or the upload) into `this.cert`. */
  async loadCert(rethrow) {
    this.cert = null;
    delete this.s.key;
    const url = this.getAttribute('certificate-url');
    try {
      const src = this._cert ?? this.getAttribute('certificate')
        ?? (url ? await fetchJson(url, { text: true }) : this.s.certFile && new Uint8Array(await this.s.certFile.arrayBuffer()));
      if (!src) return null;
      const [der] = ders(src);
      if (!der) throw fault('cert.malformed', 'empty');
      const cert = { der, pem: pemOf(der), hash: await spkiSha256(der).catch(() => null) };
      if (this.s.certFile && !url && !this._cert) await (await kunci()).parseCertificate(der);
      this.cert = cert;
      this.$('err').textContent = '';
      return cert;
    } catch (e) {
      if (rethrow) throw e;
      this.fail(this.$('err'), e, url ? 'fetch' : 'read');
      return null;
    } finally {
      await this.keysLoaded;
      if (this.built) this.fillKeys();
    }
  }

  /** Whether the key password passes the legacy rule; `this.weak` is its percent when not. */
  async judge() {
    const pw = this.$('pw').value;
    const mine = (this.seq = (this.seq || 0) + 1);
    let weak = null;
    if (this.s.profile === 'legacy' && pw) {
      const r = await (await kunci()).passwordStrength(pw, this.inputs(), this.language);
      if (r.percent <= 60) weak = Math.round(r.percent);
    }
    if (mine === this.seq && weak !== this.weak) {
      this.weak = weak;
      this.$('p12').hidden = weak == null;
      this.$('p12why').textContent = this.t('p12.why', { p: weak });
    }
    return weak;
  }

  /** The chain as PEM texts, the leaf left out. */
  async chainOf(cert) {
    const url = this.getAttribute('chain-url');
    const f = this.s.chainFile;
    const src = this._chain ?? (url ? await fetchJson(url, { text: true }) : f ? new Uint8Array(await f.arrayBuffer()) : null);
    return src ? ders(src).filter((d) => !same(d, cert.der)).map(pemOf) : [];
  }

  lock(b) {
    for (const el of this.shadowRoot.querySelectorAll('input,select,button')) {
      if (b) el.dataset.was = el.disabled ? '1' : '';
      el.disabled = b || el.dataset.was === '1';
    }
  }

  async go(e) {
    e.preventDefault();
    if (this.busy) return;
    this.busy = true;
    this.$('err').textContent = '';
    this.$('lost').hidden = true;
    this.$('done').hidden = true;
    this.result = null;
    this.lock(true);
    const s = this.s;
    const show = (step, key) => this.progress(this.$('st'), step, key);
    let step = 'read';
    let key = null;
    try {
      await this.ready;
      const cert = this.cert || (await this.loadCert(true));
      if (!cert) throw fault('cert.missing');
      const k = await kunci();
      const info = await k.parseCertificate(cert.der);
      const cn = (/(?:^|,)\s*CN=((?:\\.|[^,\\])*)/i.exec(info.subject) || [])[1]?.replace(/\\(.)/g, '$1') || null;
      const base = (this.getAttribute('file-name') || info.serial).replace(/[^\w.-]/g, '') || 'certificate';
      step = 'fetch';
      show(step, 'p.fetch');
      const chain = await this.chainOf(cert);
      if (this.onToken()) {
        step = 'token';
        show(step, 'p.token');
        const w = await (await tokenApi()).importCertificate(cert.pem, chain.length ? { chain } : {});
        this.finish({ serial: info.serial, pem: cert.pem, p12: null, profile: null, onToken: true, base,
          token: (w.token && (w.token.label || w.token.serial)) || '', keyId: w.keyId ?? '' });
        return;
      }
      const rec = (this.keys || []).find((r) => String(r.requestId) === this.$('keys').value);
      const pw = this.$('pw').value;
      if (!s.keyFile && !rec) throw fault('key.missing', this.t('e.key.missing'));
      if (!pw) throw fault('password.missing', this.t('e.password.missing'));
      step = 'read';
      show(step, 'p.read');
      const pem = s.keyFile ? await s.keyFile.text() : rec.encryptedPem;
      step = 'unlock';
      show(step, 'p.unlock');
      key = await k.KeyPair.importEncrypted(pem, pw);
      step = 'match';
      show(step, 'p.match');
      if (!(await k.certificateMatchesKey(cert.der, key))) throw fault('key.mismatch', 'the certificate is not the key\'s');
      step = 'pack';
      let password = pw;
      if (s.profile === 'legacy' && (await this.judge()) != null) {
        const st = this.pair.state();
        if (!st.ok) throw fault('password.too_weak', st.why);
        password = this.pair.value;
      }
      show(step, 'p.pack');
      const p12 = await k.packPkcs12(key, cert.der, password, { chain: chain.length ? chain : null, friendlyName: cn, legacy: s.profile === 'legacy' });
      this.finish({ serial: info.serial, pem: cert.pem, p12, profile: s.profile, onToken: false, base, own: password !== pw });
    } catch (x) {
      show(step, null);
      const { code } = this.fail(this.$('err'), x, step);
      this.lock(false);
      if (code === 'pkcs8.wrong_password') {
        this.$('lost').hidden = false;
        this.$('pw').select();
        this.$('pw').focus();
      } else if (code === 'password.too_weak') this.pair.focus();
    } finally {
      if (key) key.free().catch(() => {});
      this.lock(false);
      this.busy = false;
    }
  }

  finish(r) {
    this.$('st').replaceChildren();
    this.result = r;
    this.showResult();
    this.$('doneH').focus();
    const { serial, pem, p12, profile, onToken } = r;
    this.emit('kunci-done', { serial, pem, p12, profile, onToken });
  }

  showResult() {
    const r = this.result;
    this.$('done').hidden = !r;
    if (!r) return;
    this.$('doneText').textContent = r.onToken
      ? this.t('done.token', { serial: r.serial, token: r.token, id: r.keyId })
      : this.t('done.file', { serial: r.serial, profile: this.t(`done.${r.profile}`), pw: this.t(r.own ? 'done.own' : 'done.key') });
    setDownload(this.$('savePem'), r.pem, `${r.base}.pem`, 'application/x-pem-file');
    this.$('saveP12').hidden = !r.p12;
    if (r.p12) setDownload(this.$('saveP12'), r.p12, `${r.base}.p12`, 'application/x-pkcs12');
  }
}

define('kunci-p12-maker', KunciP12Maker);
