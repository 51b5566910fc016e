/**
 * Where the login page may send the browser back to after a login (issue 12, point 9): the
 * page and request the holder was on when the session ended, passed as `?next=`. Only a
 * same-origin relative path is taken (`/permohonan-baru.html?request=7`); anything that a
 * browser could read as another site (`//evil.example`, `/\evil`, `https://…`, `javascript:`,
 * control characters) is refused, so the login page can never be used to bounce someone to
 * another site. Pure functions (no DOM): the login page, the layout and a Node test share them.
 */

/** The paths that are the login page itself (never a place to return to). */
const LOGIN_PATHS = ['/', '/index.html'];

/**
 * `value` as a path on `origin` to return to, or null when it is not a plain same-origin
 * path (or is the login page).
 */
export function safeNext(value, origin) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  // Only "/x…": not "//host", not "/\host" (browsers read "\" as "/"), no scheme.
  if (value[0] !== '/' || value[1] === '/' || value.includes('\\')) return null;
  // Tabs and newlines are dropped by URL parsers ("/\t/evil" becomes "//evil").
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  let url;
  try {
    url = new URL(value, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  if (LOGIN_PATHS.includes(url.pathname)) return null;
  return url.pathname + url.search + url.hash;
}

/**
 * The login page's address for a browser whose session is missing or ended while on
 * `location` (`{pathname, search, hash}`): `/?next=<that page>`, plus `&ended=1` when the
 * browser had a session (then the login page says it ended).
 */
export function loginAddress(location, hadSession) {
  const here = `${location.pathname}${location.search}${location.hash}`;
  const params = new URLSearchParams();
  if (!LOGIN_PATHS.includes(location.pathname)) params.set('next', here);
  if (hadSession) params.set('ended', '1');
  const query = params.toString();
  return query ? `/?${query}` : '/';
}
