/**
 * SIMPEG's own page script (the foreign host example): its language switch (id/en, which
 * also sets kunci's elements' `lang`), and on the renewal page its steps around the two
 * elements: the certificate list, starting the renewal (the CSR token handed to
 * <kunci-client-kit>), the letter and the agreement, the status, then <kunci-p12-maker>.
 * It talks only to SIMPEG's own server (/renew/…), never to kunci-ams.
 */

const TEXTS = {
  agency: ['Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kabupaten Sukamaju', 'Civil Service and Human Resources Agency, Sukamaju Regency'],
  foot: ['© Pemerintah Kabupaten Sukamaju. Contoh portal yang bukan milik kunci.', '© Sukamaju Regency Government. An example portal that is not kunci\'s.'],
  skip: ['Langsung ke isi', 'Skip to content'],
  who: ['Pegawai:', 'Employee:'],
  logout: ['Keluar', 'Log out'],
  'login.title': ['Masuk ke SIMPEG', 'Log in to SIMPEG'],
  'login.intro': ['Sistem Informasi Manajemen Kepegawaian: data pegawai, cuti, dan sertifikat elektronik untuk tanda tangan dinas.', 'The staff management information system: staff records, leave, and electronic certificates for official signatures.'],
  'login.nip': ['NIP atau nama pengguna', 'Staff number or user name'],
  'login.password': ['Kata sandi', 'Password'],
  'login.submit': ['Masuk', 'Log in'],
  'steps.label': ['Langkah perpanjangan', 'Renewal steps'],
  'steps.certs': ['Sertifikat', 'Certificate'],
  'steps.key': ['Kunci', 'Key'],
  'steps.letter': ['Surat & persetujuan', 'Letter & agreement'],
  'steps.status': ['Status', 'Status'],
  'steps.download': ['Unduh', 'Download'],
  'certs.title': ['Perpanjang sertifikat', 'Renew a certificate'],
  'certs.intro': ['Sertifikat elektronik Anda untuk tanda tangan dinas. Perpanjang sebelum masa berlakunya habis: sertifikat lama tetap berlaku sampai yang baru terbit.', 'Your electronic certificates for official signatures. Renew before one ends: the old certificate stays valid until the new one is issued.'],
  'certs.caption': ['Sertifikat elektronik Anda', 'Your electronic certificates'],
  'certs.serial': ['Nomor seri', 'Serial number'],
  'certs.product': ['Jenis', 'Kind'],
  'certs.until': ['Berlaku sampai', 'Valid until'],
  'certs.status': ['Status', 'Status'],
  'certs.action': ['Tindakan', 'Action'],
  'certs.good': ['Berlaku', 'Valid'],
  'certs.revoked': ['Dicabut', 'Revoked'],
  'certs.superseded': ['Digantikan', 'Superseded'],
  'certs.renew': ['Perpanjang', 'Renew'],
  'certs.continue': ['Lanjutkan perpanjangan', 'Continue the renewal'],
  'certs.none': ['Belum ada sertifikat.', 'No certificate yet.'],
  'certs.starting': ['Memulai perpanjangan…', 'Starting the renewal…'],
  'key.title': ['Buat kunci baru', 'Make a new key'],
  'key.next': ['Lanjut ke surat rekomendasi', 'Go on to the recommendation letter'],
  'key.intro': ['Kunci privat dibuat di peramban ini dan tidak pernah dikirim. Simpan berkas cadangannya di tempat aman.', 'The private key is made in this browser and never sent. Keep its backup file somewhere safe.'],
  'letter.title': ['Surat rekomendasi dan persetujuan', 'Recommendation letter and agreement'],
  'letter.file': ['Surat rekomendasi atasan (PDF)', 'Your superior\'s recommendation letter (PDF)'],
  'letter.sending': ['Mengunggah…', 'Uploading…'],
  'letter.sent': ['Terunggah: {name}', 'Uploaded: {name}'],
  'letter.agree': ['Saya menyetujui ketentuan penggunaan sertifikat elektronik', 'I agree to the terms of use of electronic certificates'],
  'letter.submit': ['Kirim permohonan', 'Send the request'],
  'terms.title': ['Ketentuan penggunaan', 'Terms of use'],
  'terms.text': ['Sertifikat elektronik dipakai hanya untuk dokumen dinas atas nama Anda sendiri. Kunci privat dan kata sandinya tidak boleh diberikan kepada siapa pun. Jika kunci hilang atau diketahui orang lain, Anda wajib segera melaporkannya.', 'The electronic certificate is used only for official documents in your own name. Never give the private key or its password to anyone. If the key is lost or known to someone else, report it at once.'],
  'status.title': ['Status permohonan', 'Request status'],
  'status.check': ['Periksa status', 'Check the status'],
  'status.next': ['Lanjut ke unduhan', 'Go to the download'],
  'status.waiting': ['Permohonan #{id} menunggu persetujuan petugas.', 'Request #{id} is waiting for the operator\'s approval.'],
  'status.issued': ['Sertifikat baru sudah terbit. Sertifikat lama kini digantikan.', 'The new certificate is issued. The old one is now superseded.'],
  'status.rejected': ['Permohonan #{id} ditolak. Hubungi petugas.', 'Request #{id} was rejected. Contact the operator.'],
  'status.other': ['Permohonan #{id}: {status}', 'Request #{id}: {status}'],
  'download.title': ['Unduh sertifikat baru', 'Download the new certificate'],
  'download.intro': ['Gabungkan sertifikat baru dengan kunci yang tersimpan di peramban ini, lalu simpan berkas .p12 untuk aplikasi tanda tangan.', 'Join the new certificate with the key kept in this browser, then save the .p12 file for your signing application.'],
  'download.back': ['Kembali ke daftar sertifikat', 'Back to the certificate list'],
  'download.done': ['Selesai: sertifikat {serial} siap dipakai.', 'Done: certificate {serial} is ready to use.'],
  'error.session': ['Sesi berakhir. Silakan masuk lagi.', 'Your session ended. Please log in again.'],
  'error.generic': ['Gagal: {message}', 'Failed: {message}'],
};

const LANG_KEY = 'simpeg-lang';
let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'id';

function t(key, params = {}) {
  let text = TEXTS[key] ? TEXTS[key][lang === 'en' ? 1 : 0] : key;
  for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

const $ = (id) => document.getElementById(id);

/** Every text of the page in `lang`; kunci's elements follow through their `lang` attribute. */
function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
  for (const b of document.querySelectorAll('.langs button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  for (const el of document.querySelectorAll('kunci-client-kit, kunci-p12-maker')) el.setAttribute('lang', lang);
  document.title = `${t(document.body.classList.contains('login') ? 'login.title' : 'certs.title')} — SIMPEG`;
  rerender();
}

let rerender = () => {};

for (const b of document.querySelectorAll('.langs button')) {
  b.addEventListener('click', () => {
    lang = b.dataset.lang;
    localStorage.setItem(LANG_KEY, lang);
    applyLanguage();
  });
}

/** SIMPEG's own API: JSON, its errors thrown as `{code, message}`; a lost session goes to login. */
async function api(path, { body, raw, headers = {} } = {}) {
  const init = { credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (raw) Object.assign(init, { method: 'POST', body: raw });
  else if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body), headers: { ...init.headers, 'Content-Type': 'application/json' } });
  const res = await fetch(path, init);
  const answer = await res.json().catch(() => ({}));
  if (res.status === 401) {
    location.assign('/');
    throw Object.assign(new Error(t('error.session')), { code: 'auth.required' });
  }
  if (!res.ok) throw Object.assign(new Error(answer.error?.message || `HTTP ${res.status}`), { code: answer.error?.code || `http.${res.status}` });
  return answer;
}

const STEPS = ['certs', 'key', 'letter', 'status', 'download'];

/** Shows one step, marks it in the step list and moves the focus to its heading. */
function show(step, focus = true) {
  for (const s of STEPS) $(`step-${s}`).hidden = s !== step;
  for (const li of document.querySelectorAll('#steps li')) {
    if (li.dataset.step === step) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  if (focus) $(`step-${step}`).querySelector('h1, h2').focus();
}

/** The step that belongs to a renewal's stage (SIMPEG's server's /renew/status). */
function stepOf(stage) {
  return { key: 'key', document: 'letter', agreement: 'letter', waiting: 'status', issued: 'status' }[stage] || 'certs';
}

async function renewalPage() {
  const kit = $('kit');
  let certificates = [];
  let status = null;
  let setUploaded = () => {};

  const renderCertificates = () => {
    const rows = certificates.map((c) => {
      const tr = document.createElement('tr');
      const cells = [
        Object.assign(document.createElement('td'), { className: 'serial', textContent: c.serial }),
        Object.assign(document.createElement('td'), { textContent: c.product }),
        Object.assign(document.createElement('td'), { textContent: new Date(c.notAfter * 1000).toLocaleDateString(lang === 'en' ? 'en-GB' : 'id-ID', { day: 'numeric', month: 'long', year: 'numeric' }) }),
        Object.assign(document.createElement('td'), {
          className: c.status,
          textContent: c.status === 'good' ? t('certs.good') : t(c.reason === 'superseded' ? 'certs.superseded' : 'certs.revoked'),
        }),
      ];
      const act = document.createElement('td');
      if (c.status === 'good') {
        const b = Object.assign(document.createElement('button'), { type: 'button', id: `renew-${c.id}`, textContent: t(c.renewing ? 'certs.continue' : 'certs.renew') });
        b.setAttribute('aria-label', `${b.textContent} ${c.serial}`);
        b.addEventListener('click', () => start(c.id));
        act.append(b);
      }
      tr.append(...cells, act);
      return tr;
    });
    if (rows.length === 0) {
      const td = Object.assign(document.createElement('td'), { colSpan: 5, textContent: t('certs.none') });
      rows.push(document.createElement('tr'));
      rows[0].append(td);
    }
    $('cert-rows').replaceChildren(...rows);
  };

  const renderStatus = () => {
    if (!status || !status.request) return;
    const { id, status: st, statusLabel } = status.request;
    const key = { waiting: 'status.waiting', issued: 'status.issued', rejected: 'status.rejected' }[status.stage] || 'status.other';
    $('status-text').textContent = t(key, { id, status: statusLabel || st });
    $('status-next').hidden = status.stage !== 'issued';
  };

  let issued = null; // the serial the p12 maker made the files for
  const renderDone = () => {
    $('download-done').textContent = issued ? t('download.done', { serial: issued }) : '';
  };

  rerender = () => {
    renderCertificates();
    renderStatus();
    renderDone();
  };

  const loadCertificates = async () => {
    ({ certificates } = await api('/renew/certificates'));
    renderCertificates();
  };

  /** Starts (or continues) the renewal of certificate `id` and opens its step. */
  const start = async (id) => {
    $('certs-message').textContent = t('certs.starting');
    try {
      const answer = await api('/renew/start', { body: { certificate: id } });
      $('certs-message').textContent = '';
      status = answer;
      if (answer.token) kit.setAttribute('token', answer.token);
      $('key-next').hidden = true;
      if (answer.stage === 'agreement') setUploaded(answer.request.document);
      renderStatus();
      show(stepOf(answer.stage));
    } catch (e) {
      $('certs-message').textContent = t('error.generic', { message: e.message });
    }
  };

  // The key step ends when the element says so: the CSR is with kunci-ams (through SIMPEG).
  kit.addEventListener('kunci-done', () => {
    $('key-next').hidden = false;
    $('key-next').focus();
  });
  $('key-next').addEventListener('click', () => show('letter'));

  // The letter and the agreement.
  const letter = $('letter');
  const agree = $('agree');
  let uploaded = false;
  const ready = () => {
    $('submit').disabled = !(uploaded && agree.checked);
  };
  letter.addEventListener('change', async () => {
    const f = letter.files[0];
    uploaded = false;
    ready();
    if (!f) return;
    $('letter-status').textContent = t('letter.sending');
    try {
      await api('/renew/document', { raw: f, headers: { 'Content-Type': 'application/pdf', 'X-File-Name': encodeURIComponent(f.name) } });
      setUploaded(f.name);
    } catch (e) {
      $('letter-status').textContent = t('error.generic', { message: e.message });
    }
    ready();
  });
  agree.addEventListener('change', ready);
  setUploaded = (name) => {
    uploaded = true;
    $('letter-status').textContent = t('letter.sent', { name });
    ready();
  };
  $('submit').addEventListener('click', async () => {
    $('submit-error').textContent = '';
    try {
      status = await api('/renew/submit', { body: { agree: true } });
      renderStatus();
      show('status');
    } catch (e) {
      $('submit-error').textContent = t('error.generic', { message: e.message });
    }
  });

  // The status, then the download.
  $('status-check').addEventListener('click', async () => {
    status = await api('/renew/status');
    renderStatus();
  });
  // A fresh <kunci-p12-maker> each time the download step opens (see perpanjang.html).
  $('status-next').addEventListener('click', () => {
    const maker = document.createElement('kunci-p12-maker');
    maker.setAttribute('lang', lang);
    maker.setAttribute('certificate-url', '/renew/certificate.pem');
    maker.setAttribute('chain-url', '/renew/chain.pem');
    maker.addEventListener('kunci-done', (e) => {
      issued = e.detail.serial;
      renderDone();
    });
    issued = null;
    renderDone();
    $('maker-slot').replaceChildren(maker);
    show('download');
  });
  $('back-to-list').addEventListener('click', async () => {
    await loadCertificates();
    show('certs');
  });

  await loadCertificates();
  // A renewal already under way in this session (e.g. after a reload) opens where it stands.
  status = await api('/renew/status');
  renderStatus();
  if (status.stage === 'waiting' || status.stage === 'issued') show('status', false);
  else show('certs', false);
}

applyLanguage();
if ($('kit')) renewalPage();
