/**
 * SIMPEG's server: a foreign host of kunci's custom elements (docs/ELEMENTS.md). It owns the
 * staff portal of a regional agency (its own pages, look, origin and strict CSP with a fresh
 * nonce per page), serves the npm package `kunci` under /kunci/, and forwards what the renewal
 * needs to kunci-ams's API (docs/API.md). The kunci-ams session cookie and CSRF token stay on
 * this server, mapped to SIMPEG's own session cookie; the page sees only SIMPEG's small JSON API
 * under /renew/. node:http only, no dependencies:
 *
 *   node server.mjs --ams http://127.0.0.1:8080 --port 8090 --pkg ../../crates/kunci-wasm/pkg
 *
 * Its own routes (JSON in and out; errors `{error: {code, message}}`, kunci-ams's codes passed on):
 *   POST /login (form), POST /logout (form)
 *   GET  /renew/certificates       the holder's certificates
 *   POST /renew/start {certificate} a renewal of it (or the one already open): {token, stage}
 *   POST /renew/check {token}       the client kit's check-url (kunci-ams's check + identity)
 *   POST /renew/csr {token, csr, backup} the client kit's submit-url
 *   POST /renew/document (PDF bytes), POST /renew/submit {agree}
 *   GET  /renew/status, /renew/certificate.pem, /renew/chain.pem (the p12 maker's URLs)
 */

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const PUBLIC = join(HERE, 'public');

const { values: args } = parseArgs({
  options: {
    ams: { type: 'string', default: 'http://127.0.0.1:8080' },
    port: { type: 'string', default: '8090' },
    host: { type: 'string', default: '127.0.0.1' },
    pkg: { type: 'string', default: join(HERE, '../../crates/kunci-wasm/pkg') },
  },
});
const AMS = new URL(args.ams);
const PKG = resolve(args.pkg);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** The pages' policy; `nonce` is fresh for every response. */
function policy(nonce) {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'`,
    "style-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The package's module worker takes its policy from its own response, not from the page.
 * Chromium runs it under the page's nonce policy as well (its imports are not parser-inserted,
 * so 'strict-dynamic' lets them through; checked with the walk's Chromium); SIMPEG sends the
 * package's files this narrower one, which lets the worker load the package's modules, fetch
 * and compile its WebAssembly, and nothing else.
 */
const WORKER_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

/** sid → {cookie, csrf, login, name, since, renewal: {requestId, certificateId, token}|null} */
const sessions = new Map();
/** SIMPEG's sessions end after 8 hours (kunci-ams's own end sooner when idle: then SIMPEG's too). */
const SESSION_MS = 8 * 3600 * 1000;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function send(res, status, body, type, extra = {}) {
  const csp = type.startsWith('text/html') ? policy(extra.nonce) : (extra.csp ?? "default-src 'none'; frame-ancestors 'none'");
  const headers = { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Security-Policy': csp, ...extra.headers };
  res.writeHead(status, headers);
  res.end(body);
}

const json = (res, status, value, headers) => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { headers });
const fail = (res, status, code, message) => json(res, status, { error: { code, message } });
const redirect = (res, to, headers = {}) => send(res, 303, '', 'text/plain', { headers: { Location: to, ...headers } });

/** One call to kunci-ams under `s`'s session: `{status, headers, body}` (body a Buffer). */
function ams(s, method, path, { body, type = 'application/json', headers: more = {} } = {}) {
  const data = body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const headers = { Accept: 'application/json', ...more };
  if (s?.cookie) headers.Cookie = s.cookie;
  if (s?.csrf && method !== 'GET') headers['X-CSRF-Token'] = s.csrf;
  if (data) Object.assign(headers, { 'Content-Type': type, 'Content-Length': data.length });
  return new Promise((ok, ko) => {
    const req = httpRequest({ host: AMS.hostname, port: AMS.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', ko);
    req.end(data);
  });
}

/** Thrown for a kunci-ams answer that is not 2xx: passed on to the page as it is. */
class Refusal extends Error {
  constructor(answer) {
    super(`kunci-ams answered ${answer.status}`);
    this.answer = answer;
  }
}

/** A kunci-ams call answering its JSON, or throwing a Refusal. */
async function amsJson(s, method, path, options) {
  const answer = await ams(s, method, path, options);
  if (answer.status < 200 || answer.status > 299) throw new Refusal(answer);
  return answer.status === 204 || answer.body.length === 0 ? null : JSON.parse(answer.body.toString());
}

function cookies(req) {
  return Object.fromEntries((req.headers.cookie || '').split(';').map((c) => c.trim().split('=')).filter((p) => p.length === 2));
}

function sessionOf(req) {
  const sid = cookies(req).simpeg_sid;
  const s = sid ? sessions.get(sid) : null;
  if (s && Date.now() - s.since > SESSION_MS) sessions.delete(sid);
  return s && sessions.has(sid) ? { sid, s } : { sid: null, s: null };
}

async function readBody(req, limit = 6 << 20) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > limit) throw Object.assign(new Error('too large'), { status: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function readJson(req) {
  if (!/^application\/json\b/.test(req.headers['content-type'] || '')) {
    throw Object.assign(new Error('JSON expected'), { status: 415 });
  }
  const text = (await readBody(req, 256 << 10)).toString() || '{}';
  return JSON.parse(text);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page from public/, its `{{nonce}}` and `{{name}}` fields filled in. */
async function page(res, file, fields = {}) {
  const nonce = randomBytes(16).toString('base64');
  let html = await readFile(join(PUBLIC, file), 'utf8');
  for (const [k, v] of Object.entries({ ...fields, nonce })) html = html.split(`{{${k}}}`).join(escapeHtml(v));
  send(res, 200, html, TYPES['.html'], { nonce });
}

/** A file under `root` (no climbing out), or a 404. */
async function file(res, root, rel, extra) {
  const path = normalize(join(root, rel));
  const type = TYPES[extname(path)];
  if (!type || !path.startsWith(root + sep) || rel.split('/').some((p) => p.startsWith('.'))) {
    return fail(res, 404, 'http.not_found', 'not found');
  }
  let body;
  try {
    body = await readFile(path);
  } catch {
    return fail(res, 404, 'http.not_found', 'not found');
  }
  send(res, 200, body, type, extra);
}

/** The holder's current renewal, or a 409 the page understands. */
function renewalOf(s) {
  if (!s.renewal) throw Object.assign(new Error('no renewal started'), { status: 409, code: 'simpeg.no_renewal' });
  return s.renewal;
}

/** Where the current renewal stands: `key`, `document`, `agreement`, `waiting`, `issued`, `rejected`, `cancelled`. */
async function stageOf(s) {
  if (!s.renewal) return { stage: 'none' };
  const r = await amsJson(s, 'GET', `/api/requests/${s.renewal.requestId}`);
  let stage;
  if (r.status === 'pending') stage = 'key';
  else if (r.status === 'uploaded') stage = r.document ? 'agreement' : 'document';
  else if (r.status === 'submitted') stage = 'waiting';
  else if (r.status === 'success') stage = 'issued';
  else stage = r.status;
  return {
    stage,
    request: { id: r.id, status: r.status, statusLabel: r.status_label, product: r.product, document: r.document?.name ?? null },
    renews: s.renewal.certificateId,
    certificate: r.certificate_id ?? null,
  };
}

const routes = {
  'GET /': async (req, res, { s }) => (s ? redirect(res, '/perpanjang') : page(res, 'login.html', { error: '' })),
  'GET /perpanjang': async (req, res, { s }) => (s ? page(res, 'perpanjang.html', { name: s.name }) : redirect(res, '/')),

  'POST /login': async (req, res) => {
    const form = new URLSearchParams((await readBody(req, 8 << 10)).toString());
    // kunci-ams slows failed logins per client address; behind SIMPEG every login would come
    // from SIMPEG's address, so the browser's is passed on (kunci-ams must then be started with
    // `--trusted-proxy <SIMPEG's address>`, else it ignores the header: see README.md).
    const answer = await ams(null, 'POST', '/api/login', {
      body: { login: form.get('nip') || '', password: form.get('password') || '' },
      headers: { 'X-Forwarded-For': req.socket.remoteAddress },
    });
    if (answer.status !== 200) {
      const wrong = answer.status === 401 || answer.status === 403;
      return page(res, 'login.html', { error: wrong ? 'NIP atau kata sandi salah. / Wrong NIP or password.' : 'Layanan sertifikat sedang tidak tersedia. / The certificate service is unavailable.' });
    }
    const me = JSON.parse(answer.body.toString());
    const cookie = String(answer.headers['set-cookie']?.[0] || '').split(';')[0];
    const sid = randomBytes(32).toString('base64url');
    sessions.set(sid, { cookie, csrf: me.csrf_token, login: me.login, name: me.name, since: Date.now(), renewal: null });
    redirect(res, '/perpanjang', { 'Set-Cookie': `simpeg_sid=${sid}; HttpOnly; SameSite=Strict; Path=/` });
  },

  'POST /logout': async (req, res, { sid, s }) => {
    if (s) {
      await ams(s, 'POST', '/api/logout').catch(() => {});
      sessions.delete(sid);
    }
    redirect(res, '/', { 'Set-Cookie': 'simpeg_sid=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
  },

  'GET /renew/certificates': async (req, res, { s }) => {
    const { certificates } = await amsJson(s, 'GET', '/api/certificates');
    json(res, 200, {
      name: s.name,
      certificates: certificates.map((c) => ({
        id: c.id, serial: c.serial, product: c.product, notAfter: c.not_after, status: c.status,
        reason: c.revocation_reason, renewing: c.open_renewal ? c.open_renewal.id : null,
      })),
    });
  },

  'POST /renew/start': async (req, res, { s }) => {
    const { certificate } = await readJson(req);
    const cert = await amsJson(s, 'GET', `/api/certificates/${Number(certificate)}`);
    let token = null;
    let requestId;
    if (cert.open_renewal) {
      // Continue the renewal already open; a fresh token while it still waits for its CSR.
      requestId = cert.open_renewal.id;
      if (cert.open_renewal.status === 'pending' && !cert.open_renewal.csr_uploaded) {
        ({ csr_token: token } = await amsJson(s, 'POST', `/api/requests/${requestId}/token`));
      }
    } else {
      const made = await amsJson(s, 'POST', '/api/requests', { body: { renews: cert.id } });
      requestId = made.request.id;
      token = made.csr_token;
    }
    s.renewal = { requestId, certificateId: cert.id, token };
    json(res, 200, { token, ...(await stageOf(s)) });
  },

  'POST /renew/check': async (req, res, { s }) => {
    const { token } = await readJson(req);
    const check = await amsJson(s, 'POST', '/api/csr/check', { body: { token } });
    // The registered identity also feeds the element's password check.
    const who = await amsJson(s, 'GET', '/api/identity');
    json(res, 200, { ...check, common_name: who.common_name, organization: who.organization, nik: who.nik });
  },

  'POST /renew/csr': async (req, res, { s }) => {
    const { token, csr, backup } = await readJson(req);
    const stored = await amsJson(s, 'POST', '/api/csr', { body: { token, csr } });
    await amsJson(s, 'POST', `/api/requests/${stored.id}/key-backup`, { body: { checked: Boolean(backup?.checked) } });
    if (s.renewal && s.renewal.requestId === stored.id) s.renewal.token = null;
    json(res, 200, { request: stored.id, status: stored.status });
  },

  'POST /renew/document': async (req, res, { s }) => {
    const r = renewalOf(s);
    const pdf = await readBody(req);
    // The file name as the page sent it (percent-encoded, as kunci-ams reads it).
    const name = String(req.headers['x-file-name'] || 'surat.pdf');
    await amsJson(s, 'POST', `/api/requests/${r.requestId}/document`, { body: pdf, type: 'application/pdf', headers: { 'X-File-Name': name } });
    json(res, 200, await stageOf(s));
  },

  'POST /renew/submit': async (req, res, { s }) => {
    const r = renewalOf(s);
    const { agree } = await readJson(req);
    await amsJson(s, 'POST', `/api/requests/${r.requestId}/submit`, { body: { agree: agree === true } });
    json(res, 200, await stageOf(s));
  },

  'GET /renew/status': async (req, res, { s }) => json(res, 200, await stageOf(s)),

  'GET /renew/certificate.pem': async (req, res, { s }) => {
    const { certificate } = await stageOf(s);
    if (!certificate) return fail(res, 409, 'simpeg.not_issued', 'the certificate is not issued yet');
    const answer = await ams(s, 'GET', `/api/certificates/${certificate}/pem`);
    if (answer.status !== 200) throw new Refusal(answer);
    send(res, 200, answer.body, 'application/x-pem-file');
  },

  'GET /renew/chain.pem': async (req, res, { s }) => {
    const answer = await ams(s, 'GET', '/ca/chain.pem');
    if (answer.status !== 200) throw new Refusal(answer);
    send(res, 200, answer.body, 'application/x-pem-file');
  },
};

/** Routes open without a SIMPEG session. */
const OPEN = new Set(['GET /', 'GET /perpanjang', 'POST /login', 'POST /logout']);

async function handle(req, res) {
  const url = new URL(req.url, 'http://simpeg.invalid');
  const origin = `http://${req.headers.host}`;
  // SIMPEG's own CSRF rule: a state-changing request from another site is refused (the
  // cookie is SameSite=Strict as well). Forms send `Origin: null` under no-referrer, so the
  // browser's Sec-Fetch-Site says where a request comes from too.
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const site = req.headers['sec-fetch-site'];
    const from = req.headers.origin;
    if ((site && site !== 'same-origin') || (from && from !== 'null' && from !== origin)) {
      return fail(res, 403, 'simpeg.origin', 'cross-origin request refused');
    }
  }
  if (req.method === 'GET' && url.pathname.startsWith('/kunci/')) {
    return file(res, PKG, decodeURIComponent(url.pathname.slice('/kunci/'.length)), { csp: WORKER_POLICY });
  }
  if (req.method === 'GET' && /^\/assets\/[\w.-]+$/.test(url.pathname)) {
    return file(res, join(PUBLIC, 'assets'), url.pathname.slice('/assets/'.length));
  }
  const key = `${req.method} ${url.pathname}`;
  const route = routes[key];
  if (!route) return fail(res, 404, 'http.not_found', 'not found');
  const { sid, s } = sessionOf(req);
  if (!s && !OPEN.has(key)) return fail(res, 401, 'auth.required', 'log in to SIMPEG first');
  try {
    await route(req, res, { sid, s });
  } catch (e) {
    if (e instanceof Refusal) {
      // kunci-ams's session ended: so does SIMPEG's.
      if (e.answer.status === 401 && sid) sessions.delete(sid);
      const type = String(e.answer.headers['content-type'] || '');
      if (type.startsWith('application/json')) return send(res, e.answer.status, e.answer.body, type);
      return fail(res, 502, 'simpeg.upstream', `kunci-ams answered ${e.answer.status}`);
    }
    if (e.status) return fail(res, e.status, e.code || `http.${e.status}`, e.message);
    if (e instanceof SyntaxError) return fail(res, 400, 'http.bad_request', 'malformed JSON');
    if (e.code === 'ECONNREFUSED') return fail(res, 502, 'simpeg.upstream', 'kunci-ams cannot be reached');
    console.error(e);
    return fail(res, 500, 'server.internal', 'internal error');
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) fail(res, 500, 'server.internal', 'internal error');
    else res.destroy();
  });
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  console.log(`SIMPEG serving on http://${args.host}:${port} (kunci-ams ${AMS.origin}, package ${PKG})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
