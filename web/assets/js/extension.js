/**
 * Detects the kunci browser extension (the USB-token path of PROCESS.md step 16 "Yes" and
 * step 24b): the page posts `{type: 'kunci-ping'}` to itself; the extension's content script
 * answers `{type: 'kunci-pong'}` on the same window. No answer within 300 ms means the
 * extension is not installed. Only messages from this window and origin are trusted.
 */

let cached = null;

/** Resolves to `{present, version?}`; asked once per page. */
export function detectExtension(timeoutMs = 300) {
  if (cached) return cached;
  cached = new Promise((resolve) => {
    const onMessage = (event) => {
      if (event.source !== window || event.origin !== location.origin) return;
      const data = event.data;
      if (data && data.type === 'kunci-pong') {
        cleanup();
        resolve({ present: true, version: data.version });
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve({ present: false });
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
    }
    window.addEventListener('message', onMessage);
    window.postMessage({ type: 'kunci-ping' }, location.origin);
  });
  return cached;
}
