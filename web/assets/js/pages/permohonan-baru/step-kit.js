/**
 * Wizard step c, the client kit: "(1) Paste >>", "(2) Lanjutkan >>" (POST /api/csr/check), the
 * key algorithm, where the key lives (a USB token needs the extension; its PIN is asked in the
 * extension's window), the password with the live strength meter, and "(3) BANGKITKAN DAN KIRIM
 * CSR": the key made in the kunci worker (or on the token), exported encrypted, kept in
 * IndexedDB, backup offered, the CSR signed and sent (POST /api/csr), then "CSR telah diterima
 * server" → "OK". The private key never leaves the worker unencrypted and is never sent.
 */
import { addStrings, t, statusLabel, getLang } from '../../i18n.js';
import { get, post } from '../../api.js';
import { $, h, showError, showStatus, focusHeading, setDownload } from '../../dom.js';
import { kunci } from '../../kunci.js';
import { saveKey } from '../../keystore.js';
import { detectToken, generateCsrOnToken, rememberTokenKey, TOKEN_ALGORITHMS } from '../../tokenpath.js';
import { state, show, ALG_LABEL } from './wizard.js';
import { renderCheck } from './step-check.js';

addStrings({
  'new.kit.h': ['Client kit: kunci dan CSR', 'Client kit: key and CSR'],
  'new.kit.intro': ['Bagian ini menggantikan aplikasi LOCK: pasangan kunci dibuat di peramban Anda dan kunci privat tidak pernah dikirim ke server.',
                    'This part replaces the LOCK program: the key pair is made in your browser and the private key is never sent to the server.'],
  'new.kit.resume': ['Tempel token CSR yang Anda salin saat membuat permohonan ini. Jika token hilang atau kedaluwarsa, tekan "Token hilang? Buat token baru" di bawah.',
                     'Paste the CSR token you copied when you made this request. If the token is lost or has expired, press "Token hilang? Buat token baru" (lost the token? make a new one) below.'],
  'new.kit.handed': ['Token CSR permohonan pengganti sudah diisikan. Tekan "(2) Lanjutkan >>".', 'The replacement request\'s CSR token is filled in. Press "(2) Lanjutkan >>".'],
  'new.kit.token': ['Tempel token CSR di sini', 'Paste the CSR token here'],
  'new.kit.paste': ['(1) Paste >>', '(1) Paste >>'],
  'new.kit.pasted': ['Token ditempel dari papan klip.', 'Token pasted from the clipboard.'],
  'new.kit.pasted.page': ['Papan klip tidak dapat dibaca; token dari langkah sebelumnya dimasukkan.', 'The clipboard cannot be read; the token from the previous step was filled in.'],
  'new.kit.paste.manual': ['Papan klip tidak dapat dibaca. Tempel token ke kolom dengan Ctrl+V (⌘+V).', 'The clipboard cannot be read. Paste the token into the field with Ctrl+V (⌘+V).'],
  'new.kit.check': ['(2) Lanjutkan >>', '(2) Lanjutkan >>'],
  'new.kit.token.missing': ['Masukkan token CSR terlebih dahulu.', 'Enter the CSR token first.'],
  'new.kit.holder': ['Data untuk sertifikat', 'Data for the certificate'],
  'new.kit.f.request': ['Permohonan', 'Request'],
  'new.kit.f.product': ['Produk', 'Product'],
  'new.kit.f.subject': ['Subjek (Subject DN)', 'Subject DN'],
  'new.kit.f.email': ['E-mail', 'E-mail'],
  'new.kit.alg': ['Algoritme kunci', 'Key algorithm'],
  'new.kit.where': ['Simpan pasangan kunci pada token USB?', 'Keep the key pair on a USB token?'],
  'new.kit.where.token': ['Ya — pada token USB (perangkat keras)', 'Ya (yes) — on a USB token (hardware)'],
  'new.kit.where.file': ['Tidak — di peramban (berkas terenkripsi)', 'Tidak (no) — in the browser (encrypted file)'],
  'new.kit.ext.checking': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
  'new.kit.ext.absent': ['Ekstensi peramban kunci belum terpasang, jadi pilihan token USB belum tersedia. Pilih "Tidak": kunci disimpan terenkripsi di peramban ini.',
                         'The kunci browser extension is not installed, so the USB token choice is not available yet. Choose "Tidak" (no): the key is kept encrypted in this browser.'],
  'new.kit.ext.present': ['Ekstensi peramban kunci terpasang: pilih "Ya" untuk membangkitkan kunci di token USB. PIN token diminta di jendela ekstensi, tidak pernah di halaman ini.',
                          'The kunci browser extension is installed: choose "Ya" (yes) to generate the key on your USB token. The token PIN is asked in the extension\'s window, never on this page.'],
  'new.kit.password': ['Kata sandi kunci', 'Key password'],
  'new.kit.password2': ['Ulangi kata sandi', 'Repeat the password'],
  'new.kit.strength': ['Kekuatan kata sandi', 'Password strength'],
  'new.kit.strength.ok': ['{p} % — cukup kuat, diterima', '{p} % — strong enough, accepted'],
  'new.kit.strength.bad': ['{p} % — terlalu lemah (harus lebih dari 50 %)', '{p} % — too weak (must be over 50 %)'],
  'new.kit.strength.wait': ['Menilai kata sandi…', 'Judging the password…'],
  'new.kit.strength.about': ['Persentase menunjukkan berapa lama penyerang yang mencoba tebakan secara otomatis memerlukan waktu untuk menemukan kata sandi ini: 50 % berarti kira-kira 10 miliar tebakan, 100 % berarti 100 juta triliun tebakan atau lebih. Nama, e-mail, NIK, instansi Anda (juga singkatannya, seperti Kominfo, Pemkab, BSSN), tahun, dan kata umum bahasa Indonesia mudah ditebak.',
                             'The percentage shows how long an attacker guessing automatically would need to find this password: 50 % means about 10 billion guesses, 100 % means 100 quintillion guesses or more. Your name, e-mail, NIK, organisation (also its abbreviation, such as Kominfo, Pemkab, BSSN), years and common Indonesian words are easy to guess.'],
  'new.kit.why.token': ['Siap: kunci dibangkitkan di token USB dan CSR ditandatangani di sana. Masukkan PIN token di jendela ekstensi kunci.', 'Ready: the key is generated on the USB token and the CSR signed there. Enter the token PIN in the kunci extension\'s window.'],
  'new.kit.p.token': ['Membangkitkan kunci di token USB… masukkan PIN di jendela ekstensi kunci.', 'Generating the key on the USB token… enter the PIN in the kunci extension\'s window.'],
  'new.kit.token.done': ['Kunci dibuat di token {token} (ID kunci {id}); kunci privat tidak pernah meninggalkan token.', 'The key was made on token {token} (key ID {id}); the private key never leaves the token.'],
  'new.kit.why.empty': ['Tombol aktif setelah Anda mengisi kata sandi yang lebih dari 50 % dan mengulanginya dengan sama.',
                        'The button becomes active once you enter a password over 50 % and repeat it exactly.'],
  'new.kit.why.weak': ['Kata sandi belum diterima: kekuatannya {p} %, harus lebih dari 50 %.', 'The password is not accepted yet: its strength is {p} %, it must be over 50 %.'],
  'new.kit.why.mismatch': ['Kedua kata sandi belum sama.', 'The two passwords do not match yet.'],
  'new.kit.why.ready': ['Siap: kunci akan dibangkitkan di peramban, dienkripsi dengan kata sandi ini, lalu CSR dikirim. Ini hanya dapat dilakukan satu kali per token.',
                        'Ready: the key will be generated in the browser, encrypted with this password, then the CSR is sent. This can be done only once per token.'],
  'new.kit.why.sent': ['CSR sudah dikirim untuk token ini (hanya satu kali per token).', 'The CSR was already sent for this token (once per token only).'],
  'new.kit.generate': ['(3) BANGKITKAN DAN KIRIM CSR', '(3) BANGKITKAN DAN KIRIM CSR'],
  'new.kit.p.generate': ['Membangkitkan pasangan kunci {alg} di peramban… (dapat memerlukan beberapa detik)', 'Generating the {alg} key pair in the browser… (this can take a few seconds)'],
  'new.kit.p.encrypt': ['Mengenkripsi kunci privat dengan kata sandi Anda…', 'Encrypting the private key with your password…'],
  'new.kit.p.store': ['Menyimpan kunci terenkripsi di peramban ini…', 'Keeping the encrypted key in this browser…'],
  'new.kit.p.csr': ['Membuat dan menandatangani CSR…', 'Making and signing the CSR…'],
  'new.kit.p.send': ['Mengirim CSR ke server…', 'Sending the CSR to the server…'],
  'new.kit.p.done': ['Selesai.', 'Done.'],
  'new.kit.idb.failed': ['Kunci tidak dapat disimpan di peramban ini. Simpan berkas cadangan kunci sekarang: itu satu-satunya salinan kunci Anda.',
                         'The key could not be kept in this browser. Save the key backup file now: it is the only copy of your key.'],
  'new.kit.backup.text': ['Kunci privat Anda sudah dienkripsi dengan kata sandi dan disimpan di peramban ini. Simpan juga berkas cadangannya: tanpa kunci ini sertifikat baru tidak dapat dipakai.',
                          'Your private key is encrypted with your password and kept in this browser. Save its backup file too: without this key the new certificate cannot be used.'],
  'new.kit.backup.button': ['Simpan cadangan kunci', 'Save key backup'],
  'new.kit.proof.h': ['Buktikan cadangan dapat dibuka', 'Prove the backup opens'],
  'new.kit.proof.intro': ['Pilih berkas cadangan yang baru Anda simpan dan ketik kata sandinya. Halaman ini membukanya di peramban (tidak ada yang dikirim ke server) dan memeriksa bahwa isinya kunci CSR ini.',
                          'Choose the backup file you have just saved and type its password. This page opens it in the browser (nothing is sent to the server) and checks that it holds this CSR\'s key.'],
  'new.kit.proof.file': ['Berkas cadangan kunci (kunci-key-….pem)', 'Key backup file (kunci-key-….pem)'],
  'new.kit.proof.password': ['Kata sandi berkas cadangan', 'The backup file\'s password'],
  'new.kit.proof.check': ['Periksa cadangan', 'Check the backup'],
  'new.kit.proof.skip': ['Lewati pemeriksaan', 'Skip the check'],
  'new.kit.proof.skip.hint': ['Melewati pemeriksaan dicatat dalam riwayat permohonan.', 'Skipping the check is recorded in the request\'s history.'],
  'new.kit.proof.need': ['Pilih berkas cadangan dan ketik kata sandinya.', 'Choose the backup file and type its password.'],
  'new.kit.proof.working': ['Membuka berkas cadangan dengan kata sandi…', 'Opening the backup file with the password…'],
  'new.kit.proof.mismatch': ['Berkas ini berisi kunci lain, bukan kunci CSR ini. Pilih berkas kunci-key-{id}.pem yang baru disimpan.',
                             'This file holds another key, not this CSR\'s key. Choose the kunci-key-{id}.pem file you have just saved.'],
  'new.kit.proof.ok': ['Cadangan terbukti: berkas terbuka dengan kata sandi Anda dan berisi kunci CSR ini. Simpan berkas itu di tempat aman.',
                       'Backup proven: the file opens with your password and holds this CSR\'s key. Keep that file somewhere safe.'],
  'new.kit.proof.skipped': ['Pemeriksaan cadangan dilewati (dicatat). Tanpa cadangan, kunci hilang bila data peramban ini terhapus.',
                            'Backup check skipped (recorded). Without a backup, the key is lost if this browser\'s data is cleared.'],
  'new.kit.proof.first': ['Sebelum melanjutkan: simpan cadangan kunci dan buktikan berkasnya dapat dibuka, atau lewati pemeriksaan.',
                          'Before going on: save the key backup and prove its file opens, or skip the check.'],
  'new.kit.sent': ['CSR telah diterima server', 'CSR telah diterima server (the server accepted the CSR)'],
  'new.kit.sent.detail': ['Permohonan #{id} sekarang berstatus "{status}". Tekan OK, lalu "Check".', 'Request #{id} now has the status "{status}". Press OK, then "Check".'],
});

/** OK leaves the key step only once the backup is proven or its check skipped. */
export function renderBackupGate() {
  $('csr-ok').disabled = !!state.backupPending;
  $('csr-ok-why').textContent = state.backupPending ? t('new.kit.proof.first') : '';
}

/** Puts the proof (or the skip) on the record; the key and its password stay here. */
async function recordBackup(checked) {
  try {
    await post(`/api/requests/${state.request.id}/key-backup`, { checked });
  } catch (e) {
    // Already on the record (a second click, or a reload): nothing more to record.
    if (e.code !== 'store.conflict') throw e;
  }
  state.backupPending = false;
  renderBackupGate();
  $('csr-ok').focus();
}

export function renderPaste() {
  showStatus('paste-status', state.pasteMessage ? t(state.pasteMessage) : '');
}

export function extensionText() {
  if (!state.extension) return t('new.kit.ext.checking');
  return t(state.extension.present ? 'new.kit.ext.present' : 'new.kit.ext.absent');
}

export function renderHolder() {
  const c = state.check;
  if (!c) return;
  const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
  $('holder-data').replaceChildren(
    ...row('new.kit.f.request', `#${c.request_id}`),
    ...row('new.kit.f.product', c.product || t('none')),
    ...row('new.kit.f.subject', h('code', {}, c.subject)),
    ...row('new.kit.f.email', c.email || t('none')),
  );
}

function fillAlgorithms() {
  const allowed = (state.check.allowed_keys && state.check.allowed_keys.length) ? state.check.allowed_keys : ['rsa2048'];
  $('key-alg').replaceChildren(...allowed.map((a) => h('option', { value: a }, ALG_LABEL[a] || a)));
  $('key-alg').value = allowed.includes('rsa2048') ? 'rsa2048' : allowed[0];
}

let judgeTimer = null;

export async function judge() {
  const pw = $('key-password').value;
  const seq = ++state.strengthSeq;
  if (!pw) {
    state.strength = null;
    renderStrength();
    updateGenerate();
    return;
  }
  $('strength-summary').textContent = t('new.kit.strength.wait');
  const id = state.identity || {};
  const inputs = {
    name: id.common_name || state.me.name || undefined,
    email: id.email || (state.check && state.check.email) || state.me.email || undefined,
    organization: id.organization || undefined,
    nik: id.nik || undefined,
    // The login is the holder's own too; organisation abbreviations and years are in the
    // strength module's own list (kunci-core strength/organizations.rs).
    other: state.me.login ? [state.me.login] : [],
  };
  try {
    const result = await (await kunci()).passwordStrength(pw, inputs, getLang());
    if (seq !== state.strengthSeq) return; // a newer keystroke is being judged
    state.strength = { password: pw, result };
  } catch (e) {
    if (seq !== state.strengthSeq) return;
    state.strength = null;
    showError('kit-error', e);
  }
  renderStrength();
  updateGenerate();
}

function renderStrength() {
  const s = state.strength && state.strength.result;
  const meter = $('strength-meter');
  const summary = $('strength-summary');
  if (!s) {
    meter.value = 0;
    meter.textContent = '0 %';
    summary.textContent = '';
    summary.className = 'strength-text';
    $('strength-warning').textContent = '';
    $('strength-suggestions').replaceChildren();
    $('strength-explain').textContent = t('new.kit.strength.about');
    return;
  }
  const p = Math.round(s.percent);
  meter.value = s.percent;
  meter.textContent = `${p} %`;
  summary.textContent = t(s.accepted ? 'new.kit.strength.ok' : 'new.kit.strength.bad', { p });
  summary.className = `strength-text ${s.accepted ? 'ok' : 'bad'}`;
  $('strength-warning').textContent = s.warning ? s.warning.text : '';
  $('strength-suggestions').replaceChildren(...(s.suggestions || []).map((x) => h('li', {}, x.text)));
  $('strength-explain').textContent = `${s.explanation || ''} ${t('new.kit.strength.about')}`.trim();
}

export function updateGenerate() {
  const pw = $('key-password').value;
  const pw2 = $('key-password2').value;
  const s = state.strength && state.strength.password === pw ? state.strength.result : null;
  let why;
  let ok = false;
  if (state.sent) why = t('new.kit.why.sent');
  else if ($('store-token').checked) {
    why = t('new.kit.why.token');
    ok = true;
  } else if (!pw) why = t('new.kit.why.empty');
  else if (!s) why = t('new.kit.strength.wait');
  else if (!s.accepted) why = t('new.kit.why.weak', { p: Math.round(s.percent) });
  else if (pw !== pw2) why = t('new.kit.why.mismatch');
  else {
    why = t('new.kit.why.ready');
    ok = true;
  }
  $('generate-why').textContent = why;
  $('generate').disabled = !ok || state.busy;
  if (!$('strength-explain').textContent) $('strength-explain').textContent = t('new.kit.strength.about');
}

function progress(key, params) {
  const box = $('gen-progress');
  if (!key) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t(key, params)));
}

function setKitInputsDisabled(disabled) {
  for (const id of ['kit-token', 'paste-token', 'kit-check', 'key-alg', 'store-file', 'key-password', 'key-password2']) $(id).disabled = disabled;
  if (!disabled) $('store-token').disabled = !(state.extension && state.extension.present);
  else $('store-token').disabled = true;
}

/** Wires this step's controls (once, after the first section is shown). */
export function wireKit() {
  $('paste-token').addEventListener('click', async () => {
    let text = '';
    try {
      text = (await navigator.clipboard.readText()).trim();
    } catch {
      text = '';
    }
    if (text) {
      $('kit-token').value = text;
      state.pasteMessage = 'new.kit.pasted';
    } else if (state.token) {
      $('kit-token').value = state.token;
      state.pasteMessage = 'new.kit.pasted.page';
    } else {
      state.pasteMessage = 'new.kit.paste.manual';
      $('kit-token').focus();
    }
    renderPaste();
  });

  $('kit-check').addEventListener('click', async () => {
    showError('error', null);
    const token = $('kit-token').value.trim();
    if (!token) {
      showError('error', t('new.kit.token.missing'));
      $('kit-token').focus();
      return;
    }
    const button = $('kit-check');
    button.disabled = true;
    try {
      state.check = await post('/api/csr/check', { token });
      state.token = token;
      state.sent = false;
      state.csrPem = null;
      if (!state.request || state.request.id !== state.check.request_id) {
        state.request = await get(`/api/requests/${state.check.request_id}`);
      }
      renderHolder();
      fillAlgorithms();
      $('kit-details').hidden = false;
      $('backup-part').hidden = true;
      $('backup-proof').hidden = true;
      state.keySha256 = null;
      state.backupPending = false;
      $('csr-sent').hidden = true;
      focusHeading('h-holder');
      $('extension-status').textContent = t('new.kit.ext.checking');
      state.extension = await detectToken();
      $('store-token').disabled = !state.extension.present;
      if (!state.extension.present) $('store-file').checked = true;
      $('extension-status').textContent = extensionText();
      updateGenerate();
      kunci().then((k) => k.warmUpStrength()).catch(() => {});
    } catch (e) {
      showError('error', e);
    } finally {
      button.disabled = false;
    }
  });

  for (const radio of [$('store-token'), $('store-file')]) {
    radio.addEventListener('change', () => {
      const onToken = $('store-token').checked;
      // The token's PIN guards its key: no password here, and only what kunci-host generates.
      $('password-part').hidden = onToken;
      for (const option of $('key-alg').options) option.disabled = onToken && !TOKEN_ALGORITHMS.includes(option.value);
      if (onToken && !TOKEN_ALGORITHMS.includes($('key-alg').value)) {
        const first = [...$('key-alg').options].find((o) => !o.disabled);
        if (first) $('key-alg').value = first.value;
      }
      updateGenerate();
    });
  }

  $('key-password').addEventListener('input', () => {
    clearTimeout(judgeTimer);
    judgeTimer = setTimeout(judge, 120);
    updateGenerate();
  });

  $('key-password2').addEventListener('input', updateGenerate);

  $('generate').addEventListener('click', async () => {
    if (state.busy || state.sent) return;
    const password = $('key-password').value;
    const check = state.check;
    const requestId = check.request_id;
    const alg = $('key-alg').value;
    showError('kit-error', null);
    state.busy = true;
    updateGenerate();
    setKitInputsDisabled(true);
    let key = null;
    try {
      if (!state.csrPem && $('store-token').checked) {
        progress('new.kit.p.token');
        const made = await generateCsrOnToken({
          algorithm: alg,
          subject: check.subject,
          email: check.email || undefined,
          challengePassword: state.token,
          label: `kunci-${requestId}`,
        });
        rememberTokenKey(requestId, {
          keyId: made.keyId,
          token: made.token ? { serial: made.token.serial, label: made.token.label } : null,
          publicKeySha256: made.publicKeySha256,
        });
        $('gen-progress').textContent = t('new.kit.token.done', {
          token: (made.token && (made.token.label || made.token.serial)) || '',
          id: made.keyId,
        });
        state.csrPem = made.csrPem;
      }
      const k = state.csrPem ? null : await kunci();
      if (!state.csrPem) {
        progress('new.kit.p.generate', { alg: ALG_LABEL[alg] || alg });
        key = await k.KeyPair.generate(alg);
        state.keySha256 = key.publicKeySha256;
        progress('new.kit.p.encrypt');
        const encryptedPem = await key.exportEncrypted(password);
        progress('new.kit.p.store');
        setDownload($('backup-link'), encryptedPem, `kunci-key-${requestId}.pem`, 'application/x-pem-file');
        $('backup-part').hidden = false;
        try {
          await saveKey({
            requestId,
            publicKeySha256: key.publicKeySha256,
            encryptedPem,
            createdAt: Math.floor(Date.now() / 1000),
            subject: check.subject,
          });
        } catch {
          showError('kit-error', t('new.kit.idb.failed'));
        }
        progress('new.kit.p.csr');
        const csr = await k.createCsr(key, { subject: check.subject, email: check.email || undefined, challengePassword: state.token });
        state.csrPem = csr.pem;
      }
      progress('new.kit.p.send');
      const r = await post('/api/csr', { token: state.token, csr: state.csrPem });
      state.request = r;
      state.sent = true;
      progress(null);
      $('gen-progress').textContent = t('new.kit.p.done');
      $('csr-sent-detail').textContent = t('new.kit.sent.detail', { id: r.id, status: statusLabel(r) });
      $('csr-sent').hidden = false;
      // A key made here (not on a token): the backup is proven, or skipped on the record,
      // before the holder leaves the key step.
      state.backupPending = !!state.keySha256;
      renderBackupGate();
      if (state.backupPending) {
        $('backup-proof').hidden = false;
        focusHeading('h-backup-proof');
      } else {
        $('csr-ok').focus();
      }
    } catch (e) {
      progress(null);
      if (e.code === 'token.used') state.sent = true;
      showError('kit-error', e);
    } finally {
      if (key) key.free().catch(() => {});
      state.busy = false;
      setKitInputsDisabled(false);
      updateGenerate();
    }
  });

  $('backup-check').addEventListener('click', async () => {
    showError('backup-error', null);
    const file = $('backup-file').files[0];
    const password = $('backup-password').value;
    if (!file || !password) {
      showError('backup-error', t('new.kit.proof.need'));
      (file ? $('backup-password') : $('backup-file')).focus();
      return;
    }
    const button = $('backup-check');
    button.disabled = true;
    showStatus('backup-status', t('new.kit.proof.working'));
    let opened = null;
    try {
      opened = await (await kunci()).KeyPair.importEncrypted(await file.text(), password);
      if (opened.publicKeySha256 !== state.keySha256) {
        showStatus('backup-status', '');
        showError('backup-error', t('new.kit.proof.mismatch', { id: state.request.id }));
        return;
      }
      await recordBackup(true);
      $('backup-password').value = '';
      showStatus('backup-status', t('new.kit.proof.ok'), true);
    } catch (e) {
      showStatus('backup-status', '');
      showError('backup-error', e);
    } finally {
      if (opened) opened.free().catch(() => {});
      button.disabled = false;
    }
  });

  $('backup-skip').addEventListener('click', async () => {
    showError('backup-error', null);
    try {
      await recordBackup(false);
      showStatus('backup-status', t('new.kit.proof.skipped'));
    } catch (e) {
      showError('backup-error', e);
    }
  });

  $('csr-ok').addEventListener('click', () => {
    state.checkResult = null;
    renderCheck();
    show('check');
  });
}
