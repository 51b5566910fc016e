/**
 * The browser half of the benchmark (`bench.mjs` is the Node half): one ES module, imported by
 * the blank bench page, holding every timed case for every library, so that all of them run
 * in the same page session, one after the other, never at the same time.
 *
 * The anchors are classic scripts loaded before this module (`forge`, `x509` with its
 * `Reflect` polyfill, `zxcvbnts`); kunci is imported from `/pkg/index.js` when it is built.
 * Each case is timed with `performance.now()` around one awaited call; keys and CSRs that a
 * case only *uses* are made once in `prepare()`, outside the timing.
 */

/* global forge, x509, zxcvbnts */

const PASSWORD = 'Bench-Password-2024!';
const TOKEN = 'Zq3vN8xK2pR7tW4yB6mD1fH9';
const EMAIL = 'budi.santoso@example.co.id';
const SUBJECT = {
  commonName: 'Budi Santoso',
  email: EMAIL,
  organization: 'PT Contoh Sejahtera',
  country: 'ID',
};
const X509_NAME = 'CN=Budi Santoso, E=budi.santoso@example.co.id, O=PT Contoh Sejahtera, C=ID';
const RSA_PARAMS = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};
const PBKDF2_ITERATIONS = 600_000;

/** Passwords up to 64 characters: Indonesian and English words, names, dates, NIK-like
 * numbers, keyboard walks, leetspeak and random strings, short and long. */
export const PASSWORDS = [
  'password', '123456', 'qwerty123', 'rahasia', 'sayang123', 'indonesia1945', 'merdeka17',
  'bismillah', 'jakarta2024', 'Budi Santoso', 'budisantoso1990', 'B4nd0ng!', 'P@ssw0rd',
  'cintaku selamanya', 'kucingku lucu sekali', 'asdfghjkl', '1qaz2wsx3edc', 'zxcvbnm,./',
  '3174091201900001', '08123456789', '17081945', 'sepedamotorbaru', 'nasigorengenak',
  'Tr0ub4dor&3', 'correct horse battery staple', 'Surabaya-Malang-2023',
  'kopi susu gula aren tanpa es', 'Jl. Merdeka No. 10 Bandung', 'aaaaaaaaaaaaaaaa',
  'abcdefghijklmnopqrstuvwxyz', 'Xk9#mQ2$vL7@pR4!', 'ya8Vd3kLq0Pz7TbN2wHs5rGc',
  'selamat pagi semuanya apa kabar hari ini', 'budi.santoso@example.co.id',
  'PTContohSejahtera2024!', 'rumahkuistanakuyangindahsekali', 'Qw3rty!Qw3rty!Qw3rty!',
  'saya suka makan nasi padang dan sate ayam setiap hari minggu!!', // 62
  'Kq8#vN2$xL5@pR9!mW3^tY7&bH1*zD4%Kq8#vN2$xL5@pR9!mW3^tY7&bH1*zD4', // 63
  'jakartabandungsurabayamedanmakassarsemarangpalembangdenpasar1234', // 64
];

const state = {};

/** What this page has: anchor globals and, when `hasKunci`, the kunci module. */
export async function prepare({ hasKunci }) {
  const info = { kunci: null };
  if (hasKunci) {
    const t = performance.now();
    state.kunci = await import('/pkg/index.js');
    await state.kunci.init();
    info.kunciInitMs = performance.now() - t;
    state.kunciRsa = await state.kunci.KeyPair.generate('rsa2048');
    const csr = await state.kunci.createCsr(state.kunciRsa, { subject: SUBJECT, email: EMAIL, challengePassword: TOKEN });
    info.kunciCsrPem = csr.pem;
    info.kunci = true;
  }
  state.webRsa = await crypto.subtle.generateKey(RSA_PARAMS, true, ['sign', 'verify']);
  state.forgeRsa = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  state.forgeCert = forgeSelfSigned(state.forgeRsa);

  const t = performance.now();
  const { ZxcvbnFactory, common, en, id } = zxcvbnts;
  state.zxcvbn = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary, ...id.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  info.zxcvbnSetupMs = performance.now() - t;
  info.crossOriginIsolated = globalThis.crossOriginIsolated;
  info.userAgent = navigator.userAgent;
  return info;
}

/** The certificate an outside CA issued for kunci's bench key (for PKCS#12 packing). */
export function setKunciCertificate(pem) {
  state.kunciCert = pem;
}

/**
 * Issue 17: a certificate for the bench key that allows signing (an outside CA, keyUsage
 * digitalSignature), its CA, and a 10 MB PDF made here; the first signature is made once,
 * untimed, so that the verify case has a signed file (and the PDF module is loaded).
 */
export async function setKunciPdf(certPem, caPem) {
  state.pdfCert = certPem;
  state.pdfCa = caPem;
  state.pdf10 = makePdf(10 * 1000 * 1000);
  state.pdf10Signed = (await state.kunci.signPdf(state.pdf10, { key: state.kunciRsa, certificate: certPem, chain: caPem })).pdf;
  const report = await state.kunci.verifyPdf(state.pdf10Signed, { trust: caPem });
  if (!report.valid) throw new Error(`the bench PDF does not verify: ${JSON.stringify(report)}`);
  return { bytes: state.pdf10.length };
}

/**
 * A one-page PDF of about `size` bytes: a page with a line of text, and an image XObject on it
 * whose stream is `size` bytes of pseudo-random data (incompressible, as photos and scans in
 * real documents are). Classic cross-reference table.
 */
export function makePdf(size) {
  const enc = new TextEncoder();
  const parts = [];
  const offsets = [];
  let length = 0;
  const push = (b) => {
    const bytes = typeof b === 'string' ? enc.encode(b) : b;
    parts.push(bytes);
    length += bytes.length;
  };
  push('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const obj = (n, body) => {
    offsets[n] = length;
    push(`${n} 0 obj\n${body}\nendobj\n`);
  };
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R '
    + '/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>');
  const content = 'BT /F1 24 Tf 72 760 Td (Dokumen 10 MB, kunci bench) Tj ET q 451 0 0 600 72 100 cm /Im1 Do Q';
  obj(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  obj(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const side = Math.floor(Math.sqrt(size / 3));
  const data = new Uint8Array(side * side * 3);
  let x = 0x2545f491;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32
    data[i] = x & 0xff;
  }
  offsets[6] = length;
  push(`6 0 obj\n<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB `
    + `/BitsPerComponent 8 /Length ${data.length} >>\nstream\n`);
  push(data);
  push('\nendstream\nendobj\n');
  const xref = length;
  let table = 'xref\n0 7\n0000000000 65535 f \n';
  for (let n = 1; n <= 6; n++) table += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  push(`${table}trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first call to kunci's strength check (loads and compiles its wasm), timed alone. */
export async function kunciStrengthFirstCall() {
  const t = performance.now();
  await state.kunci.passwordStrength('first call', {}, 'id');
  return performance.now() - t;
}

/**
 * Issue 14's figure, in a page of its own (a fresh strength module): the page calls
 * `warmUpStrength()` (the package's hook: it loads the module and builds the dictionaries in
 * idle-time pieces), waits until the page is idle, then times the first `passwordStrength`
 * call. The longest main-thread task while warming comes from the `longtask` entries (the
 * browser reports only tasks of 50 ms or more: none means every piece was shorter).
 */
export async function kunciStrengthAfterIdle() {
  const kunci = await import('/pkg/index.js');
  await kunci.init();
  const tasks = [];
  const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries().map((e) => e.duration)));
  observer.observe({ type: 'longtask' });
  const t0 = performance.now();
  await kunci.warmUpStrength();
  const warmUpMs = performance.now() - t0;
  await new Promise((resolve) => requestIdleCallback(resolve, { timeout: 2000 }));
  observer.disconnect();
  const t = performance.now();
  await kunci.passwordStrength('first call', {}, 'id');
  return { warmUpMs, longTasks: tasks, firstMs: performance.now() - t };
}

/** One timed body per case and library. Each returns a promise or a value; both are awaited. */
const BODIES = {
  'rsa2048-keygen': {
    kunci: async () => (await state.kunci.KeyPair.generate('rsa2048')).free(),
    webcrypto: () => crypto.subtle.generateKey(RSA_PARAMS, true, ['sign', 'verify']),
    forge: () => forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 }),
  },
  'p256-keygen-csr': {
    kunci: async () => {
      const key = await state.kunci.KeyPair.generate('p256');
      await state.kunci.createCsr(key, { subject: SUBJECT, email: EMAIL, challengePassword: TOKEN });
      key.free();
    },
    webcrypto: () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']),
    x509: async () => {
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      return x509Csr(keys, { name: 'ECDSA', hash: 'SHA-256' });
    },
  },
  'rsa-csr': {
    kunci: () => state.kunci.createCsr(state.kunciRsa, { subject: SUBJECT, email: EMAIL, challengePassword: TOKEN }),
    x509: () => x509Csr(state.webRsa, RSA_PARAMS),
    forge: () => forgeCsr(state.forgeRsa),
  },
  'pkcs12-600k': {
    kunci: () => state.kunci.packPkcs12(state.kunciRsa, state.kunciCert, PASSWORD, { iterations: PBKDF2_ITERATIONS }),
    forge: () => {
      const asn1 = forge.pkcs12.toPkcs12Asn1(state.forgeRsa.privateKey, state.forgeCert, PASSWORD, {
        algorithm: 'aes256',
        prfAlgorithm: 'sha256',
        count: PBKDF2_ITERATIONS,
      });
      return forge.asn1.toDer(asn1).getBytes().length;
    },
  },
  // Not timed rows: run once each for the main-thread probe (bench.mjs, `once`).
  'pkcs12-legacy-600k': {
    kunci: () =>
      state.kunci.packPkcs12(state.kunciRsa, state.kunciCert, PASSWORD, { iterations: PBKDF2_ITERATIONS, legacy: true }),
  },
  'pkcs12-read-600k': {
    kunci: async () => (await state.kunci.readPkcs12(await kunciP12(false), PASSWORD)).key.free(),
  },
  'pkcs12-read-legacy-600k': {
    kunci: async () => (await state.kunci.readPkcs12(await kunciP12(true), PASSWORD)).key.free(),
  },
  'rsa4096-keygen-csr': {
    kunci: async () => {
      const key = await state.kunci.KeyPair.generate('rsa4096');
      await state.kunci.createCsr(key, { subject: SUBJECT, email: EMAIL, challengePassword: TOKEN });
      key.free();
    },
  },
  // Issue 17: a 10 MB PDF, B-B with the RSA-2048 file key (no TSA round trip), and its verification.
  'pdf-sign-10mb': {
    kunci: () => state.kunci.signPdf(state.pdf10, { key: state.kunciRsa, certificate: state.pdfCert, chain: state.pdfCa }),
  },
  'pdf-verify-10mb': {
    kunci: async () => {
      const report = await state.kunci.verifyPdf(state.pdf10Signed, { trust: state.pdfCa });
      if (!report.valid) throw new Error('the signed bench PDF does not verify');
    },
  },
  'pbkdf2-600k': {
    webcrypto: async () => {
      const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(PASSWORD), 'PBKDF2', false, ['deriveBits']);
      const salt = crypto.getRandomValues(new Uint8Array(16));
      return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS }, base, 256);
    },
  },
};

/** A .p12 of the bench key at 600 000 iterations (made once per profile, for the reads). */
async function kunciP12(legacy) {
  const slot = legacy ? 'kunciP12Legacy' : 'kunciP12';
  state[slot] ??= await state.kunci.packPkcs12(state.kunciRsa, state.kunciCert, PASSWORD, {
    iterations: PBKDF2_ITERATIONS,
    legacy,
  });
  return state[slot];
}

/** Runs kunci's body of `caseId` once, untimed (bench.mjs traces it); `{error}` on failure. */
export async function once(caseId) {
  const body = BODIES[caseId]?.kunci;
  if (!body) return { error: `no kunci body for ${caseId}` };
  try {
    if (caseId.startsWith('pkcs12-read')) await kunciP12(caseId.includes('legacy')); // not part of the call
    await body();
    return {};
  } catch (e) {
    return { error: describe(e) };
  }
}

/**
 * Runs `case` for `lib` `n` times after `warmup` untimed runs, stopping early (after at least
 * one sample) once `budgetMs` is spent; returns the times in ms, or `{error}` with the
 * error's code and message when a call fails.
 */
export async function measure(caseId, lib, n, warmup = 1, budgetMs = null) {
  const body = BODIES[caseId]?.[lib];
  if (!body) return { error: `no body for ${caseId}/${lib}` };
  try {
    for (let i = 0; i < warmup; i++) await body();
    const samples = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await body();
      samples.push(performance.now() - t);
      if (budgetMs !== null && performance.now() - start > budgetMs) break;
    }
    return { samples };
  } catch (e) {
    return { error: describe(e) };
  }
}

/** Times each password of the list `rounds` times; one sample per call. */
export async function measureStrength(lib, rounds) {
  const inputs = { name: 'Budi Santoso', email: EMAIL, organization: 'PT Contoh Sejahtera' };
  const check =
    lib === 'kunci'
      ? (pw) => state.kunci.passwordStrength(pw, inputs, 'id')
      : (pw) => state.zxcvbn.check(pw, [inputs.name, inputs.email, inputs.organization]);
  try {
    for (const pw of PASSWORDS) await check(pw); // warm-up round
    const samples = [];
    for (let r = 0; r < rounds; r++) {
      for (const pw of PASSWORDS) {
        const t = performance.now();
        await check(pw);
        samples.push(performance.now() - t);
      }
    }
    return { samples };
  } catch (e) {
    return { error: describe(e) };
  }
}

function describe(e) {
  const code = e && e.code ? `${e.code}: ` : '';
  return `${code}${e && e.message ? e.message : String(e)}`;
}

async function x509Csr(keys, signingAlgorithm) {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: X509_NAME,
    keys,
    signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: EMAIL }])],
    attributes: [new x509.ChallengePasswordAttribute(TOKEN)],
  });
  return csr.toString('pem');
}

function forgeCsr(keys) {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject(forgeSubject());
  csr.setAttributes([
    { name: 'challengePassword', value: TOKEN },
    { name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 1, value: EMAIL }] }] },
  ]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

function forgeSubject() {
  return [
    { name: 'commonName', value: SUBJECT.commonName },
    { name: 'emailAddress', value: EMAIL },
    { name: 'organizationName', value: SUBJECT.organization },
    { name: 'countryName', value: SUBJECT.country },
  ];
}

function forgeSelfSigned(keys) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  cert.setSubject(forgeSubject());
  cert.setIssuer(forgeSubject());
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return cert;
}
