/**
 * "What is missing, and what to do" for the USB-token path (issue 13 §5): which piece is
 * missing (the browser extension, the helper kunci-host, the token's PKCS#11 module, a token),
 * said in the page's language, for the holder's OS and browser, with the download for that
 * platform when this portal offers it (`kunci-ams --downloads`: `/unduh/index.json` lists the
 * files under stable names). The elements fire `kunci-missing` `{missing, code}` and stay
 * small (docs/ELEMENTS.md); the texts live here.
 *
 * The OS comes from `navigator.userAgentData.platform`, else `navigator.platform`, else the
 * user agent; the browser is Firefox or the Chromium family. Tests override both with
 * localStorage `kunci-os` (windows, linux, mac, other) and `kunci-browser` (chromium, firefox,
 * other).
 */
import { addStrings, t, onLangChange } from './i18n.js';
import { h } from './dom.js';

addStrings({
  'th.h': ['Untuk memakai token USB', 'To use a USB token'],
  'th.extension': ['Ekstensi peramban kunci belum terpasang di peramban ini.', 'The kunci browser extension is not installed in this browser.'],
  'th.extension.old': ['Ekstensi peramban kunci di peramban ini terlalu lama untuk kunci-host Anda: pasang versi terbarunya.', 'The kunci browser extension in this browser is too old for your kunci-host: install its newest version.'],
  'th.extension.chromium': ['Unduh ekstensinya, ekstrak, buka chrome://extensions (Edge: edge://extensions), nyalakan "Developer mode", pilih "Load unpacked" dan folder hasil ekstrak; lalu muat ulang halaman ini.',
    'Download the extension, unpack it, open chrome://extensions (Edge: edge://extensions), switch on "Developer mode", choose "Load unpacked" and the unpacked folder; then reload this page.'],
  'th.extension.firefox': ['Unduh ekstensinya, buka about:addons, pilih ikon roda gigi lalu "Install Add-on From File…" dan berkas itu; lalu muat ulang halaman ini.',
    'Download the extension, open about:addons, choose the gear icon, then "Install Add-on From File…" and the file; then reload this page.'],
  'th.extension.other': ['Token USB dapat dipakai dari Chrome, Edge, Chromium atau Firefox: buka portal ini di salah satunya.',
    'A USB token works from Chrome, Edge, Chromium or Firefox: open this portal in one of them.'],
  'th.helper': ['Program pembantu kunci-host belum terpasang (ekstensi tidak dapat menghubunginya).', 'The kunci-host helper is not installed (the extension cannot reach it).'],
  'th.helper.old': ['Program pembantu kunci-host di komputer ini terlalu lama untuk ekstensi ini.', 'The kunci-host helper on this computer is too old for this extension.'],
  'th.helper.windows': ['Unduh pemasang kunci-host untuk Windows, jalankan (klik dua kali), lalu tutup dan buka lagi peramban.',
    'Download the kunci-host installer for Windows, run it (double-click), then close and reopen the browser.'],
  'th.helper.linux': ['Unduh paket kunci-host untuk Linux, pasang dengan: sudo apt install ./kunci-host_amd64.deb, lalu tutup dan buka lagi peramban.',
    'Download the kunci-host package for Linux, install it with: sudo apt install ./kunci-host_amd64.deb, then close and reopen the browser.'],
  'th.helper.mac': ['Belum ada pemasang kunci-host untuk macOS: mintalah admin TI instansi Anda memasangnya.', 'There is no kunci-host installer for macOS yet: ask your agency\'s IT administrator to install it.'],
  'th.helper.other': ['Token USB dapat dipakai dari komputer Windows atau Linux.', 'A USB token works from a Windows or Linux computer.'],
  'th.module': ['kunci-host tidak menemukan driver token (modul PKCS#11).', 'kunci-host found no token driver (PKCS#11 module).'],
  'th.module.windows': ['Pasang driver token dari pembuatnya (atau OpenSC untuk Windows), lalu coba lagi.', 'Install the token\'s driver from its maker (or OpenSC for Windows), then try again.'],
  'th.module.linux': ['Pasang driver token: sudo apt install opensc (atau driver dari pembuat token), lalu coba lagi.', 'Install the token driver: sudo apt install opensc (or the token maker\'s driver), then try again.'],
  'th.module.other': ['Pasang driver token dari pembuatnya, lalu coba lagi.', 'Install the token\'s driver from its maker, then try again.'],
  'th.token': ['Tidak ada token USB yang terpasang.', 'No USB token is plugged in.'],
  'th.token.fix': ['Colokkan token USB Anda, tunggu lampunya menyala, lalu coba lagi.', 'Plug in your USB token, wait for its light, then try again.'],
  'th.download': ['Unduh {f}', 'Download {f}'],
  'th.nofile': ['Portal ini tidak menyediakan berkasnya: mintalah kepada admin TI instansi Anda.', 'This portal does not offer the file: ask your agency\'s IT administrator.'],
  'th.options': ['Keadaan lengkapnya ada di halaman opsi ekstensi kunci.', 'The kunci extension\'s options page shows the full state.'],
});

/** The file (stable name under /unduh/) each piece needs, per OS or browser. */
const FILES = {
  helper: { windows: 'kunci-host-x64.msi', linux: 'kunci-host_amd64.deb' },
  extension: { chromium: 'kunci-extension-chromium.zip', firefox: 'kunci-extension.xpi' },
};

function override(key, allowed) {
  try {
    const v = localStorage.getItem(key);
    return allowed.includes(v) ? v : null;
  } catch {
    return null;
  }
}

/** `{os, browser}`: windows|linux|mac|other and chromium|firefox|other. */
export function platform(nav = navigator) {
  const hint = `${nav.userAgentData?.platform ?? ''} ${nav.platform ?? ''} ${nav.userAgent ?? ''}`.toLowerCase();
  const os = /android|iphone|ipad|cros/.test(hint) ? 'other'
    : /win/.test(hint) ? 'windows' : /mac/.test(hint) ? 'mac' : /linux|x11/.test(hint) ? 'linux' : 'other';
  const ua = nav.userAgent ?? '';
  const brands = (nav.userAgentData?.brands ?? []).map((b) => b.brand).join(' ');
  const browser = /firefox\//i.test(ua) ? 'firefox'
    : /chromium|chrome|edge/i.test(brands) || /chrome\/|chromium\/|edg\//i.test(ua) ? 'chromium' : 'other';
  return {
    os: override('kunci-os', ['windows', 'linux', 'mac', 'other']) ?? os,
    browser: override('kunci-browser', ['chromium', 'firefox', 'other']) ?? browser,
  };
}

/**
 * `{missing, code}` for an error whose code names a missing piece (the elements' own
 * `kunci-missing` codes, for pages that call the token API themselves), else null.
 */
export function missingOf(err) {
  const code = typeof err?.code === 'string' ? err.code : '';
  const missing = {
    'extension.absent': 'extension', 'extension.too_old': 'extension', 'host.absent': 'helper', 'host.too_old': 'helper', 'host.version': 'helper',
    'module.not_found': 'module', 'token.absent': 'token',
  }[code];
  return missing ? { missing, code } : null;
}

let offer = null;

/** What this portal offers under /unduh/: `{base, files}` (empty when it offers nothing). */
function offered() {
  offer ??= fetch('/unduh/index.json', { credentials: 'same-origin' })
    .then((r) => (r.ok ? r.json() : null))
    .then((j) => ({ base: typeof j?.base === 'string' ? j.base : null, files: Array.isArray(j?.files) ? j.files : [] }))
    .catch(() => ({ base: null, files: [] }));
  return offer;
}

/** The what and the fix for `missing` (extension, helper, module, token) and `code`. */
export function guidance(missing, code, { os, browser }) {
  if (missing === 'extension') {
    return { what: code === 'extension.too_old' ? 'th.extension.old' : 'th.extension', fix: `th.extension.${browser}`, file: FILES.extension[browser] };
  }
  if (missing === 'helper') {
    const fix = `th.helper.${['windows', 'linux', 'mac'].includes(os) ? os : 'other'}`;
    return { what: code === 'host.absent' ? 'th.helper' : 'th.helper.old', fix, file: FILES.helper[os], options: true };
  }
  if (missing === 'module') {
    return { what: 'th.module', fix: `th.module.${os === 'windows' || os === 'linux' ? os : 'other'}`, options: true };
  }
  return { what: 'th.token', fix: 'th.token.fix' };
}

/**
 * Shows the guidance in `box` (a `.notice` element, hidden until needed) for the events of
 * `source` (an element firing `kunci-missing`, or null) and for `show({missing, code})`
 * calls; re-rendered when the language changes. `clear()` hides it.
 */
export function tokenHelp(box, source = null) {
  let shown = null;
  async function render() {
    if (!shown) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const g = guidance(shown.missing, shown.code, platform());
    const { base, files } = g.file ? await offered() : { base: null, files: [] };
    const link = g.file && base && files.includes(g.file)
      ? h('a', { class: 'button secondary', href: `${base}${g.file}`, download: g.file, 'data-file': g.file }, t('th.download', { f: g.file }))
      : null;
    box.replaceChildren(...[
      h('h3', { text: t('th.h') }),
      h('p', { class: 'th-what', 'data-missing': shown.missing, 'data-code': shown.code }, t(g.what), ' ', h('code', { text: shown.code })),
      h('p', { class: 'th-fix', text: t(g.fix) }),
      link ? h('p', {}, link) : g.file ? h('p', { class: 'hint th-nofile', text: t('th.nofile') }) : null,
      g.options ? h('p', { class: 'hint', text: t('th.options') }) : null,
    ].filter(Boolean));
    box.hidden = false;
  }
  const help = {
    show(detail) {
      shown = { missing: detail.missing, code: detail.code };
      return render();
    },
    clear() {
      shown = null;
      return render();
    },
  };
  source?.addEventListener('kunci-missing', (e) => help.show(e.detail));
  onLangChange(() => render());
  return help;
}
