/**
 * Finding, fetching and starting kunci's four WebAssembly modules: the core
 * (`wasm/kunci_core_bg.wasm`, on the first call of anything), the extra module
 * (`wasm/kunci_extra_bg.wasm`, only when a page decrypts a PKCS#8 key, reads a PKCS#12 file or
 * generates an RSA key without WebCrypto), the password-strength module
 * (`wasm/kunci_strength_bg.wasm`, about 1 MB gzipped, only on the first strength check) and the
 * PDF module (`wasm/kunci_pdf_bg.wasm`, only on the first `signPdf` or `verifyPdf`).
 *
 * Written for bundlers as much as for plain pages:
 * - all glue modules are imported statically (they are small JS); only the `.wasm` bytes are
 *   fetched lazily. A dynamic `import()` of the strength glue made Vite 5-7 refuse to build
 *   the package's Web Worker (their default `worker.format` "iife" cannot split code).
 * - each `.wasm` URL is written as `new URL('./wasm/…', import.meta.url)` in exactly that form,
 *   which Vite, webpack 5 and Parcel recognise and emit as an asset.
 * - the response is checked before compiling, so a failure names the URL tried and the likely
 *   cause (an HTML page from a dev server's fallback, a 404, a Content-Security-Policy without
 *   'wasm-unsafe-eval') instead of the engine's bare "expected magic word 00 61 73 6d".
 * Every failure rejects with `KunciError` code `wasm.load_failed`, and the next call tries
 * again (e.g. after a network error).
 */
import initCore from './wasm/kunci_core.js';
import initExtra, * as extra from './wasm/kunci_extra.js';
import initStrength, * as strength from './wasm/kunci_strength.js';
import initPdf, * as pdf from './wasm/kunci_pdf.js';

import { KunciError } from './errors.js';

let settings = {};
let coreReady;
let strengthReady;
let extraReady;
let pdfReady;

/** Merges `init()` options (`coreWasm`, `extraWasm`, `strengthWasm`, `pdfWasm`) into what later loads use. */
export function configure(options) {
  settings = { ...settings, ...options };
}

/** Starts the core module once; every call of the API awaits this first. */
export function ensureCore() {
  coreReady ??= load(
    initCore,
    'kunci_core_bg.wasm',
    settings.coreWasm,
    () => new URL('./wasm/kunci_core_bg.wasm', import.meta.url),
  ).catch((e) => {
    coreReady = undefined; // let a later call try again
    throw e;
  });
  return coreReady;
}

/**
 * Starts the extra module once and resolves to its exports: RSA key generation in Rust (no
 * WebCrypto), PKCS#8 decryption and PKCS#12 reading, kept out of the core module to keep it
 * small (see extra.js).
 */
export function ensureExtra() {
  extraReady ??= load(
    initExtra,
    'kunci_extra_bg.wasm',
    settings.extraWasm,
    () => new URL('./wasm/kunci_extra_bg.wasm', import.meta.url),
  ).then(
    () => extra,
    (e) => {
      extraReady = undefined;
      throw e;
    },
  );
  return extraReady;
}

/** Starts the strength module once and resolves to its exports. */
export function ensureStrength() {
  strengthReady ??= load(
    initStrength,
    'kunci_strength_bg.wasm',
    settings.strengthWasm,
    () => new URL('./wasm/kunci_strength_bg.wasm', import.meta.url),
  ).then(
    () => strength,
    (e) => {
      strengthReady = undefined;
      throw e;
    },
  );
  return strengthReady;
}

/** Starts the PDF module (PAdES signing and verification) once and resolves to its exports. */
export function ensurePdf() {
  pdfReady ??= load(
    initPdf,
    'kunci_pdf_bg.wasm',
    settings.pdfWasm,
    () => new URL('./wasm/kunci_pdf_bg.wasm', import.meta.url),
  ).then(
    () => pdf,
    (e) => {
      pdfReady = undefined;
      throw e;
    },
  );
  return pdfReady;
}

/**
 * Instantiates one module from `given` (an `init()` option: URL, string, bytes, compiled
 * module, Response) or else from the package's own file at `defaultUrl()`.
 */
async function load(start, file, given, defaultUrl) {
  let url;
  try {
    let source = given;
    if (source === undefined || typeof source === 'string' || source instanceof URL) {
      url = source === undefined ? defaultUrl() : new URL(source, globalThis.location?.href);
      source = url.protocol === 'file:' ? await readFileUrl(url) : await fetchChecked(url);
    }
    await start({ module_or_path: source });
  } catch (e) {
    if (e instanceof KunciError) throw e;
    const where = url ? ` from ${url.href}` : '';
    throw new KunciError('wasm.load_failed', `cannot load ${file}${where}: ${explain(e)}`);
  }
}

/**
 * Fetches a `.wasm` and returns what the glue should compile: the Response itself when it is
 * `application/wasm` (compiled while it downloads), else its bytes once checked to be wasm
 * (compiled after the download; correct, only slower to start).
 */
async function fetchChecked(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new KunciError(
      'wasm.load_failed',
      `cannot load ${url.pathname.split('/').pop()} from ${url.href}: the request failed (${e?.message ?? e}); ` +
        'offline, a CORS refusal, or a Content-Security-Policy whose connect-src does not allow this URL',
    );
  }
  const file = url.pathname.split('/').pop();
  const type = (response.headers.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
  if (!response.ok) {
    throw new KunciError(
      'wasm.load_failed',
      `cannot load ${file} from ${url.href}: HTTP ${response.status}; the .wasm files must be served beside ` +
        "the package's JS (in its wasm/ folder), or pass their URLs to init({coreWasm, extraWasm, strengthWasm, pdfWasm})",
    );
  }
  if (type === 'application/wasm') return response;
  const bytes = new Uint8Array(await response.arrayBuffer());
  const magic = bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magic) {
    const page = type === 'text/html' ? ': the server answered with a page, not the .wasm' : ', not WebAssembly';
    throw new KunciError(
      'wasm.load_failed',
      `cannot load ${file}: got ${type || 'a response without Content-Type'} from ${url.href}${page}. ` +
        "With Vite's dev server (5 to 7), add optimizeDeps: { exclude: ['kunci'] } to vite.config.js; " +
        "with another bundler, copy the package's wasm/ folder beside the bundle or pass init({coreWasm, extraWasm, strengthWasm, pdfWasm})",
    );
  }
  return bytes;
}

/** The engine's message plus the cause it usually means. */
function explain(e) {
  const message = String(e?.message ?? e);
  if (/unsafe-eval|Content Security Policy|CSP/i.test(message)) {
    return `${message} (the page's Content-Security-Policy must allow WebAssembly: script-src 'self' 'wasm-unsafe-eval')`;
  }
  return message;
}

/** In Node, `fetch` cannot read file: URLs; read the bytes instead. Browsers never get here. */
async function readFileUrl(url) {
  // The module name is assembled at run time so that no bundler tries to resolve node:fs for
  // the browser or warns about it (a constant in a variable is not enough: Vite 8 folds it).
  const name = ['node:fs', 'promises'].join('/');
  const fs =
    globalThis.process?.getBuiltinModule?.(name) ?? (await import(/* @vite-ignore */ /* webpackIgnore: true */ name));
  return fs.readFile(url);
}
