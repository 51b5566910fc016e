/**
 * What the extension's options page says (options.html), as plain data: from the service
 * worker's `options.status` answer (background.js `helperStatus`), the holder's language and
 * operating system, the sections and rows the page renders, each problem with its fix and, for
 * a missing helper, the installer for this OS. No DOM here, so that node:test checks every
 * case (extension/tests/options.test.mjs); options.js only renders.
 */

/** `[Indonesian, English]` texts; `{name}` is replaced by params. */
const T = {
  title: ['kunci: keadaan token USB', 'kunci: USB token status'],
  intro: ['Halaman ini memeriksa ekstensi, program pembantu kunci-host, modul token (PKCS#11) dan token Anda.',
    'This page checks the extension, the kunci-host helper, the token module (PKCS#11) and your tokens.'],
  again: ['Periksa lagi', 'Check again'],
  sites: ['Situs yang diizinkan memakai token', 'Sites allowed to use your tokens'],
  checking: ['Memeriksa…', 'Checking…'],
  fix: ['Cara memperbaiki:', 'How to fix:'],
  'h.ext': ['Ekstensi', 'Extension'],
  'h.host': ['Program pembantu kunci-host', 'The kunci-host helper'],
  'h.doctor': ['Pemeriksaan kunci-host (doctor)', 'kunci-host checks (doctor)'],
  'h.tokens': ['Token yang terlihat', 'Tokens seen'],
  ext: ['Ekstensi kunci {v} (protokol {p}) terpasang.', 'kunci extension {v} (protocol {p}) is installed.'],
  host: ['kunci-host {v} menjawab (protokol {p}).', 'kunci-host {v} answers (protocol {p}).'],
  module: ['Modul PKCS#11: {m}', 'PKCS#11 module: {m}'],
  'module.none': ['kunci-host tidak menemukan modul PKCS#11 (driver token).', 'kunci-host found no PKCS#11 module (token driver).'],
  'fix.module.windows': ['Pasang driver token dari pembuatnya (atau OpenSC untuk Windows), lalu klik Periksa lagi.',
    "Install the token's driver from its maker (or OpenSC for Windows), then press Check again."],
  'fix.module.linux': ['Pasang driver token: sudo apt install opensc (atau driver dari pembuat token), lalu klik Periksa lagi.',
    "Install the token driver: sudo apt install opensc (or the token maker's driver), then press Check again."],
  'fix.module.other': ['Pasang driver token dari pembuatnya, atau tulis jalur modulnya pada "module" di host.json kunci-host.',
    'Install the token\'s driver from its maker, or write its module path as "module" in kunci-host\'s host.json.'],
  'host.absent': ['kunci-host tidak terpasang atau tidak dapat dijalankan oleh peramban.', 'kunci-host is not installed, or the browser cannot start it.'],
  'host.too_old': ['kunci-host {v} terlalu lama: ekstensi ini memerlukan versi {min} atau lebih baru.',
    'kunci-host {v} is too old: this extension needs version {min} or newer.'],
  'host.version': ['kunci-host dan ekstensi ini memakai versi protokol yang berbeda.', 'kunci-host and this extension speak different protocol versions.'],
  'extension.too_old': ['Ekstensi ini terlalu lama untuk kunci-host {v}.', 'This extension is too old for kunci-host {v}.'],
  'fix.extension': ['Perbarui ekstensi kunci: pasang versi terbarunya dari portal sertifikat Anda, lalu buka lagi halaman ini.',
    'Update the kunci extension: install its newest version from your certificate portal, then open this page again.'],
  'host.other': ['kunci-host gagal: {m}', 'kunci-host failed: {m}'],
  'fix.install.windows': ['Unduh kunci-host-x64.msi, jalankan (klik dua kali) dan ikuti langkahnya; lalu tutup dan buka lagi peramban.',
    'Download kunci-host-x64.msi, run it (double-click) and follow the steps; then close and reopen the browser.'],
  'fix.install.linux': ['Unduh kunci-host_amd64.deb, lalu pasang: sudo apt install ./kunci-host_amd64.deb; tutup dan buka lagi peramban.',
    'Download kunci-host_amd64.deb, then install it: sudo apt install ./kunci-host_amd64.deb; close and reopen the browser.'],
  'fix.install.mac': ['Belum ada pemasang kunci-host untuk macOS: mintalah admin TI instansi Anda memasangnya (dibangun dari kode sumber, lalu kunci-host install).',
    'There is no kunci-host installer for macOS yet: ask your agency\'s IT administrator to install it (built from source, then kunci-host install).'],
  'fix.install.other': ['kunci-host tersedia untuk Windows dan Linux (x86_64). Mintalah bantuan admin TI instansi Anda.',
    'kunci-host is available for Windows and Linux (x86_64). Ask your agency\'s IT administrator for help.'],
  'fix.where': ['Berkas pemasangnya ada di portal sertifikat Anda:', 'Your certificate portal offers the installer:'],
  'fix.nowhere': ['Berkas pemasangnya ada di portal sertifikat Anda (halaman permohonan menautkannya), atau mintalah kepada admin TI instansi Anda.',
    'Your certificate portal links the installer on its request page; or ask your agency\'s IT administrator.'],
  'fix.update': ['Pasang kunci-host versi terbaru (cara yang sama seperti memasang).', 'Install the newest kunci-host (the same way as installing it).'],
  'doctor.none': ['kunci-host ini belum dapat memeriksa dirinya (tidak ada perintah doctor): perbarui kunci-host.',
    'This kunci-host cannot check itself yet (no doctor op): update kunci-host.'],
  'doctor.failed': ['Pemeriksaan gagal: {m}', 'The checks failed: {m}'],
  'doctor.ok': ['Semua pemeriksaan lulus.', 'All checks pass.'],
  'tokens.none': ['Tidak ada token terpasang.', 'No token is plugged in.'],
  'fix.tokens.none': ['Pasang token USB Anda, tunggu lampunya menyala, lalu klik Periksa lagi.',
    'Plug in your USB token, wait for its light, then press Check again.'],
  'tokens.refused': ['kunci-host tidak menunjukkan tokennya kepada halaman ini.', 'kunci-host does not show its tokens to this page.'],
  'fix.tokens.refused': ['Izinkan halaman ini sekali: kunci-host install --allow-origin {o}', 'Allow this page once: kunci-host install --allow-origin {o}'],
  'tokens.failed': ['Token tidak dapat dibaca: {m}', 'The tokens cannot be read: {m}'],
  token: ['{l} — {d}', '{l} — {d}'],
  locked: ['PIN terkunci: hubungi admin token Anda.', 'PIN locked: contact your token administrator.'],
  final: ['Sisa satu percobaan PIN.', 'One PIN try left.'],
  low: ['PIN pernah salah.', 'A wrong PIN was typed before.'],
};

/** The installer a holder of `os` needs (the portal's stable download names, /unduh/). */
const INSTALLER = { windows: 'kunci-host-x64.msi', linux: 'kunci-host_amd64.deb' };

/** "id" when the browser's language is Indonesian, else "en". */
export function langOf(uiLanguage) {
  return /^(id|in)\b/i.test(String(uiLanguage ?? '')) ? 'id' : 'en';
}

/** windows, linux, mac or other, from `navigator` (User-Agent Client Hints, platform, UA). */
export function osOf(nav) {
  const hint = `${nav?.userAgentData?.platform ?? ''} ${nav?.platform ?? ''} ${nav?.userAgent ?? ''}`.toLowerCase();
  if (/android|iphone|ipad|cros/.test(hint)) return 'other';
  if (/win/.test(hint)) return 'windows';
  if (/mac/.test(hint)) return 'mac';
  if (/linux|x11/.test(hint)) return 'linux';
  return 'other';
}

/** The page's text for `key` in `lang`. */
export function text(lang, key, params = {}) {
  const pair = T[key];
  const s = pair ? pair[lang === 'id' ? 0 : 1] : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
}

/**
 * The page for `status` (the worker's answer, or `{ok: false, error}`): `{sections: [{id,
 * heading, rows: [{ok, text, code?, fix?, links?}]}]}`; `ok` is true, false (a problem, with
 * its fix) or null (plain information).
 */
export function view(status, { lang, os }) {
  const t = (key, params) => text(lang, key, params);
  const sections = [];
  sections.push({
    id: 'ext', heading: t('h.ext'),
    rows: [{ ok: true, text: t('ext', { v: status?.extension ?? '?', p: status?.protocol ?? '?' }) }],
  });
  const err = status?.error;
  if (!status?.host) {
    const code = err?.code ?? 'host.absent';
    const row = { ok: false, code };
    if (code === 'host.absent') {
      row.text = t('host.absent');
      Object.assign(row, install(t, os, status?.portals));
    } else if (code === 'host.too_old') {
      row.text = t('host.too_old', { v: err.host || '?', min: status?.minHost ?? '?' });
      Object.assign(row, install(t, os, status?.portals));
      row.fix = `${t('fix.update')} ${row.fix}`;
    } else if (code === 'extension.too_old') {
      Object.assign(row, { text: t('extension.too_old', { v: err.host || '?' }), fix: t('fix.extension') });
    } else if (code === 'host.version') {
      row.text = t('host.version');
      Object.assign(row, install(t, os, status?.portals));
      row.fix = `${t('fix.update')} ${row.fix}`;
    } else {
      row.text = t('host.other', { m: err?.message ?? code });
    }
    sections.push({ id: 'host', heading: t('h.host'), rows: [row] });
    return { title: t('title'), sections };
  }
  const h = status.host;
  const hostRows = [{ ok: true, text: t('host', { v: h.version ?? '?', p: h.protocol ?? '?' }) }];
  hostRows.push(h.module
    ? { ok: true, text: t('module', { m: h.module }) }
    : { ok: false, code: 'module.not_found', text: t('module.none'), fix: t(`fix.module.${os === 'windows' || os === 'linux' ? os : 'other'}`) });
  sections.push({ id: 'host', heading: t('h.host'), rows: hostRows });

  const d = status.doctor ?? {};
  let doctorRows;
  if (d.error) {
    doctorRows = [d.error.code === 'op.unknown'
      ? { ok: null, code: 'op.unknown', text: t('doctor.none') }
      : { ok: false, code: d.error.code, text: t('doctor.failed', { m: d.error.message ?? d.error.code }) }];
  } else {
    const checks = d.checks ?? [];
    doctorRows = checks.map(checkRow);
    if (checks.length && checks.every((c) => c.ok)) doctorRows.unshift({ ok: true, text: t('doctor.ok') });
  }
  sections.push({ id: 'doctor', heading: t('h.doctor'), rows: doctorRows });

  const k = status.tokens ?? {};
  let tokenRows;
  const tokenChecks = (d.checks ?? []).filter((c) => c.id === 'token' || c.id === 'tokens');
  if (k.error?.code === 'origin.not_allowed' && tokenChecks.length) {
    // The helper lists its tokens only to allowed origins; its doctor says what it sees.
    tokenRows = tokenChecks.map(checkRow);
  } else if (k.error) {
    tokenRows = [k.error.code === 'origin.not_allowed'
      ? { ok: false, code: k.error.code, text: t('tokens.refused'), fix: t('fix.tokens.refused', { o: status.origin ?? '' }) }
      : { ok: false, code: k.error.code, text: t('tokens.failed', { m: k.error.message ?? k.error.code }) }];
  } else if (!(k.tokens ?? []).length) {
    tokenRows = [{ ok: false, code: 'token.absent', text: t('tokens.none'), fix: t('fix.tokens.none') }];
  } else {
    tokenRows = k.tokens.map((tk) => {
      const what = [tk.manufacturer, tk.model, tk.serial && `(${tk.serial})`].filter(Boolean).join(' ');
      const row = { ok: !tk.pinLocked, text: t('token', { l: tk.label || '?', d: what }) };
      if (tk.pinLocked) Object.assign(row, { code: 'pin.locked', fix: t('locked') });
      else if (tk.pinFinalTry) row.note = t('final');
      else if (tk.pinCountLow) row.note = t('low');
      return row;
    });
  }
  sections.push({ id: 'tokens', heading: t('h.tokens'), rows: tokenRows });
  return { title: t('title'), sections };
}

/** A row for one of the helper's doctor checks `{id, ok, code, detail, fix}`. */
function checkRow(c) {
  return { ok: c.ok, code: c.code ?? undefined, text: c.detail || c.id, fix: c.ok ? undefined : c.fix ?? undefined };
}

/** The fix for a missing helper on `os`, with links to the installer on the holder's portals. */
function install(t, os, portals = []) {
  const file = INSTALLER[os];
  const fix = t(`fix.install.${INSTALLER[os] || os === 'mac' ? os : 'other'}`);
  if (!file) return { fix };
  const links = portals
    .filter((o) => /^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(o))
    .map((o) => ({ href: `${o}/unduh/${file}`, text: `${o}/unduh/${file}` }));
  return links.length ? { fix: `${fix} ${t('fix.where')}`, links } : { fix: `${fix} ${t('fix.nowhere')}` };
}
