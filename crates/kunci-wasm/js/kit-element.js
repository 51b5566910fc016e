/**
 * `<kunci-client-kit>`, the key step (docs/ELEMENTS.md): token, check, data, algorithm, file or
 * USB token, password; then the key made, stored, backed up and proven before the CSR is made
 * and handed to the page (`kunci-submit`) or `submit-url`. A failed submission only resends.
 */
import { KunciElement, h, fault, kunci, tokenApi, detectExtension, fetchJson, within, define, passwordPair, setDownload } from './element-base.js';
import { saveKey } from './keystore.js';

const ALG = { rsa2048: 'RSA 2048', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096', p256: 'ECDSA P-256' };
const ON_TOKEN = ['rsa2048', 'p256'];
const coded = (e, code) => (typeof e?.code === 'string' ? e : fault(code, String(e?.message || e)));
const free = (k) => k?.free().catch(() => {});

export class KunciClientKit extends KunciElement {
  static get observedAttributes() {
    return ['lang', 'token'];
  }

  static texts = {
    tok: ['Tempel token CSR di sini', 'Paste the CSR token here'],
    paste: ['(1) Paste >>', '(1) Paste >>'],
    pasted: ['Token dimasukkan.', 'Token filled in.'],
    manual: ['Papan klip tak terbaca: tempel dengan Ctrl+V (⌘+V).', 'The clipboard cannot be read: paste with Ctrl+V (⌘+V).'],
    go: ['(2) Lanjutkan >>', '(2) Continue >>'],
    data: ['Data untuk sertifikat', 'Data for the certificate'],
    req: ['Permohonan', 'Request'],
    prod: ['Produk', 'Product'],
    subj: ['Subjek (Subject DN)', 'Subject DN'],
    mail: ['E-mail', 'E-mail'],
    alg: ['Algoritme kunci', 'Key algorithm'],
    where: ['Simpan pasangan kunci pada token USB?', 'Keep the key pair on a USB token?'],
    onTok: ['Ya — pada token USB (perangkat keras)', 'Yes — on a USB token (hardware)'],
    onFile: ['Tidak — di peramban (berkas terenkripsi)', 'No — in this browser (encrypted file)'],
    'ext.wait': ['Mencari ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
    'ext.no': ['Ekstensi peramban kunci belum terpasang: token USB belum dapat dipilih.', 'The kunci browser extension is not installed: no USB token.'],
    'ext.yes': ['Ekstensi peramban kunci terpasang; PIN token diminta di jendela ekstensi.', 'The kunci browser extension is installed; it asks the token PIN in its own window.'],
    pw: ['Kata sandi kunci', 'Key password'],
    pw2: ['Ulangi kata sandi', 'Repeat the password'],
    gen: ['(3) BANGKITKAN DAN KIRIM CSR', '(3) GENERATE AND SEND CSR'],
    'w.tok': ['Siap: kunci dibuat di token USB (PIN di jendela ekstensi).', 'Ready: the key is made on the USB token (PIN in the extension\'s window).'],
    'w.file': ['Siap: kunci dibuat dan disimpan terenkripsi, lalu dicadangkan; sesudah itu CSR dikirim.', 'Ready: the key is made and kept encrypted, then backed up; then the CSR is sent.'],
    'w.bk': ['Simpan dan periksa cadangan kunci di bawah.', 'Save and check the key backup below.'],
    'w.retry': ['Kunci dan CSR sudah dibuat: tombol ini hanya mengirim ulang.', 'The key and CSR are made: this button only sends again.'],
    'w.sent': ['CSR sudah dikirim untuk token ini.', 'The CSR was sent for this token.'],
    'p.check': ['Memeriksa token…', 'Checking the token…'],
    'p.tok': ['Membuat kunci di token USB… PIN diminta di jendela ekstensi.', 'Making the key on the USB token… the extension asks the PIN.'],
    'p.gen': ['Membangkitkan kunci {a}…', 'Generating the {a} key…'],
    'p.enc': ['Mengenkripsi kunci dengan kata sandi Anda…', 'Encrypting the key with your password…'],
    'p.store': ['Menyimpan kunci terenkripsi…', 'Keeping the encrypted key…'],
    'p.proof': ['Membuka berkas cadangan…', 'Opening the backup file…'],
    'p.csr': ['Membuat CSR…', 'Making the CSR…'],
    'p.send': ['Mengirim CSR…', 'Sending the CSR…'],
    bk: ['Cadangan kunci', 'Key backup'],
    'bk.kept': ['Kunci tersimpan terenkripsi di peramban ini. Simpan cadangannya dan buktikan berkas itu terbuka; sesudah itu CSR dikirim.', 'The key is kept encrypted in this browser. Save its backup and prove the file opens; then the CSR is sent.'],
    'bk.only': ['Kunci tidak dapat disimpan di peramban ini: berkas cadangan satu-satunya salinannya.', 'The key could not be kept in this browser: the backup file is its only copy.'],
    'bk.save': ['Simpan cadangan kunci', 'Save key backup'],
    'bk.file': ['Berkas cadangan kunci (kunci-key-….pem)', 'Key backup file (kunci-key-….pem)'],
    'bk.pw': ['Kata sandi berkas cadangan', 'The backup file\'s password'],
    'bk.check': ['Periksa cadangan', 'Check the backup'],
    'bk.skip': ['Lewati pemeriksaan', 'Skip the check'],
    'bk.ok': ['Cadangan terbukti: berkas terbuka dan berisi kunci ini.', 'Backup proven: the file opens and holds this key.'],
    'bk.skipped': ['Pemeriksaan cadangan dilewati.', 'Backup check skipped.'],
    done: ['CSR telah diterima', 'The CSR was accepted'],
    'done.tok': ['Kunci dibuat di token {t} (ID {id}) dan tidak pernah meninggalkannya.', 'The key was made on token {t} (ID {id}) and never leaves it.'],
    'e.kit.token_missing': ['Masukkan token CSR terlebih dahulu.', 'Enter the CSR token first.'],
    'e.kit.token_malformed': ['Token CSR rusak (ada spasi, atau terlalu panjang).', 'The CSR token is damaged (spaces, or too long).'],
    'e.kit.check_failed': ['Pemeriksaan token gagal: {m}', 'The token check failed: {m}'],
    'e.kit.timeout': ['Tidak ada jawaban tepat waktu. Coba lagi.', 'No answer in time. Try again.'],
    'e.kit.submit_failed': ['CSR tidak terkirim: {m}. Kunci tetap tersimpan; (3) mengirim ulang.', 'The CSR was not sent: {m}. The key is kept; (3) sends it again.'],
    'e.kit.backup_missing': ['Pilih berkas cadangan dan ketik kata sandinya.', 'Choose the backup file and type its password.'],
    'e.kit.backup_mismatch': ['Berkas ini berisi kunci lain, bukan kunci ini.', 'This file holds another key, not this one.'],
    'e.token.unknown': ['Token CSR tidak dikenal. Periksa bahwa token ditempel lengkap.', 'Unknown CSR token. Was all of it pasted?'],
    'e.token.expired': ['Token CSR sudah kedaluwarsa.', 'The CSR token has expired.'],
    'e.token.used': ['Token CSR ini sudah dipakai (satu CSR per token).', 'This CSR token was already used (one CSR per token).'],
  };

  static props = ['check'];

  /** `async (token) => checkAnswer`, used instead of `check-url`. */
  get check() {
    return this._check ?? null;
  }

  set check(f) {
    this._check = typeof f === 'function' ? f : null;
  }

  build() {
    if (this.e) {
      for (const el of this.dyn) this.x(el, el._t);
      this.pair.rejudge();
      return;
    }
    this.dyn = new Set();
    this.s = {};
    const E = (this.e = {});
    const I = (k, a = {}) => h('input', { id: this.kid(k), part: 'input', ...a });
    const lab = (k, el) => this.x(h('label', { for: el.id, part: 'label' }), k);
    const field = (k, el) => h('div', { class: 'field', part: 'field' }, lab(k, el), el);
    const btn = (k, fn, sec) => this.x(h('button', { type: 'button', class: sec && 'secondary', part: sec ? 'button secondary' : 'button', on: { click: fn } }), k);
    const act = (fn) => () => this.act(fn);
    const head = (k) => this.x(h('h3', { tabindex: -1, part: 'heading' }), k);
    const box = () => h('div', { role: 'status', class: 'status', part: 'status' });
    const radio = (k) => h('div', { class: 'choice' }, E[k] = I(k, { type: 'radio', name: this.kid('w'), 'aria-describedby': E.ext.id, on: { change: () => this.where() } }), lab(k, E[k]));

    E.tok = I('tok', { class: 'mono', autocomplete: 'off', spellcheck: 'false', value: this.getAttribute('token') });
    E.note = box();
    E.paste = btn('paste', () => this.paste(), 1);
    E.go = btn('go', act(() => this.go()));

    E.dl = h('dl');
    E.alg = h('select', { id: this.kid('alg'), part: 'input' });
    E.ext = h('p', { id: this.kid('ext'), class: 'hint', part: 'hint' });
    E.fs = h('fieldset', { hidden: this.hasAttribute('no-token') }, this.x(h('legend', { part: 'label' }), 'where'), radio('onTok'), radio('onFile'), E.ext);
    E.onFile.checked = true;
    this.pair = passwordPair(this, { label: this.t('pw'), repeat: this.t('pw2'), inputs: () => {
      const c = this.s.check || {};
      const o = this.holder || {};
      return { name: c.common_name || o.name, email: c.email || o.email, organization: c.organization || o.organization, nik: c.nik || o.nik, other: o.other || [] };
    }, onChange: () => this.upd() });
    ['pw', 'pw.strength', 'pw2'].forEach((k, i) => this.x(this.pair.node.querySelectorAll('label')[i], k));
    E.why = h('p', { id: this.kid('why'), class: 'hint', part: 'hint', 'aria-live': 'polite' });
    E.gen = btn('gen', act(() => this.run()));
    E.gen.setAttribute('aria-describedby', E.why.id);
    E.det = h('div', { hidden: true }, E.dh = head('data'), E.dl, field('alg', E.alg), E.fs, this.pair.node, E.why, E.gen);

    E.link = this.x(h('a', { class: 'button', part: 'download', href: '#' }), 'bk.save');
    E.file = I('file', { type: 'file', accept: '.pem,application/x-pem-file,text/plain' });
    E.bpw = I('bpw', { type: 'password', autocomplete: 'off' });
    E.chk = btn('bk.check', act(() => this.prove()));
    E.skip = btn('bk.skip', act(() => this.proven(false)), 1);
    E.bkSt = box();
    E.bk = h('div', { class: 'notice', hidden: true }, E.bh = head('bk'), E.bkText = h('p'), h('p', {}, E.link),
      field('bk.file', E.file), field('bk.pw', E.bpw), h('div', { class: 'row' }, E.chk, E.skip), E.bkSt);

    E.done = h('div', { hidden: true }, E.doneH = head('done'), E.doneP = h('p'));
    E.st = box();
    E.err = h('div', { role: 'alert', class: 'alert', part: 'error' });
    this.shadowRoot.append(h('div', { class: 'panel', part: 'panel' },
      field('tok', E.tok), h('div', { class: 'row' }, E.paste, E.go), E.note, E.det, E.bk, E.done, E.st, E.err));
    this.x(E.dl, () => {
      const c = this.s.check || {};
      return [['req', c.request_id != null && `#${c.request_id}`], ['prod', c.product], ['subj', c.subject], ['mail', c.email]]
        .filter((r) => r[1]).flatMap(([k, v]) => [h('dt', { text: this.t(k) }), h('dd', { class: k === 'subj' && 'mono', text: v })]);
    });
    this.upd();
  }

  attributeChangedCallback(name, old, now) {
    if (name !== 'token') return super.attributeChangedCallback(name, old, now);
    if (!this.e || this.bz || old === now) return;
    this.s = {};
    this.e.tok.value = now || '';
    for (const k of ['det', 'bk', 'done']) this.e[k].hidden = true;
    for (const k of ['note', 'st', 'err', 'bkSt']) this.x(this.e[k], '');
    this.busy(false);
  }

  /** `el` shows `f` (a text key, or a function), said again on a language change. */
  x(el, f) {
    el._t = typeof f === 'string' ? () => this.t(f) : f;
    this.dyn.add(el);
    el.replaceChildren(...[el._t()].flat().filter(Boolean));
    return el;
  }

  get ms() {
    return +this.getAttribute('timeout') || 6e4;
  }

  prog(step, key, p) {
    if (step) this.at = step;
    this.x(this.e.st, key ? () => [h('span', { class: 'spin', 'aria-hidden': 'true' }), this.t(key, p)] : '');
    if (key) this.emit('kunci-progress', { step, message: this.t(key, p) });
  }

  async act(fn) {
    if (this.bz) return;
    const from = this.shadowRoot.activeElement;
    this.busy(true);
    this.x(this.e.err, '');
    try {
      await fn();
    } catch (e) {
      if (e?.code === 'token.used') this.s.sent = true;
      this.prog(null);
      this.fail(null, e, this.at);
      this.x(this.e.err, () => this.errorText(e));
    } finally {
      this.busy(false);
      if (!this.shadowRoot.activeElement && from && !from.disabled && this.isConnected) from.focus();
    }
  }

  busy(b) {
    const { e: E, s } = this;
    this.bz = b;
    const lock = b || !!(s.key || s.csr || s.sent);
    for (const el of [E.tok, E.paste, E.go, E.alg, E.onFile]) el.disabled = lock;
    E.onTok.disabled = lock || !this.ext?.present;
    this.pair.disable(lock);
    for (const el of [E.file, E.bpw, E.chk, E.skip]) el.disabled = b || s.checked != null;
    this.upd();
  }

  why() {
    const s = this.s;
    const p = this.pair.state();
    return s.sent ? ['w.sent'] : s.csr || (s.key && s.checked != null) ? ['w.retry', 1] : s.key ? ['w.bk'] : this.e.onTok.checked ? ['w.tok', 1] : p.ok ? ['w.file', 1] : [p.why];
  }

  upd() {
    if (!this.e) return;
    this.e.gen.disabled = this.bz || !this.why()[1];
    this.x(this.e.why, () => this.t(this.why()[0]));
  }

  async paste() {
    const E = this.e;
    const v = (await navigator.clipboard?.readText().catch(() => ''))?.trim() || this.getAttribute('token');
    if (v) E.tok.value = v;
    else E.tok.focus();
    this.x(E.note, v ? 'pasted' : 'manual');
  }

  async go() {
    const E = this.e;
    const tok = E.tok.value.trim();
    this.at = 'check';
    const bad = !tok ? 'missing' : tok.length > 512 || /[\s\x00-\x1f\x7f]/.test(tok) ? 'malformed' : 0;
    if (bad) throw (E.tok.focus(), fault(`kit.token_${bad}`));
    this.prog('check', 'p.check');
    let c;
    try {
      const url = this.getAttribute('check-url');
      c = this.check ? await within(Promise.resolve().then(() => this.check(tok)), this.ms)
        : url ? await fetchJson(url, { body: { token: tok }, ms: this.ms })
          : { subject: this.getAttribute('subject'), email: this.getAttribute('email') };
    } catch (e) {
      E.det.hidden = true;
      throw coded(e, 'kit.check_failed');
    }
    if (!c?.subject) throw fault('kit.check_failed', 'no subject');
    this.prog(null);
    if (tok !== this.s.token) this.s = { token: tok };
    this.s.check = c;
    const given = c.allowed_keys?.length ? c.allowed_keys : null;
    const attr = (this.getAttribute('algorithms') || '').split(/\s+/).filter((a) => ALG[a]);
    let list = given ? given.filter((a) => !attr.length || attr.includes(a)) : attr.length ? attr : ['rsa2048'];
    if (!list.length) list = given;
    E.alg.replaceChildren(...list.map((a) => h('option', { value: a, text: ALG[a] || a })));
    E.alg.value = list.includes('rsa2048') ? 'rsa2048' : list[0];
    this.x(E.dl, E.dl._t);
    E.det.hidden = false;
    E.dh.focus();
    kunci().then((k) => k.warmUpStrength()).catch(() => {});
    this.where();
    // The extension answers within a second; the holder types the password meanwhile.
    if (!this.hasAttribute('no-token') && !this.ext) {
      this.x(E.ext, 'ext.wait');
      detectExtension().then((ext) => {
        this.ext = ext;
        if (!ext.present) {
          E.onFile.checked = true;
          this.lack('extension.absent');
        }
        this.x(E.ext, ext.present ? 'ext.yes' : 'ext.no');
        this.busy(this.bz);
        this.where();
      });
    }
  }

  /** On the token: no password, only what kunci-host makes. */
  where() {
    const E = this.e;
    const t = E.onTok.checked;
    this.pair.node.hidden = t;
    for (const o of E.alg.options) o.disabled = t && !ON_TOKEN.includes(o.value);
    if (t && !ON_TOKEN.includes(E.alg.value)) E.alg.value = [...E.alg.options].find((o) => !o.disabled)?.value;
    this.upd();
  }

  /** "(3)": makes what is missing: key (then the proof resumes here), CSR, submission. */
  async run() {
    const { e: E, s } = this;
    if (s.sent) return;
    const c = s.check;
    const req = { subject: c.subject, email: c.email || undefined, challengePassword: s.token };
    if (!s.csr && !s.key) {
      s.alg = E.alg.value;
      s.rid = c.request_id ?? null;
      if (E.onTok.checked) {
        this.prog('generate', 'p.tok');
        const m = await (await tokenApi()).generateCsr({ algorithm: s.alg, ...req, label: `kunci-${s.rid ?? 'key'}` });
        Object.assign(s, { csr: m.csrPem, onToken: true, keyId: m.keyId, sha: m.publicKeySha256, tok: m.token && { serial: m.token.serial, label: m.token.label } });
      } else {
        const k = await kunci();
        this.prog('generate', 'p.gen', { a: ALG[s.alg] });
        const key = (s.key = await k.KeyPair.generate(s.alg));
        s.sha = key.publicKeySha256;
        this.prog('encrypt', 'p.enc');
        const pem = await key.exportEncrypted(this.pair.value);
        this.prog('store', 'p.store');
        s.kept = await saveKey({ requestId: s.rid ?? `key:${s.sha}`, publicKeySha256: s.sha, encryptedPem: pem, createdAt: Math.floor(Date.now() / 1000), subject: c.subject }).then(() => 1, () => 0);
        if (this.gone) return this.removed();
        setDownload(E.link, pem, `kunci-key-${s.rid ?? s.sha.slice(0, 8)}.pem`, 'application/x-pem-file');
        E.skip.hidden = !s.kept;
        this.x(E.bkText, s.kept ? 'bk.kept' : 'bk.only');
        this.prog(null);
        E.bk.hidden = false;
        E.bh.focus();
        this.emit('kunci-progress', { step: 'backup', message: this.t('w.bk') });
        return;
      }
    }
    if (!s.csr) {
      if (s.checked == null) return;
      this.prog('csr', 'p.csr');
      s.csr = (await (await kunci()).createCsr(s.key, req)).pem;
      free(s.key);
      s.key = null;
    }
    if (this.gone) return this.removed();
    this.prog('submit', 'p.send');
    const backup = { checked: !!s.checked };
    let p = null;
    let open = true;
    const d = { token: s.token, csr: s.csr, algorithm: s.alg, requestId: s.rid, onToken: !!s.onToken, backup };
    this.emit('kunci-submit', { ...d, respondWith: (x) => { if (open) p = Promise.resolve(x); } });
    open = false;
    const url = this.getAttribute('submit-url');
    let answer = null;
    try {
      answer = p ? await within(p, this.ms)
        : url ? await fetchJson(url, { body: { token: s.token, csr: s.csr, algorithm: s.alg, backup }, ms: this.ms }) : null;
    } catch (e) {
      throw coded(e, 'kit.submit_failed');
    }
    s.sent = true;
    this.prog(null);
    this.pair.clear();
    this.x(E.doneP, s.onToken ? () => this.t('done.tok', { t: s.tok?.label || s.tok?.serial || '', id: s.keyId }) : '');
    E.done.hidden = false;
    E.doneH.focus();
    this.emit('kunci-done', { ...d, answer, publicKeySha256: s.sha, keyId: s.keyId ?? null, token: s.tok ?? null });
  }

  async prove() {
    const E = this.e;
    const f = E.file.files[0];
    this.at = 'backup';
    if (!f || !E.bpw.value) throw fault('kit.backup_missing');
    this.prog('backup', 'p.proof');
    const k = await (await kunci()).KeyPair.importEncrypted(await f.text(), E.bpw.value);
    const same = k.publicKeySha256 === this.s.sha;
    free(k);
    if (!same) throw fault('kit.backup_mismatch');
    E.bpw.value = '';
    await this.proven(true);
  }

  async proven(checked) {
    this.s.checked = checked;
    this.busy(true);
    this.x(this.e.bkSt, checked ? 'bk.ok' : 'bk.skipped');
    await this.run();
  }

  /** Removed mid-work: the key is stored, nothing sent, the password dropped. */
  removed() {
    const { s } = this;
    this.pair.clear();
    free(s.key);
    s.key = null;
    this.prog(null);
    this.fail(this.e.err, fault('element.removed'), this.at);
  }
}

define('kunci-client-kit', KunciClientKit);
