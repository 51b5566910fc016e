/**
 * The one table of bad arguments for every public call of the npm package, with the error code
 * each must give, run against three surfaces: the main-thread API (`main`), the worker client
 * (`worker`) and the `token` namespace (`token`). Shared by the Node suite
 * (tests/node/arguments.test.mjs) and the Chromium one (tests/web/arguments.test.mjs, which
 * serves this file to its page), so both judge the same rows.
 *
 * Plain ES module, no Node import: it runs inside a browser page too. After every row a good
 * call must still succeed, which proves the row did not trap the WebAssembly module or leave
 * it unusable (a trap would make every later call fail).
 */

const PW = 'Kunci-Uji 2026 tanpa-tebak!';
const INVALID = 'argument.invalid';
const TOO_LARGE = 'argument.too_large';
const MiB = 1024 * 1024;

/**
 * Rows: `[surfaces, call, label, run(c), code, message?]`. `c` holds the surface's API (`api`),
 * the package (`kunci`), a live key, a freed key, a key of the other surface (`other`), a CSR,
 * an encrypted key (`pkcs8`), and the huge values.
 */
/** A good `token.signDigest` request (a fresh object per row: rows spread it). */
const SIGN = Object.freeze({ keyId: '00112233445566778899aabbccddeeff', algorithm: 'p256', digest: new Uint8Array(32), document: Object.freeze({ name: 'surat.pdf' }) });

const ROWS = [
  // ---- init and createWorkerClient (the package's own functions) ----
  [['main'], 'init', 'a number', (c) => c.kunci.init(5), INVALID],
  [['main'], 'init', 'coreWasm a number', (c) => c.kunci.init({ coreWasm: 5 }), INVALID],
  [['main'], 'init', 'misspelt key', (c) => c.kunci.init({ coreWsam: 'x' }), INVALID, /did you mean `coreWasm`/],
  [['main'], 'init', 'extra argument', (c) => c.kunci.init({}, 1), INVALID, /at most 1 argument/],
  [['main'], 'init', 'the token namespace', (c) => c.kunci.init(c.token), INVALID, /module namespace/],
  [['main'], 'createWorkerClient', 'a string', (c) => c.kunci.createWorkerClient('worker.js'), INVALID],
  [['main'], 'createWorkerClient', 'misspelt key', (c) => c.kunci.createWorkerClient({ urll: 'x' }), INVALID, /did you mean `url`/],
  [['main'], 'createWorkerClient', 'init.coreWasm a function', (c) => c.kunci.createWorkerClient({ init: { coreWasm: () => 1 } }), INVALID],
  [['main'], 'createWorkerClient', 'url a number', (c) => c.kunci.createWorkerClient({ url: 5 }), INVALID],
  [['main'], 'createWorkerClient', 'extra argument', (c) => c.kunci.createWorkerClient({}, {}), INVALID],

  // ---- KeyPair.generate ----
  [['main', 'worker'], 'KeyPair.generate', 'a number', (c) => c.api.KeyPair.generate(2048), INVALID, /algorithm must be/],
  [['main', 'worker'], 'KeyPair.generate', 'null', (c) => c.api.KeyPair.generate(null), INVALID],
  [['main', 'worker'], 'KeyPair.generate', 'nothing', (c) => c.api.KeyPair.generate(), INVALID],
  [['main', 'worker'], 'KeyPair.generate', 'an object', (c) => c.api.KeyPair.generate({ algorithm: 'p256' }), INVALID],
  [['main', 'worker'], 'KeyPair.generate', 'the token namespace', (c) => c.api.KeyPair.generate(c.token), INVALID],
  [['main', 'worker'], 'KeyPair.generate', 'a huge string', (c) => c.api.KeyPair.generate(c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'KeyPair.generate', 'extra argument', (c) => c.api.KeyPair.generate('p256', 'now'), INVALID],
  [['main', 'worker'], 'KeyPair.generate', 'an unknown algorithm', (c) => c.api.KeyPair.generate('rsa1024'), 'key.unsupported_algorithm'],

  // ---- KeyPair.importEncrypted ----
  [['main', 'worker'], 'KeyPair.importEncrypted', 'a number', (c) => c.api.KeyPair.importEncrypted(123, PW), INVALID, /pkcs8 must be/],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'null file', (c) => c.api.KeyPair.importEncrypted(null, PW), INVALID],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'password a number', (c) => c.api.KeyPair.importEncrypted(c.pkcs8, 123), INVALID, /password must be a string/],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'no password', (c) => c.api.KeyPair.importEncrypted(c.pkcs8), INVALID],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'a huge password', (c) => c.api.KeyPair.importEncrypted(c.pkcs8, c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'a 1025-character password', (c) => c.api.KeyPair.importEncrypted(c.pkcs8, 'x'.repeat(1025)), TOO_LARGE],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'a huge string file', (c) => c.api.KeyPair.importEncrypted(c.HUGE, PW), TOO_LARGE],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'huge bytes', (c) => c.api.KeyPair.importEncrypted(c.HUGE_BYTES, PW), TOO_LARGE],
  [['main', 'worker'], 'KeyPair.importEncrypted', 'extra argument', (c) => c.api.KeyPair.importEncrypted(c.pkcs8, PW, {}), INVALID],

  // ---- key.exportEncrypted ----
  [['main', 'worker'], 'key.exportEncrypted', 'a number', (c) => c.key.exportEncrypted(123), INVALID, /key\.exportEncrypted: password/],
  [['main', 'worker'], 'key.exportEncrypted', 'null', (c) => c.key.exportEncrypted(null), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'nothing', (c) => c.key.exportEncrypted(), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'the token namespace', (c) => c.key.exportEncrypted(c.token), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'a huge password', (c) => c.key.exportEncrypted(c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'key.exportEncrypted', 'iterations NaN', (c) => c.key.exportEncrypted(PW, { iterations: NaN }), INVALID, /NaN/],
  [['main', 'worker'], 'key.exportEncrypted', 'iterations a string', (c) => c.key.exportEncrypted(PW, { iterations: '600000' }), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'iterations 1.5', (c) => c.key.exportEncrypted(PW, { iterations: 1.5 }), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'iterations 2^40', (c) => c.key.exportEncrypted(PW, { iterations: 2 ** 40 }), TOO_LARGE],
  [['main', 'worker'], 'key.exportEncrypted', 'misspelt option', (c) => c.key.exportEncrypted(PW, { iteration: 100000 }), INVALID, /did you mean `iterations`/],
  [['main', 'worker'], 'key.exportEncrypted', 'options a number', (c) => c.key.exportEncrypted(PW, 100000), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'extra argument', (c) => c.key.exportEncrypted(PW, {}, 1), INVALID],
  [['main', 'worker'], 'key.exportEncrypted', 'too few iterations', (c) => c.key.exportEncrypted(PW, { iterations: 1000 }), 'kdf.iterations_too_low'],

  // ---- key.publicKeyDer and the freed key ----
  [['main', 'worker'], 'key.publicKeyDer', 'extra argument', (c) => c.key.publicKeyDer(1), INVALID],
  [['main', 'worker'], 'key.publicKeyDer', 'a freed key', (c) => c.freed.publicKeyDer(), 'key.freed'],
  [['main', 'worker'], 'key.exportEncrypted', 'a freed key', (c) => c.freed.exportEncrypted(PW), 'key.freed'],
  [['main', 'worker'], 'key.kind', 'a freed key', (c) => c.freed.kind, 'key.freed'],
  [['main', 'worker'], 'key.publicKeySha256', 'a freed key', (c) => c.freed.publicKeySha256, 'key.freed'],
  [['main', 'worker'], 'createCsr', 'a freed key', (c) => c.api.createCsr(c.freed, { subject: 'CN=x' }), 'key.freed'],
  [['main', 'worker'], 'certificateMatchesKey', 'a freed key', (c) => c.api.certificateMatchesKey(c.csr, c.freed), 'key.freed'],
  [['main', 'worker'], 'packPkcs12', 'a freed key', (c) => c.api.packPkcs12(c.freed, c.csr, PW), 'key.freed'],

  // ---- createCsr ----
  [['main', 'worker'], 'createCsr', 'no request', (c) => c.api.createCsr(c.key), INVALID, /request must be an object/],
  [['main', 'worker'], 'createCsr', 'request null', (c) => c.api.createCsr(c.key, null), INVALID],
  [['main', 'worker'], 'createCsr', 'request a DN string', (c) => c.api.createCsr(c.key, 'CN=x'), INVALID],
  [['main', 'worker'], 'createCsr', 'key null', (c) => c.api.createCsr(null, { subject: 'CN=x' }), INVALID, /key must be a KeyPair/],
  [['main', 'worker'], 'createCsr', 'key a string', (c) => c.api.createCsr('key', { subject: 'CN=x' }), INVALID],
  [['main', 'worker'], 'createCsr', "the other surface's key", (c) => c.api.createCsr(c.other, { subject: 'CN=x' }), INVALID],
  [['main', 'worker'], 'createCsr', 'no subject', (c) => c.api.createCsr(c.key, {}), INVALID, /request\.subject is required/],
  [['main', 'worker'], 'createCsr', 'subject a number', (c) => c.api.createCsr(c.key, { subject: 5 }), INVALID],
  [['main', 'worker'], 'createCsr', 'subject without commonName', (c) => c.api.createCsr(c.key, { subject: { organization: 'BSSN' } }), INVALID,
    /createCsr: request\.subject\.commonName must be a non-empty string/],
  [['main', 'worker'], 'createCsr', 'empty commonName', (c) => c.api.createCsr(c.key, { subject: { commonName: '' } }), INVALID],
  [['main', 'worker'], 'createCsr', 'organisation', (c) => c.api.createCsr(c.key, { subject: { commonName: 'Budi', organisation: 'BSSN' } }), INVALID,
    /did you mean `organization`/],
  [['main', 'worker'], 'createCsr', 'common_name (a Rust name)', (c) => c.api.createCsr(c.key, { subject: { common_name: 'Budi' } }), INVALID,
    /did you mean `commonName`/],
  [['main', 'worker'], 'createCsr', 'COUNTRY', (c) => c.api.createCsr(c.key, { subject: { commonName: 'Budi', COUNTRY: 'ID' } }), INVALID,
    /did you mean `country`/],
  [['main', 'worker'], 'createCsr', 'a subject field a number', (c) => c.api.createCsr(c.key, { subject: { commonName: 'Budi', country: 62 } }), INVALID],
  [['main', 'worker'], 'createCsr', 'email a number', (c) => c.api.createCsr(c.key, { subject: 'CN=x', email: 5 }), INVALID],
  [['main', 'worker'], 'createCsr', 'challengePassword = the token namespace', (c) => c.api.createCsr(c.key, { subject: 'CN=x', challengePassword: c.token }), INVALID],
  [['main', 'worker'], 'createCsr', 'token (deprecated) = the token namespace', (c) => c.api.createCsr(c.key, { subject: 'CN=x', token: c.token }), INVALID],
  [['main', 'worker'], 'createCsr', 'token (deprecated) a number', (c) => c.api.createCsr(c.key, { subject: 'CN=x', token: 123 }), INVALID],
  [['main', 'worker'], 'createCsr', 'challengePassword a function', (c) => c.api.createCsr(c.key, { subject: 'CN=x', challengePassword: () => 'x' }), INVALID],
  [['main', 'worker'], 'createCsr', 'challengePassword and token differ', (c) => c.api.createCsr(c.key, { subject: 'CN=x', challengePassword: 'a', token: 'b' }), INVALID],
  [['main', 'worker'], 'createCsr', 'misspelt request key', (c) => c.api.createCsr(c.key, { subject: 'CN=x', emial: 'a@b.id' }), INVALID, /did you mean `email`/],
  [['main', 'worker'], 'createCsr', 'a huge DN', (c) => c.api.createCsr(c.key, { subject: c.HUGE }), TOO_LARGE],
  [['main', 'worker'], 'createCsr', 'a huge commonName', (c) => c.api.createCsr(c.key, { subject: { commonName: c.HUGE } }), TOO_LARGE],
  [['main', 'worker'], 'createCsr', 'a huge challengePassword', (c) => c.api.createCsr(c.key, { subject: 'CN=x', challengePassword: c.HUGE }), TOO_LARGE],
  [['main', 'worker'], 'createCsr', 'extra argument', (c) => c.api.createCsr(c.key, { subject: 'CN=x' }, 'a@b.id'), INVALID],
  [['main', 'worker'], 'createCsr', 'a DN without CN', (c) => c.api.createCsr(c.key, { subject: 'O=No Common Name' }), 'subject.invalid'],

  // ---- verifyCsr, parseCertificate, certificateMatchesKey ----
  [['main', 'worker'], 'verifyCsr', 'nothing', (c) => c.api.verifyCsr(), INVALID, /csr must be a PEM string or bytes/],
  [['main', 'worker'], 'verifyCsr', 'null', (c) => c.api.verifyCsr(null), INVALID],
  [['main', 'worker'], 'verifyCsr', 'a number', (c) => c.api.verifyCsr(5), INVALID],
  [['main', 'worker'], 'verifyCsr', 'an object', (c) => c.api.verifyCsr({ pem: c.csr }), INVALID],
  [['main', 'worker'], 'verifyCsr', 'the token namespace', (c) => c.api.verifyCsr(c.token), INVALID],
  [['main', 'worker'], 'verifyCsr', 'a huge string', (c) => c.api.verifyCsr(c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'verifyCsr', 'huge bytes', (c) => c.api.verifyCsr(c.HUGE_BYTES), TOO_LARGE],
  [['main', 'worker'], 'verifyCsr', 'extra argument', (c) => c.api.verifyCsr(c.csr, 0), INVALID],
  [['main', 'worker'], 'parseCertificate', 'undefined', (c) => c.api.parseCertificate(undefined), INVALID],
  [['main', 'worker'], 'parseCertificate', 'a function', (c) => c.api.parseCertificate(() => c.csr), INVALID],
  [['main', 'worker'], 'parseCertificate', 'huge bytes', (c) => c.api.parseCertificate(c.HUGE_BYTES.buffer), TOO_LARGE],
  [['main', 'worker'], 'parseCertificate', 'extra argument', (c) => c.api.parseCertificate(c.csr, {}), INVALID],
  [['main', 'worker'], 'certificateMatchesKey', 'key null', (c) => c.api.certificateMatchesKey(c.csr, null), INVALID],
  [['main', 'worker'], 'certificateMatchesKey', 'cert a number', (c) => c.api.certificateMatchesKey(5, c.key), INVALID],
  [['main', 'worker'], 'certificateMatchesKey', 'arguments swapped', (c) => c.api.certificateMatchesKey(c.key, c.csr), INVALID],
  [['main', 'worker'], 'certificateMatchesKey', 'extra argument', (c) => c.api.certificateMatchesKey(c.csr, c.key, 1), INVALID],

  // ---- packPkcs12, readPkcs12 ----
  [['main', 'worker'], 'packPkcs12', 'password a number', (c) => c.api.packPkcs12(c.key, c.csr, 5), INVALID],
  [['main', 'worker'], 'packPkcs12', 'no password', (c) => c.api.packPkcs12(c.key, c.csr), INVALID],
  [['main', 'worker'], 'packPkcs12', 'cert null', (c) => c.api.packPkcs12(c.key, null, PW), INVALID],
  [['main', 'worker'], 'packPkcs12', 'key a string', (c) => c.api.packPkcs12('key', c.csr, PW), INVALID],
  [['main', 'worker'], 'packPkcs12', 'chain a number', (c) => c.api.packPkcs12(c.key, c.csr, PW, { chain: 5 }), INVALID],
  [['main', 'worker'], 'packPkcs12', 'chain with a null', (c) => c.api.packPkcs12(c.key, c.csr, PW, { chain: [c.csr, null] }), INVALID, /options\.chain\[1\]/],
  [['main', 'worker'], 'packPkcs12', '33 chain entries', (c) => c.api.packPkcs12(c.key, c.csr, PW, { chain: Array(33).fill(c.csr) }), TOO_LARGE],
  [['main', 'worker'], 'packPkcs12', 'misspelt option', (c) => c.api.packPkcs12(c.key, c.csr, PW, { chian: c.csr }), INVALID, /did you mean `chain`/],
  [['main', 'worker'], 'packPkcs12', 'FriendlyName', (c) => c.api.packPkcs12(c.key, c.csr, PW, { FriendlyName: 'x' }), INVALID, /did you mean `friendlyName`/],
  [['main', 'worker'], 'packPkcs12', 'legacy a string', (c) => c.api.packPkcs12(c.key, c.csr, PW, { legacy: 'yes' }), INVALID],
  [['main', 'worker'], 'packPkcs12', 'iterations NaN', (c) => c.api.packPkcs12(c.key, c.csr, PW, { iterations: NaN }), INVALID],
  [['main', 'worker'], 'packPkcs12', 'friendlyName a number', (c) => c.api.packPkcs12(c.key, c.csr, PW, { friendlyName: 5 }), INVALID],
  [['main', 'worker'], 'packPkcs12', 'a huge password', (c) => c.api.packPkcs12(c.key, c.csr, c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'packPkcs12', 'huge cert bytes', (c) => c.api.packPkcs12(c.key, c.HUGE_BYTES, PW), TOO_LARGE],
  [['main', 'worker'], 'packPkcs12', 'extra argument', (c) => c.api.packPkcs12(c.key, c.csr, PW, {}, 1), INVALID],
  [['main', 'worker'], 'readPkcs12', 'a string', (c) => c.api.readPkcs12('MIIK…', PW), INVALID, /p12 must be the \.p12 bytes/],
  [['main', 'worker'], 'readPkcs12', 'null', (c) => c.api.readPkcs12(null, PW), INVALID],
  [['main', 'worker'], 'readPkcs12', 'password a number', (c) => c.api.readPkcs12(new Uint8Array(8), 5), INVALID],
  [['main', 'worker'], 'readPkcs12', 'password the token namespace', (c) => c.api.readPkcs12(new Uint8Array(8), c.token), INVALID],
  [['main', 'worker'], 'readPkcs12', 'huge bytes', (c) => c.api.readPkcs12(c.HUGE_BYTES, PW), TOO_LARGE],
  [['main', 'worker'], 'readPkcs12', 'extra argument', (c) => c.api.readPkcs12(new Uint8Array(8), PW, {}), INVALID],

  // ---- passwordStrength, warmUpStrength ----
  [['main', 'worker'], 'passwordStrength', 'a number', (c) => c.api.passwordStrength(12345678), INVALID, /passwordStrength: password must be a string/],
  [['main', 'worker'], 'passwordStrength', 'null', (c) => c.api.passwordStrength(null), INVALID],
  [['main', 'worker'], 'passwordStrength', 'nothing', (c) => c.api.passwordStrength(), INVALID],
  [['main', 'worker'], 'passwordStrength', 'a huge string', (c) => c.api.passwordStrength(c.HUGE), TOO_LARGE],
  [['main', 'worker'], 'passwordStrength', 'inputs a string', (c) => c.api.passwordStrength('x', 'en'), INVALID],
  [['main', 'worker'], 'passwordStrength', 'misspelt input', (c) => c.api.passwordStrength('x', { nmae: 'Budi' }), INVALID, /did you mean `name`/],
  [['main', 'worker'], 'passwordStrength', 'inputs.other a string', (c) => c.api.passwordStrength('x', { other: 'Budi' }), INVALID],
  [['main', 'worker'], 'passwordStrength', 'inputs.other with a number', (c) => c.api.passwordStrength('x', { other: ['a', 1] }), INVALID],
  [['main', 'worker'], 'passwordStrength', '65 other entries', (c) => c.api.passwordStrength('x', { other: Array(65).fill('a') }), TOO_LARGE],
  [['main', 'worker'], 'passwordStrength', 'inputs.name the token namespace', (c) => c.api.passwordStrength('x', { name: c.token }), INVALID],
  [['main', 'worker'], 'passwordStrength', 'lang a number', (c) => c.api.passwordStrength('x', {}, 5), INVALID],
  [['main', 'worker'], 'passwordStrength', 'extra argument', (c) => c.api.passwordStrength('x', {}, 'en', true), INVALID],
  [['main', 'worker'], 'passwordStrength', 'an unknown language', (c) => c.api.passwordStrength('x', {}, 'fr'), 'input.unknown_language'],
  [['main', 'worker'], 'warmUpStrength', 'extra argument', (c) => c.api.warmUpStrength(true), INVALID],
  [['worker'], 'terminate', 'extra argument', (c) => c.api.terminate(true), INVALID],

  // ---- signPdf, verifyPdf ----
  [['main', 'worker'], 'signPdf', 'nothing', (c) => c.api.signPdf(), INVALID, /pdf must be the PDF bytes/],
  [['main', 'worker'], 'signPdf', 'pdf a string', (c) => c.api.signPdf('%PDF-1.7', { key: c.key, certificate: c.csr }), INVALID, /pdf must be the PDF bytes/],
  [['main', 'worker'], 'signPdf', 'no signer', (c) => c.api.signPdf(c.PDF), INVALID, /signer must be an object/],
  [['main', 'worker'], 'signPdf', 'signer a KeyPair', (c) => c.api.signPdf(c.PDF, c.key), INVALID, /signer must be an object/],
  [['main', 'worker'], 'signPdf', 'neither key nor token', (c) => c.api.signPdf(c.PDF, { certificate: c.csr }), INVALID, /exactly one of `key`/],
  [['main', 'worker'], 'signPdf', 'both key and token', (c) => c.api.signPdf(c.PDF, { key: c.key, token: { keyId: '01', algorithm: 'p256' }, certificate: c.csr }), INVALID, /exactly one/],
  [['main', 'worker'], 'signPdf', "the other surface's key", (c) => c.api.signPdf(c.PDF, { key: c.other, certificate: c.csr }), INVALID, /signer\.key must be a KeyPair/],
  [['main', 'worker'], 'signPdf', 'a freed key', (c) => c.api.signPdf(c.PDF, { key: c.freed, certificate: c.csr }), 'key.freed'],
  [['main', 'worker'], 'signPdf', 'no certificate', (c) => c.api.signPdf(c.PDF, { key: c.key }), INVALID, /signer\.certificate is required/],
  [['main', 'worker'], 'signPdf', 'certificate a number', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: 5 }), INVALID],
  [['main', 'worker'], 'signPdf', 'misspelt signer key', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr, chian: c.csr }), INVALID, /did you mean `chain`/],
  [['main', 'worker'], 'signPdf', '33 chain entries', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr, chain: Array(33).fill(c.csr) }), TOO_LARGE],
  [['main', 'worker'], 'signPdf', 'token keyId not hex', (c) => c.api.signPdf(c.PDF, { token: { keyId: 'kunci', algorithm: 'p256' }, certificate: c.csr }, { documentName: 'a.pdf' }), INVALID, /hex/],
  [['main', 'worker'], 'signPdf', 'token rsa4096', (c) => c.api.signPdf(c.PDF, { token: { keyId: '01', algorithm: 'rsa4096' }, certificate: c.csr }, { documentName: 'a.pdf' }), 'request.bad'],
  [['main', 'worker'], 'signPdf', 'token without documentName', (c) => c.api.signPdf(c.PDF, { token: { keyId: '01', algorithm: 'p256' }, certificate: c.csr }), INVALID, /documentName is required/],
  [['main', 'worker'], 'signPdf', 'profile B-LTA', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-LTA' }), INVALID, /B-B, B-T, B-LT/],
  [['main', 'worker'], 'signPdf', 'B-T without a TSA', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-T' }), INVALID, /needs a timestamp/],
  [['main', 'worker'], 'signPdf', 'tsaUrl and timestamp', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-T', tsaUrl: '/tsa', timestamp: async () => new Uint8Array() }), INVALID, /not both/],
  [['main', 'worker'], 'signPdf', 'timestamp not a function', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-T', timestamp: '/tsa' }), INVALID, /must be a function/],
  [['main', 'worker'], 'signPdf', 'tsaUrl with B-B', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { tsaUrl: '/tsa' }), INVALID],
  [['main', 'worker'], 'signPdf', 'ocsp with B-T', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-T', tsaUrl: '/tsa', ocsp: true }), INVALID, /B-LT/],
  [['main', 'worker'], 'signPdf', 'ocsp a number', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { profile: 'B-LT', tsaUrl: '/tsa', ocsp: 1 }), INVALID],
  [['main', 'worker'], 'signPdf', 'page 0', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { page: 0 }), INVALID, /page number/],
  [['main', 'worker'], 'signPdf', 'signingTime a string', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { signingTime: '2026-12-06' }), INVALID, /Date/],
  [['main', 'worker'], 'signPdf', 'reason a number', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { reason: 5 }), INVALID],
  [['main', 'worker'], 'signPdf', 'a huge reason', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { reason: c.HUGE }), TOO_LARGE],
  [['main', 'worker'], 'signPdf', 'misspelt option', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { reson: 'x' }), INVALID, /did you mean `reason`/],
  [['main', 'worker'], 'signPdf', 'the token namespace as options', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, c.token), INVALID],
  [['main', 'worker'], 'signPdf', 'stamp without y', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: 10, lines: [] } }), INVALID, /stamp\.y is required/],
  [['main', 'worker'], 'signPdf', 'stamp x NaN', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: NaN, y: 1, lines: [] } }), INVALID],
  [['main', 'worker'], 'signPdf', 'stamp with 6 lines', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: 1, y: 1, lines: Array(6).fill('a') } }), TOO_LARGE],
  [['main', 'worker'], 'signPdf', 'stamp qrUrl a number', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: 1, y: 1, lines: [], qrUrl: 5 } }), INVALID],
  [['main', 'worker'], 'signPdf', 'stamp image a string', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: 1, y: 1, lines: [], image: 'logo.png' } }), INVALID, /PNG or JPEG/],
  [['main', 'worker'], 'signPdf', 'stamp image over 1 MiB', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, { stamp: { x: 1, y: 1, lines: [], image: new Uint8Array(1024 * 1024 + 1) } }), 'pdf.stamp_image_too_large'],
  [['main', 'worker'], 'pdfInfo', 'nothing', (c) => c.api.pdfInfo(), INVALID, /pdf must be the PDF bytes/],
  [['main', 'worker'], 'pdfInfo', 'a string', (c) => c.api.pdfInfo('%PDF-1.7'), INVALID],
  [['main', 'worker'], 'pdfInfo', 'extra argument', (c) => c.api.pdfInfo(c.PDF, {}), INVALID],
  [['main', 'worker'], 'signPdf', 'a PDF over 128 MiB', (c) => c.api.signPdf(c.HUGE_PDF, { key: c.key, certificate: c.csr }), 'pdf.limit.file_size'],
  [['main', 'worker'], 'signPdf', 'extra argument', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }, {}, 1), INVALID],
  [['main', 'worker'], 'signPdf', 'a CSR as the certificate', (c) => c.api.signPdf(c.PDF, { key: c.key, certificate: c.csr }), 'input.bad_pem'],
  [['main', 'worker'], 'verifyPdf', 'nothing', (c) => c.api.verifyPdf(), INVALID, /pdf must be the PDF bytes/],
  [['main', 'worker'], 'verifyPdf', 'null', (c) => c.api.verifyPdf(null), INVALID],
  [['main', 'worker'], 'verifyPdf', 'a string', (c) => c.api.verifyPdf('%PDF-1.7'), INVALID],
  [['main', 'worker'], 'verifyPdf', 'trust a number', (c) => c.api.verifyPdf(c.PDF, { trust: 5 }), INVALID],
  [['main', 'worker'], 'verifyPdf', '65 trust entries', (c) => c.api.verifyPdf(c.PDF, { trust: Array(65).fill(c.csr) }), TOO_LARGE],
  [['main', 'worker'], 'verifyPdf', 'misspelt option', (c) => c.api.verifyPdf(c.PDF, { trsut: c.csr }), INVALID, /did you mean `trust`/],
  [['main', 'worker'], 'verifyPdf', 'revocation.ocsps as text', (c) => c.api.verifyPdf(c.PDF, { revocation: { ocsps: ['MIIB'] } }), INVALID],
  [['main', 'worker'], 'verifyPdf', 'now NaN', (c) => c.api.verifyPdf(c.PDF, { now: NaN }), INVALID],
  [['main', 'worker'], 'verifyPdf', 'a PDF over 128 MiB', (c) => c.api.verifyPdf(c.HUGE_PDF), 'pdf.limit.file_size'],
  [['main', 'worker'], 'verifyPdf', 'extra argument', (c) => c.api.verifyPdf(c.PDF, {}, 1), INVALID],
  [['main', 'worker'], 'verifyPdf', 'a malformed PDF', (c) => c.api.verifyPdf(c.PDF), 'pdf.malformed'],

  // ---- token (checked before the extension is asked: these need no extension) ----
  [['token'], 'token.detect', 'a number', (c) => c.token.detect(500), INVALID],
  [['token'], 'token.detect', 'timeout a string', (c) => c.token.detect({ timeout: '500' }), INVALID],
  [['token'], 'token.detect', 'timeout NaN', (c) => c.token.detect({ timeout: NaN }), INVALID],
  [['token'], 'token.detect', 'misspelt option', (c) => c.token.detect({ timout: 500 }), INVALID, /did you mean `timeout`/],
  [['token'], 'token.detect', 'a 10^9 ms timeout', (c) => c.token.detect({ timeout: 1e9 }), TOO_LARGE],
  [['token'], 'token.detect', 'extra argument', (c) => c.token.detect({}, 1), INVALID],
  [['token'], 'token.list', 'extra argument', (c) => c.token.list({}), INVALID],
  [['token'], 'token.listCertificates', 'extra argument', (c) => c.token.listCertificates('all'), INVALID],
  [['token'], 'token.generateCsr', 'nothing', (c) => c.token.generateCsr(), INVALID],
  [['token'], 'token.generateCsr', 'null', (c) => c.token.generateCsr(null), INVALID],
  [['token'], 'token.generateCsr', 'a DN string', (c) => c.token.generateCsr('CN=x'), INVALID],
  [['token'], 'token.generateCsr', 'no subject', (c) => c.token.generateCsr({ algorithm: 'p256' }), INVALID, /request\.subject/],
  [['token'], 'token.generateCsr', 'algorithm a number', (c) => c.token.generateCsr({ algorithm: 2048, subject: 'CN=x' }), INVALID],
  [['token'], 'token.generateCsr', 'rsa4096', (c) => c.token.generateCsr({ algorithm: 'rsa4096', subject: 'CN=x' }), 'request.bad'],
  [['token'], 'token.generateCsr', 'challengePassword = the token namespace', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', challengePassword: c.token }), INVALID],
  [['token'], 'token.generateCsr', 'token instead of challengePassword', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', token: 'T-1' }), INVALID, /request\.token is not a known option/],
  [['token'], 'token.generateCsr', 'misspelt key', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', lable: 'k' }), INVALID, /did you mean `label`/],
  [['token'], 'token.generateCsr', 'subject an object', (c) => c.token.generateCsr({ algorithm: 'p256', subject: { commonName: 'x' } }), INVALID],
  [['token'], 'token.generateCsr', 'a huge subject', (c) => c.token.generateCsr({ algorithm: 'p256', subject: c.HUGE }), TOO_LARGE],
  [['token'], 'token.generateCsr', 'a 65-character label', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', label: 'k'.repeat(65) }), TOO_LARGE],
  [['token'], 'token.generateCsr', 'a 256-character challengePassword', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', challengePassword: 'T'.repeat(256) }), TOO_LARGE],
  [['token'], 'token.generateCsr', 'extra argument', (c) => c.token.generateCsr({ algorithm: 'p256', subject: 'CN=x' }, {}), INVALID],
  [['token'], 'token.importCertificate', 'a number', (c) => c.token.importCertificate(5), INVALID],
  [['token'], 'token.importCertificate', 'null', (c) => c.token.importCertificate(null), INVALID],
  [['token'], 'token.importCertificate', 'bytes', (c) => c.token.importCertificate(new Uint8Array(8)), INVALID],
  [['token'], 'token.importCertificate', 'not a certificate', (c) => c.token.importCertificate(c.csr), INVALID, /BEGIN CERTIFICATE/],
  [['token'], 'token.importCertificate', 'a huge string', (c) => c.token.importCertificate(c.HUGE), TOO_LARGE],
  [['token'], 'token.importCertificate', 'chain a number', (c) => c.token.importCertificate(c.fakeCert, { chain: 5 }), INVALID],
  [['token'], 'token.importCertificate', 'misspelt option', (c) => c.token.importCertificate(c.fakeCert, { chian: c.fakeCert }), INVALID, /did you mean `chain`/],
  [['token'], 'token.importCertificate', 'extra argument', (c) => c.token.importCertificate(c.fakeCert, {}, 1), INVALID],
  [['token'], 'token.signDigest', 'nothing', (c) => c.token.signDigest(), INVALID],
  [['token'], 'token.signDigest', 'null', (c) => c.token.signDigest(null), INVALID],
  [['token'], 'token.signDigest', 'the digest alone', (c) => c.token.signDigest(new Uint8Array(32)), INVALID, /request must be an object/],
  [['token'], 'token.signDigest', 'no keyId', (c) => c.token.signDigest({ ...SIGN, keyId: undefined }), INVALID, /request\.keyId/],
  [['token'], 'token.signDigest', 'keyId a number', (c) => c.token.signDigest({ ...SIGN, keyId: 7 }), INVALID, /request\.keyId/],
  [['token'], 'token.signDigest', 'keyId not hex', (c) => c.token.signDigest({ ...SIGN, keyId: 'kunci-ab' }), INVALID, /request\.keyId must be hex/],
  [['token'], 'token.signDigest', 'rsa4096', (c) => c.token.signDigest({ ...SIGN, algorithm: 'rsa4096' }), 'request.bad'],
  [['token'], 'token.signDigest', 'algorithm a number', (c) => c.token.signDigest({ ...SIGN, algorithm: 256 }), INVALID, /request\.algorithm/],
  [['token'], 'token.signDigest', 'digest hex text', (c) => c.token.signDigest({ ...SIGN, digest: 'ab'.repeat(32) }), INVALID, /request\.digest/],
  [['token'], 'token.signDigest', 'digest an ArrayBuffer', (c) => c.token.signDigest({ ...SIGN, digest: new ArrayBuffer(32) }), INVALID, /request\.digest/],
  [['token'], 'token.signDigest', 'digest of 31 bytes', (c) => c.token.signDigest({ ...SIGN, digest: new Uint8Array(31) }), INVALID, /32 bytes/],
  [['token'], 'token.signDigest', 'digest of 48 bytes', (c) => c.token.signDigest({ ...SIGN, digest: new Uint8Array(48) }), INVALID, /32 bytes/],
  [['token'], 'token.signDigest', 'no document', (c) => c.token.signDigest({ ...SIGN, document: undefined }), INVALID, /request\.document/],
  [['token'], 'token.signDigest', 'document a string', (c) => c.token.signDigest({ ...SIGN, document: 'surat.pdf' }), INVALID, /request\.document/],
  [['token'], 'token.signDigest', 'document.name missing', (c) => c.token.signDigest({ ...SIGN, document: {} }), INVALID, /request\.document\.name/],
  [['token'], 'token.signDigest', 'document.name blank', (c) => c.token.signDigest({ ...SIGN, document: { name: '   ' } }), INVALID, /request\.document\.name/],
  [['token'], 'token.signDigest', 'document.name with a direction override', (c) => c.token.signDigest({ ...SIGN, document: { name: 'surat\u202Efdp.exe' } }), INVALID, /text-direction/],
  [['token'], 'token.signDigest', 'a 256-character document.name', (c) => c.token.signDigest({ ...SIGN, document: { name: 'n'.repeat(256) } }), TOO_LARGE],
  [['token'], 'token.signDigest', 'document.size a string', (c) => c.token.signDigest({ ...SIGN, document: { name: 'a.pdf', size: '12' } }), INVALID, /request\.document\.size/],
  [['token'], 'token.signDigest', 'misspelt document key', (c) => c.token.signDigest({ ...SIGN, document: { nmae: 'a.pdf' } }), INVALID, /did you mean `name`/],
  [['token'], 'token.signDigest', 'misspelt key', (c) => c.token.signDigest({ ...SIGN, digst: SIGN.digest }), INVALID, /did you mean `digest`/],
  [['token'], 'token.signDigest', 'extra argument', (c) => c.token.signDigest(SIGN, {}), INVALID],
];

/** The rows of one surface, as `{call, label, code, message}` (for counting and naming). */
export function rowsOf(surface) {
  return ROWS.filter(([s]) => s.includes(surface)).map(([, call, label, , code, message]) => ({ call, label, code, message }));
}

/**
 * Runs `fn` (sync or async) and returns what it threw or rejected with, or `{ok: true}`;
 * `isKunciError` says whether the error is an instance of the package's `KunciError` class.
 */
async function outcome(fn, KunciError) {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    return {
      ok: false,
      name: e?.name,
      code: e?.code,
      message: String(e?.message ?? e),
      isKunciError: KunciError !== undefined && e instanceof KunciError,
    };
  }
}

/**
 * Runs the table against one surface. `kunci` is the package, `api` the surface (`kunci` itself
 * or a worker client); `other` a key of another surface. After each row a good call
 * (`good()`) must succeed. Returns the rows that went wrong (empty when all passed) and the count.
 */
export async function runTable(surface, { kunci, api, other }) {
  const c = {
    kunci,
    api,
    token: kunci.token,
    other,
    HUGE: 'x'.repeat(100 * MiB),
    HUGE_BYTES: new Uint8Array(100 * MiB),
    HUGE_PDF: new Uint8Array(128 * MiB + 1),
    PDF: new TextEncoder().encode('%PDF-1.7\nnot a whole PDF\n%%EOF\n'),
    fakeCert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  };
  if (surface !== 'token') {
    c.key = await api.KeyPair.generate('p256');
    c.freed = await api.KeyPair.generate('p256');
    await c.freed.free();
    c.csr = (await api.createCsr(c.key, { subject: 'CN=Budi Santoso,C=ID', challengePassword: 'T-1' })).pem;
    c.pkcs8 = await c.key.exportEncrypted(PW, { iterations: 100000 });
  } else {
    c.csr = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
  }
  const good = surface === 'token'
    ? async () => {
      const d = await kunci.token.detect({ timeout: 0 });
      if (typeof d.present !== 'boolean') throw new Error('token.detect answered without `present`');
    }
    : async () => {
      const info = await api.verifyCsr(c.csr);
      if (info.challengePassword !== 'T-1') throw new Error('verifyCsr read the CSR wrongly');
    };

  const wrong = [];
  let count = 0;
  for (const [surfaces, call, label, run, code, message] of ROWS) {
    if (!surfaces.includes(surface)) continue;
    count++;
    const got = await outcome(() => run(c), kunci.KunciError);
    const problems = [];
    if (got.ok) problems.push('did not fail');
    else {
      if (!got.isKunciError) problems.push(`not an instance of the package's KunciError (${got.name})`);
      if (got.code !== code) problems.push(`code ${got.code}, expected ${code}`);
      if (message && !message.test(got.message)) problems.push(`message "${got.message}" does not match ${message}`);
      if (/RuntimeError|unreachable|out of bounds|DataCloneError|could not be cloned/i.test(`${got.name} ${got.message}`)) problems.push('a trap or clone error escaped');
    }
    const after = await outcome(good);
    if (!after.ok) problems.push(`the next good call failed: ${after.code ?? after.name}: ${after.message}`);
    if (problems.length) wrong.push(`${surface} ${call} (${label}): ${problems.join('; ')}${got.message ? ` [${got.message.slice(0, 200)}]` : ''}`);
  }

  // The end: a whole good flow on this surface proves the module is still whole.
  const end = await outcome(async () => {
    if (surface === 'token') return good();
    const key = await api.KeyPair.generate('p256');
    const { pem } = await api.createCsr(key, { subject: { commonName: 'Siti Aminah', country: 'ID' }, challengePassword: 'T-2' });
    const info = await api.verifyCsr(pem);
    if (info.subject.commonName !== 'Siti Aminah' || info.challengePassword !== 'T-2') throw new Error('the CSR reads back wrongly');
    const back = await api.KeyPair.importEncrypted(await key.exportEncrypted(PW, { iterations: 100000 }), PW);
    if (back.publicKeySha256 !== key.publicKeySha256) throw new Error('the key did not round-trip');
    const s = await api.passwordStrength(PW, { name: 'Siti Aminah' }, 'en');
    if (!s.accepted) throw new Error('a strong password was refused');
    return undefined;
  });
  if (!end.ok) wrong.push(`${surface}: the good flow after the table failed: ${end.code ?? end.name}: ${end.message}`);
  return { count, wrong };
}
