// Compiled (not run) by types.test.mjs with `tsc --noEmit --strict`: the package's index.d.ts
// must type real usage, and reject misuse (see the @ts-expect-error lines).
import {
  KeyPair, KunciError, createCsr, verifyCsr, packPkcs12, readPkcs12, parseCertificate,
  certificateMatchesKey, passwordStrength, createWorkerClient, init,
  token, type CertificateInfo, type Strength, type Token, type TokenDetection,
} from 'kunci';

export async function renew(password: string, token: string, certPem: string): Promise<Uint8Array> {
  await init();
  const strength: Strength = await passwordStrength(password, { name: 'Budi Santoso', nik: '3273010101900001' }, 'en');
  if (!strength.accepted) throw new Error(`${strength.percent} %: ${strength.warning?.text ?? strength.explanation}`);
  const key = await KeyPair.generate('rsa2048');
  const backup: string = await key.exportEncrypted(password, { iterations: 600000 });
  const { pem, der } = await createCsr(key, { subject: { commonName: 'Budi Santoso', country: 'ID' }, email: 'budi@example.go.id', challengePassword: token });
  // The deprecated name still types (index.d.ts marks it @deprecated), and absent may be null.
  await createCsr(key, { subject: 'CN=Budi Santoso', email: null, token });
  // @ts-expect-error: subject keys are a closed set (the runtime refuses them too, with "did you mean")
  await createCsr(key, { subject: { commonName: 'Budi Santoso', organisation: 'BSSN' } });
  const info = await verifyCsr(der);
  const sameKey: boolean = info.publicKeySha256 === key.publicKeySha256 && (await certificateMatchesKey(certPem, key));
  const cert: CertificateInfo = await parseCertificate(certPem);
  const p12 = await packPkcs12(key, certPem, password, { chain: [certPem], friendlyName: cert.subject });
  const opened = await readPkcs12(p12, password);
  opened.key?.free();
  const name: string | null = opened.friendlyName; // absent is null, never undefined
  void name;
  void backup; void pem; void sameKey;
  // @ts-expect-error: key algorithms are a closed set
  await KeyPair.generate('rsa1024');
  // @ts-expect-error: the language is 'id' or 'en'
  await passwordStrength(password, {}, 'fr');
  return p12;
}

export async function inWorker(): Promise<string> {
  const kunci = await createWorkerClient();
  const key = await kunci.KeyPair.generate('p256');
  const { pem } = await kunci.createCsr(key, { subject: 'CN=Budi Santoso,C=ID' });
  await key.free();
  kunci.terminate();
  return pem;
}

export function codeOf(e: unknown): string | undefined {
  return e instanceof KunciError ? e.code : undefined;
}

export async function onToken(csrToken: string, certPem: string): Promise<string | undefined> {
  const found: TokenDetection = await token.detect({ timeout: 500 });
  if (!found.present) return undefined;
  const { tokens } = await token.list();
  const usable: Token[] = tokens.filter((t) => !t.pinLocked && !t.pinFinalTry);
  void usable;
  try {
    const csr = await token.generateCsr({ algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challengePassword: csrToken });
    const stored = await token.importCertificate(certPem, { chain: [certPem] });
    const { certificates } = await token.listCertificates();
    void stored.keyId; void certificates[0]?.notAfter;
    // @ts-expect-error: tokens make RSA 2048 or P-256 keys only
    await token.generateCsr({ algorithm: 'rsa4096', subject: 'CN=x' });
    const signed = await token.signDigest({
      keyId: csr.keyId, algorithm: 'p256', digest: new Uint8Array(32), document: { name: 'surat.pdf', size: 1200 },
    });
    const signature: Uint8Array = signed.signature;
    const beside: string | null = signed.certificate;
    void signature; void beside;
    // @ts-expect-error: the digest is bytes, not hex text
    await token.signDigest({ keyId: csr.keyId, algorithm: 'p256', digest: 'ab'.repeat(32), document: { name: 'x' } });
    // @ts-expect-error: the holder is always shown a document name
    await token.signDigest({ keyId: csr.keyId, algorithm: 'p256', digest: new Uint8Array(32) });
    return csr.csrPem;
  } catch (e) {
    if (e instanceof KunciError && e.code === 'pin.incorrect') return `tries left: ${e.triesLeft ?? '?'}`;
    throw e;
  }
}
