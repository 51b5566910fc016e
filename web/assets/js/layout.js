/**
 * The frame of every page: the header (brand, the menu of docs/PROCESS.md — "Sertifikat Digital –
 * Sertifikat Anda", "Status Permohonan", "Permohonan Baru", "Tanda Tangani PDF", "Kotak Masuk"
 * with its unread count for holders; for staff "Antrian" (the operator dashboard), "Riwayat Keputusan",
 * "Kotak Masuk" and, for administrators, "Admin" —, the language toggle, logout and "log out everywhere", which
 * ends every session of the account, POST /api/logout-all) and the footer. On pages
 * that need a session it asks GET /api/me and sends the browser to the login page when the
 * answer is auth.required (`toLogin`: the login page says the session ended and comes back
 * here after the login). Each role sees only the links it may open: a staff account that
 * reaches a holder's page (an old bookmark) is sent to the operator dashboard, never shown a
 * page of 403s. Pages call `initLayout` once and get the account back.
 *
 * Phones (issue 12): below 48rem the menu and the account's buttons fold behind a "Menu"
 * button (aria-expanded, Escape closes it), so the first screen shows the page, not the menu;
 * and every `.table-wrap table` gets `data-label` on its cells (from its column headers) and
 * explicit table roles, so that CSS can show each row as a card and a screen reader still reads
 * a table. The language: the account's choice (GET /api/me `lang`) is the page's; the toggle
 * saves it (PUT /api/me/language) so that the inbox and e-mail follow.
 */

import { getMe, forgetMe, post, request, toLogin, SESSION_HINT } from './api.js';
import { apply, getLang, setLang, storedLang, t, onLangChange } from './i18n.js';
import { h, $ } from './dom.js';

let current = { me: null, active: '', menuOpen: false };
/** The account's language being saved (PUT /api/me/language), or a settled promise. */
let languageSave = Promise.resolve();

const MENU = [
  { id: 'dashboard', href: '/dashboard.html', key: 'nav.dashboard', holder: true },
  { id: 'operator', href: '/operator.html', key: 'nav.operator', staff: true },
  { id: 'history', href: '/history.html', key: 'nav.history', staff: true },
  { id: 'certificates', href: '/certificates.html', key: 'nav.certificates', holder: true },
  { id: 'requests', href: '/requests.html', key: 'nav.requests', holder: true },
  { id: 'new', href: '/permohonan-baru.html', key: 'nav.new', holder: true },
  { id: 'sign', href: '/tanda-tangan.html', key: 'nav.sign', holder: true },
  { id: 'inbox', href: '/inbox.html', key: 'nav.inbox' },
  { id: 'admin', href: '/admin.html', key: 'nav.admin', admin: true },
];

/** The holder's pages (by `active`): a staff account is sent to its own dashboard instead. */
const HOLDER_PAGES = ['dashboard', 'certificates', 'requests', 'new', 'certificate', 'download', 'sign'];

/** Where an account's "home" is: the holder's dashboard, or the operator dashboard for staff. */
export function homeOf(me) {
  return isStaff(me) ? '/operator.html' : '/dashboard.html';
}

/**
 * Builds the header and footer and translates the page. With `auth` (the default) it returns
 * the account from GET /api/me, or never resolves while the browser goes to the login page.
 */
export async function initLayout({ active = '', auth = true } = {}) {
  current.active = active;
  apply();
  render();
  onLangChange(render);
  labelTables();
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && current.menuOpen) {
      current.menuOpen = false;
      render();
      $('menu-toggle')?.focus();
    }
  });
  if (!auth) return null;
  let me;
  try {
    me = await getMe();
  } catch (e) {
    if (e.code === 'auth.required') {
      toLogin();
      return new Promise(() => {});
    }
    throw e;
  }
  if (isStaff(me) && HOLDER_PAGES.includes(active)) {
    location.replace(homeOf(me));
    return new Promise(() => {});
  }
  current.me = me;
  await adoptLanguage(me);
  render();
  return me;
}

/**
 * One language everywhere. A choice this browser made (the toggle, also on the login page) is
 * the latest word: it is saved to the account when the account says otherwise (this also
 * repairs a save cut short by leaving the page). A browser that never chose takes the
 * account's language, so the holder's choice follows them to another device.
 */
async function adoptLanguage(me) {
  const local = storedLang();
  if (local) {
    if (local !== me.lang) {
      languageSave = saveLanguage(local);
      await languageSave;
    }
  } else if ((me.lang === 'id' || me.lang === 'en') && me.lang !== getLang()) {
    setLang(me.lang);
  }
}

/** Stores the account's language; a failure keeps the page's choice for this browser. */
async function saveLanguage(lang) {
  try {
    await request('PUT', '/api/me/language', { json: { lang } });
    if (current.me) current.me = { ...current.me, lang };
  } catch {
    // the server is unreachable or the session ended: the choice stays in localStorage
  }
}

/**
 * Resolves once the language the page shows is saved to the account: pages whose texts come
 * from the server in that language (the inbox) wait for it before reading them again.
 */
export function languageSaved() {
  return languageSave;
}

/**
 * The language toggle: the page switches at once (and remembers it in localStorage); the
 * account's choice is saved beside it, or at the next page with a session.
 */
function switchLanguage(next) {
  if (current.me) {
    // One after another: two quick toggles must leave the last choice stored.
    languageSave = languageSave.then(() => saveLanguage(next));
  }
  setLang(next);
  $('lang-toggle')?.focus();
}

/**
 * Gives every cell of the page's tables a `data-label` (its column's header text) and every
 * part its table role, now and whenever a page script rebuilds a table or the language
 * changes the headers. The roles keep the table a table for screen readers when the phone
 * layout displays its rows as blocks (which makes some browsers drop the native semantics).
 */
function labelTables() {
  for (const table of document.querySelectorAll('.table-wrap table')) {
    label(table);
    new MutationObserver(() => label(table)).observe(table, { childList: true, subtree: true, characterData: true });
  }
}

function label(table) {
  const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
  setIfChanged(table, 'role', 'table');
  for (const group of table.querySelectorAll('thead, tbody')) setIfChanged(group, 'role', 'rowgroup');
  for (const th of table.querySelectorAll('thead th')) setIfChanged(th, 'role', 'columnheader');
  for (const tr of table.querySelectorAll('tr')) {
    setIfChanged(tr, 'role', 'row');
    let column = 0;
    for (const td of tr.querySelectorAll(':scope > td')) {
      setIfChanged(td, 'role', 'cell');
      const span = Number(td.getAttribute('colspan')) || 1;
      if (span === 1 && heads[column]) setIfChanged(td, 'data-label', heads[column]);
      column += span;
    }
  }
}

function setIfChanged(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Updates the inbox's unread count in the menu. */
export function setUnread(n) {
  if (current.me) {
    current.me = { ...current.me, unread_notices: n };
    render();
  }
}

/** True for operator and admin accounts. */
export function isStaff(me) {
  return !!me && (me.role === 'operator' || me.role === 'admin');
}

function render() {
  const header = $('site-header');
  if (!header) return;
  const me = current.me;
  const bar = h('div', { class: 'bar' });
  bar.append(
    h('a', { class: 'brand', href: me ? homeOf(me) : '/' }, 'kunci AMS', h('small', {}, t('brand.sub'))),
  );
  const other = getLang() === 'id' ? 'en' : 'id';
  const langButton = h('button', {
    type: 'button', id: 'lang-toggle', class: 'lang-toggle', lang: other,
    on: { click: () => switchLanguage(other) },
  }, t('lang.toggle'));
  if (!me) {
    bar.append(h('div', { class: 'header-tools' }, langButton));
    header.replaceChildren(bar);
    renderFooter();
    return;
  }
  // Phones: the menu and the account's buttons fold behind this button (CSS shows it below
  // 48rem); wider screens show them and never the button.
  bar.append(langButton, h('button', {
    type: 'button', id: 'menu-toggle', class: 'menu-toggle',
    'aria-expanded': current.menuOpen ? 'true' : 'false', 'aria-controls': 'site-menu',
    on: { click: () => { current.menuOpen = !current.menuOpen; render(); $('menu-toggle')?.focus(); } },
  }, t('nav.menu')));
  const ul = h('ul');
  for (const item of MENU) {
    if (item.staff && !isStaff(me)) continue;
    if (item.admin && me.role !== 'admin') continue;
    // Staff hold no certificates here: the holder's pages would only answer "forbidden".
    if (item.holder && isStaff(me)) continue;
    const a = h('a', { href: item.href, id: `nav-${item.id}`, 'aria-current': item.id === current.active ? 'page' : null }, t(item.key));
    if (item.id === 'inbox' && me.unread_notices > 0) {
      a.append(
        h('span', { class: 'badge', 'aria-hidden': 'true' }, String(me.unread_notices)),
        h('span', { class: 'visually-hidden' }, ` (${t('nav.unread', { n: me.unread_notices })})`),
      );
    }
    ul.append(h('li', {}, a));
  }
  const tools = h('div', { class: 'header-tools' },
    h('span', { class: 'header-user' }, `${me.name || me.login} · ${t(`role.${me.role}`)}`),
    h('button', { type: 'button', id: 'logout', on: { click: () => logout('/api/logout') } }, t('logout')),
    h('button', { type: 'button', id: 'logout-all', on: { click: () => logout('/api/logout-all') } }, t('logout.all')),
  );
  bar.append(h('div', { id: 'site-menu', class: current.menuOpen ? 'site-menu open' : 'site-menu' },
    h('nav', { class: 'site-nav', 'aria-label': t('nav.label') }, ul),
    tools));
  header.replaceChildren(bar);
  renderFooter();
}

function renderFooter() {
  const footer = $('site-footer');
  if (footer) footer.replaceChildren(h('p', {}, t('footer')));
}

/** Ends this session (`/api/logout`) or every session of the account (`/api/logout-all`). */
async function logout(route) {
  try {
    await post(route);
  } catch {
    // already logged out or the server is gone: go to the login page anyway
  }
  forgetMe();
  try {
    sessionStorage.removeItem(SESSION_HINT);
  } catch {
    // storage refused: the login page then asks /api/me once
  }
  location.replace('/');
}
