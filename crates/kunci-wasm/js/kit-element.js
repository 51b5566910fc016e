/**
 * `<kunci-client-kit>`, the key step (docs/ELEMENTS.md): the CSR token ("(1) Paste >>"), the
 * check ("(2) Lanjutkan >>"), the data the CSR will carry, the algorithm, a file key or the USB
 * token, the password with its meter, then "(3)": the key made in the worker, encrypted, kept in
 * IndexedDB, its backup saved and proven (or the proof skipped), and only then the CSR made and
 * handed to the page (`kunci-submit`) or POSTed to `submit-url`. A failed submission keeps the
 * CSR: the button then only sends it again.
 */
import { KunciElement, h, fault, kunci, tokenApi, detectExtension, fetchJson, within, define, passwordPair, setDownload } from './element-base.js';
import { saveKey } from './keystore.js';

const ALG = { rsa2048: 'RSA 2048', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096', p256: 'ECDSA P-256' };
const ON_TOKEN = ['rsa2048', 'p256'];
const coded = (e, code) => (e && typeof e.code === 'string' ? e : fault(code, String((e && e.message) || e)));

export class KunciClientKit extends KunciElement {
  static get observedAttributes() {
    return ['lang', 'token'];
  }

  static texts = {
    tok: ['Tempel token CSR di sini', 'Paste the CSR token here'],
    paste: ['(1) Paste >>', '(1) Paste >>'],
    pasted: ['Token ditempel dari papan klip.', 'Token pasted from the clipboard.'],
    given: ['Papan klip tak terbaca; token yang diberikan dimasukkan.', 'The clipboard cannot be read; the given token was filled in.'],
    manual: ['Papan klip tak terbaca: tempel token dengan Ctrl+V (⌘+V).', 'The clipboard cannot be read: paste the token with Ctrl+V (⌘+V).'],
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
    'ext.wait': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
    'ext.no': ['Ekstensi peramban kunci belum terpasang, jadi token USB belum dapat dipilih.', 'The kunci browser extension is not installed, so a USB token cannot be chosen.'],
    'ext.yes': ['Ekstensi peramban kunci terpasang; PIN token diminta di jendela ekstensi, bukan di halaman ini.', 'The kunci browser extension is installed; the token PIN is asked in its window, not on this page.'],
    pw: ['Kata sandi kunci', 'Key password'],
    pw2: ['Ulangi kata sandi', 'Repeat the password'],
    gen: ['(3) BANGKITKAN DAN KIRIM CSR', '(3) GENERATE AND SEND CSR'],
    'w.tok': ['Siap: kunci dibuat di token USB (PIN di jendela ekstensi).', 'Ready: the key is made on the USB token (PIN in the extension\'s window).'],
    'w.file': ['Siap: kunci dibuat di peramban, dienkripsi dengan kata sandi ini dan disimpan; CSR dikirim setelah cadangannya.', 'Ready: the key is made here, encrypted with this password and kept; the CSR is sent after its backup.'],
    'w.bk': ['Simpan cadangan kunci lalu periksa berkasnya, atau lewati pemeriksaan.', 'Save the key backup, then check its file or skip the check.'],
    'w.retry': ['Kunci dan CSR sudah dibuat: tombol ini hanya mengirim ulang.', 'The key and CSR are made: this button only sends again.'],
    'w.sent': ['CSR sudah dikirim untuk token ini.', 'The CSR was sent for this token.'],
    'p.check': ['Memeriksa token…', 'Checking the token…'],
    'p.tok': ['Membangkitkan kunci di token USB… masukkan PIN di jendela ekstensi.', 'Generating the key on the USB token… enter the PIN in the extension\'s window.'],
    'p.gen': ['Membangkitkan pasangan kunci {a}… (beberapa detik)', 'Generating the {a} key pair… (a few seconds)'],
    'p.enc': ['Mengenkripsi kunci privat dengan kata sandi Anda…', 'Encrypting the private key with your password…'],
    'p.store': ['Menyimpan kunci terenkripsi di peramban ini…', 'Keeping the encrypted key in this browser…'],
    'p.proof': ['Membuka berkas cadangan…', 'Opening the backup file…'],
    'p.csr': ['Membuat dan menandatangani CSR…', 'Making and signing the CSR…'],
    'p.send': ['Mengirim CSR…', 'Sending the CSR…'],
    bk: ['Cadangan kunci', 'Key backup'],
    'bk.kept': ['Kunci privat sudah dienkripsi dan disimpan di peramban ini. Simpan berkas cadangannya, lalu buktikan berkas itu terbuka dengan kata sandinya (tidak ada yang dikirim); sesudah itu CSR dikirim.', 'The private key is encrypted and kept in this browser. Save its backup file, then prove it opens with its password (nothing is sent); then the CSR is sent.'],
    'bk.only': ['Kunci tidak dapat disimpan di peramban ini: berkas cadangan satu-satunya salinannya. Simpan dan buktikan sekarang.', 'The key could not be kept in this browser: the backup file is its only copy. Save and prove it now.'],
    'bk.save': ['Simpan cadangan kunci', 'Save key backup'],
    'bk.file': ['Berkas cadangan kunci (kunci-key-….pem)', 'Key backup file (kunci-key-….pem)'],
    'bk.pw': ['Kata sandi berkas cadangan', 'The backup file\'s password'],
    'bk.check': ['Periksa cadangan', 'Check the backup'],
    'bk.skip': ['Lewati pemeriksaan', 'Skip the check'],
    'bk.ok': ['Cadangan terbukti: berkas terbuka dengan kata sandi Anda dan berisi kunci ini.', 'Backup proven: the file opens with your password and holds this key.'],
    'bk.skipped': ['Pemeriksaan dilewati. Tanpa cadangan, kunci hilang bila data peramban terhapus.', 'Check skipped. Without a backup the key is lost if the browser\'s data is cleared.'],
    done: ['CSR telah diterima', 'The CSR was accepted'],
    'done.tok': ['Kunci dibuat di token {t} (ID {id}) dan tidak pernah meninggalkannya.', 'The key was made on token {t} (ID {id}) and never leaves it.'],
    'e.kit.token_missing': ['Masukkan token CSR terlebih dahulu.', 'Enter the CSR token first.'],
    'e.kit.token_malformed': ['Token CSR tidak utuh (ada spasi, atau terlalu panjang).', 'The CSR token is damaged (spaces inside, or too long).'],
    'e.kit.check_failed': ['Pemeriksaan token gagal: {m}', 'The token check failed: {m}'],
    'e.kit.timeout': ['Tidak ada jawaban tepat waktu. Coba lagi.', 'No answer in time. Try again.'],
    'e.kit.submit_failed': ['CSR tidak terkirim: {m}. Kunci tetap tersimpan; tekan (3) untuk mengirim ulang.', 'The CSR was not sent: {m}. The key is kept; press (3) to send again.'],
    'e.kit.backup_missing': ['Pilih berkas cadangan dan ketik kata sandinya.', 'Choose the backup file and type its password.'],
    'e.kit.backup_mismatch': ['Berkas ini berisi kunci lain. Pilih cadangan yang baru disimpan.', 'This file holds another key. Choose the backup just saved.'],
    'e.token.unknown': ['Token CSR tidak dikenal. Periksa bahwa token ditempel lengkap.', 'Unknown CSR token. Check that all of it was pasted.'],
    'e.token.expired': ['Token CSR sudah kedaluwarsa. Minta token baru.', 'The CSR token has expired. Ask for a new one.'],
    'e.token.used': ['Token CSR ini sudah dipakai (satu CSR per token).', 'This CSR token was already used (one CSR per token).'],
  };

  /** Builds the parts once; a `lang` or `strings` change only re-says every text. */
  build() {
    if (this.e) {
      for (const el of this.dyn) this.x(el, el._t);
      this.pair.rejudge();
      return;
    }
    this.dyn = new Set();
    this.s = {};
    const E = (this.e = {});
    const I = (k, a = {}) => h('input', { id: this.id(k), part: 'input', ...a });
    const field = (k, input) => h('div', { class: 'field', part: 'field' }, this.x(h('label', { for: input.id, part: 'label' }), k), input);
    const btn = (k, fn, sec) => this.x(h('button', { type: 'button', class: sec && 'secondary', part: sec ? 'button secondary' : 'button', on: { click: fn } }), k);
    const act = (fn) => () => this.act(fn);
    const head = (k) => this.x(h('h3', { tabindex: -1, part: 'heading' }), k);
    const box = (role, cls) => h('div', { role, class: cls, part: cls === 'alert' ? 'error' : 'status' });
    const radio = (k, v) => {
      const r = (E[k] = I(k, { type: 'radio', name: this.id('w'), value: v, on: { change: () => this.where() } }));
      return h('div', { class: 'choice' }, r, this.x(h('label', { for: r.id, part: 'label' }), k));
    };

    E.tok = I('tok', { class: 'mono', autocomplete: 'off', spellcheck: 'false', value: this.getAttribute('token') });
    E.note = box('status', 'status');
    E.paste = btn('paste', () => this.paste(), 1);
    E.go = btn('go', act(() => this.go()));

    E.dl = h('dl');
    E.alg = h('select', { id: this.id('alg'), part: 'input' });
    E.ext = h('p', { id: this.id('ext'), class: 'hint', part: 'hint' });
    E.fs = h('fieldset', { hidden: this.hasAttribute('no-token') }, this.x(h('legend', { part: 'label' }), 'where'), radio('onTok', 'token'), radio('onFile', 'file'), E.ext);
    E.onTok.setAttribute('aria-describedby', E.ext.id);
    E.onFile.checked = true;
    this.pair = passwordPair(this, { label: this.t('pw'), repeat: this.t('pw2'), inputs: () => this.inputs(), onChange: () => this.upd() });
    ['pw', 'pw.strength', 'pw2'].forEach((k, i) => this.x(this.pair.node.querySelectorAll('label')[i], k));
    E.why = h('p', { id: this.id('why'), class: 'hint', part: 'hint', 'aria-live': 'polite' });
    E.gen = btn('gen', act(() => this.run()));
    E.gen.setAttribute('aria-describedby', E.why.id);
    E.det = h('div', { hidden: true }, E.dh = head('data'), E.dl, field('alg', E.alg), E.fs, this.pair.node, E.why, E.gen);

    E.link = this.x(h('a', { class: 'button', part: 'download', href: '#' }), 'bk.save');
    E.file = I('file', { type: 'file', accept: '.pem,application/x-pem-file,text/plain' });
    E.bpw = I('bpw', { type: 'password', autocomplete: 'off' });
    E.chk = btn('bk.check', act(() => this.prove()));
    E.skip = btn('bk.skip', act(() => this.proven(false)), 1);
    E.bkSt = box('status', 'status');
    E.bk = h('div', { class: 'notice', hidden: true }, E.bh = head('bk'), E.bkText = h('p'), h('p', {}, E.link),
      field('bk.file', E.file), field('bk.pw', E.bpw), h('div', { class: 'row' }, E.chk, E.skip), E.bkSt);

    E.done = h('div', { hidden: true }, E.doneH = head('done'), E.doneP = h('p'));
    E.st = box('status', 'status');
    E.err = box('alert', 'alert');
    this.shadowRoot.append(h('div', { class: 'panel', part: 'panel' },
      field('tok', E.tok), h('div', { class: 'row' }, E.paste, E.go), E.note, E.det, E.bk, E.done, E.st, E.err));
    this.x(E.dl, () => {
      const c = this.s.check || {};
      return [['req', c.request_id != null && `#${c.request_id}`], ['prod', c.product], ['subj', c.subject], ['mail', c.email]]
        .filter((r) => r[1]).flatMap(([k, v]) => [h('dt', { text: this.t(k) }), h('dd', { class: k === 'subj' ? 'mono' : null, text: v })]);
    });
    this.upd();
  }

  attributeChangedCallback(name, old, now) {
    if (name !== 'token') return super.attributeChangedCallback(name, old, now);
    // A new token (the page made one): what was checked or made for the old one is done with.
    if (!this.e || this.bz || old === now) return;
    this.s = {};
    this.e.tok.value = now || '';
    for (const k of ['det', 'bk', 'done']) this.e[k].hidden = true;
    for (const k of ['note', 'st', 'err', 'bkSt']) this.x(this.e[k], '');
    this.busy(false);
  }

  /** Sets `el`'s content to `f` (a text key, or a function giving text or nodes), re-said on a language change. */
  x(el, f) {
    el._t = typeof f === 'string' ? () => this.t(f) : f;
    this.dyn.add(el);
    el.replaceChildren(...[el._t()].flat().filter((v) => v || v === 0));
    return el;
  }

  get ms() {
    return Number(this.getAttribute('timeout')) || 60000;
  }

  /** The holder's data the password must not be made of. */
  inputs() {
    const c = this.s.check || {};
    const o = this.holder || {};
    return { name: c.common_name || o.name, email: c.email || o.email, organization: c.organization || o.organization, nik: c.nik || o.nik, other: o.other || [] };
  }

  prog(step, key, p) {
    if (step) this.at = step;
    this.x(this.e.st, key ? () => [h('span', { class: 'spin', 'aria-hidden': 'true' }), this.t(key, p)] : '');
    if (key) this.emit('kunci-progress', { step, message: this.t(key, p) });
  }

  /** Runs one action of the holder's: busy meanwhile, its error shown and fired. */
  async act(fn) {
    if (this.bz) return;
    const from = this.shadowRoot.activeElement;
    this.busy(true);
    this.x(this.e.err, '');
    try {
      await fn();
    } catch (e) {
      if (e && e.code === 'token.used') this.s.sent = true;
      this.prog(null);
      this.fail(null, e, this.at);
      this.x(this.e.err, () => this.errorText(e));
    } finally {
      this.busy(false);
      // Focus left a button that was disabled meanwhile and nothing took it: back to it.
      if (!this.shadowRoot.activeElement && from && !from.disabled && this.isConnected) from.focus();
    }
  }

  busy(b) {
    const { e: E, s } = this;
    this.bz = b;
    const lock = b || !!(s.key || s.csr || s.sent);
    for (const el of [E.tok, E.paste, E.go, E.alg, E.onFile]) el.disabled = lock;
    E.onTok.disabled = lock || !(this.ext && this.ext.present);
    this.pair.disable(lock);
    for (const el of [E.file, E.bpw, E.chk, E.skip]) el.disabled = b || s.checked != null;
    this.upd();
  }

  /** [why the button is (not) ready, ready]. */
  why() {
    const s = this.s;
    if (s.sent) return [this.t('w.sent')];
    if (s.csr || (s.key && s.checked != null)) return [this.t('w.retry'), 1];
    if (s.key) return [this.t('w.bk')];
    if (this.e.onTok.checked) return [this.t('w.tok'), 1];
    const p = this.pair.state();
    return p.ok ? [this.t('w.file'), 1] : [p.why];
  }

  upd() {
    if (!this.e) return;
    this.e.gen.disabled = this.bz || !this.why()[1];
    this.x(this.e.why, () => this.why()[0]);
  }

  async paste() {
    const E = this.e;
    let v = '';
    try {
      v = (await navigator.clipboard.readText()).trim();
    } catch {
      // no clipboard: the given token, else the holder pastes by hand
    }
    const k = v ? 'pasted' : this.getAttribute('token') ? 'given' : 'manual';
    v ||= this.getAttribute('token');
    if (v) E.tok.value = v;
    else E.tok.focus();
    this.x(E.note, k);
  }

  /** "(2) Lanjutkan >>": the token checked, the data shown, the choices offered. */
  async go() {
    const E = this.e;
    const tok = E.tok.value.trim();
    this.at = 'check';
    if (!tok) throw (E.tok.focus(), fault('kit.token_missing'));
    if (tok.length > 512 || /[\s\x00-\x1f\x7f]/.test(tok)) throw (E.tok.focus(), fault('kit.token_malformed'));
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
    if (!c || !c.subject) throw fault('kit.check_failed', 'no subject');
    this.prog(null);
    if (tok !== this.s.token) this.s = { token: tok };
    this.s.check = c;
    const given = c.allowed_keys && c.allowed_keys.length ? c.allowed_keys : null;
    const attr = (this.getAttribute('algorithms') || '').split(/\s+/).filter((a) => ALG[a]);
    let list = given ? given.filter((a) => !attr.length || attr.includes(a)) : attr.length ? attr : ['rsa2048'];
    if (!list.length) list = given;
    E.alg.replaceChildren(...list.map((a) => h('option', { value: a, text: ALG[a] || a })));
    E.alg.value = list.includes('rsa2048') ? 'rsa2048' : list[0];
    this.x(E.dl, E.dl._t);
    E.det.hidden = false;
    E.dh.focus();
    kunci().then((k) => k.warmUpStrength()).catch(() => {});
    if (!this.hasAttribute('no-token')) {
      this.x(E.ext, 'ext.wait');
      this.ext = await detectExtension();
      if (!this.ext.present) E.onFile.checked = true;
      this.x(E.ext, this.ext.present ? 'ext.yes' : 'ext.no');
    }
    this.where();
  }

  /** File or token: the token takes no password here and only the algorithms kunci-host makes. */
  where() {
    const E = this.e;
    const t = E.onTok.checked;
    this.pair.node.hidden = t;
    for (const o of E.alg.options) o.disabled = t && !ON_TOKEN.includes(o.value);
    if (t && !ON_TOKEN.includes(E.alg.value)) E.alg.value = (([...E.alg.options].find((o) => !o.disabled)) || {}).value;
    this.upd();
  }

  /**
   * "(3)": makes what is missing, in order: the key (stored, backup offered: then the holder's
   * proof resumes here), the CSR, the submission. Never a second key for the same token.
   */
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
        Object.assign(s, { csr: m.csrPem, onToken: true, keyId: m.keyId, sha: m.publicKeySha256, tok: m.token ? { serial: m.token.serial, label: m.token.label } : null });
      } else {
        let pw = this.pair.value;
        const k = await kunci();
        this.prog('generate', 'p.gen', { a: ALG[s.alg] });
        const key = (s.key = await k.KeyPair.generate(s.alg));
        s.sha = key.publicKeySha256;
        this.prog('encrypt', 'p.enc');
        const pem = await key.exportEncrypted(pw);
        pw = null;
        this.prog('store', 'p.store');
        try {
          await saveKey({ requestId: s.rid ?? `key:${s.sha}`, publicKeySha256: s.sha, encryptedPem: pem, createdAt: Math.floor(Date.now() / 1000), subject: c.subject });
          s.kept = true;
        } catch {
          s.kept = false;
        }
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
      s.key.free().catch(() => {});
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
    this.x(E.doneP, s.onToken ? () => this.t('done.tok', { t: (s.tok && (s.tok.label || s.tok.serial)) || '', id: s.keyId }) : '');
    E.done.hidden = false;
    E.doneH.focus();
    this.emit('kunci-done', { ...d, answer, publicKeySha256: s.sha, keyId: s.keyId, token: s.tok });
  }

  /** The backup proof: the chosen file opened with the typed password holds this key. */
  async prove() {
    const E = this.e;
    const f = E.file.files[0];
    this.at = 'backup';
    if (!f || !E.bpw.value) throw fault('kit.backup_missing');
    this.prog('backup', 'p.proof');
    const k = await (await kunci()).KeyPair.importEncrypted(await f.text(), E.bpw.value);
    const same = k.publicKeySha256 === this.s.sha;
    k.free().catch(() => {});
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

  /** Left the page mid-work: the key is stored, nothing is sent, the password is dropped. */
  removed() {
    const { s } = this;
    this.pair.clear();
    if (s.key) s.key.free().catch(() => {});
    s.key = null;
    this.prog(null);
    this.fail(this.e.err, fault('element.removed'), this.at);
  }
}

define('kunci-client-kit', KunciClientKit);
