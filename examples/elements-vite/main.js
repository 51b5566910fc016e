// kunci's custom elements in a Vite app: one import defines <kunci-client-kit> and
// <kunci-p12-maker> (package.json's sideEffects keeps it from being tree-shaken); no
// WebAssembly loads until the holder uses an element. The page answers the CSR itself
// (kunci-submit) and shows what the elements report (kunci-done, kunci-error).
import 'kunci/elements';

const kit = document.querySelector('kunci-client-kit');
const maker = document.querySelector('kunci-p12-maker');
const events = document.getElementById('events');

// More of the holder's data for the password check (a password made of it is refused).
kit.holder = { name: 'Budi Santoso', email: 'budi@example.go.id', organization: 'Dinas Kominfo' };

// Where the CSR goes is the page's choice: here it stays on the page.
kit.addEventListener('kunci-submit', (e) => e.detail.respondWith(Promise.resolve({ kept: 'on this page' })));
kit.addEventListener('kunci-done', (e) => {
  document.getElementById('csr').textContent = e.detail.csr;
});
maker.addEventListener('kunci-done', (e) => {
  events.textContent = `kunci-done: ${e.detail.serial} (${e.detail.profile})`;
});
for (const el of [kit, maker]) {
  el.addEventListener('kunci-error', (e) => {
    events.textContent = `kunci-error: ${e.detail.code}`;
  });
}
