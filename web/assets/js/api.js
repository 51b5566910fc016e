/**
 * The portal's HTTP client (docs/API.md): same-origin fetch with the session cookie, JSON in
 * and out, the X-CSRF-Token header on every state-changing call (taken fresh from
 * GET /api/me), and non-2xx answers `{error: {code, message}}` turned into thrown `ApiError`s
 * with a stable `.code` that i18n.js translates. A lost session (auth.required) sends the
 * browser to the login page, which says the session ended and, after the login, comes back to
 * the page (and request) the browser was on (`toLogin`, next.js).
 */

import { loginAddress } from './next.js';

/** The sessionStorage key the login page sets: this tab had a session. */
export const SESSION_HINT = 'kunci-session';

/** An error answer from the portal (or `net.failed` when it could not be reached). */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

let mePromise = null;
let leaving = false;

/** The state-changing routes that carry their own credential (a password, a reset code) and
 * are sent without a session, hence without a CSRF token. */
const TOKEN_FREE = ['/api/login', '/api/password-reset', '/api/password-reset/check'];

/** GET /api/me, cached for the page; `fresh` asks again (new CSRF token, unread count). */
export function getMe(fresh = false) {
  if (fresh || !mePromise) {
    mePromise = request('GET', '/api/me').catch((e) => {
      mePromise = null;
      throw e;
    });
  }
  return mePromise;
}

/** Forgets the cached account (after login or logout). */
export function forgetMe() {
  mePromise = null;
}

/**
 * One API call. `options.json` is sent as JSON; `options.body` raw (with `options.headers`);
 * `options.text` returns the body as text instead of JSON.
 */
export async function request(method, path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  if (method !== 'GET' && method !== 'HEAD' && !TOKEN_FREE.includes(path)) {
    const me = await getMe(true);
    headers['X-CSRF-Token'] = me.csrf_token;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError('net.failed', e && e.message, 0);
  }
  if (!res.ok) {
    let code = `http.${res.status}`;
    let message = res.statusText;
    try {
      const j = await res.json();
      if (j && j.error) {
        code = j.error.code || code;
        message = j.error.message || message;
      }
    } catch {
      // not JSON: keep the HTTP status
    }
    if (code === 'auth.required' && !onLoginPage()) {
      toLogin();
    }
    throw new ApiError(code, message, res.status);
  }
  if (res.status === 204) return null;
  if (options.text) return res.text();
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, json, options = {}) => request('POST', path, { ...options, json });

/**
 * Goes to the login page with this page as `next` (and `ended=1` when this tab had a
 * session: the login page then says the session ended). Whatever was stored stays stored;
 * the page resumes from the server after the login.
 */
export function toLogin() {
  // Several calls fail at once when a session ends: the first one decides where to go.
  if (leaving) return;
  leaving = true;
  let hadSession = false;
  try {
    hadSession = !!sessionStorage.getItem(SESSION_HINT);
    sessionStorage.removeItem(SESSION_HINT);
  } catch {
    // storage refused: the login page then says nothing about an ended session
  }
  mePromise = null;
  location.replace(loginAddress(location, hadSession));
}

function onLoginPage() {
  return location.pathname === '/' || location.pathname === '/index.html';
}
