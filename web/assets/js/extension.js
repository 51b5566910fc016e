/**
 * Detects the kunci browser extension (the USB-token path of PROCESS.md step 16 "Yes" and
 * step 24b) through the npm package's `token.detect`, which speaks docs/PROTOCOL.md §1
 * (`{kunci: 1, type: 'ping'}` → `pong`). The package is imported lazily, so a page that never
 * asks does not load it. Never rejects: any failure reads as "not installed".
 */

let cached = null;

/** Resolves to `{present, version?, protocol?}`; asked once per page (a positive answer is kept). */
export function detectExtension(timeoutMs = 1000) {
  if (cached) return cached;
  cached = import('/pkg/index.js')
    .then(({ token }) => (token ? token.detect({ timeout: timeoutMs }) : { present: false }))
    .then((d) => (d.present ? { present: true, version: d.extension, protocol: d.protocol } : { present: false }))
    .catch(() => ({ present: false }));
  cached.then((d) => {
    if (!d.present) cached = null; // the holder may install it and ask again
  });
  return cached;
}
