/**
 * The frame of every page: the header (brand, the menu of docs/PROCESS.md — "Sertifikat Digital –
 * Sertifikat Anda", "Status Permohonan", "Permohonan Baru", "Kotak Masuk" with its unread
 * count for holders; for staff "Antrian" (the operator dashboard), "Riwayat Keputusan",
 * "Kotak Masuk" and, for administrators, "Admin" —, the language toggle, logout and "log out everywhere", which
 * ends every session of the account, POST /api/logout-all) and the footer. On pages
 * that need a session it asks GET /api/me and sends the browser to the login page when the
 * answer is auth.required (`toLogin`: the login page says the session ended and comes back
 * here after the login). Each role sees only the links it may open: a staff account that
 * reaches a holder's page (an old bookmark) is sent to the operator dashboard, never shown a
 * page of 403s. Pages call `initLayout` once and get the account back.
 */

import { getMe, forgetMe, post, toLogin, SESSION_HINT } from './api.js';
import { apply, getLang, setLang, t, onLangChange } from './i18n.js';
import { h, $ } from './dom.js';

let current = { me: null, active: '' };

const MENU = [
  { id: 'dashboard', href: '/dashboard.html', key: 'nav.dashboard', holder: true },
  { id: 'operator', href: '/operator.html', key: 'nav.operator', staff: true },
  { id: 'history', href: '/history.html', key: 'nav.history', staff: true },
  { id: 'certificates', href: '/certificates.html', key: 'nav.certificates', holder: true },
  { id: 'requests', href: '/requests.html', key: 'nav.requests', holder: true },
  { id: 'new', href: '/permohonan-baru.html', key: 'nav.new', holder: true },
  { id: 'inbox', href: '/inbox.html', key: 'nav.inbox' },
  { id: 'admin', href: '/admin.html', key: 'nav.admin', admin: true },
];

/** The holder's pages (by `active`): a staff account is sent to its own dashboard instead. */
const HOLDER_PAGES = ['dashboard', 'certificates', 'requests', 'new', 'certificate', 'download'];

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
  render();
  return me;
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
  if (me) {
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
    bar.append(h('nav', { class: 'site-nav', 'aria-label': t('nav.label') }, ul));
  }
  const tools = h('div', { class: 'header-tools' });
  if (me) {
    tools.append(h('span', { class: 'header-user' }, `${me.name || me.login} · ${t(`role.${me.role}`)}`));
  }
  const other = getLang() === 'id' ? 'en' : 'id';
  tools.append(
    h('button', {
      type: 'button', id: 'lang-toggle', lang: other,
      on: { click: () => { setLang(other); $('lang-toggle')?.focus(); } },
    }, t('lang.toggle')),
  );
  if (me) {
    tools.append(h('button', { type: 'button', id: 'logout', on: { click: () => logout('/api/logout') } }, t('logout')));
    tools.append(h('button', { type: 'button', id: 'logout-all', on: { click: () => logout('/api/logout-all') } }, t('logout.all')));
  }
  bar.append(tools);
  header.replaceChildren(bar);

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
