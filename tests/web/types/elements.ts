// Compiled (not run) by types.test.mjs with `tsc --noEmit --strict`: `kunci/elements`' types
// (elements.d.ts) must type a page embedding both elements, and reject misuse (the
// lines marked @ts-expect-error).
import 'kunci/elements';
import type { KitDoneDetail, KunciClientKit, KunciP12Maker, P12DoneDetail } from 'kunci/elements';

export function embed(parent: HTMLElement, certPem: string): void {
  const kit = document.createElement('kunci-client-kit');
  const typed: KunciClientKit = kit; // the tag name maps to the element's class
  typed.check = async (token) => ({ subject: `CN=Budi Santoso,C=ID`, email: null, request_id: token.length, allowed_keys: ['rsa2048', 'p256'] });
  kit.holder = { name: 'Budi Santoso', other: ['budi'] };
  kit.strings = { 'kit.generate': 'Buat kunci' };
  kit.setAttribute('submit-url', '/renew/csr');
  kit.addEventListener('kunci-submit', (e) => {
    const csr: string = e.detail.csr;
    e.detail.respondWith(fetch('/renew/csr', { method: 'POST', body: csr }));
  });
  kit.addEventListener('kunci-done', (e) => {
    const done: KitDoneDetail = e.detail;
    void done.backup.checked;
  });
  kit.addEventListener('kunci-error', (e) => {
    const code: string = e.detail.code;
    void code;
  });
  // @ts-expect-error: the algorithms are a closed set
  typed.check = async () => ({ subject: 'CN=x', allowed_keys: ['rsa1024'] });
  // @ts-expect-error: the check answer needs a subject
  typed.check = async () => ({ email: 'budi@example.go.id' });

  const maker = document.createElement('kunci-p12-maker');
  const typedMaker: KunciP12Maker = maker;
  typedMaker.certificate = certPem;
  maker.chain = [certPem, new Uint8Array(3)];
  maker.addEventListener('kunci-done', (e) => {
    const done: P12DoneDetail = e.detail;
    const p12: Uint8Array | null = done.p12;
    const profile: 'modern' | 'legacy' | null = done.profile; // null on a token
    const fileName: string = done.fileName;
    void fileName;
    void p12; void profile;
  });
  maker.addEventListener('kunci-progress', (e) => void e.detail.step);
  // @ts-expect-error: a certificate is PEM text or DER bytes
  maker.certificate = 42;
  parent.append(kit, maker);
}
