/**
 * kunci: certificate keys, CSRs, encrypted PKCS#8, PKCS#12, certificates and password strength
 * in any web page, in Rust compiled to WebAssembly.
 *
 * Every function is asynchronous and loads the WebAssembly it needs on first use. Private keys
 * live inside WebAssembly memory behind {@link KeyPair} objects and leave only encrypted. For
 * heavy work off the page's main thread, use {@link createWorkerClient}: same API, in a Worker.
 *
 * @example
 * ```js
 * import { KeyPair, createCsr, passwordStrength } from 'kunci';
 * const strength = await passwordStrength(password, { name: 'Budi Santoso' });
 * if (!strength.accepted) throw new Error(strength.explanation);
 * const key = await KeyPair.generate('rsa2048');
 * const { pem } = await createCsr(key, { subject: 'CN=Budi Santoso,O=Dinas Kominfo,C=ID', token });
 * const backup = await key.exportEncrypted(password); // "-----BEGIN ENCRYPTED PRIVATE KEY-----…"
 * ```
 * @packageDocumentation
 */

/** Key types kunci makes: RSA (e = 65537) of 2048, 3072 or 4096 bits, or ECDSA P-256. */
export type KeyAlgorithm = 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256';

/** A PEM string, or DER (or PEM) bytes. */
export type FileInput = string | Uint8Array | ArrayBuffer;

/**
 * An error from kunci. `code` is stable and machine-readable, the same in the CLI, the token
 * helper and the portal: e.g. `"pkcs8.wrong_password"`, `"p12.wrong_password"`,
 * `"csr.bad_signature"`, `"subject.invalid"`, `"kdf.iterations_too_low"`, `"key.freed"`.
 *
 * @example
 * ```js
 * try { await KeyPair.importEncrypted(file, password); }
 * catch (e) { if (e.code === 'pkcs8.wrong_password') showWrongPassword(); else throw e; }
 * ```
 */
export class KunciError extends Error {
  readonly name: 'KunciError';
  /** Stable error code, `area.reason`. */
  readonly code: string;
  /** From the {@link token} API: PIN tries the token has left (set with `"pin.incorrect"` when the token tells). */
  readonly triesLeft?: number;
  /** From the {@link token} API: the PKCS#11 function that failed (with `"pkcs11.failed"`). */
  readonly function?: string;
}

/** Where to load the WebAssembly from. Browsers and bundlers need nothing; Node reads files itself. */
export interface InitOptions {
  /** The core module (`wasm/kunci_core_bg.wasm`): a URL, its bytes, or a compiled module. */
  coreWasm?: string | URL | BufferSource | WebAssembly.Module;
  /** The strength module (`wasm/kunci_strength_bg.wasm`), loaded on the first strength check. */
  strengthWasm?: string | URL | BufferSource | WebAssembly.Module;
}

/**
 * Loads the core module now. Optional: every function does it on first use.
 * @example
 * ```js
 * await init(); // e.g. while the page shows its form
 * ```
 */
export function init(options?: InitOptions): Promise<void>;

/**
 * A private key inside WebAssembly memory. It leaves only encrypted ({@link KeyPair.exportEncrypted},
 * {@link packPkcs12}); {@link KeyPair.free} zeroizes it.
 */
export class KeyPair {
  private constructor();
  /**
   * Generates a key pair. RSA uses the browser's WebCrypto (native speed) and moves the key into
   * WebAssembly memory at once; without WebCrypto, and for P-256, the key is made in Rust.
   * @example
   * ```js
   * const key = await KeyPair.generate('p256');
   * key.kind; // "EC P-256"
   * ```
   */
  static generate(algorithm: KeyAlgorithm): Promise<KeyPair>;
  /**
   * Decrypts an `ENCRYPTED PRIVATE KEY` (PEM or DER; PBES2 as kunci, OpenSSL 3 and most tools
   * write it). A wrong password rejects with code `"pkcs8.wrong_password"`.
   * @example
   * ```js
   * const key = await KeyPair.importEncrypted(await file.text(), password);
   * ```
   */
  static importEncrypted(pkcs8: FileInput, password: string): Promise<KeyPair>;
  /** `"RSA 2048"`, `"EC P-256"`, … */
  readonly kind: string;
  /** Lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo: a safe identity to show. */
  readonly publicKeySha256: string;
  /** The public key as DER SubjectPublicKeyInfo. */
  publicKeyDer(): Uint8Array;
  /**
   * Encrypts the key (PKCS#8, PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) and returns PEM.
   * @param options.iterations PBKDF2 iterations, default 600 000; fewer than 100 000 rejects
   *   with `"kdf.iterations_too_low"`.
   * @example
   * ```js
   * const pem = await key.exportEncrypted(password);
   * download(new Blob([pem]), 'kunci-key.pem');
   * ```
   */
  exportEncrypted(password: string, options?: { iterations?: number }): Promise<string>;
  /** Zeroizes the key in WebAssembly memory; later use rejects with `"key.freed"`. */
  free(): void;
}

/** A subject: the holder's identity as the certificate will carry it. */
export interface Subject {
  commonName: string;
  email?: string;
  organization?: string;
  organizationalUnit?: string;
  locality?: string;
  state?: string;
  /** Two letters, e.g. "ID". */
  country?: string;
  serialNumber?: string;
}

/** What to put in a CSR. */
export interface CsrRequest {
  /** A DN string (`"CN=Budi Santoso,O=Dinas Kominfo,C=ID"`) or a {@link Subject}. */
  subject: string | Subject;
  /** E-mail address for the subjectAltName extension. */
  email?: string;
  /** The portal's CSR token, carried as the PKCS#9 challengePassword attribute. */
  token?: string;
}

/**
 * Makes a PKCS#10 CSR signed by `key` (SHA-256 with RSA PKCS#1 v1.5 or ECDSA).
 * @example
 * ```js
 * const { pem } = await createCsr(key, { subject: { commonName: 'Budi Santoso', country: 'ID' },
 *                                        email: 'budi@example.go.id', token });
 * ```
 */
export function createCsr(key: KeyPair, request: CsrRequest): Promise<{ pem: string; der: Uint8Array }>;

/** A verified CSR's contents. */
export interface CsrInfo {
  subject: { commonName: string; email?: string; organization?: string; organizationalUnit?: string;
             locality?: string; state?: string; country?: string; serialNumber?: string };
  subjectDn: string;
  key: { type: 'rsa'; bits: number } | { type: 'ec-p256' };
  signatureAlgorithm: string;
  challengePassword?: string;
  emailSans: string[];
  publicKeySha256: string;
}

/**
 * Verifies a CSR's signature and returns its contents; rejects with `"csr.bad_signature"`,
 * `"csr.malformed"` or `"csr.algorithm_not_allowed"`.
 */
export function verifyCsr(csr: FileInput): Promise<CsrInfo>;

/** A certificate's contents. */
export interface CertificateInfo {
  /** Lowercase hex. */
  serial: string;
  subject: string;
  issuer: string;
  /** RFC 3339 UTC. */
  notBefore: string;
  notAfter: string;
  notBeforeUnix: number;
  notAfterUnix: number;
  /** The key kind when kunci uses such keys, else null. */
  key: { type: 'rsa'; bits: number } | { type: 'ec-p256' } | null;
  /** The key in words, for any key ("EC P-384"). */
  keyAlgorithm: string;
  signatureAlgorithm: string;
  /** Upper-case hex pairs joined by ":", as `openssl x509 -fingerprint -sha256`. */
  sha256Fingerprint: string;
  keyUsage: string[];
  extendedKeyUsage: string[];
  /** "email:…", "dns:…", "uri:…", "ip:…". */
  subjectAltNames: string[];
  isCa: boolean;
}

/**
 * Parses an X.509 certificate (PEM or DER).
 * @example
 * ```js
 * const info = await parseCertificate(pem);
 * console.log(info.serial, info.notAfter);
 * ```
 */
export function parseCertificate(cert: FileInput): Promise<CertificateInfo>;

/** True when the certificate was issued for `key` (same public key). */
export function certificateMatchesKey(cert: FileInput, key: KeyPair): Promise<boolean>;

/** Options for {@link packPkcs12}. */
export interface Pkcs12Options {
  /** The issuing chain: a PEM bundle or a list of certificates. */
  chain?: FileInput | FileInput[];
  /**
   * 3DES + HMAC-SHA1 for old Windows. INSECURE: use only where the default (PBES2 AES-256,
   * HMAC-SHA256) fails to import.
   */
  legacy?: boolean;
  /** PBKDF2/MAC iterations, default 600 000, at least 100 000. */
  iterations?: number;
  /** The name key stores show (friendlyName). */
  friendlyName?: string;
}

/**
 * Packs key + certificate (+ chain) into a `.p12`. Rejects with `"cert.key_mismatch"` when the
 * certificate is not the key's.
 * @example
 * ```js
 * const p12 = await packPkcs12(key, certPem, password, { chain: chainPem, friendlyName: 'Budi 2026' });
 * download(new Blob([p12], { type: 'application/x-pkcs12' }), 'budi.p12');
 * ```
 */
export function packPkcs12(key: KeyPair, cert: FileInput, password: string, options?: Pkcs12Options): Promise<Uint8Array>;

/** What a `.p12` held. */
export interface Pkcs12Contents {
  key?: KeyPair;
  certificate?: CertificateInfo;
  chain: CertificateInfo[];
  friendlyName?: string;
  macAlgorithm: string;
  keyEncryption: string;
  certEncryption: string;
  iterations: number;
}

/** Opens a `.p12`; a wrong password rejects with `"p12.wrong_password"`. */
export function readPkcs12(p12: Uint8Array | ArrayBuffer, password: string): Promise<Pkcs12Contents>;

/** The holder's own data, which a password must not be built from. */
export interface UserInputs {
  name?: string;
  email?: string;
  organization?: string;
  /** NIK, the 16-digit national identity number. */
  nik?: string;
  other?: string[];
}

/** A feedback text in the requested language, with a stable code. */
export interface FeedbackText {
  code: string;
  text: string;
}

/** A password's strength. `percent = min(100, 5 × log10(guesses))`; accepted when over 50. */
export interface Strength {
  percent: number;
  accepted: boolean;
  guessesLog10: number;
  /** zxcvbn's 0–4 score. */
  score: number;
  warning: FeedbackText | null;
  suggestions: FeedbackText[];
  usesPersonalData: boolean;
  usesIndonesianWord: boolean;
  crackTimeOfflineSeconds: number;
  judgedChars: number;
  judgedAll: boolean;
  /** One or two sentences saying what the percentage means. */
  explanation: string;
}

/**
 * Judges a password (zxcvbn with the holder's data and Indonesian words). Loads the strength
 * module on first use. `lang` picks the feedback language: "id" (default) or "en".
 * @example
 * ```js
 * const s = await passwordStrength(input.value, { name: 'Budi Santoso', nik }, 'id');
 * meter.value = s.percent; hint.textContent = s.warning?.text ?? s.explanation;
 * ```
 */
export function passwordStrength(password: string, inputs?: UserInputs, lang?: 'id' | 'en'): Promise<Strength>;

/** Loads the strength module and builds its dictionaries ahead of the first check. */
export function warmUpStrength(): Promise<void>;

/** A {@link KeyPair} living in a worker; same members, methods return Promises. */
export interface WorkerKeyPair {
  readonly kind: string;
  readonly publicKeySha256: string;
  publicKeyDer(): Promise<Uint8Array>;
  exportEncrypted(password: string, options?: { iterations?: number }): Promise<string>;
  free(): Promise<void>;
}

/** The package's API, run in a Web Worker. */
export interface KunciClient {
  KeyPair: {
    generate(algorithm: KeyAlgorithm): Promise<WorkerKeyPair>;
    importEncrypted(pkcs8: FileInput, password: string): Promise<WorkerKeyPair>;
  };
  createCsr(key: WorkerKeyPair, request: CsrRequest): Promise<{ pem: string; der: Uint8Array }>;
  verifyCsr(csr: FileInput): Promise<CsrInfo>;
  parseCertificate(cert: FileInput): Promise<CertificateInfo>;
  certificateMatchesKey(cert: FileInput, key: WorkerKeyPair): Promise<boolean>;
  packPkcs12(key: WorkerKeyPair, cert: FileInput, password: string, options?: Pkcs12Options): Promise<Uint8Array>;
  readPkcs12(p12: Uint8Array | ArrayBuffer, password: string): Promise<Omit<Pkcs12Contents, 'key'> & { key?: WorkerKeyPair }>;
  passwordStrength(password: string, inputs?: UserInputs, lang?: 'id' | 'en'): Promise<Strength>;
  warmUpStrength(): Promise<void>;
  /** Stops the worker; pending calls reject with "worker.terminated". */
  terminate(): void;
}

/**
 * Starts a module Web Worker running kunci, so key generation, PBKDF2 and PKCS#12 never freeze
 * the page. Keys stay in the worker.
 * @example
 * ```js
 * const kunci = await createWorkerClient();
 * const key = await kunci.KeyPair.generate('rsa4096'); // the page keeps animating
 * ```
 */
export function createWorkerClient(options?: { url?: string | URL; init?: { coreWasm?: string; strengthWasm?: string } }): Promise<KunciClient>;

/** Whether the kunci browser extension answered on this page ({@link token.detect}). */
export interface TokenDetection {
  /** True when the extension answered. */
  present: boolean;
  /** The extension's version, e.g. `"0.1.0"` (when present). */
  extension?: string;
  /** The page ⇄ extension protocol version it speaks (1). */
  protocol?: number;
}

/** A USB token (PKCS#11 token) as the extension's helper sees it. */
export interface Token {
  /** The token's serial number: what identifies it across calls. */
  serial: string;
  label: string;
  manufacturer: string;
  model: string;
  /** The PKCS#11 slot it sits in. */
  slot: number;
  /** The reader has a PIN pad: the holder types the PIN there, not in the extension's window. */
  pinPad: boolean;
  /** A wrong PIN was typed since the last success. */
  pinCountLow: boolean;
  /** One more wrong PIN locks the token. */
  pinFinalTry: boolean;
  /** The PIN is locked; only the SO PIN (PUK) unlocks it. */
  pinLocked: boolean;
}

/** A certificate stored on a token. */
export interface TokenCertificate {
  /** CKA_ID (hex), shared with the private key it certifies. */
  keyId: string;
  label: string;
  /** Subject, RFC 4514. */
  subject: string;
  /** Serial number, hex. */
  serial: string;
  /** Expiry, RFC 3339. */
  notAfter: string;
  pem: string;
}

/** What {@link token.generateCsr} asks for. */
export interface TokenCsrRequest {
  /** Key type on the token: RSA 2048 or ECDSA P-256 (what tokens commonly make). */
  algorithm: 'rsa2048' | 'p256';
  /** Subject, RFC 4514, e.g. `"CN=Budi Santoso,O=Dinas Kominfo,C=ID"`. */
  subject: string;
  /** E-mail address, written as the CSR's subjectAltName. */
  email?: string;
  /** The CSR token, as the PKCS#9 challengePassword attribute. */
  challengePassword?: string;
  /** CKA_LABEL for the new key pair. */
  label?: string;
}

/** What {@link token.generateCsr} returns. The private key stays on the token. */
export interface TokenCsr {
  /** The token the holder chose. */
  token: Token;
  /** CKA_ID of the new key pair (hex): keep it to find the key again. */
  keyId: string;
  label?: string;
  algorithm?: string;
  /** The CSR, PEM, signed on the token. */
  csrPem: string;
  /** SHA-256 of the public key (SubjectPublicKeyInfo DER), hex, as {@link KeyPair.publicKeySha256}. */
  publicKeySha256: string;
}

/**
 * Keys on the holder's USB token, through the kunci browser extension and its native helper
 * (kunci-host). The private key is made on the token and never leaves it; the PIN is typed in
 * the extension's own window, never in the page. The first call from a site makes the
 * extension ask the holder whether that site may use the tokens at all.
 *
 * Every call rejects with a {@link KunciError}: `"extension.absent"` (no extension),
 * `"host.absent"` (the helper is not installed), `"origin.not_allowed"` (the holder refused
 * this site), `"cancelled"` (the holder closed the window), `"timeout"`, `"pin.locked"`,
 * `"token.absent"`, `"mechanism.unsupported"`, … (docs/PROTOCOL.md lists them all). A wrong
 * PIN is retried inside the extension's window and reaches the page only when the holder gives up.
 *
 * @example
 * ```js
 * import { token } from 'kunci';
 * if ((await token.detect()).present) {
 *   const { csrPem, keyId } = await token.generateCsr({
 *     algorithm: 'rsa2048', subject: 'CN=Budi Santoso,C=ID', challengePassword: csrToken,
 *   });
 *   // …later, with the issued certificate:
 *   await token.importCertificate(certPem);
 * }
 * ```
 */
export declare namespace token {
  /**
   * Asks whether the extension is installed and enabled on this page. Never rejects: without
   * an answer within `timeout` ms (default 1000) it resolves `{present: false}`.
   * @example
   * ```js
   * const { present, extension } = await token.detect({ timeout: 500 });
   * ```
   */
  function detect(options?: { timeout?: number }): Promise<TokenDetection>;
  /**
   * The tokens plugged in now (no PIN needed).
   * @example
   * ```js
   * const { tokens } = await token.list();
   * tokens.map((t) => t.label);
   * ```
   */
  function list(): Promise<{ tokens: Token[] }>;
  /**
   * Makes a key pair on a token and a CSR signed there. The extension's window asks which token
   * and its PIN; waits up to 5 minutes for the holder.
   * @example
   * ```js
   * const csr = await token.generateCsr({ algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID' });
   * await fetch('/api/csr', { method: 'POST', body: csr.csrPem });
   * ```
   */
  function generateCsr(request: TokenCsrRequest): Promise<TokenCsr>;
  /**
   * Writes an issued certificate onto the token holding its key (found by public key), under
   * the key's CKA_ID. Asks for the PIN. `chain` (the issuers, PEM) is accepted for later
   * versions; the helper of protocol 1 stores only the holder's certificate.
   * @example
   * ```js
   * const { keyId } = await token.importCertificate(certPem);
   * ```
   */
  function importCertificate(pem: string, options?: { chain?: string | string[] }): Promise<{ token: Token; keyId: string; label: string }>;
  /**
   * The certificates on a token. Asks for the PIN (some tokens keep certificates private).
   * @example
   * ```js
   * const { certificates } = await token.listCertificates();
   * ```
   */
  function listCertificates(): Promise<{ token: Token; certificates: TokenCertificate[] }>;
}
