/**
 * Hands a freshly made CSR token from the page that made the request (the lost-key page) to
 * the wizard's key step, without putting it in a URL (where history, logs and Referer keep
 * it): sessionStorage, this tab only, keyed by the request id, read once and removed. A token
 * still works only once, for its own request and account, and expires on the server.
 */

const PREFIX = 'kunci-csr-token-';

/** Keeps `token` for request `requestId` until the wizard takes it. */
export function handOffToken(requestId, token) {
  try {
    sessionStorage.setItem(PREFIX + requestId, token);
  } catch {
    // storage refused (private mode): the wizard asks for the token as on any resumed request
  }
}

/** The token handed over for request `requestId` (removed as it is read), or null. */
export function takeToken(requestId) {
  try {
    const token = sessionStorage.getItem(PREFIX + requestId);
    sessionStorage.removeItem(PREFIX + requestId);
    return token;
  } catch {
    return null;
  }
}
