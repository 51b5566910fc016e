// Compiled (not run) by types.test.mjs with `tsc --noEmit --strict`: the package's index.d.ts
// must type real usage, and reject misuse (see the @ts-expect-error lines).
import {
  KeyPair, KunciError, createCsr, verifyCsr, packPkcs12, readPkcs12, parseCertificate,
  certificateMatchesKey, passwordStrength, createWorkerClient, init,
  type CertificateInfo, type Strength,
} from 'kunci';

export async function renew(password: string, token: string, certPem: string): Promise<Uint8Array> {
  await init();
  const strength: Strength = await passwordStrength(password, { name: 'Budi Santoso', nik: '3273010101900001' }, 'en');
  if (!strength.accepted) throw new Error(`${strength.percent} %: ${strength.warning?.text ?? strength.explanation}`);
  const key = await KeyPair.generate('rsa2048');
  const backup: string = await key.exportEncrypted(password, { iterations: 600000 });
  const { pem, der } = await createCsr(key, { subject: { commonName: 'Budi Santoso', country: 'ID' }, email: 'budi@example.go.id', token });
  const info = await verifyCsr(der);
  const sameKey: boolean = info.publicKeySha256 === key.publicKeySha256 && (await certificateMatchesKey(certPem, key));
  const cert: CertificateInfo = await parseCertificate(certPem);
  const p12 = await packPkcs12(key, certPem, password, { chain: [certPem], friendlyName: cert.subject });
  const opened = await readPkcs12(p12, password);
  opened.key?.free();
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
