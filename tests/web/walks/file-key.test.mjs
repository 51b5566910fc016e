/**
 * The browser-key path of docs/PROCESS.md, steps 1-24, in headless Chromium as a person does
 * it (the walk kit: `walker.mjs`): revoke the old certificate with reason UNSPECIFIED, request
 * the new one (token, key made in the page, password strength, CSR, Surat Rekomendasi,
 * agreement), operator approvals, then the .pem and the in-page .p12 (`<kunci-p12-maker>`), in
 * the modern profile and in the one for macOS. OpenSSL judges both .p12 files (password, key
 * matches certificate, PBES2 AES-256 with a SHA-256 MAC, or Triple DES with a SHA-1 MAC), the
 * chain to the CA, and the CRL (the old certificate
 * on it, without a reasonCode: RFC 5280 5.3.1 says the unspecified reason is written by
 * leaving the extension out). Then "log out everywhere" ends the account's other sessions.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

import {
  DEMO_PASSWORD, KEY_PASSWORD, crlEntry, download, fetchCrlText,
  holderWalk, makeP12, newRequestWizard, openCertificates, openDownload, openssl, sharedPortal, skip, tempFile,
} from './walker.mjs';

describe('portal walks in headless Chromium', { skip }, () => {
  const shared = sharedPortal();

  it('walks docs/PROCESS.md steps 1-24 with the key made in the browser', { timeout: 600_000 }, () => holderWalk('file-key', async (w, portal) => {
    const { page, step } = w;
    // 1-2. Login, dashboard.
    await page.goto(`${portal.url}/`);
    await step('login');
    await w.login('demo');
    await step('dasbor');
    // The English toggle: every string changes, <html lang> follows; then back.
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await page.locator('main').innerText(), /certificate/i);
    await step('dashboard-english');
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'id');

    // 3. "Sertifikat Anda": serial and "Akhir Masa Berlaku".
    const [old] = await openCertificates(page);
    assert.equal(old.status, 'good');
    await page.locator(`#info-${old.id}`).waitFor();
    assert.match(await page.locator('#certificates-body').innerText(), new RegExp(old.serial, 'i'));
    await step('sertifikat-anda');

    // 4-5. "Info": the details.
    await page.locator(`#info-${old.id}`).click();
    await page.waitForURL(/certificate\.html/);
    await page.locator('#details').filter({ hasText: 'Budi Santoso' }).waitFor();
    const details = await page.locator('#details').innerText();
    assert.match(details, /Sertifikat Elektronik Individu/);
    assert.match(details, /budi\.santoso@example\.go\.id/);
    await step('info-sertifikat');

    // 6. "Revoke Reason": UNSPECIFIED (the data changed), "Revoke", confirm.
    await page.locator('#revoke-reason').selectOption('unspecified');
    await page.locator('#revoke').click();
    await page.locator('#revoke-dialog').waitFor({ state: 'visible' });
    await step('konfirmasi-revoke');
    await page.locator('#revoke-confirm').click();

    // 7. "Status Permohonan" shows the revocation request, "Enrollment" (pending).
    await page.waitForURL(/requests\.html/);
    await page.locator('#requests-body tr[id^="request-row-"]').first().waitFor();
    assert.match(await page.locator('#requests-body').innerText(), /Enrollment/);
    await step('status-permohonan-pencabutan');
    let crl = await fetchCrlText(portal);
    assert.equal(crlEntry(crl.text, old.serial), null, 'not on the CRL before approval');

    // 8. The operator approves; the request becomes "Success", the certificate is on the CRL.
    await w.operatorApprovesAll('antrian-operator-pencabutan');
    await page.goto(`${portal.url}/requests.html`);
    await page.locator('#requests-body').filter({ hasText: 'Success' }).waitFor();
    await step('pencabutan-success');
    crl = await fetchCrlText(portal);
    const entry = crlEntry(crl.text, old.serial);
    assert.ok(entry, `the old certificate ${old.serial} is on the CRL:\n${crl.text}`);
    assert.doesNotMatch(entry, /Reason Code/, 'unspecified: no reasonCode (RFC 5280 5.3.1)');

    // 9-22. "Permohonan Baru".
    await page.locator('#nav-new').click();
    const { token: csrToken } = await newRequestWizard(w, { algorithm: 'rsa2048', checkWeakPassword: true, tryBadUpload: true, backup: 'prove' });

    // 23. The operator approves; the request becomes "Success"; the inbox has the notice.
    await w.operatorApprovesAll('antrian-operator-penerbitan');
    await page.goto(`${portal.url}/requests.html`);
    await page.locator('#requests-body tr[id^="request-row-"]').first().waitFor();
    const successes = await page.locator('#requests-body tr', { hasText: 'Success' }).count();
    // The demo's first enrollment, the revocation and the new enrollment.
    assert.equal(successes, 3, 'revocation and new enrollment both "Success"');
    await page.locator('#nav-inbox').click();
    await page.locator('main').filter({ hasText: /terbit|issued/i }).first().waitFor();
    await step('kotak-masuk');

    // 24a. "Sertifikat Anda" → "Download" → .pem.
    const fresh = (await openCertificates(page)).find((c) => c.status === 'good');
    assert.ok(fresh, 'a new good certificate');
    await page.locator(`#download-${fresh.id}`).waitFor();
    assert.notEqual(fresh.serial, old.serial);
    await page.locator(`#download-${fresh.id}`).click();
    await step('download-menu');
    const pemLink = page.locator(`#pem-${fresh.id}`);
    const pem = await download(page, pemLink);
    assert.match(pem.bytes.toString(), /^-----BEGIN CERTIFICATE-----/);

    // 24b. "Download Sertifikat Elektronik": the key kept in IndexedDB (preselected by the
    // certificate's public key), the password, .pem + .p12 (the modern profile on Linux).
    const maker = await openDownload(w, fresh.id);
    await maker.getByText(/sudah dipilih: Permohonan #/).waitFor();
    assert.equal(await maker.getByLabel('Berkas', { exact: true }).isChecked(), true);
    assert.equal(await maker.getByLabel(/^Windows 10\/11/).isChecked(), true, 'Linux: the modern profile');
    await maker.getByLabel('Kata sandi kunci').fill(KEY_PASSWORD);
    await step('download-sertifikat');
    await makeP12(maker);
    await step('download-berhasil');
    const savedPem = await download(page, maker.getByRole('link', { name: 'Simpan .pem' }));
    const savedP12 = await download(page, maker.getByRole('link', { name: 'Simpan .p12' }));
    assert.match(savedP12.name, /\.p12$/);
    assert.equal(savedPem.name, `${fresh.serial}.pem`);

    // OpenSSL judges the .p12: the password opens it, its certificate is the issued one,
    // its key is the certificate's key; PBES2 AES-256 with a SHA-256 MAC.
    const p12File = await tempFile('holder.p12', savedP12.bytes);
    const pass = `pass:${KEY_PASSWORD}`;
    const modernInfo = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-in', p12File, '-passin', pass], { encoding: 'utf8' });
    assert.equal(modernInfo.status, 0, modernInfo.stderr);
    assert.match(modernInfo.stderr + modernInfo.stdout, /MAC: sha256/);
    assert.match(modernInfo.stderr + modernInfo.stdout, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    const certOut = openssl(['pkcs12', '-in', p12File, '-passin', pass, '-nokeys', '-clcerts']);
    const keyOut = openssl(['pkcs12', '-in', p12File, '-passin', pass, '-nocerts', '-nodes']);
    const fp = (text) => openssl(['x509', '-noout', '-fingerprint', '-sha256'], text);
    assert.equal(fp(certOut), fp(savedPem.bytes), 'the .p12 holds the issued certificate');
    assert.equal(fp(savedPem.bytes), fp(fresh.pem));
    const certKey = openssl(['x509', '-noout', '-pubkey'], certOut);
    const keyPub = openssl(['pkey', '-pubout'], keyOut);
    assert.equal(keyPub, certKey, 'the .p12 key is the certificate key');
    assert.match(openssl(['x509', '-noout', '-text'], certOut), /Public-Key: \(2048 bit\)/);
    // The chain: the issuing CA and the root, the leaf not twice.
    assert.equal(openssl(['pkcs12', '-in', p12File, '-passin', pass, '-nokeys']).match(/BEGIN CERTIFICATE/g).length, 3);

    // For a Mac: the holder picks "macOS / aplikasi lama"; the element explains the weaker
    // protection; the key password scores over 60 %, so it protects the .p12 as it is.
    await maker.getByLabel(/^macOS \/ aplikasi lama/).check();
    await maker.getByText(/Triple DES, MAC SHA-1/).waitFor();
    await step('download-profil-macos');
    await makeP12(maker);
    assert.match(await maker.getByText(/^Berhasil:/).innerText(), /macOS \/ aplikasi lama/);
    const legacyP12 = await download(page, maker.getByRole('link', { name: 'Simpan .p12' }));
    const legacyFile = await tempFile('holder-mac.p12', legacyP12.bytes);
    const legacyInfo = spawnSync('openssl', ['pkcs12', '-legacy', '-info', '-noout', '-in', legacyFile, '-passin', pass], { encoding: 'utf8' });
    assert.equal(legacyInfo.status, 0, legacyInfo.stderr);
    assert.match(legacyInfo.stderr + legacyInfo.stdout, /MAC: sha1/);
    assert.match(legacyInfo.stderr + legacyInfo.stdout, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
    assert.doesNotMatch(legacyInfo.stderr + legacyInfo.stdout, /PBES2/);
    assert.equal(fp(openssl(['pkcs12', '-legacy', '-in', legacyFile, '-passin', pass, '-nokeys', '-clcerts'])), fp(savedPem.bytes));
    const wrong = await tempFile('x.p12', savedP12.bytes);
    assert.throws(() => openssl(['pkcs12', '-in', wrong, '-passin', 'pass:wrong', '-noout']));

    // The chain to the CA, and the old certificate revoked by the CRL.
    const root = await tempFile('root.der', Buffer.from(await (await fetch(`${portal.url}/ca/root.crt`)).arrayBuffer()));
    const rootPem = await tempFile('root.pem', openssl(['x509', '-inform', 'DER', '-in', root]));
    const issuingPem = await tempFile('issuing.pem', openssl(['x509', '-inform', 'DER', '-in',
      await tempFile('issuing.der', Buffer.from(await (await fetch(`${portal.url}/ca/issuing.crt`)).arrayBuffer()))]));
    const leaf = await tempFile('leaf.pem', savedPem.bytes);
    assert.match(openssl(['verify', '-CAfile', rootPem, '-untrusted', issuingPem, leaf]), /OK/);
    crl = await fetchCrlText(portal);
    const crlPem = await tempFile('crl.pem', openssl(['crl', '-inform', 'DER'], crl.der));
    assert.match(
      openssl(['verify', '-crl_check', '-CAfile', rootPem, '-untrusted', issuingPem, '-CRLfile', crlPem, leaf]),
      /OK/,
    );
    const oldPem = await tempFile('old.pem', old.pem);
    assert.throws(
      () => openssl(['verify', '-crl_check', '-CAfile', rootPem, '-untrusted', issuingPem, '-CRLfile', crlPem, oldPem]),
      /revoked/,
    );
    // Secrets never reach the server's log while it serves: the login password, the key
    // password, the CSR token (stored only as its hash). The demo's logins are printed once
    // at start, on purpose; everything after "serving on" is what the portal logged.
    const full = portal.log();
    const at = full.indexOf('serving on');
    assert.ok(at > 0, full);
    const log = full.slice(at);
    for (const secret of [DEMO_PASSWORD, KEY_PASSWORD, csrToken]) {
      assert.equal(log.includes(secret), false, 'a secret in the portal log');
    }
  }, { portal: shared.portal, user: null }));

  it('"log out everywhere" ends the account\'s session on another device too', { timeout: 120_000 }, async () => {
    const { portal } = shared;
    // The other device: a session made over HTTP, with its own cookie.
    const other = await fetch(`${portal.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'demo', password: DEMO_PASSWORD }),
    });
    assert.equal(other.status, 200);
    const cookie = other.headers.get('set-cookie').split(';')[0];
    const meThere = async () => (await fetch(`${portal.url}/api/me`, { headers: { cookie } })).status;
    assert.equal(await meThere(), 200, 'the other device is logged in');

    await holderWalk('file-key-logout-everywhere', async (w) => {
      await w.step('dasbor-sebelum-keluar-semua');
      await w.page.locator('#logout-all').click();
      await w.page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      assert.deepEqual([...w.problems, ...w.refusals], [], 'the pages logged no error');
      assert.equal(await meThere(), 401, 'the other device\'s session ended');
      // Chromium logs this 401 (the check's point) as a console error: `expectedRefusals`.
      const here = await w.page.evaluate(async () => (await fetch('/api/me')).status);
      assert.equal(here, 401, 'this session ended');
    }, { portal, expectedRefusals: [401] });
  });
});
