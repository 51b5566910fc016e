/**
 * `<kunci-p12-maker>`, the download step (docs/ELEMENTS.md): the key (kept in this browser,
 * a backup file or the USB token), the certificate and chain, the password, the check that they
 * match, the `.p12` profile (modern, or legacy for macOS with its > 60 % rule), the downloads.
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
  'ext.absent': ['Ekstensi peramban kunci belum terpasang: token USB tidak dapat dipakai.', 'The kunci browser extension is not installed: no USB token can be used.'],
  'ext.present': ['Ekstensi peramban kunci terpasang.', 'The kunci browser extension is installed.'],
  stored: ['Kunci tersimpan di peramban ini', 'Key kept in this browser'],
  'stored.none': ['— tidak ada —', '— none —'],
  'stored.req': ['Permohonan #{id}', 'Request #{id}'],
  'stored.match': ['Kunci yang cocok sudah dipilih: {name}.', 'The matching key is selected: {name}.'],
  'stored.nomatch': ['Tidak ada kunci yang cocok di peramban ini.', 'No key in this browser matches.'],
  'stored.empty': ['Tidak ada kunci tersimpan di peramban ini.', 'No key is kept in this browser.'],
  'key.file': ['Atau pilih berkas cadangan kunci (kunci-key-….pem)', 'Or choose the key backup file (kunci-key-….pem)'],
  pw: ['Kata sandi kunci', 'Key password'],
  'pw.hint': ['Kata sandi saat kunci dibuat; .p12 memakainya juga.', 'Set when the key was made; the .p12 uses it too.'],
  profile: ['Untuk perangkat apa berkas .p12 ini?', 'Which devices is this .p12 file for?'],
  modern: ['Windows 10/11, Linux, Android, Java 11+ (modern: AES-256)', 'Windows 10/11, Linux, Android, Java 11+ (modern: AES-256)'],
  legacy: ['macOS / aplikasi lama (Keychain Access, Apple Mail, Adobe Acrobat di Mac, Java 8, Windows lama)', 'macOS / older apps (Keychain Access, Apple Mail, Adobe Acrobat on a Mac, Java 8, older Windows)'],
  'legacy.about': ['Profil lama (Triple DES, MAC SHA-1) terbuka di macOS dan aplikasi lama, tetapi tebakan kata sandinya lebih murah bagi penyerang, jadi kata sandinya harus lebih dari 60 % (bukan 50 %).', 'The older profile (Triple DES, SHA-1 MAC) opens on macOS and in older apps, but guessing its password is cheaper, so the password must score over 60 % (not 50 %).'],
  'p12.why': ['Kata sandi kunci Anda bernilai {p} % (tidak lebih dari 60 %): tetapkan kata sandi lain untuk .p12 ini.', 'Your key password scores {p} % (not over 60 %): set another one for this .p12.'],
  'p12.pw': ['Kata sandi berkas .p12', '.p12 file password'],
  'p12.pw2': ['Ulangi kata sandi berkas .p12', 'Repeat the .p12 file password'],
  go: ['Download', 'Download'],
  'go.token': ['Tulis ke token USB', 'Write onto the USB token'],
  'e.key.missing': ['Pilih kunci tersimpan atau berkas cadangan.', 'Choose a kept key or a backup file.'],
  'e.password.missing': ['Masukkan kata sandi kunci.', 'Enter the key password.'],
  'e.key.mismatch': ['Kunci ini bukan kunci sertifikat ini: sertifikat dibuat untuk kunci lain.', 'This is not this certificate\'s key: it was made for another key.'],
  'e.cert.missing': ['Pilih berkas sertifikat.', 'Choose the certificate file.'],
  'e.cert.malformed': ['Ini bukan sertifikat (PEM atau DER).', 'This is not a certificate (PEM or DER).'],
  'p.read': ['Membaca kunci…', 'Reading the key…'],
  'p.unlock': ['Membuka kunci…', 'Unlocking the key…'],
  'p.fetch': ['Mengambil sertifikat…', 'Fetching the certificate…'],
  'p.match': ['Mencocokkan kunci dan sertifikat…', 'Matching key and certificate…'],
  'p.pack': ['Membuat berkas .p12…', 'Making the .p12 file…'],
  'p.token': ['Menulis ke token USB; masukkan PIN di jendela ekstensi…', 'Writing onto the USB token; enter the PIN in the extension\'s window…'],
  'done.h': ['Sertifikat siap disimpan', 'The certificate is ready to save'],
  'done.file': ['Berhasil: sertifikat {serial} cocok dengan kunci Anda; .p12 untuk {profile} dilindungi {pw}.', 'Success: certificate {serial} matches your key; the .p12 for {profile} is protected by {pw}.'],
  'done.key': ['kata sandi kunci Anda', 'your key password'],
  'done.own': ['kata sandi .p12 yang baru', 'the new .p12 password'],
  'done.token': ['Berhasil: sertifikat {serial} ditulis ke token {token} di samping kuncinya (ID {id}).', 'Success: certificate {serial} is on token {token} beside its key (ID {id}).'],
  'save.pem': ['Simpan .pem', 'Save .pem'],
  'save.p12': ['Simpan .p12', 'Save .p12'],
};

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;
const BAD = () => fault('cert.malformed', 'not a certificate');

// DER certificates in x: PEM text (a bundle), DER or PEM bytes, or a list of them.
function ders(x) {
  if (Array.isArray(x)) return x.flatMap(ders);
  if (x instanceof Uint8Array && x[0] !== 45) return [x];
  const text = typeof x === 'string' ? x : new TextDecoder().decode(x);
  try {
    const out = [...text.matchAll(PEM)].map((m) => Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0)));
    if (out.length || !text.trim()) return out;
  } catch {
    // bad base64
  }
  throw BAD();
}

function pemOf(der) {
  return `-----BEGIN CERTIFICATE-----\n${btoa(String.fromCharCode(...der)).match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

// Hex SHA-256 of the certificate's SubjectPublicKeyInfo, as key records name their keys.
async function spkiSha256(b) {
  const tlv = (i) => {
    let n = b[i + 1];
    let s = i + 2;
    if (n > 127) n = b.slice(s, (s += n & 127)).reduce((a, x) => a * 256 + x, 0);
    return [s, s + n];
  };
  let [s] = tlv(tlv(0)[0]);
  if (b[s] === 0xa0) s = tlv(s)[1];
  for (let k = 0; k < 5; k += 1) s = tlv(s)[1];
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b.slice(s, tlv(s)[1])));
  return [...d].map((x) => x.toString(16).padStart(2, '0')).join('');
}

const CER = '.pem,.cer,.crt,.der';
const bytesOf = async (f) => f && new Uint8Array(await f.arrayBuffer());

export class KunciP12Maker extends KunciElement {
  static texts = T;

  static get observedAttributes() {
    return ['lang', 'certificate', 'certificate-url', 'profile', 'no-token', 'key-location'];
  }

  constructor() {
    super();
    this.s = {}; // the holder's choices, kept across re-renders
  }

  static props = ['certificate', 'chain'];

  get certificate() {
    return this._cert ?? null;
  }

  connectedCallback() {
    const again = this.built;
    super.connectedCallback();
    // Shown again: keys kept since (by a client kit on this page, in another tab) are offered.
    if (again) this.readKeys();
  }

  readKeys() {
    this.keysRead = listKeys().catch(() => this.keys || []).then((k) => {
      this.keys = k;
      if (this.s.key === '') delete this.s.key; // nothing matched before: a new key may
      if (this.built) this.fillKeys();
    });
    return this.keysRead;
  }

  /** PEM text, DER bytes, or a list of them (read when the files are made). */
  get chain() {
    return this._chain ?? null;
  }

  set chain(v) {
    this._chain = v ?? null;
  }

  set certificate(v) {
    this._cert = v;
    this.attributeChangedCallback('certificate', 0, 1);
  }

  // A new certificate source: re-rendered (upload fields or not), read again.
  attributeChangedCallback(name, old, now) {
    if (old === now || !this.built) return;
    if (name === 'profile') delete this.s.profile;
    // The page may learn where the key is after the extension answered (a slow fetch).
    if (name === 'key-location' && now === 'token' && this.ext?.present) this.s.where = 'token';
    this.build();
    if (name.startsWith('cert')) this.ready = this.loadCert();
  }

  get onToken() {
    return this.s.where === 'token' && !!this.ext?.present && !this.hasAttribute('no-token');
  }

  build() {
    const s = this.s;
    const typed = this.$('pw')?.value || '';
    const files = ['cert.file', 'chain.file', 'key.file'].map((n) => [n, this.$(n)?.files]);
    const p = this.getAttribute('profile');
    s.profile ??= /^(modern|legacy)$/.test(p) ? p : /mac/i.test(navigator.userAgentData?.platform || navigator.platform || navigator.userAgent) ? 'legacy' : 'modern';
    const id = (n) => this.kid(n);
    const radio = (group, value, more = {}) => h('div', { class: 'choice' },
      h('input', {
        type: 'radio', id: id(value), name: id(group), part: 'input', checked: s[group] === value, ...more,
        on: {
          change: () => {
            s[group] = value;
            this.result = null;
            this.sync();
          },
        },
      }),
      h('label', { for: id(value), part: 'label', text: this.t(group === 'where' ? `where.${value}` : value) }));
    const field = (name, input, ...more) => h('div', { class: 'field', part: 'field' },
      h('label', { for: id(name), part: 'label', text: this.t(name) }), input, ...more);
    const file = (name, accept, then) => field(name, h('input', {
      id: id(name), 'data-k': name, type: 'file', part: 'input', accept,
      on: { change: (e) => { s[name] = e.target.files[0] || null; then?.(); } },
    }));
    const hint = (k, text, more) => h('p', { class: 'hint', part: 'hint', id: id(k), 'data-k': k, text, ...more });
    const notice = (k) => h('p', { class: 'notice', part: 'hint', 'data-k': k, text: this.t(k) });
    const upload = !this._cert && !this.hasAttribute('certificate') && !this.hasAttribute('certificate-url');

    this.pair = passwordPair(this, { label: this.t('p12.pw'), repeat: this.t('p12.pw2'), min: 60, inputs: () => this.holder });
    const pw = h('input', {
      id: id('pw'), 'data-k': 'pw', type: 'password', part: 'input', autocomplete: 'current-password', 'aria-describedby': id('pwh'),
      on: {
        input: () => {
          kunci().catch(() => {});
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.judge().catch(() => {}), 300);
        },
      },
    });
    pw.value = typed;

    this.shadowRoot.replaceChildren(h('div', { class: 'panel', part: 'panel' },
      h('h2', { part: 'heading', text: this.t('h') }),
      h('form', { novalidate: true, on: { submit: (e) => this.go(e) } },
        upload && [file('cert.file', CER, () => { this.ready = this.loadCert(); }), file('chain.file', CER)],
        h('fieldset', { hidden: this.hasAttribute('no-token') },
          h('legend', { part: 'label', text: this.t('where') }),
          radio('where', 'token', { 'data-k': 'token', 'aria-describedby': id('ext') }),
          radio('where', 'file', { 'data-k': 'file' }),
          hint('ext')),
        h('div', { 'data-k': 'filePart' },
          field('stored', h('select', { id: id('stored'), 'data-k': 'keys', part: 'input', 'aria-describedby': id('keysh'), on: { change: (e) => { s.key = e.target.value; } } }),
            hint('keysh', '', { 'aria-live': 'polite' })),
          file('key.file', '.pem,.key,application/x-pem-file,text/plain'),
          field('pw', pw, hint('pwh', this.t('pw.hint'))),
          h('fieldset', {},
            h('legend', { part: 'label', text: this.t('profile') }),
            radio('profile', 'modern'),
            radio('profile', 'legacy'),
            notice('legacy.about'),
            h('div', { 'data-k': 'p12' }, notice('p12.why'), this.pair.node))),
        h('button', { type: 'submit', part: 'button', 'data-k': 'go' }),
        h('div', { class: 'status', part: 'status', role: 'status', 'aria-live': 'polite', 'data-k': 'st' }),
        h('div', { class: 'alert', part: 'error', role: 'alert', 'data-k': 'err' }),
        h('slot', { name: 'lost', 'data-k': 'lost', hidden: true })),
      h('section', { 'data-k': 'done', 'aria-labelledby': id('doneH') },
        h('h2', { id: id('doneH'), 'data-k': 'doneH', tabindex: '-1', part: 'heading', text: this.t('done.h') }),
        h('p', { class: 'ok', 'data-k': 'doneText' }),
        h('div', { class: 'row' },
          h('a', { class: 'button', part: 'download', 'data-k': 'pem', href: '#', text: this.t('save.pem') }),
          h('a', { class: 'button', part: 'download', 'data-k': 'p12file', href: '#', text: this.t('save.p12') })))));

    for (const [n, f] of files) if (f?.length) this.$(n).files = f;
    if (!this.ready) {
      this.ready = Promise.all([this.readKeys(), this.loadCert()]);
      if (!this.hasAttribute('no-token')) {
        detectExtension().then((d) => {
          this.ext = d;
          if (!d.present) this.lack('extension.absent');
          if (d.present && this.getAttribute('key-location') === 'token') s.where = 'token';
          this.sync();
        });
      }
    }
    this.fillKeys();
    this.sync();
  }
  sync() {
    const { s, onToken, ext, weak, result: r } = this;
    const legacy = s.profile === 'legacy';
    this.$('token').disabled = !ext?.present;
    this.$(onToken ? 'token' : 'file').checked = true;
    this.$('ext').textContent = ext ? this.t(`ext.${ext.present ? 'present' : 'absent'}`) : '';
    this.$('filePart').hidden = onToken;
    this.$('go').textContent = this.t(onToken ? 'go.token' : 'go');
    this.$('legacy.about').hidden = !legacy;
    this.$('p12').hidden = !legacy || weak == null;
    this.$('p12.why').textContent = this.t('p12.why', { p: weak });
    if (legacy) this.judge().catch(() => {});
    this.$('done').hidden = !r;
    if (!r) return;
    this.$('doneText').textContent = r.onToken
      ? this.t('done.token', { serial: r.serial, token: r.token, id: r.keyId })
      : this.t('done.file', { serial: r.serial, profile: this.t(r.profile), pw: this.t(r.ownPassword ? 'done.own' : 'done.key') });
    setDownload(this.$('pem'), r.pem, `${r.fileName}.pem`, 'application/x-pem-file');
    this.$('p12file').hidden = !r.p12;
    if (r.p12) setDownload(this.$('p12file'), r.p12, `${r.fileName}.p12`, 'application/x-pkcs12');
  }
  fillKeys() {
    const sel = this.$('keys');
    const keys = this.keys || [];
    const date = (t) => (t ? new Date(t < 1e11 ? t * 1000 : t).toLocaleDateString(this.language === 'en' ? 'en-GB' : 'id-ID') : '');
    const req = (k) => typeof k.requestId === 'number';
    const short = (k) => (req(k) ? this.t('stored.req', { id: k.requestId }) : date(k.createdAt));
    sel.replaceChildren(h('option', { value: '', text: this.t('stored.none') }),
      ...keys.map((k) => h('option', { value: k.requestId, text: `${short(k)} — ${req(k) ? `${date(k.createdAt)} — ` : ''}${k.subject || ''}` })));
    const match = this.cert && keys.find((k) => k.publicKeySha256 === this.cert.hash);
    if (!('key' in this.s) && this.cert) this.s.key = match ? String(match.requestId) : '';
    sel.value = this.s.key ?? '';
    this.$('keysh').textContent = !keys.length ? this.t('stored.empty')
      : match ? this.t('stored.match', { name: short(match) }) : this.cert ? this.t('stored.nomatch') : '';
  }
  async loadCert(rethrow) {
    const url = this.getAttribute('certificate-url');
    const up = this.s['cert.file'];
    this.cert = null;
    delete this.s.key;
    try {
      const src = this._cert ?? this.getAttribute('certificate') ?? (url ? await fetchJson(url, { text: true }) : await bytesOf(up));
      if (!src) return null;
      const [der] = ders(src);
      if (!der) throw BAD();
      if (up && !url && !this._cert) await (await kunci()).parseCertificate(der);
      this.$('err').textContent = '';
      return (this.cert = { der, pem: pemOf(der), hash: await spkiSha256(der).catch(() => null) });
    } catch (e) {
      if (rethrow) throw e;
      this.fail(this.$('err'), e, url ? 'fetch' : 'read');
      return null;
    } finally {
      await this.keysRead;
      this.fillKeys();
    }
  }
  async judge() {
    const pw = this.$('pw').value;
    const mine = (this.seq = (this.seq || 0) + 1);
    let weak = null;
    if (this.s.profile === 'legacy' && pw) {
      const r = await (await kunci()).passwordStrength(pw, this.holder, this.language);
      if (r.percent <= 60) weak = Math.round(r.percent);
    }
    if (mine === this.seq && weak !== this.weak) {
      this.weak = weak;
      this.sync();
    }
    return weak;
  }

  async go(e) {
    e.preventDefault();
    if (this.busy) return;
    const { s } = this;
    const controls = [...this.shadowRoot.querySelectorAll('input,select,button')].filter((c) => !c.disabled);
    const lock = (b) => controls.forEach((c) => { c.disabled = b; });
    const at = (name) => this.progress(this.$('st'), (step = name), name && `p.${name}`);
    let step;
    let key;
    this.busy = true;
    this.result = null;
    this.$('err').textContent = '';
    this.$('lost').hidden = true;
    this.sync();
    lock(true);
    try {
      at('fetch');
      await this.ready;
      const cert = this.cert || (await this.loadCert(true));
      if (!cert) throw fault('cert.missing');
      const k = await kunci();
      const info = await k.parseCertificate(cert.der);
      const cn = /(?:^|,)CN=([^,]*)/.exec(info.subject)?.[1] || null;
      const url = this.getAttribute('chain-url');
      const more = this.chain ?? (url ? await fetchJson(url, { text: true }) : await bytesOf(s['chain.file']));
      const chain = more ? ders(more).map(pemOf).filter((p) => p !== cert.pem) : [];
      const r = { serial: info.serial, pem: cert.pem, p12: null, profile: null, onToken: this.onToken,
        fileName: (this.getAttribute('file-name') || info.serial).replace(/[^\w.-]/g, '') };
      if (r.onToken) {
        at('token');
        const w = await (await tokenApi()).importCertificate(cert.pem, chain.length ? { chain } : {});
        Object.assign(r, { token: w.token?.label || w.token?.serial || '', keyId: w.keyId ?? '' });
      } else {
        if (!s['key.file'] && !this.$('keys').value) await this.readKeys(); // kept since it was shown?
        const rec = this.keys.find((x) => String(x.requestId) === this.$('keys').value);
        const pw = this.$('pw').value;
        if (!s['key.file'] && !rec) throw fault('key.missing', this.t('e.key.missing'));
        if (!pw) throw fault('password.missing', this.t('e.password.missing'));
        at('read');
        const pem = s['key.file'] ? await s['key.file'].text() : rec.encryptedPem;
        at('unlock');
        key = await k.KeyPair.importEncrypted(pem, pw);
        at('match');
        if (!(await k.certificateMatchesKey(cert.der, key))) throw fault('key.mismatch', 'another key');
        let password = pw;
        if (s.profile === 'legacy' && (await this.judge()) != null) {
          const st = this.pair.state();
          if (!st.ok) throw fault('password.too_weak', st.why);
          password = this.pair.value;
        }
        at('pack');
        r.p12 = await k.packPkcs12(key, cert.der, password, { chain: chain.length ? chain : null, friendlyName: cn, legacy: s.profile === 'legacy' });
        Object.assign(r, { profile: s.profile, ownPassword: password !== pw });
      }
      at(null);
      this.result = r;
      this.sync();
      this.$('doneH').focus();
      this.emit('kunci-done', r);
    } catch (x) {
      const { code } = this.fail(this.$('err'), x, step);
      at(null);
      lock(false);
      if (code === 'pkcs8.wrong_password') {
        this.$('lost').hidden = false;
        this.$('pw').select();
        this.$('pw').focus();
      } else if (code === 'password.too_weak') this.pair.focus();
    } finally {
      key?.free().catch(() => {});
      lock(false);
      this.busy = false;
    }
  }
}

define('kunci-p12-maker', KunciP12Maker);
