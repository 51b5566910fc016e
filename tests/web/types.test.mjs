/**
 * The package's TypeScript declarations (index.d.ts, and elements.d.ts for kunci/elements)
 * against real usage and the real runtime:
 *
 * 1. they type-check real usage under `tsc --strict`, and reject misuse marked with
 *    @ts-expect-error (an unused expectation is an error too, so a declaration that became too
 *    loose fails here);
 * 2. they equal what the calls really return: every call of the main-thread API, the worker
 *    client (over worker_threads) and `token.detect` is made in Node, each result written out as
 *    a TypeScript object literal and assigned to the declared return type made strict (every
 *    field required, nothing optional). tsc then fails for a declared field the runtime lacks,
 *    a field the runtime has and the types do not, another type, or `null` where the types say
 *    otherwise (absent is `null` everywhere). A second file with deliberately broken copies
 *    proves that each of those mistakes is caught.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PKG_DIR, ROOT, WEB_DIR, NODE_MODULES, packageSkipReason, runOk } from './common.mjs';

test('index.d.ts and elements.d.ts type real usage and refuse misuse', { skip: packageSkipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kunci-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PKG_DIR, join(dir, 'node_modules', 'kunci'), 'dir');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [],
    },
    files: ['usage.ts', 'elements.ts'],
  }));
  // The files import 'kunci' and 'kunci/elements': copied beside the temp folder's
  // node_modules, they resolve through the package's `exports` as a page's code would.
  for (const f of ['usage.ts', 'elements.ts']) writeFileSync(join(dir, f), readFileSync(join(WEB_DIR, 'types', f)));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const tsc = spawnSync(process.execPath, [join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', dir, '--typeRoots', join(dir, 'node_modules')], {
    cwd: dir, encoding: 'utf8',
  });
  assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}\n${tsc.stderr}`);
});

// ---- 2. the declared return types equal the runtime ------------------------------------------

const PASSWORD = 'Kunci-Uji 2026 tanpa-tebak!';

/** Deep "every field required" of a declared type; class instances and bytes stay as declared. */
const PRELUDE = `import type { KeyPair, KunciClient, WorkerKeyPair } from 'kunci';
import type * as K from 'kunci';
type Strict<T> = T extends Uint8Array | KeyPair | WorkerKeyPair | ((...a: never[]) => unknown) ? T
  : T extends readonly (infer U)[] ? Strict<U>[]
  : T extends object ? { [P in keyof T]-?: Strict<T[P]> } : T;
declare const bytes: Uint8Array;
declare const mainKey: KeyPair;
declare const workerKey: WorkerKeyPair;
type Main<F extends keyof typeof K> = (typeof K)[F] extends (...a: never[]) => infer R ? Strict<Awaited<R>> : never;
type Client<F extends keyof KunciClient> = KunciClient[F] extends (...a: never[]) => infer R ? Strict<Awaited<R>> : never;
type Method<C, F extends keyof C> = C[F] extends (...a: never[]) => infer R ? Strict<Awaited<R>> : never;
`;

/** A value as a TypeScript expression; keys and bytes as the declared variables of PRELUDE. */
function literal(v, kunci, client) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof kunci.KeyPair) return 'mainKey';
  if (client && v instanceof client.KeyPair) return 'workerKey';
  if (Array.isArray(v)) return `[${v.map((x) => literal(x, kunci, client)).join(', ')}]`;
  if (Object.prototype.toString.call(v) === '[object Object]') {
    return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${literal(x, kunci, client)}`).join(', ')} }`;
  }
  throw new Error(`a report holds an unexpected value: ${Object.prototype.toString.call(v)}`);
}

/** Makes every call the types describe and returns `[declared type, runtime value]` pairs. */
async function runtimeSamples(kunci, dir) {
  const openssl = (...a) => runOk('openssl', a, { cwd: dir }).stdout;
  const samples = [];
  const add = (type, value) => samples.push([type, value]);
  writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`);

  add("Main<'init'>", await kunci.init());
  const key = await kunci.KeyPair.generate('p256');
  add("Strict<Pick<KeyPair, 'kind' | 'publicKeySha256'>>",
    { kind: key.kind, publicKeySha256: key.publicKeySha256 });
  add("Method<KeyPair, 'publicKeyDer'>", key.publicKeyDer());
  const pem = await key.exportEncrypted(PASSWORD, { iterations: 100000 });
  add("Method<KeyPair, 'exportEncrypted'>", pem);
  add("Strict<Awaited<ReturnType<typeof K.KeyPair.importEncrypted>>>", await kunci.KeyPair.importEncrypted(pem, PASSWORD));
  add("Strict<Awaited<ReturnType<typeof K.KeyPair.generate>>>", key);

  const full = await kunci.createCsr(key, {
    subject: { commonName: 'Budi Santoso', email: 'budi@example.go.id', organization: 'Dinas Kominfo',
               organizationalUnit: 'TI', locality: 'Bandung', state: 'Jawa Barat', country: 'ID', serialNumber: '3273010101900001' },
    email: 'budi@example.go.id', challengePassword: 'T-1',
  });
  add("Main<'createCsr'>", full);
  add("Main<'verifyCsr'>", await kunci.verifyCsr(full.pem));
  const bare = await kunci.createCsr(key, { subject: 'CN=Siti Aminah' });
  add("Main<'verifyCsr'>", await kunci.verifyCsr(bare.der));
  // CSRs kunci would not issue for are shown, not refused: a P-384 key (key null, signature
  // unchecked) and a subject without CN (subject null), from kunci-core's OpenSSL vectors.
  for (const name of ['p384.csr.pem', 'no-cn.csr.pem']) {
    const shown = await kunci.verifyCsr(readFileSync(join(ROOT, 'crates/kunci-core/tests/vectors/csr', name), 'utf8'));
    assert.equal(shown.policy.accepted, false, name);
    add("Main<'verifyCsr'>", shown);
  }

  writeFileSync(join(dir, 'h.csr'), full.pem);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'ca.key',
    '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Types CA/C=ID');
  openssl('x509', '-req', '-in', 'h.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'h.crt');
  const cert = readFileSync(join(dir, 'h.crt'), 'utf8');
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  add("Main<'parseCertificate'>", await kunci.parseCertificate(cert));
  add("Main<'parseCertificate'>", await kunci.parseCertificate(ca)); // a P-384 key: `key` is null
  add("Main<'certificateMatchesKey'>", await kunci.certificateMatchesKey(cert, key));

  const p12 = await kunci.packPkcs12(key, cert, PASSWORD, { chain: ca, friendlyName: 'Budi 2026', iterations: 100000 });
  add("Main<'packPkcs12'>", p12);
  add("Main<'readPkcs12'>", await kunci.readPkcs12(p12, PASSWORD));
  // OpenSSL's files without a certificate, and without a key (and without a friendlyName).
  writeFileSync(join(dir, 'enc.pem'), pem);
  openssl('pkey', '-in', 'enc.pem', '-passin', 'file:pw', '-out', 'k.pem');
  openssl('pkcs12', '-export', '-nocerts', '-inkey', 'k.pem', '-passout', 'file:pw', '-out', 'nocert.p12');
  openssl('pkcs12', '-export', '-nokeys', '-in', 'h.crt', '-passout', 'file:pw', '-out', 'nokey.p12');
  add("Main<'readPkcs12'>", await kunci.readPkcs12(readFileSync(join(dir, 'nocert.p12')), PASSWORD));
  add("Main<'readPkcs12'>", await kunci.readPkcs12(readFileSync(join(dir, 'nokey.p12')), PASSWORD));

  // PDF signatures (issue 17): a signing certificate for the same key, the core's test PDF.
  writeFileSync(join(dir, 'sign.ext'), 'keyUsage=critical,digitalSignature\n');
  openssl('x509', '-req', '-in', 'h.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'sign.ext', '-out', 's.crt');
  const signCert = readFileSync(join(dir, 's.crt'), 'utf8');
  const plainPdf = new Uint8Array(readFileSync(join(ROOT, 'crates/kunci-core/tests/vectors/pdf/plain.pdf')));
  const signedPdf = await kunci.signPdf(plainPdf, { key, certificate: signCert, chain: ca }, { trust: ca, reason: 'Uji' });
  add("Main<'signPdf'>", signedPdf);
  add("Main<'signPdf'>", await kunci.signPdf(plainPdf, { key, certificate: signCert }));
  add("Main<'verifyPdf'>", await kunci.verifyPdf(signedPdf.pdf, { trust: ca }));
  add("Main<'verifyPdf'>", await kunci.verifyPdf(plainPdf));

  add("Main<'passwordStrength'>", await kunci.passwordStrength('rahasia123', { name: 'Budi' }, 'en'));
  add("Main<'passwordStrength'>", await kunci.passwordStrength(PASSWORD));
  add("Main<'warmUpStrength'>", await kunci.warmUpStrength());
  add('Strict<Awaited<ReturnType<typeof K.token.detect>>>', await kunci.token.detect({ timeout: 0 }));

  await tokenSamples(kunci, add);

  const client = await kunci.createWorkerClient();
  try {
    const wkey = await client.KeyPair.generate('p256');
    add("Strict<Awaited<ReturnType<KunciClient['KeyPair']['generate']>>>", wkey);
    add("Strict<Pick<WorkerKeyPair, 'kind' | 'publicKeySha256'>>", { kind: wkey.kind, publicKeySha256: wkey.publicKeySha256 });
    add("Method<WorkerKeyPair, 'publicKeyDer'>", await wkey.publicKeyDer());
    const wpem = await wkey.exportEncrypted(PASSWORD, { iterations: 100000 });
    add("Method<WorkerKeyPair, 'exportEncrypted'>", wpem);
    add("Strict<Awaited<ReturnType<KunciClient['KeyPair']['importEncrypted']>>>", await client.KeyPair.importEncrypted(wpem, PASSWORD));
    const csr = await client.createCsr(wkey, { subject: 'CN=Siti Aminah,C=ID', challengePassword: 'T-2' });
    add("Client<'createCsr'>", csr);
    add("Client<'verifyCsr'>", await client.verifyCsr(csr.pem));
    add("Client<'parseCertificate'>", await client.parseCertificate(ca));
    add("Client<'certificateMatchesKey'>", await client.certificateMatchesKey(cert, wkey));
    const main = await kunci.KeyPair.importEncrypted(pem, PASSWORD);
    void main;
    add("Client<'readPkcs12'>", await client.readPkcs12(p12, PASSWORD));
    add("Client<'readPkcs12'>", await client.readPkcs12(readFileSync(join(dir, 'nokey.p12')), PASSWORD));
    add("Client<'passwordStrength'>", await client.passwordStrength('rahasia123', {}, 'id'));
    add("Client<'warmUpStrength'>", await client.warmUpStrength());
    add("Method<WorkerKeyPair, 'free'>", await wkey.free());
  } finally {
    client.terminate();
  }
  return { samples, client };
}

/**
 * The token API's results, through token.js, from a stand-in for the extension on a stand-in
 * `window`: answers shaped as extension/src/background.js builds them (PROTOCOL.md §1), one
 * with the optional fields the helper may leave out. What this checks is token.js's side:
 * that it hands them on in the declared shape, with null for what was left out.
 */
async function tokenSamples(kunci, add) {
  const TOKEN = { serial: '0A1B2C', label: 'Budi', manufacturer: 'SafeNet', model: 'eToken 5110', slot: 0,
                  pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false };
  const CERT = { keyId: '01', label: 'Budi', subject: 'CN=Budi Santoso,C=ID', serial: '1f', notAfter: '2028-01-01T00:00:00Z', pem: '-----BEGIN CERTIFICATE-----\n' };
  const answers = [
    { 'token.list': { tokens: [TOKEN] } },
    { 'token.generateCsr': { token: TOKEN, keyId: '01', label: 'kunci-7', algorithm: 'p256', csrPem: 'x', publicKeySha256: 'ab' } },
    { 'token.generateCsr': { token: TOKEN, keyId: '02', csrPem: 'x', publicKeySha256: 'cd' } }, // an older helper: no label, no algorithm
    { 'token.importCertificate': { token: TOKEN, keyId: '01', label: 'Budi' } },
    { 'token.listCertificates': { token: TOKEN, certificates: [CERT] } },
    { 'token.signDigest': { token: TOKEN, signature: 'c2lnbmF0dXJl', algorithm: 'p256', keyId: '01', certificate: CERT.pem } },
    { 'token.signDigest': { token: TOKEN, signature: 'c2lnbmF0dXJl', algorithm: 'rsa2048', keyId: '01', certificate: null } }, // no certificate beside the key
  ];
  const fake = new EventTarget();
  fake.location = { origin: 'https://ams.example.go.id' };
  const deliver = (data) => {
    const e = new MessageEvent('message', { data, origin: fake.location.origin });
    Object.defineProperty(e, 'source', { value: fake });
    fake.dispatchEvent(e);
  };
  let next = 0;
  fake.postMessage = (data) => setTimeout(() => {
    if (data?.type === 'ping') deliver({ kunci: 1, type: 'pong', extension: '0.1.0', protocol: 1 });
    if (data?.type === 'request') {
      const result = answers[next++][data.op];
      deliver({ kunci: 1, type: 'response', id: data.id, ok: true, result: JSON.parse(JSON.stringify(result)) });
    }
  }, 0);
  globalThis.window = fake;
  try {
    add('Strict<Awaited<ReturnType<typeof K.token.detect>>>', await kunci.token.detect());
    add('Strict<Awaited<ReturnType<typeof K.token.list>>>', await kunci.token.list());
    const request = { algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challengePassword: 'T-1', label: 'kunci-7' };
    add('Strict<Awaited<ReturnType<typeof K.token.generateCsr>>>', await kunci.token.generateCsr(request));
    add('Strict<Awaited<ReturnType<typeof K.token.generateCsr>>>', await kunci.token.generateCsr(request));
    add('Strict<Awaited<ReturnType<typeof K.token.importCertificate>>>', await kunci.token.importCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
    add('Strict<Awaited<ReturnType<typeof K.token.listCertificates>>>', await kunci.token.listCertificates());
    const sign = { keyId: '01', digest: new Uint8Array(32), document: { name: 'surat.pdf', size: 1200 } };
    add('Strict<Awaited<ReturnType<typeof K.token.signDigest>>>', await kunci.token.signDigest({ ...sign, algorithm: 'p256' }));
    add('Strict<Awaited<ReturnType<typeof K.token.signDigest>>>', await kunci.token.signDigest({ ...sign, algorithm: 'rsa2048' }));
  } finally {
    delete globalThis.window;
  }
}

test('index.d.ts declares exactly what each call returns (fields, types, null for absent)', { skip: packageSkipReason(), timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kunci-types-runtime-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PKG_DIR, join(dir, 'node_modules', 'kunci'), 'dir');
  const kunci = await import(new URL(`file://${join(PKG_DIR, 'index.js')}`).href);
  const { samples, client } = await runtimeSamples(kunci, dir);

  const good = samples.map(([type, value], i) => `export const r${i}: ${type} = ${literal(value, kunci, client)};`);
  // The same samples broken in the four ways the test must catch, one per line.
  const verify = samples.find(([t]) => t === "Main<'verifyCsr'>")[1];
  const p12 = samples.find(([t]) => t === "Main<'readPkcs12'>")[1];
  const { subjectDn, ...missing } = verify;
  void subjectDn;
  const broken = [
    ['a declared field missing', "Main<'verifyCsr'>", missing],
    ['an extra field', "Main<'verifyCsr'>", { ...verify, verdict: 'ok' }],
    ['undefined where null is declared', "Main<'readPkcs12'>", { ...p12, friendlyName: undefined }],
    ['null where a value is declared', "Main<'verifyCsr'>", { ...verify, subjectDn: null }],
    ['another type', "Main<'readPkcs12'>", { ...p12, iterations: '100000' }],
    ['a nested field missing', "Main<'verifyCsr'>", { ...verify, subject: { commonName: 'x' } }],
  ];
  const bad = broken.map(([, type, value], i) => `export const b${i}: ${type} = ${literal(value, kunci, client)};`);
  const prelude = PRELUDE.split('\n').length;
  writeFileSync(join(dir, 'good.ts'), `${PRELUDE}\n${good.join('\n')}\n`);
  writeFileSync(join(dir, 'bad.ts'), `${PRELUDE}\n${bad.join('\n')}\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, exactOptionalPropertyTypes: true, noEmit: true, target: 'ES2022', module: 'NodeNext',
      moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], skipLibCheck: false, types: [],
    },
    files: ['good.ts', 'bad.ts'],
  }));
  const tsc = spawnSync(process.execPath, [join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], {
    cwd: dir, encoding: 'utf8',
  });
  const errors = tsc.stdout.split('\n').filter((l) => /error TS/.test(l));
  const inGood = errors.filter((l) => l.startsWith('good.ts'));
  assert.deepEqual(inGood, [], `index.d.ts differs from the runtime:\n${inGood.join('\n')}\n(see ${join(dir, 'good.ts')})`);
  const badLines = new Set(errors.filter((l) => l.startsWith('bad.ts')).map((l) => Number(/^bad\.ts\((\d+),/.exec(l)[1])));
  broken.forEach(([what], i) => {
    assert.ok(badLines.has(prelude + 1 + i), `the check missed ${what}:\n${tsc.stdout}`);
  });
  assert.ok(samples.length >= 30, `only ${samples.length} calls sampled`);
});
