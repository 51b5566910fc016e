/**
 * What the two PDF pages share ("Tanda Tangani PDF", tanda-tangan.html, and "Verifikasi
 * Dokumen", verifikasi.html): reading the chosen file (size limit, `%PDF-` check), the npm
 * package's PDF calls (`signPdf`, `verifyPdf`: its lazily loaded `pdf` wasm module, so no other
 * page pays for it), and the portal's own CA services the pages use, all same-origin (no CORS,
 * the CSP's `connect-src 'self'`): the timestamp authority (`POST /tsa`), the CRL
 * (`GET /ca/issuing.crl`), the OCSP responder (`POST /ocsp`) and the trust anchors
 * (`GET /ca/root.crt`, `GET /ca/chain.pem`). The document itself never leaves the page: a
 * timestamp request carries only a hash of the signature.
 *
 * Every failure is an Error with a stable `.code` (translated in i18n.js or the page's strings):
 * `pdf.none`, `pdf.too_large`, `pdf.not_pdf`, `pdf.unavailable` (the package has no PDF module),
 * `sign.tsa_unavailable`, `sign.revocation_unavailable`, `verify.ca_unavailable`, and whatever
 * the package answers (`pdf.malformed`, `pdf.encrypted`, `pdf.cert_key_usage`, …).
 */

import { kunci } from './kunci.js';

/** The largest PDF the pages take (signed or checked in the browser's memory). */
export const MAX_PDF_BYTES = 25 * 1024 * 1024;
/** The same limit in words, for the hints ("25 MiB"). */
export const MAX_PDF_TEXT = '25 MiB';

/** An Error with a stable code. */
export function coded(code, message) {
  return Object.assign(new Error(message || code), { code });
}

/**
 * The chosen file's bytes, after the checks a page can make before any work: a file chosen, at
 * most MAX_PDF_BYTES, `%PDF-` in its first kilobyte (where readers look for it).
 */
export async function readPdf(file) {
  if (!file) throw coded('pdf.none');
  if (file.size > MAX_PDF_BYTES) throw coded('pdf.too_large');
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (!hasPdfHeader(bytes)) throw coded('pdf.not_pdf');
  return bytes;
}

function hasPdfHeader(bytes) {
  const head = bytes.subarray(0, 1024);
  for (let i = 0; i + 5 <= head.length; i += 1) {
    if (head[i] === 0x25 && head[i + 1] === 0x50 && head[i + 2] === 0x44 && head[i + 3] === 0x46 && head[i + 4] === 0x2d) return true;
  }
  return false;
}

/** `laporan.pdf` → `laporan-ditandatangani.pdf` (characters a file system dislikes dropped). */
export function signedName(fileName) {
  const base = String(fileName || 'dokumen').replace(/\.pdf$/i, '').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim() || 'dokumen';
  return `${base}-ditandatangani.pdf`;
}

let pkg = null;

/** The package's main-thread module, with its PDF calls (`pdf.unavailable` without them). */
export function pdfPackage() {
  if (!pkg) {
    pkg = import('/pkg/index.js').then((m) => {
      if (typeof m.signPdf !== 'function' || typeof m.verifyPdf !== 'function') {
        throw coded('pdf.unavailable', 'this kunci package has no PDF module');
      }
      return m;
    }).catch((e) => {
      pkg = null;
      throw e.code ? e : coded('wasm.load_failed', e.message);
    });
  }
  return pkg;
}

/** POSTs `body` (bytes) to a same-origin path and answers the reply's bytes; `code` on failure. */
async function postBytes(path, body, type, code) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'Content-Type': type }, body, credentials: 'omit' });
  } catch (e) {
    throw coded(code, e.message);
  }
  if (!res.ok) throw coded(code, `${path} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function getBytes(path, code) {
  let res;
  try {
    res = await fetch(path, { credentials: 'omit' });
  } catch (e) {
    throw coded(code, e.message);
  }
  if (!res.ok) throw coded(code, `${path} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The portal's TSA: an RFC 3161 TimeStampReq (DER) in, the TimeStampResp (DER) out. */
export function timestamp(request) {
  return postBytes('/tsa', request, 'application/timestamp-query', 'sign.tsa_unavailable');
}

/** The portal's OCSP responder: an OCSPRequest (DER) in, the OCSPResponse (DER) out. */
export function ocsp(request) {
  return postBytes('/ocsp', request, 'application/ocsp-request', 'sign.revocation_unavailable');
}

/** The issuing CA's current CRL (DER). */
export function portalCrl(code = 'sign.revocation_unavailable') {
  return getBytes('/ca/issuing.crl', code);
}

/** The portal's CA, to verify against: the root (DER) and the chain (issuing CA, root; PEM). */
export async function portalTrust() {
  const [root, chain] = await Promise.all([
    getBytes('/ca/root.crt', 'verify.ca_unavailable'),
    getBytes('/ca/chain.pem', 'verify.ca_unavailable'),
  ]);
  return { root, chainPem: new TextDecoder().decode(chain) };
}

/** The PEM certificates of a bundle, in order. */
export function pemBlocks(text) {
  return String(text).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || [];
}

/** A certificate's DER from its PEM. */
export function pemToDer(pem) {
  const b64 = String(pem).replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * SHA-256 (hex) of a certificate's SubjectPublicKeyInfo: what the key store and the token
 * records name a key by (`publicKeySha256`). Null when it cannot be computed (no WebCrypto
 * outside a secure context, or a certificate this short reader does not follow).
 */
export async function certificateKeySha256(pem) {
  try {
    if (!globalThis.crypto || !crypto.subtle) return null;
    const der = pemToDer(pem);
    const tlv = (at) => {
      let len = der[at + 1];
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n < 1 || n > 4) throw new Error('length');
        len = 0;
        for (let i = 0; i < n; i += 1) len = len * 256 + der[at + 2 + i];
        head = 2 + n;
      }
      if (at + head + len > der.length) throw new Error('short');
      return { tag: der[at], start: at, body: at + head, end: at + head + len };
    };
    const cert = tlv(0);
    const tbs = tlv(cert.body);
    let at = tbs.body;
    if (tlv(at).tag === 0xa0) at = tlv(at).end; // [0] version
    for (let i = 0; i < 5; i += 1) at = tlv(at).end; // serial, signature, issuer, validity, subject
    const spki = tlv(at);
    if (spki.tag !== 0x30) return null;
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', der.slice(spki.start, spki.end)));
    return [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    return null;
  }
}

/**
 * The options of the package's `signPdf` (crates/kunci-wasm/js/index.d.ts): `profile` `B-B`,
 * `B-T` (a timestamp from the portal's TSA) or `B-LT` (also the portal's CRL and an OCSP answer
 * about the signer from the portal's responder, in a DSS). The hooks run in the page (the worker
 * client calls them on the calling side), so every network call is this page's, same-origin.
 */
async function signOptions({ profile, reason, location, documentName, signingTime, page, stamp }) {
  const options = { profile };
  if (signingTime) options.signingTime = signingTime;
  if (page) options.page = page;
  if (stamp) options.stamp = stamp;
  if (reason) options.reason = reason;
  if (location) options.location = location;
  if (documentName) options.documentName = String(documentName).slice(0, 255);
  if (profile === 'B-T' || profile === 'B-LT') options.timestamp = timestamp;
  if (profile === 'B-LT') {
    options.crls = [await portalCrl()];
    options.ocsp = new URL('/ocsp', window.location.origin).href;
    options.fetchRevocation = (req) => (req.type === 'ocsp' ? ocsp(req.request) : portalCrl());
  }
  return options;
}

/**
 * Signs with a key kept in this browser, inside the kunci worker (`key` a WorkerKeyPair from
 * `KeyPair.importEncrypted`); `params`: `{certificate, chain, profile, reason?, location?,
 * documentName?, signingTime?, page?, stamp?}` (`stamp` as the package's `options.stamp`).
 * Answers the signed PDF's bytes.
 */
export async function signWithFileKey(bytes, key, params) {
  const k = await kunci();
  if (typeof k.signPdf !== 'function') throw coded('pdf.unavailable', 'this kunci package has no PDF module');
  const signer = { key, certificate: params.certificate, chain: params.chain };
  const out = await k.signPdf(bytes, signer, await signOptions(params));
  return out.pdf;
}

/**
 * Signs with a key on the USB token (`token`: `{keyId, algorithm}`): only the digest goes to the
 * extension, whose own window shows the document's name and asks the PIN.
 */
export async function signWithToken(bytes, token, params) {
  const m = await pdfPackage();
  const signer = { token, certificate: params.certificate, chain: params.chain };
  const out = await m.signPdf(bytes, signer, await signOptions(params));
  return out.pdf;
}

/** The pages of a PDF and their sizes in points (the package's `pdfInfo`), in the kunci worker. */
export async function pdfPages(bytes) {
  const k = await kunci();
  if (typeof k.pdfInfo === 'function') return k.pdfInfo(bytes);
  const m = await pdfPackage();
  if (typeof m.pdfInfo !== 'function') throw coded('pdf.unavailable', 'this kunci package has no pdfInfo');
  return m.pdfInfo(bytes);
}

/**
 * Verifies every signature of `bytes` in the kunci worker against the portal's CA, with
 * revocation from the file's own DSS and the portal's current CRL. Answers the package's report
 * (`PdfReport`).
 */
export async function verifyWithPortal(bytes) {
  const [k, trust, crl] = await Promise.all([
    kunci(),
    portalTrust(),
    portalCrl('verify.ca_unavailable').catch(() => null),
  ]);
  const options = { trust: [trust.root, trust.chainPem], revocation: crl ? { crls: [crl] } : null };
  if (typeof k.verifyPdf === 'function') return k.verifyPdf(bytes, options);
  return (await pdfPackage()).verifyPdf(bytes, options);
}
