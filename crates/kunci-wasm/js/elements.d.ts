/**
 * Types of `kunci/elements`: `<kunci-client-kit>` and `<kunci-p12-maker>` (docs/ELEMENTS.md).
 * Importing the module defines both elements.
 */

/** The key algorithms the client kit may offer. */
export type KeyAlgorithmName = 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256';

/** What the check (`check-url` or the `check` hook) answers; only `subject` is required. */
export interface KitCheckAnswer {
  /** The CSR's subject DN, e.g. `CN=Budi Santoso,O=Dinas Kominfo,C=ID`. */
  subject: string;
  email?: string | null;
  request_id?: number | string | null;
  product?: string | null;
  allowed_keys?: KeyAlgorithmName[] | null;
  common_name?: string | null;
  organization?: string | null;
  nik?: string | null;
}

/** The holder's own data, which the password-strength check refuses to accept as a password. */
export interface HolderData {
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  nik?: string | null;
  other?: string[] | null;
}

/** The backup proof: `checked` is true when the saved file was opened and holds the key. */
export interface BackupResult {
  checked: boolean;
}

/** `kunci-progress`'s detail. */
export interface KunciProgressDetail {
  step: string;
  /** The text the element shows, in its language. */
  message: string;
}

/** `kunci-error`'s detail. */
export interface KunciErrorDetail {
  /** Stable: `kit.token_malformed`, `key.mismatch`, `pkcs8.wrong_password`, … */
  code: string;
  /** The text the element shows, in its language. */
  message: string;
  step?: string;
}

/**
 * `kunci-missing`'s detail: a piece of the USB-token path is missing. The element carries no
 * guidance text (its size budget); the page says what to install, for the holder's OS and
 * browser (the reference portal: web/assets/js/tokenhelp.js).
 */
export interface KunciMissingDetail {
  /** `extension` (the browser extension, absent or too old for the helper), `helper` (kunci-host absent, too old, or speaking
   * another protocol), `module` (no PKCS#11 module), `token` (none plugged in). */
  missing: 'extension' | 'helper' | 'module' | 'token';
  /** The stable code behind it: `extension.absent`, `extension.too_old`, `host.absent`, `host.too_old`,
   * `host.version`, `module.not_found`, `token.absent`. */
  code: string;
}

/** `kunci-submit`'s detail: call `respondWith` synchronously to answer it yourself. */
export interface KitSubmitDetail {
  token: string;
  /** The PKCS#10 CSR, PEM. */
  csr: string;
  algorithm: KeyAlgorithmName;
  requestId: number | string | null;
  onToken: boolean;
  backup: BackupResult;
  respondWith(answer: Promise<unknown> | unknown): void;
}

/** `kunci-done`'s detail from `<kunci-client-kit>`. */
export interface KitDoneDetail {
  csr: string;
  requestId: number | string | null;
  algorithm: KeyAlgorithmName;
  onToken: boolean;
  backup: BackupResult;
  /** What the submission answered (null with neither a `kunci-submit` answer nor `submit-url`). */
  answer: unknown;
  /** SHA-256 (hex) of the key's SubjectPublicKeyInfo. */
  publicKeySha256: string;
  /** The key's CKA_ID on the USB token (hex); null for a file key. */
  keyId: string | null;
  /** The USB token that holds the key; null for a file key. */
  token: { serial: string; label: string | null } | null;
}

/** `kunci-done`'s detail from `<kunci-p12-maker>`. */
export interface P12DoneDetail {
  serial: string;
  /** The certificate, PEM. */
  pem: string;
  /** The `.p12`; null when the certificate was written onto the token. */
  p12: Uint8Array | null;
  /** The `.p12`'s profile; null on a token. */
  profile: 'modern' | 'legacy' | null;
  onToken: boolean;
  /** The saved files' base name (`file-name`, else the serial). */
  fileName: string;
  /** File key: true when the `.p12` has its own password (the legacy rule refused the key's). */
  ownPassword?: boolean;
  /** Token: the token's label (or serial) and the key's CKA_ID, as the extension answered. */
  token?: string;
  keyId?: string;
}

/** `<kunci-client-kit>`: the key step. */
export class KunciClientKit extends HTMLElement {
  /** Used instead of `check-url`. */
  check: ((token: string) => Promise<KitCheckAnswer> | KitCheckAnswer) | null;
  /** More of the holder's data for the password rule (read each time the password is judged). */
  holder: HolderData | null;
  /** Overrides of any text, in the current language. */
  strings: Record<string, string>;
}

/** `<kunci-p12-maker>`: the download step. */
export class KunciP12Maker extends HTMLElement {
  /** PEM text or DER bytes. */
  certificate: string | Uint8Array | null;
  /** A PEM bundle, or a list of PEM texts or DER bytes; the leaf in it is left out. */
  chain: string | Uint8Array | Array<string | Uint8Array> | null;
  /** Its five fields go to the strength check of the legacy profile's password rule. */
  holder: HolderData | null;
  strings: Record<string, string>;
}

/** The events both elements fire (they bubble out of the shadow root). */
export interface KunciElementEventMap extends HTMLElementEventMap {
  'kunci-progress': CustomEvent<KunciProgressDetail>;
  'kunci-error': CustomEvent<KunciErrorDetail>;
  'kunci-missing': CustomEvent<KunciMissingDetail>;
}

export interface KunciClientKitEventMap extends KunciElementEventMap {
  'kunci-submit': CustomEvent<KitSubmitDetail>;
  'kunci-done': CustomEvent<KitDoneDetail>;
}

export interface KunciP12MakerEventMap extends KunciElementEventMap {
  'kunci-done': CustomEvent<P12DoneDetail>;
}

export interface KunciClientKit {
  addEventListener<K extends keyof KunciClientKitEventMap>(type: K, listener: (this: KunciClientKit, ev: KunciClientKitEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface KunciP12Maker {
  addEventListener<K extends keyof KunciP12MakerEventMap>(type: K, listener: (this: KunciP12Maker, ev: KunciP12MakerEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'kunci-client-kit': KunciClientKit;
    'kunci-p12-maker': KunciP12Maker;
  }
  interface HTMLElementEventMap {
    'kunci-progress': CustomEvent<KunciProgressDetail>;
    'kunci-error': CustomEvent<KunciErrorDetail>;
    'kunci-missing': CustomEvent<KunciMissingDetail>;
  }
}
