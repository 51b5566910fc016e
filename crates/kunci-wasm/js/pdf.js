/**
 * PDF signatures in the page (PAdES B-B, B-T, B-LT) and their verification, over the PDF wasm
 * module (`wasm/kunci_pdf_bg.wasm`, fetched by load.js on the first PDF call only).
 *
 * Two halves:
 * - `engine`: the steps that run in WebAssembly, in this thread (the main thread, or the
 *   worker for a worker client): prepare the placeholder and the signed attributes, sign them
 *   with a file key (the core module's `Key.sign`: the key never leaves its wasm memory),
 *   take a token's signature, embed a timestamp, write out the signed file with its DSS,
 *   verify. A signing in progress is a `session`, opaque to the flow.
 * - `signPdfFlow` / `verifyPdfFlow`: the order of the steps and everything that is not wasm:
 *   the token (`token.signDigest` through the extension: only the digest leaves the page),
 *   the TSA and the revocation data over HTTP or the caller's hooks, the checks of their
 *   answers. It runs on the caller's side of a worker client too (client.js gives it an
 *   engine that posts each step to the worker), because hooks are functions, which cannot be
 *   posted, and the token API needs the page's window.
 *
 * Only the digest crosses to a token; a file key's signature is made beside the key; the PDF
 * leaves the wasm module once, signed.
 */
import * as core from './wasm/kunci_core.js';

import { runSliced } from './chunk.js';
import { KunciError } from './errors.js';
import { ensureCore, ensurePdf } from './load.js';
import * as token from './token.js';

let keyHandle = () => {
  throw new KunciError('argument.invalid', 'signPdf: no key handles on this thread');
};

/** index.js hands over its KeyPair → wasm handle lookup (which refuses freed keys). */
export function useKeyHandles(fn) {
  keyHandle = fn;
}

/** The wasm steps in this thread. Every method is async and takes and gives plain data. */
export const engine = {
  /**
   * Step 1, the file hashed in slices (chunk.js). Refuses a key that is not the
   * certificate's (`cert.key_mismatch`) before the work. `opts`: `{signingTime (ms), page, fieldName, reason, location, name}`.
   */
  async prepare(pdf, certificate, chain, opts, key) {
    const m = await ensurePdf();
    const cert = bytes(certificate);
    if (key !== undefined) {
      await ensureCore();
      if (!core.certificateMatchesKey(cert, keyHandle(key))) {
        throw new KunciError('cert.key_mismatch', "signPdf: signer.certificate is not the certificate of signer.key");
      }
    }
    const session = m.PdfSigning.prepare(
      pdf, cert, derList(chain, 'signer.chain'), Math.floor((opts.signingTime ?? Date.now()) / 1000), opts.page ?? 1,
      opts.fieldName, opts.reason, opts.location, opts.name,
      opts.stamp ? new Float64Array([opts.stamp.x, opts.stamp.y, opts.stamp.width ?? 240, opts.stamp.height ?? 72]) : undefined,
      opts.stamp?.lines ?? [], opts.stamp?.qrUrl, opts.stamp?.image,
    );
    // The hash of the file (all of it but the placeholder) in slices of about 12 ms: in one
    // go, a 10 MB file held the main thread for 55 ms.
    try {
      await runSliced(session);
    } catch (e) {
      session.free();
      throw e;
    }
    return {
      session,
      algorithm: session.algorithm,
      fieldName: session.fieldName,
      toBeSignedDigest: session.toBeSignedDigest(),
      documentDigest: session.documentDigest(),
    };
  },

  /** Step 2 with a file key: signed by the core module, checked by the PDF module. */
  async signWithKey(session, key) {
    const signature = keyHandle(key).sign(session.toBeSigned());
    session.finish(signature);
  },

  /** Step 2 with a signature made elsewhere (a token): `pdf.bad_signature` when it does not verify. */
  async finish(session, signature) {
    session.finish(signature);
  },

  async timestampRequest(session, nonce) {
    return session.timestampRequest(nonce);
  },

  async withTimestamp(session, answer) {
    session.withTimestamp(answer);
  },

  async validationCertificates(session) {
    return session.validationCertificates();
  },

  /** What an OCSP request about `certificate` needs: `{url, request}` (each null when unknown). */
  async ocspPlan(certificate, chain) {
    await ensureCore();
    const cert = derList([certificate], 'signer.certificate')[0];
    const url = ocspUrlOf(cert);
    const me = core.parseCertificate(cert);
    let issuer = null;
    for (const der of derList(chain, 'signer.chain')) {
      const info = core.parseCertificate(der);
      if (info.subject === me.issuer && info.subject !== me.subject) {
        issuer = der;
        break;
      }
    }
    return { url, request: issuer ? await ocspRequest(cert, issuer) : null };
  },

  async crlDer(crl) {
    return derList([crl], 'a CRL', CRL_LABELS)[0];
  },

  /** Step 4: the signed PDF (with its DSS when `dss` has CRLs or OCSP responses), and the report when `verify` is given. */
  async complete(session, dss, verify) {
    const pdf = session.complete(dss.certs, dss.crls, dss.ocsps);
    session.free();
    const out = { pdf };
    if (verify) out.report = await engine.verify(pdf, verify);
    return out;
  },

  async drop(session) {
    try {
      session.free();
    } catch {
      // already consumed by complete()
    }
  },

  /** The pages and their sizes in points (the media box; `rotate` in degrees, clockwise). */
  async info(pdf) {
    const m = await ensurePdf();
    const pages = JSON.parse(m.pdfPages(pdf)).map(([x0, y0, x1, y1, rotate]) => {
      const [a, b, c, d] = [x0, y0, x1, y1].map(Number);
      return { x: Math.min(a, c), y: Math.min(b, d), width: Math.abs(c - a), height: Math.abs(d - b), rotate };
    });
    return { pages };
  },

  /**
   * `opts`: `{trust, crls, ocsps, now (ms)}`. Each signature's bytes are hashed by WebCrypto
   * first, off this thread (hashed in the one wasm call, a 10 MB file held the main thread for
   * 50 ms); without WebCrypto (an insecure context) the wasm call hashes them itself.
   */
  async verify(pdf, opts) {
    const m = await ensurePdf();
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    const trust = derList(opts.trust ?? [], 'options.trust');
    const crls = derList(opts.crls ?? [], 'a CRL', CRL_LABELS);
    const ocsps = (opts.ocsps ?? []).map(bytes);
    const ranges = globalThis.crypto?.subtle ? byteRanges(pdf) : [];
    const digests = [];
    for (let i = 0; i < ranges.length; i += 4) {
      const [, b, c, d] = ranges.slice(i, i + 4);
      const signed = new Uint8Array(b + d);
      signed.set(pdf.subarray(0, b));
      signed.set(pdf.subarray(c, c + d), b);
      // The ByteRange as four big-endian u64s, then the digest (kunci-core's VerifyOptions::digests).
      const entry = new Uint8Array(64);
      const view = new DataView(entry.buffer);
      ranges.slice(i, i + 4).forEach((n, k) => view.setBigUint64(8 * k, BigInt(n)));
      entry.set(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', signed)), 32);
      digests.push(entry);
    }
    return report(JSON.parse(m.verifyPdf(pdf, trust, crls, ocsps, now, digests)));
  },
};

/** At most this many ByteRanges are hashed ahead; the wasm call hashes any others itself. */
const MAX_RANGES = 16;
const SLASH = 0x2f;
const BYTE_RANGE = [...'ByteRange'].map((ch) => ch.charCodeAt(0));

/**
 * The numbers of every `/ByteRange [0 b c d]` written plainly in `pdf` (four per range) that
 * lies within the file: the candidates to hash ahead for `verifyPdf`. A lookup, not a parse:
 * the wasm side uses a digest only for a signature whose ByteRange is exactly the one hashed,
 * so a candidate that is no signature's (in a stream, in an old revision) costs time, never
 * a wrong verdict, and a ByteRange this misses (in an object stream) is hashed there.
 */
export function byteRanges(pdf) {
  const out = [];
  const seen = new Set();
  for (let at = pdf.indexOf(SLASH); at >= 0 && out.length < 4 * MAX_RANGES; at = pdf.indexOf(SLASH, at + 1)) {
    if (!BYTE_RANGE.every((ch, i) => pdf[at + 1 + i] === ch)) continue;
    let i = at + 1 + BYTE_RANGE.length;
    const space = () => {
      while (i < pdf.length && (pdf[i] === 0x20 || (pdf[i] >= 0x09 && pdf[i] <= 0x0d))) i += 1;
    };
    space();
    if (pdf[i] !== 0x5b) continue; // [
    i += 1;
    const nums = [];
    for (let k = 0; k < 4; k++) {
      space();
      let n = 0;
      const start = i;
      while (i < pdf.length && i - start < 16 && pdf[i] >= 0x30 && pdf[i] <= 0x39) n = n * 10 + pdf[i++] - 0x30;
      if (i === start) break;
      nums.push(n);
    }
    space();
    const [a, b, c, d] = nums;
    const key = nums.join(' ');
    if (nums.length !== 4 || pdf[i] !== 0x5d || a !== 0 || b >= c || c + d > pdf.length || seen.has(key)) continue;
    seen.add(key);
    out.push(a, b, c, d);
  }
  return out;
}

// ---- the flow ----------------------------------------------------------------------------

/** `signPdf` with checked arguments (args.js's `checkSignPdf`), over `eng`. */
export async function signPdfFlow(eng, pdf, signer, o) {
  const prepared = await eng.prepare(pdf, signer.certificate, signer.chain, {
    signingTime: o.signingTime, page: o.page, fieldName: o.fieldName, reason: o.reason, location: o.location, name: o.name,
    stamp: o.stamp,
  }, signer.key);
  const { session } = prepared;
  let done = false;
  try {
    if (signer.key !== undefined) await eng.signWithKey(session, signer.key);
    else await eng.finish(session, await signOnToken(prepared, signer.token, o.documentName, pdf.byteLength));
    if (o.profile !== 'B-B') {
      const query = await eng.timestampRequest(session, globalThis.crypto.getRandomValues(new Uint8Array(8)));
      await eng.withTimestamp(session, await timestampAnswer(query, o));
    }
    const dss = { certs: [], crls: [], ocsps: [] };
    if (o.profile === 'B-LT') {
      dss.certs = await eng.validationCertificates(session);
      await revocationData(eng, signer, o, dss);
    }
    const verify = o.trust ? { trust: o.trust, crls: [], ocsps: [] } : undefined;
    const out = await eng.complete(session, dss, verify);
    done = true;
    return { pdf: out.pdf, report: out.report ?? null };
  } finally {
    if (!done) await eng.drop(session).catch(() => {});
  }
}

/** `verifyPdf` with checked arguments. */
export function verifyPdfFlow(eng, pdf, o) {
  return eng.verify(pdf, o);
}

/**
 * The token's signature over the signed attributes' digest, through the extension: the holder
 * sees `documentName`, the size and the digest's first digits, and types the PIN there.
 */
async function signOnToken(prepared, tok, documentName, size) {
  const want = tok.algorithm === 'p256' ? 'p256' : 'rsa';
  if (prepared.algorithm !== want) {
    throw new KunciError('cert.key_mismatch',
      `signPdf: signer.certificate holds a${prepared.algorithm === 'rsa' ? 'n RSA' : ' P-256'} key, signer.token.algorithm is ${tok.algorithm}`);
  }
  if (typeof token.signDigest !== 'function') {
    throw new KunciError('extension.absent', 'signPdf: this kunci package has no token.signDigest: update the package and the kunci extension');
  }
  const answer = await token.signDigest({
    keyId: tok.keyId,
    algorithm: tok.algorithm,
    digest: new Uint8Array(prepared.toBeSignedDigest), // 32 bytes; token.js sends it as hex
    document: { name: documentName, size },
  });
  const signature = signatureBytes(answer?.signature ?? answer);
  if (!signature) throw new KunciError('extension.failed', 'signPdf: the kunci extension answered without a signature');
  return signature;
}

/** The TSA's answer to `query`: the caller's `timestamp` hook, else a POST to `tsaUrl`. */
async function timestampAnswer(query, o) {
  if (o.timestamp) {
    let answer;
    try {
      answer = await o.timestamp(query.slice());
    } catch (e) {
      if (e instanceof KunciError) throw e;
      throw new KunciError('tsa.unreachable', `signPdf: options.timestamp failed: ${e?.message ?? e}`);
    }
    const b = asBytes(answer);
    if (!b) throw new KunciError('pdf.bad_timestamp', 'signPdf: options.timestamp must resolve to the TSA\'s answer as bytes (Uint8Array or ArrayBuffer)');
    return b;
  }
  return post(o.tsaUrl, 'application/timestamp-query', 'application/timestamp-reply', query, 'tsa.unreachable', 'the TSA');
}

/**
 * B-LT's validation data into `dss`: an OCSP response about the signer's certificate (unless
 * `ocsp` is false: by default when no CRL is given, from the responder the certificate names or
 * the URL in `ocsp`) and about every other certificate of `dss.certs` that names a responder
 * (the TSA's, a CA's), and every CRL of `crls` (bytes as given, or fetched from a URL).
 */
async function revocationData(eng, signer, o, dss) {
  const wantOcsp = o.ocsp ?? o.crls === undefined;
  if (wantOcsp) {
    const plan = await eng.ocspPlan(signer.certificate, signer.chain);
    const url = typeof o.ocsp === 'string' ? o.ocsp : plan.url;
    if (!plan.request) {
      throw new KunciError('pdf.revocation_unavailable',
        "signPdf: the certificate's issuer is not in signer.chain, and an OCSP request needs it (or give options.crls and ocsp: false)");
    }
    if (!url) {
      throw new KunciError('pdf.revocation_unavailable',
        'signPdf: the certificate names no OCSP responder: give options.ocsp a URL, or options.crls');
    }
    const answer = await fetchRevocation(o, { type: 'ocsp', url, request: plan.request });
    const status = ocspStatus(answer);
    if (status !== 0) {
      throw new KunciError('ocsp.refused', `signPdf: the OCSP responder at ${url} ${status === null ? 'answered with something that is not an OCSP response' : `refused the request (status ${status})`}`);
    }
    dss.ocsps.push(answer);
    // The TSA's certificate and any CA between the signer's and the root: an answer where a
    // certificate names its responder (kunci's verifier checks them too; pyHanko consults OCSP
    // only for such certificates). Best effort: the signer's answer is what B-LT requires, so a
    // failure here leaves that certificate to CRLs. The signer's comes first; a root asks nothing.
    for (const der of dss.certs.slice(1)) {
      const more = await eng.ocspPlan(der, dss.certs);
      if (!more.url || !more.request) continue;
      const extra = await fetchRevocation(o, { type: 'ocsp', url: more.url, request: more.request }).catch(() => null);
      if (extra && ocspStatus(extra) === 0) dss.ocsps.push(extra);
    }
  }
  for (const crl of o.crls ?? []) {
    const isUrl = typeof crl === 'string' && !crl.includes('-----BEGIN');
    const raw = isUrl ? await fetchRevocation(o, { type: 'crl', url: crl }) : crl;
    dss.crls.push(await eng.crlDer(raw));
  }
}

/** One OCSP response or CRL, through the caller's `fetchRevocation` hook or over HTTP. */
async function fetchRevocation(o, what) {
  const code = what.type === 'ocsp' ? 'ocsp.unreachable' : 'crl.unreachable';
  if (o.fetchRevocation) {
    let answer;
    try {
      answer = await o.fetchRevocation(what.request ? { ...what, request: what.request.slice() } : { ...what });
    } catch (e) {
      if (e instanceof KunciError) throw e;
      throw new KunciError(code, `signPdf: options.fetchRevocation failed for ${what.url}: ${e?.message ?? e}`);
    }
    const b = asBytes(answer);
    if (!b) throw new KunciError(code, `signPdf: options.fetchRevocation must resolve to bytes (for ${what.url})`);
    return b;
  }
  if (what.type === 'ocsp') return post(what.url, 'application/ocsp-request', 'application/ocsp-response', what.request, code, 'the OCSP responder');
  return get(what.url, code, 'the CRL');
}

async function post(url, type, accept, body, code, who) {
  return request(url, { method: 'POST', headers: { 'Content-Type': type, Accept: accept }, body }, code, who);
}

async function get(url, code, who) {
  return request(url, { method: 'GET' }, code, who);
}

async function request(url, init, code, who) {
  let target;
  try {
    target = new URL(url, globalThis.location?.href);
  } catch {
    throw new KunciError(code, `signPdf: ${who}'s URL ${url} is not a URL`);
  }
  const crossOrigin = globalThis.location?.origin && target.origin !== globalThis.location.origin;
  let response;
  try {
    response = await fetch(target, init);
  } catch (e) {
    const hint = crossOrigin
      ? ` (${target.origin} is another origin: TSAs and OCSP responders send no CORS headers, so go through the portal's same-origin /tsa and /ocsp, or give a hook)`
      : '';
    throw new KunciError(code, `signPdf: ${who} at ${target.href} cannot be reached: ${e?.message ?? e}${hint}`);
  }
  if (!response.ok) throw new KunciError(code, `signPdf: ${who} at ${target.href} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// id-ad-ocsp (1.3.6.1.5.5.7.48.1) followed by a GeneralName uniformResourceIdentifier ([6]).
const ID_AD_OCSP_URI = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x86];

/**
 * The OCSP responder's URL in a certificate's authorityInfoAccess (an AccessDescription is
 * `SEQUENCE {accessMethod id-ad-ocsp, accessLocation [6] IA5String}`), or null. Read here
 * from the DER, so that the PDF module carries no extension decoder for it; a wrong URL costs
 * only a failed fetch (`ocsp.unreachable`).
 */
function ocspUrlOf(der) {
  outer: for (let i = 0; i + ID_AD_OCSP_URI.length + 1 < der.length; i++) {
    for (let j = 0; j < ID_AD_OCSP_URI.length; j++) if (der[i + j] !== ID_AD_OCSP_URI[j]) continue outer;
    let at = i + ID_AD_OCSP_URI.length;
    let len = der[at++];
    if (len === 0x81) len = der[at++];
    else if (len === 0x82) len = (der[at++] << 8) | der[at++];
    else if (len >= 0x80) return null;
    if (at + len > der.length) return null;
    const url = String.fromCharCode(...der.subarray(at, at + len));
    return /^https?:\/\//i.test(url) ? url : null;
  }
  return null;
}

/**
 * An OCSP request (RFC 6960) about `cert` issued by `issuer` (DER each): one CertID with SHA-1
 * hashes of the issuer's name and key, as `openssl ocsp` makes it. Built here (a few DER
 * fields and WebCrypto's SHA-1) rather than in the PDF module, for the module's size budget.
 */
async function ocspRequest(cert, issuer) {
  const tbs = (der) => children(children(children(der, 0)[0].body, 0)[0].body, 0);
  const mine = tbs(cert);
  const theirs = tbs(issuer);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki
  const at = mine[0].tag === 0xa0 ? 1 : 0;
  const serial = mine[at].raw;
  const issuerName = mine[at + 2].raw;
  const spki = children(theirs[(theirs[0].tag === 0xa0 ? 1 : 0) + 5].body, 0);
  const key = spki[1].body.subarray(1); // the BIT STRING's bits, without the unused-bits octet
  const sha1 = async (b) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', b));
  const certId = tlv(0x30, [
    tlv(0x30, [Uint8Array.of(0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a), Uint8Array.of(0x05, 0x00)]),
    tlv(0x04, [await sha1(issuerName)]),
    tlv(0x04, [await sha1(key)]),
    serial,
  ]);
  return tlv(0x30, [tlv(0x30, [tlv(0x30, [tlv(0x30, [certId])])])]);
}

/** The DER elements inside `der` from `start`: `{tag, body, raw}` each. */
function children(der, start) {
  const out = [];
  let i = start;
  while (i < der.length) {
    const tag = der[i];
    let len = der[i + 1];
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 3) throw new KunciError('input.bad_der', 'a certificate kunci cannot read');
      len = 0;
      for (let k = 0; k < n; k++) len = (len << 8) | der[i + 2 + k];
      head += n;
    }
    if (i + head + len > der.length) throw new KunciError('input.bad_der', 'a truncated certificate');
    out.push({ tag, body: der.subarray(i + head, i + head + len), raw: der.subarray(i, i + head + len) });
    i += head + len;
  }
  return out;
}

/** A DER element with `tag` around the concatenated `parts`. */
function tlv(tag, parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const head = len < 0x80 ? [tag, len] : len < 0x100 ? [tag, 0x81, len] : [tag, 0x82, len >> 8, len & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The responseStatus of a DER OCSPResponse (0 = successful), or null when it is not one. */
function ocspStatus(der) {
  if (der.length < 5 || der[0] !== 0x30) return null;
  let i = 2;
  if (der[1] & 0x80) i += der[1] & 0x7f;
  return der[i] === 0x0a && der[i + 1] === 1 ? der[i + 2] : null;
}

// ---- small helpers -----------------------------------------------------------------------

function bytes(input) {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new KunciError('argument.invalid', 'expected a PEM string or bytes (Uint8Array)'); // args.js checks first
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g;
const CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'];
const CRL_LABELS = ['X509 CRL'];

/**
 * Certificates (or CRLs) as DER: each item is DER bytes, or PEM (text or bytes) holding one or
 * more of them (a bundle). Done here so that the PDF module carries no PEM bundle reader.
 */
function derList(items, name, labels = CERT_LABELS) {
  const out = [];
  for (const item of items) {
    let text = typeof item === 'string' ? item : null;
    const b = text === null ? bytes(item) : null;
    if (b && b[0] !== 0x30) text = new TextDecoder().decode(b);
    if (text === null) {
      out.push(b);
      continue;
    }
    let found = 0;
    for (const [, label, body] of text.matchAll(PEM_BLOCK)) {
      if (!labels.includes(label)) continue;
      try {
        out.push(Uint8Array.from(atob(body.replace(/\s+/g, '')), (c) => c.charCodeAt(0)));
      } catch {
        throw new KunciError('input.bad_pem', `${name}: a damaged ${label} block`);
      }
      found++;
    }
    if (!found) throw new KunciError('input.bad_pem', `${name}: no -----BEGIN ${labels[0]}----- block and not DER`);
  }
  return out;
}

function asBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

/** A signature from the extension: base64 text (as the protocol carries it) or bytes. */
function signatureBytes(v) {
  if (typeof v === 'string') {
    try {
      const bin = atob(v.replace(/-/g, '+').replace(/_/g, '/'));
      return Uint8Array.from(bin, (c) => c.charCodeAt(0));
    } catch {
      return null;
    }
  }
  return asBytes(v);
}

/**
 * The PDF module's report (JSON it writes in the package's style: camelCase keys, `null` for
 * what is absent), with only the known keys kept, in a fixed order.
 */
function report(r) {
  const finding = (f) => ({ code: f.code, severity: f.severity, id: f.id, en: f.en, detail: f.detail ?? null });
  return {
    valid: r.valid,
    signatures: r.signatures.map((s) => ({
      field: s.field,
      valid: s.valid,
      signer: s.signer ?? null,
      claimedTime: s.claimedTime ?? null,
      timestampTime: s.timestampTime ?? null,
      level: s.level,
      byteRange: s.byteRange,
      coversWholeFile: s.coversWholeFile,
      findings: s.findings.map(finding),
    })),
    findings: r.findings.map(finding),
  };
}
