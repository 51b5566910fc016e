/**
 * The page's one connection to the kunci npm package served at /pkg/: a Web Worker client
 * (createWorkerClient), started on first use, so key generation, PBKDF2 and PKCS#12 never
 * freeze the page. The worker script resolves from /pkg/client.js to /pkg/worker.js, and its
 * .wasm files from /pkg/index.js to /pkg/wasm/ — all same-origin, as the CSP requires.
 */

import { createWorkerClient } from '/pkg/index.js';

let client = null;

/** The shared worker client (started once; restarted if it died). */
export function kunci() {
  if (!client) {
    client = createWorkerClient({ url: '/pkg/worker.js' }).catch((e) => {
      client = null;
      throw e;
    });
  }
  return client;
}
