/**
 * kunci: certificate keys, CSRs, encrypted PKCS#8, PKCS#12, certificates and password strength
 * in any web page, in Rust compiled to WebAssembly.
 *
 * Every function is asynchronous and loads the WebAssembly it needs on first use. Private keys
 * live inside WebAssembly memory behind {@link KeyPair} objects and leave only encrypted (an
 * RSA key that signs a CSR also gets a non-extractable WebCrypto copy, so the signature does
 * not hold the page's thread; {@link KeyPair.free} drops it). For
 * heavy work off the page's main thread, use {@link createWorkerClient}: same API, in a Worker.
 *
 * **Arguments.** Every call checks its arguments before anything reaches WebAssembly and
 * rejects (a Promise) or throws (the synchronous members of {@link KeyPair}) a
 * {@link KunciError}:
 * - `"argument.invalid"`: a wrong type, `null` or `undefined` where a value is required, NaN,
 *   an unknown option or subject key (the message names the closest known key: "did you mean
 *   `organization`?"), or an **extra argument**: arguments past the declared ones are refused
 *   unless `undefined` (so `csrs.map(verifyCsr)` is refused: write `csrs.map((c) => verifyCsr(c))`);
 * - `"argument.too_large"`: over a limit: a password over 1024 characters; another text over
 *   1024 (a subject given as one DN string: 4096); a PEM or DER input (key, CSR, certificate,
 *   each chain entry) over 1 MiB; a `.p12` over 4 MiB; a chain of more than 32 certificates;
 *   `inputs.other` of more than 64 entries; iterations over 2³²−1; PEM sent to a token over
 *   512 KiB (certificate and chain together); in {@link token.generateCsr}, as the extension
 *   bounds them, a subject over 2048 characters, an e-mail over 320, a challengePassword over
 *   255, a label over 64; in {@link token.signDigest}, a document name over 255.
 * A value of the right type that kunci does not support keeps its own code
 * (`"key.unsupported_algorithm"`, `"input.unknown_language"`, `"kdf.iterations_too_low"`; on a
 * token, `"request.bad"` for an algorithm other than `'rsa2048'` or `'p256'`).
 * Optional inputs may be left out, `undefined` or `null`.
 *
 * **Reports.** In everything a call returns, a field that has no value is `null`; every
 * declared field is always present (no field is ever left out or `undefined`).
 *
 * @example
 * ```js
 * import { KeyPair, createCsr, passwordStrength } from 'kunci';
 * const strength = await passwordStrength(password, { name: 'Budi Santoso' });
 * if (!strength.accepted) throw new Error(strength.explanation);
 * const key = await KeyPair.generate('rsa2048');
 * const { pem } = await createCsr(key, { subject: 'CN=Budi Santoso,O=Dinas Kominfo,C=ID', challengePassword: csrToken });
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
 * `"csr.bad_signature"`, `"subject.invalid"`, `"kdf.iterations_too_low"`, `"key.freed"`;
 * `"argument.invalid"` and `"argument.too_large"` for a bad argument (see the package's
 * documentation above). The worker client ({@link createWorkerClient}) rejects with this same
 * class; its own codes are `"worker.crashed"`, `"worker.terminated"` and `"worker.unsupported"`.
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
  coreWasm?: string | URL | BufferSource | WebAssembly.Module | Response | null;
  /**
   * The extra module (`wasm/kunci_extra_bg.wasm`: RSA generation in Rust, encrypted-key import,
   * PKCS#12 reading), loaded on the first call that needs it.
   */
  extraWasm?: string | URL | BufferSource | WebAssembly.Module | Response | null;
  /** The strength module (`wasm/kunci_strength_bg.wasm`), loaded on the first strength check. */
  strengthWasm?: string | URL | BufferSource | WebAssembly.Module | Response | null;
  /** The PDF module (`wasm/kunci_pdf_bg.wasm`), loaded on the first {@link signPdf} or {@link verifyPdf}. */
  pdfWasm?: string | URL | BufferSource | WebAssembly.Module | Response | null;
}

/**
 * Loads the core module now. Optional: every function does it on first use.
 * @example
 * ```js
 * await init(); // e.g. while the page shows its form
 * ```
 */
export function init(options?: InitOptions | null): Promise<void>;

/**
 * A private key inside WebAssembly memory. It leaves only encrypted ({@link KeyPair.exportEncrypted},
 * {@link packPkcs12}), or, for an RSA key's first CSR, into a non-extractable WebCrypto key
 * (the browser's own crypto, never readable by scripts); {@link KeyPair.free} zeroizes it and
 * drops that copy.
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
  /** `"RSA 2048"`, `"EC P-256"`, … Throws `"key.freed"` once freed. */
  readonly kind: string;
  /**
   * Lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo: a safe identity to show.
   * Throws `"key.freed"` once freed.
   */
  readonly publicKeySha256: string;
  /** The public key as DER SubjectPublicKeyInfo (synchronous: throws `"key.freed"` once freed). */
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
  exportEncrypted(password: string, options?: { iterations?: number | null } | null): Promise<string>;
  /** Zeroizes the key in WebAssembly memory; later use rejects with `"key.freed"`. */
  free(): void;
}

/**
 * A subject: the holder's identity as the certificate will carry it. Any other key is refused
 * with `"argument.invalid"` (and the closest known key named).
 */
export interface Subject {
  commonName: string;
  email?: string | null;
  organization?: string | null;
  organizationalUnit?: string | null;
  locality?: string | null;
  state?: string | null;
  /** Two letters, e.g. "ID". */
  country?: string | null;
  serialNumber?: string | null;
}

/** What to put in a CSR. */
export interface CsrRequest {
  /** A DN string (`"CN=Budi Santoso,O=Dinas Kominfo,C=ID"`) or a {@link Subject}. */
  subject: string | Subject;
  /** E-mail address for the subjectAltName extension. */
  email?: string | null;
  /**
   * The portal's CSR token, carried as the PKCS#9 challengePassword attribute (the same name
   * as in {@link token.generateCsr}).
   */
  challengePassword?: string | null;
  /**
   * @deprecated Use `challengePassword`, the same value under its one name across the API.
   * Giving both with different values rejects with `"argument.invalid"`.
   */
  token?: string | null;
}

/**
 * Makes a PKCS#10 CSR signed by `key` (SHA-256 with RSA PKCS#1 v1.5 or ECDSA).
 * @example
 * ```js
 * const { pem } = await createCsr(key, { subject: { commonName: 'Budi Santoso', country: 'ID' },
 *                                        email: 'budi@example.go.id', challengePassword: csrToken });
 * ```
 */
export function createCsr(key: KeyPair, request: CsrRequest): Promise<{ pem: string; der: Uint8Array }>;

/** A subject as read back from a CSR: every field present, `null` when the CSR has none. */
export interface SubjectInfo {
  commonName: string;
  email: string | null;
  organization: string | null;
  organizationalUnit: string | null;
  locality: string | null;
  state: string | null;
  country: string | null;
  serialNumber: string | null;
}

/** The state of a CSR's signature, as `verifyCsr` resolves it. */
export interface CsrSignatureCheck {
  /**
   * `'valid'`: it verifies with the CSR's own key over the exact bytes received.
   * `'unchecked'`: an algorithm or key kunci does not verify (e.g. P-384 or Ed25519); such a
   * CSR is never `policy.accepted`. A signature that fails rejects the call instead.
   */
  status: 'valid' | 'unchecked';
  /** Why it is unchecked; `null` when valid. */
  detail: string | null;
}

/** One rule of kunci's CSR policy that a CSR breaks. */
export interface CsrPolicyProblem {
  /** The code `createCsr`'s counterpart on the server would refuse with
   * (`"csr.algorithm_not_allowed"`, `"subject.invalid"`, `"csr.malformed"`). */
  code: string;
  /** What is wrong, in English. */
  message: string;
}

/** What a CSR says, its signature's state, and kunci's verdict beside them. */
export interface CsrInfo {
  /** The subject as kunci's fields; `null` when it cannot be read so (no CN, unknown attributes). */
  subject: SubjectInfo | null;
  /** The subject as RFC 4514 text, whatever its attributes. */
  subjectDn: string;
  /** The key's kind when kunci accepts such keys in CSRs (RSA 2048-8192, P-256), else `null`. */
  key: { type: 'rsa'; bits: number } | { type: 'ec-p256' } | null;
  /** The key in words, for any key: `"RSA 2048"`, `"EC P-384"`, `"Ed25519"`. */
  keyAlgorithm: string;
  signatureAlgorithm: string;
  signature: CsrSignatureCheck;
  /** The PKCS#9 challengePassword (the portal's CSR token), `null` when the CSR has none. */
  challengePassword: string | null;
  emailSans: string[];
  publicKeySha256: string;
  /** Would kunci's portal take this CSR (before its per-holder checks: subject, token)? */
  policy: { accepted: boolean; problems: CsrPolicyProblem[] };
}

/**
 * Shows any well-formed CSR: its contents, its signature checked, and kunci's policy verdict
 * beside them. Showing is not judging: a CSR kunci would not issue for (a P-384 key, a
 * subject without CN, RSA with SHA-1) resolves with `policy.accepted === false` and its
 * problems listed. Rejects with `"csr.bad_signature"` when the signature fails and with
 * `"csr.malformed"` when the input is not a CSR.
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
  /** The issuing chain: a PEM bundle or a list of certificates (at most 32 entries, 1 MiB each). */
  chain?: FileInput | FileInput[] | null;
  /**
   * 3DES + HMAC-SHA1 for old Windows. INSECURE: use only where the default (PBES2 AES-256,
   * HMAC-SHA256) fails to import.
   */
  legacy?: boolean | null;
  /** PBKDF2/MAC iterations, default 600 000, at least 100 000. */
  iterations?: number | null;
  /** The name key stores show (friendlyName). */
  friendlyName?: string | null;
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
export function packPkcs12(key: KeyPair, cert: FileInput, password: string, options?: Pkcs12Options | null): Promise<Uint8Array>;

/** What a `.p12` held (`null` for what it did not hold). */
export interface Pkcs12Contents {
  key: KeyPair | null;
  certificate: CertificateInfo | null;
  chain: CertificateInfo[];
  friendlyName: string | null;
  macAlgorithm: string;
  keyEncryption: string;
  certEncryption: string;
  iterations: number;
}

/** Opens a `.p12` (bytes, at most 4 MiB); a wrong password rejects with `"p12.wrong_password"`. */
export function readPkcs12(p12: Uint8Array | ArrayBuffer, password: string): Promise<Pkcs12Contents>;

/** The holder's own data, which a password must not be built from. */
export interface UserInputs {
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  /** NIK, the 16-digit national identity number. */
  nik?: string | null;
  /** At most 64 entries. */
  other?: string[] | null;
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
  /** The name or usual abbreviation of a government body ("Kominfo", "Pemkab", "BSSN"). */
  usesOrganizationName: boolean;
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
export function passwordStrength(password: string, inputs?: UserInputs | null, lang?: 'id' | 'en' | null): Promise<Strength>;

/** Loads the strength module and builds its dictionaries ahead of the first check. */
export function warmUpStrength(): Promise<void>;

/** A PAdES baseline level: B-B (signature), B-T (+ RFC 3161 timestamp), B-LT (+ DSS with the chain, OCSP/CRLs). */
export type PdfProfile = 'B-B' | 'B-T' | 'B-LT';

/** Who signs a PDF: a file key (signs in WebAssembly beside the key), with its certificate. */
export interface PdfKeySigner {
  key: KeyPair;
  /** The signer's certificate, PEM or DER. Must be the key's (`"cert.key_mismatch"`) and allow signing (`"pdf.cert_key_usage"`). */
  certificate: FileInput;
  /** Certificates to carry with it (the issuing CA, the root): PEM bundles or DER, at most 32 entries. */
  chain?: FileInput | FileInput[] | null;
}

/**
 * Who signs a PDF: a key on the holder's USB token. Only the SHA-256 digest of the signed
 * attributes goes to the extension (`token.signDigest`), whose window shows the document's name,
 * size and digest prefix and asks for the PIN.
 */
export interface PdfTokenSigner {
  token: {
    /** The key's CKA_ID, hex ({@link TokenCsr.keyId}, {@link TokenCertificate.keyId}). */
    keyId: string;
    algorithm: 'rsa2048' | 'p256';
  };
  certificate: FileInput;
  chain?: FileInput | FileInput[] | null;
}

/** What a {@link PdfSignOptions.fetchRevocation} hook is asked for. */
export type RevocationRequest =
  | { type: 'ocsp'; url: string; /** The DER OCSPRequest to POST as application/ocsp-request. */ request: Uint8Array }
  | { type: 'crl'; url: string };

/** Options of {@link signPdf}. */
export interface PdfSignOptions {
  /** Default `'B-B'`. `'B-T'` and `'B-LT'` need `tsaUrl` or `timestamp`. */
  profile?: PdfProfile | null;
  /**
   * The TSA, POSTed an `application/timestamp-query`: a same-origin URL such as the portal's
   * `/tsa` (TSAs send no CORS headers, so a browser cannot reach another origin's).
   */
  tsaUrl?: string | null;
  /** Or a hook that gets the DER TimeStampReq and resolves to the TSA's answer (TimeStampResp DER). */
  timestamp?: ((request: Uint8Array) => Promise<Uint8Array | ArrayBuffer>) | null;
  /**
   * B-LT: an OCSP response about the signer's certificate in the DSS. `true` (the default when
   * `crls` is not given): from the responder its authorityInfoAccess names (the issuer must be in
   * `chain`); a string: that responder's URL (e.g. the portal's `/ocsp`); `false`: none.
   */
  ocsp?: boolean | string | null;
  /** B-LT: CRLs for the DSS: a URL string (fetched with GET), or the CRL as PEM text or DER bytes. */
  crls?: FileInput | FileInput[] | null;
  /** B-LT: fetches OCSP responses and CRLs instead of `fetch()` (e.g. through a portal). Resolves to the DER. */
  fetchRevocation?: ((request: RevocationRequest) => Promise<Uint8Array | ArrayBuffer>) | null;
  /** `/Reason`. */
  reason?: string | null;
  /** `/Location`. */
  location?: string | null;
  /** `/Name`: the signer's name as readers show it. */
  name?: string | null;
  /** The signature field's name (default `Signature1`, `Signature2`, …: the first unused). */
  fieldName?: string | null;
  /** The page the (invisible) widget sits on, from 1 (default 1). */
  page?: number | null;
  /** The signing time claimed (`/M`): a Date or ms since 1970 (default now). */
  signingTime?: Date | number | null;
  /** The name the extension's window shows (required with a token signer; at most 255 characters). */
  documentName?: string | null;
  /** Trusted certificates: when given, the result's `report` is the signed file's {@link PdfReport} (else `null`). */
  trust?: FileInput | FileInput[] | null;
  /**
   * A visible stamp on `page` (else the signature is invisible): a box at `x`, `y` (points from
   * the page's left and bottom edges), `width` × `height` (default 240 × 72, each 20-2000), with
   * up to 5 `lines` of text (Latin-1; other characters show as `?`) and a QR code for `qrUrl`
   * (e.g. the portal's verification page). Only a picture: the report never depends on it.
   */
  stamp?: {
    x: number; y: number; width?: number | null; height?: number | null; lines: string[]; qrUrl?: string | null;
    /**
     * An image between the QR code and the text, fitted to the box's height (at most a third of
     * its width): a PNG file's bytes (8-bit, not interlaced; transparency kept) or a baseline
     * grey or RGB JPEG's, at most 1 MiB and 1 megapixel. Refused with
     * `"pdf.stamp_image_unsupported"`, `"pdf.stamp_image_malformed"` or `"pdf.stamp_image_too_large"`.
     */
    image?: Uint8Array | ArrayBuffer | null;
  } | null;
}

/** One finding of {@link verifyPdf}: a stable code, its severity, words in Indonesian and English. */
export interface PdfFinding {
  /** Stable code, e.g. `"pdf.verify.digest_ok"`, `"pdf.verify.digest_mismatch"`, `"pdf.verify.chain_untrusted"`. */
  code: string;
  severity: 'ok' | 'warning' | 'error';
  /** Indonesian text. */
  id: string;
  /** English text. */
  en: string;
  /** A technical detail (English), `null` when none. */
  detail: string | null;
}

/** One signature's verdict. */
export interface PdfSignatureReport {
  /** The signature field's full name. */
  field: string;
  /** True when no finding is an error. */
  valid: boolean;
  /** The signer's subject, RFC 4514; `null` when the CMS could not be read. */
  signer: string | null;
  /** `/M`, the time the signer claims: seconds since 1970, `null` when absent. */
  claimedTime: number | null;
  /** The signature timestamp's time (seconds since 1970) when one verifies, else `null`. */
  timestampTime: number | null;
  level: PdfProfile;
  /** The ByteRange as written. */
  byteRange: number[];
  /** True when the signature covers the file to its last byte. */
  coversWholeFile: boolean;
  /** Every check, in order. */
  findings: PdfFinding[];
}

/** What {@link verifyPdf} says about a file. */
export interface PdfReport {
  /** True when the file holds at least one signature and every signature is valid. */
  valid: boolean;
  /** The signatures, oldest first. */
  signatures: PdfSignatureReport[];
  /** Findings about the file as a whole (`"pdf.verify.no_signatures"`). */
  findings: PdfFinding[];
}

/** Options of {@link verifyPdf}. */
export interface PdfVerifyOptions {
  /** Trusted certificates (the roots): PEM bundles or DER, at most 64 entries. Without them every chain is untrusted. */
  trust?: FileInput | FileInput[] | null;
  /** Revocation data besides the document's own DSS. */
  revocation?: { crls?: FileInput | FileInput[] | null; ocsps?: Uint8Array | ArrayBuffer | (Uint8Array | ArrayBuffer)[] | null } | null;
  /** When to check certificates of a signature without a timestamp: a Date or ms since 1970 (default now). */
  now?: Date | number | null;
}

/**
 * Signs a PDF (PAdES baseline, ETSI EN 319 142-1) in an incremental update: an existing
 * signature stays valid. With a file key the signature is made in WebAssembly beside the key
 * (in the worker, with {@link createWorkerClient}); with a token only the digest goes to the
 * extension. The PDF module is fetched on the first PDF call.
 *
 * Rejects with a {@link KunciError}: the arguments' codes; the reader's for the PDF
 * (`"pdf.malformed"`, `"pdf.encrypted"`, `"pdf.limit.file_size"` over 128 MiB and the other
 * `"pdf.limit.*"`, `"pdf.no_such_page"`); `"pdf.certified_no_changes"` (a document certified
 * to allow no changes); `"pdf.cert_key_usage"` (a certificate without
 * digitalSignature/nonRepudiation), `"cert.key_mismatch"`, `"key.unsupported"` (RSA under
 * 2048 bits); `"tsa.unreachable"` (network, HTTP status, a refused cross-origin request, or a
 * failing `timestamp` hook), `"pdf.bad_timestamp"` (an answer that is not a token over this
 * signature); B-LT: `"pdf.revocation_unavailable"` (no responder or issuer known),
 * `"ocsp.unreachable"`, `"ocsp.refused"`, `"crl.unreachable"`; with a token the extension's
 * codes (`"extension.absent"`, `"pin.incorrect"`, …) and `"pdf.bad_signature"` when its
 * signature does not verify with the certificate. Nothing is returned unless the whole
 * signing succeeded.
 * @example
 * ```js
 * const { pdf } = await signPdf(bytes, { key, certificate: certPem, chain: caPem },
 *   { profile: 'B-T', tsaUrl: '/tsa', reason: 'Persetujuan', location: 'Jakarta' });
 * ```
 */
export function signPdf(
  pdf: Uint8Array | ArrayBuffer,
  signer: PdfKeySigner | PdfTokenSigner,
  options?: PdfSignOptions | null,
): Promise<{ pdf: Uint8Array; report: PdfReport | null }>;

/** One page of {@link pdfInfo}: its media box in points (PDF user space: `y` grows upwards). */
export interface PdfPage {
  /** The media box's left and bottom edges (usually 0). */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The page's rotation in degrees, clockwise: 0, 90, 180 or 270. The stamp's `x`, `y` are in the unrotated page. */
  rotate: number;
}

/**
 * The pages of a PDF with their sizes, to place {@link signPdf}'s stamp (`options.page` from 1,
 * `options.stamp.x` from `pages[page - 1].x`). Rejects as `signPdf` would (`"pdf.malformed"`,
 * `"pdf.encrypted"`, `"pdf.limit.*"`).
 */
export function pdfInfo(pdf: Uint8Array | ArrayBuffer): Promise<{ pages: PdfPage[] }>;

/**
 * Verifies every signature of a PDF: integrity (ByteRange, digest), the CMS signature, the
 * chain to `trust`, revocation (the document's DSS and `revocation`), the timestamp, and what
 * changed after each signature. A file that cannot be read at all rejects with the reader's
 * code (`"pdf.malformed"`, `"pdf.encrypted"`, `"pdf.limit.*"`); everything else is in the report.
 */
export function verifyPdf(pdf: Uint8Array | ArrayBuffer, options?: PdfVerifyOptions | null): Promise<PdfReport>;

/**
 * A {@link KeyPair} living in a worker; same members and lifecycle, methods return Promises:
 * once freed, every method rejects and the getters throw with `"key.freed"`.
 */
export interface WorkerKeyPair {
  readonly kind: string;
  readonly publicKeySha256: string;
  publicKeyDer(): Promise<Uint8Array>;
  exportEncrypted(password: string, options?: { iterations?: number | null } | null): Promise<string>;
  free(): Promise<void>;
}

/**
 * The package's API, run in a worker: the same argument checks (made on the calling side,
 * before anything is posted) and the same {@link KunciError}s as the main-thread API.
 */
export interface KunciClient {
  KeyPair: {
    generate(algorithm: KeyAlgorithm): Promise<WorkerKeyPair>;
    importEncrypted(pkcs8: FileInput, password: string): Promise<WorkerKeyPair>;
  };
  createCsr(key: WorkerKeyPair, request: CsrRequest): Promise<{ pem: string; der: Uint8Array }>;
  verifyCsr(csr: FileInput): Promise<CsrInfo>;
  parseCertificate(cert: FileInput): Promise<CertificateInfo>;
  certificateMatchesKey(cert: FileInput, key: WorkerKeyPair): Promise<boolean>;
  packPkcs12(key: WorkerKeyPair, cert: FileInput, password: string, options?: Pkcs12Options | null): Promise<Uint8Array>;
  readPkcs12(p12: Uint8Array | ArrayBuffer, password: string): Promise<Omit<Pkcs12Contents, 'key'> & { key: WorkerKeyPair | null }>;
  passwordStrength(password: string, inputs?: UserInputs | null, lang?: 'id' | 'en' | null): Promise<Strength>;
  warmUpStrength(): Promise<void>;
  /** {@link signPdf}: the file key signs in the worker; hooks and the token run on the calling side. */
  signPdf(
    pdf: Uint8Array | ArrayBuffer,
    signer: (Omit<PdfKeySigner, 'key'> & { key: WorkerKeyPair }) | PdfTokenSigner,
    options?: PdfSignOptions | null,
  ): Promise<{ pdf: Uint8Array; report: PdfReport | null }>;
  verifyPdf(pdf: Uint8Array | ArrayBuffer, options?: PdfVerifyOptions | null): Promise<PdfReport>;
  pdfInfo(pdf: Uint8Array | ArrayBuffer): Promise<{ pages: PdfPage[] }>;
  /** Stops the worker; pending calls reject with "worker.terminated". */
  terminate(): void;
}

/** Options of {@link createWorkerClient}. */
export interface WorkerClientOptions {
  /** The worker script, when a bundler or a server puts it elsewhere (default: the package's `worker.js`). */
  url?: string | URL | null;
  /** {@link init}'s options, sent to the worker (a `Response` cannot be sent). */
  init?: { coreWasm?: string | URL | BufferSource | WebAssembly.Module | null;
           extraWasm?: string | URL | BufferSource | WebAssembly.Module | null;
           strengthWasm?: string | URL | BufferSource | WebAssembly.Module | null;
           pdfWasm?: string | URL | BufferSource | WebAssembly.Module | null } | null;
}

/**
 * Starts a worker running kunci, so key generation, PBKDF2 and PKCS#12 never freeze the page:
 * a module Web Worker in browsers, a `worker_threads` Worker in Node (where the worker does not
 * keep the process alive while no call is pending). Keys stay in the worker. Without either,
 * rejects with `"worker.unsupported"`.
 * @example
 * ```js
 * const kunci = await createWorkerClient();
 * const key = await kunci.KeyPair.generate('rsa4096'); // the page keeps animating
 * ```
 */
export function createWorkerClient(options?: WorkerClientOptions | null): Promise<KunciClient>;

/** Whether the kunci browser extension answered on this page ({@link token.detect}). */
export interface TokenDetection {
  /** True when the extension answered. */
  present: boolean;
  /** The extension's version, e.g. `"0.1.0"`; `null` when absent. */
  extension: string | null;
  /** The page ⇄ extension protocol version it speaks (1); `null` when absent or not told. */
  protocol: number | null;
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
  email?: string | null;
  /** The CSR token, as the PKCS#9 challengePassword attribute (as in {@link createCsr}). */
  challengePassword?: string | null;
  /** CKA_LABEL for the new key pair. */
  label?: string | null;
}

/** What {@link token.generateCsr} returns. The private key stays on the token. */
export interface TokenCsr {
  /** The token the holder chose. */
  token: Token;
  /** CKA_ID of the new key pair (hex): keep it to find the key again. */
  keyId: string;
  /** CKA_LABEL of the new key pair, `null` when the token gave none. */
  label: string | null;
  /** The key's algorithm as the helper names it, `null` when not told. */
  algorithm: string | null;
  /** The CSR, PEM, signed on the token. */
  csrPem: string;
  /** SHA-256 of the public key (SubjectPublicKeyInfo DER), hex, as {@link KeyPair.publicKeySha256}. */
  publicKeySha256: string;
}

/** What {@link token.signDigest} asks for. */
export interface TokenSignRequest {
  /** CKA_ID of the key (hex), as {@link token.generateCsr} returned it. */
  keyId: string;
  /** The key's algorithm: RSA (PKCS#1 v1.5 over SHA-256) or ECDSA P-256. */
  algorithm: 'rsa2048' | 'p256';
  /** The SHA-256 digest to sign (of the document, or of the CMS signed attributes): 32 bytes. */
  digest: Uint8Array;
  /** What the holder is shown in the extension's window before typing the PIN. */
  document: {
    /** The document's name, 1-255 characters, without control or text-direction characters. */
    name: string;
    /** Its size in bytes, shown beside the name. */
    size?: number | null;
  };
}

/** What {@link token.signDigest} returns. The private key stays on the token. */
export interface TokenSignature {
  /** The token the holder chose. */
  token: Token;
  /** PKCS#1 v1.5 signature bytes (RSA, as long as the modulus) or raw `r || s`, 64 bytes (P-256: DER-encode it for CMS). */
  signature: Uint8Array;
  /** The algorithm signed with, as asked. */
  algorithm: 'rsa2048' | 'p256';
  /** CKA_ID of the key that signed (hex, lower case). */
  keyId: string;
  /** The certificate stored beside the key on the token (PEM), `null` when it holds none. */
  certificate: string | null;
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
   * Asks whether the extension is installed and enabled on this page. Never rejects (but for a
   * bad argument): without an answer within `timeout` ms (default 1000, at most 600 000) it
   * resolves `{present: false, extension: null, protocol: null}`.
   * @example
   * ```js
   * const { present, extension } = await token.detect({ timeout: 500 });
   * ```
   */
  function detect(options?: { timeout?: number | null } | null): Promise<TokenDetection>;
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
  function importCertificate(pem: string, options?: { chain?: string | string[] | null } | null): Promise<{ token: Token; keyId: string; label: string }>;
  /**
   * The certificates on a token. Asks for the PIN (some tokens keep certificates private).
   * @example
   * ```js
   * const { certificates } = await token.listCertificates();
   * ```
   */
  function listCertificates(): Promise<{ token: Token; certificates: TokenCertificate[] }>;
  /**
   * Signs a SHA-256 digest the page computed with a key on the token. The extension's window
   * shows `document.name` (and size) and the digest's first 16 hex digits; the holder chooses
   * the token and types its PIN there (one login). Only the digest leaves the page. Rejects
   * with `"key.not_found"` (no key with that id on the chosen token), `"key.cannot_sign"`
   * (the key may not sign), `"request.bad"` (the key is not of `algorithm`), and the PIN and
   * token codes of the other calls.
   * @example
   * ```js
   * const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', pdfBytes));
   * const { signature, certificate } = await token.signDigest({
   *   keyId, algorithm: 'p256', digest, document: { name: 'surat.pdf', size: pdfBytes.byteLength },
   * });
   * ```
   */
  function signDigest(request: TokenSignRequest): Promise<TokenSignature>;
}
