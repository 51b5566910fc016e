/**
 * A tiny static HTTP server for the browser tests and the benchmark: folders (or single
 * in-memory pages) served under URL prefixes on 127.0.0.1 at a free port, nothing else.
 *
 * It exists so that the tests need no dependency for serving and so that what the browser
 * sees is exactly what is on disk: `.wasm` goes out as `application/wasm` (which
 * `WebAssembly.instantiateStreaming` insists on), scripts as `text/javascript`, nothing is
 * cached (a rebuilt package is always the one tested), and the pages are cross-origin
 * isolated so that `performance.now()` has its fine resolution in the benchmark. Anything
 * not routed, and any path that tries to climb out of its folder, gets a 404.
 */

import { createServer } from 'node:http';
import { open } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Starts the server.
 *
 * @param {object} options
 * @param {Array<{prefix: string, dir: string} | {path: string, body: string|Uint8Array, type?: string} | {path: string, handler: Function}>} options.routes
 *   `{prefix, dir}` serves the folder `dir` under the URL prefix (e.g. `/pkg/`); a request for
 *   a folder serves its `index.html`. `{path, body}` serves one in-memory document at exactly
 *   `path` (e.g. the blank page `/`). `{path, handler}` answers a POST to `path` with what
 *   `handler(req, body)` returns, `{type, body}` (a TSA or OCSP responder stand-in).
 * @param {boolean} [options.isolated=true] send COOP/COEP so the page is cross-origin isolated.
 * @returns {Promise<{url: string, close: () => Promise<void>}>} `url` has no trailing slash.
 */
export async function startServer({ routes, isolated = true }) {
  const folders = [];
  const documents = new Map();
  const handlers = new Map();
  for (const route of routes) {
    if ('handler' in route) {
      handlers.set(route.path, route.handler);
    } else if ('dir' in route) {
      const prefix = route.prefix.endsWith('/') ? route.prefix : `${route.prefix}/`;
      folders.push({ prefix, dir: resolve(route.dir) });
    } else {
      documents.set(route.path, {
        body: typeof route.body === 'string' ? Buffer.from(route.body) : route.body,
        type: route.type ?? MIME[extname(route.path)] ?? MIME['.html'],
      });
    }
  }
  // Longest prefix first, so `/pkg/wasm/` could override `/pkg/`.
  folders.sort((a, b) => b.prefix.length - a.prefix.length);

  const server = createServer((req, res) => {
    handle(req, res, folders, documents, isolated, handlers).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error', isolated);
      else res.destroy();
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function handle(req, res, folders, documents, isolated, handlers) {
  const handler = handlers.get(new URL(req.url, 'http://x').pathname);
  if (handler && req.method === 'POST') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const answer = handler(req, Buffer.concat(chunks));
    return send(res, 200, answer.type, answer.body, isolated);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed', isolated);
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    return send(res, 400, 'text/plain; charset=utf-8', 'bad request', isolated);
  }
  if (pathname.includes('\0')) return notFound(res, isolated);

  const doc = documents.get(pathname);
  if (doc) return send(res, 200, doc.type, req.method === 'HEAD' ? null : doc.body, isolated);

  for (const { prefix, dir } of folders) {
    if (!pathname.startsWith(prefix)) continue;
    let file = resolve(dir, `.${sep}${pathname.slice(prefix.length)}`);
    // resolve() has already folded any `..`; what is left must still be inside `dir`.
    if (file !== dir && !file.startsWith(dir + sep)) return notFound(res, isolated);
    if (pathname.endsWith('/')) file = resolve(file, 'index.html');
    let handle;
    try {
      handle = await open(file, 'r');
      const info = await handle.stat();
      if (info.isFile()) {
        const body = req.method === 'HEAD' ? null : await handle.readFile();
        const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
        return send(res, 200, type, body, isolated, info.size);
      }
    } catch {
      // Missing or unreadable: answered below.
    } finally {
      await handle?.close();
    }
    break; // the longest matching prefix owns the path
  }
  // Browsers ask for it on every page; an empty answer keeps 404s out of the test logs.
  if (pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', null, isolated);
  return notFound(res, isolated);
}

function notFound(res, isolated) {
  send(res, 404, 'text/plain; charset=utf-8', 'not found', isolated);
}

function send(res, status, type, body, isolated, length) {
  const headers = {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    headers['Cross-Origin-Resource-Policy'] = 'same-origin';
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  headers['Content-Length'] = String(bytes ? bytes.length : (length ?? 0));
  res.writeHead(status, headers);
  res.end(bytes ?? undefined);
}
