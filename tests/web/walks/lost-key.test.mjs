/**
 * The lost-key path (issue 12, point 5), both answers, in headless Chromium as a person does it.
 *
 * Compromised: from the certificate's page, "Lupa kata sandi atau kunci hilang?" → the page
 * says nobody can recover the key → "Ya, atau saya tidak yakin" → the certificate is revoked at
 * once with keyCompromise (no operator; OpenSSL reads the reason on the CRL) and the
 * replacement request lands in the key step with its token filled in; it is made, submitted
 * and approved.
 *
 * Only lost: on the download page a wrong key password, the link beside the error → "Tidak:
 * kunci hanya hilang" → the certificate stays good (not on the CRL) while the replacement goes
 * through; once it is issued the old one is on the CRL as superseded.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  assertOnCrl, certificatesSeen, crlEntry, fetchCrlText, holderWalk, keyStepToSubmitted, openCertificates,
  openDownload, requestIdOf, requestSeen, skip,
} from './walker.mjs';

/** On the lost-key page: the plain truth is said, then the question is answered. */
async function answerLostKey(w, answer, label) {
  const { page, step } = w;
  await page.waitForURL(/kunci-hilang\.html\?certificate=\d+/);
  await page.locator('#lost-cert option').first().waitFor({ state: 'attached' });
  assert.match(await page.locator('#lost-truth').innerText(), /Tidak ada yang dapat memulihkan kunci privat Anda/);
  assert.match(await page.locator('#lost-truth').innerText(), /otoritas sertifikat/);
  const wanted = new URL(page.url()).searchParams.get('certificate');
  assert.equal(await page.getByLabel('Sertifikat yang kuncinya hilang').inputValue(), wanted, 'the certificate is preselected');
  await step(`${label}-halaman`);
  if (label === 'bocor') {
    // The same page in English: every string changes, <html lang> follows; then back.
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await page.locator('#lost-truth').innerText(), /Nobody can recover your private key/);
    assert.match(await page.locator('main').innerText(), /Could someone else have your key\?/);
    await step(`${label}-halaman-english`);
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'id');
  }
  // Nothing chosen yet: the page asks for the answer first.
  await page.getByRole('button', { name: 'Lanjutkan: mulai permohonan pengganti' }).click();
  await page.locator('#lost-error').filter({ hasText: /Jawab dulu/ }).waitFor();
  if (answer === 'compromised') {
    await page.getByLabel('Ya, atau saya tidak yakin').check();
    await page.getByRole('button', { name: 'Lanjutkan: mulai permohonan pengganti' }).click();
    await page.locator('#lost-error').filter({ hasText: /konfirmasi/ }).waitFor();
    await page.getByLabel('Saya mengerti: sertifikat ini dicabut sekarang dan pencabutan tidak dapat dibatalkan.').check();
  } else {
    await page.getByLabel('Tidak: kunci hanya hilang atau kata sandinya terlupa').check();
  }
  await step(`${label}-jawaban`);
  await page.getByRole('button', { name: 'Lanjutkan: mulai permohonan pengganti' }).click();
  await page.locator('#lost-result').waitFor({ state: 'visible' });
  await step(`${label}-hasil`);
  return page.locator('#lost-result-text').innerText();
}

/** From the lost-key result to the submitted replacement, through the key step. */
async function replacementToSubmitted(w, label) {
  const { page, step } = w;
  await page.getByRole('link', { name: 'Lanjut ke langkah kunci dan CSR' }).click();
  await page.waitForURL(/permohonan-baru\.html\?request=\d+/);
  await page.locator('#step-kit').waitFor({ state: 'visible' });
  assert.ok((await page.getByLabel('Tempel token CSR di sini').inputValue()).length >= 22, 'the CSR token is filled in');
  assert.match(await page.locator('#kit-note').innerText(), /sudah diisikan/);
  await step(`${label}-langkah-kunci`);
  const id = requestIdOf(page);
  await keyStepToSubmitted(w, { algorithm: 'p256', checkWeakPassword: false, tryBadUpload: false, backup: 'skip' });
  assert.equal((await requestSeen(page, id)).status, 'submitted');
  return id;
}

describe('the lost key', { skip }, () => {
  it('revokes at once when compromised, keeps the certificate until its replacement when only lost', { timeout: 600_000 }, () => holderWalk('lost-key', async (w, portal) => {
    const { page, step } = w;
    const [first] = await openCertificates(page);
    assert.equal(first.status, 'good');

    // ---- Someone else may have the key ----
    await page.locator(`#info-${first.id}`).click();
    await page.locator('#lost-section').waitFor({ state: 'visible' });
    await step('info-sertifikat');
    await page.getByRole('link', { name: 'Lupa kata sandi atau kunci hilang?' }).click();
    const revokedText = await answerLostKey(w, 'compromised', 'bocor');
    assert.match(revokedText, /dicabut sekarang dengan alasan keyCompromise/);
    // The server: revoked now, keyCompromise, no operator involved; OpenSSL sees it on the CRL.
    const [revoked] = (await certificatesSeen(page)).filter((c) => c.id === first.id);
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revocation_reason, 'keyCompromise');
    await assertOnCrl(portal, first.serial, /Key Compromise/, 'the certificate is on the CRL at once');
    const replacement = await replacementToSubmitted(w, 'bocor');
    assert.equal((await requestSeen(page, replacement)).renews, null, 'a revoked certificate is not renewed');
    await w.operatorApprovesAll('antrian-pengganti-bocor');
    const second = (await certificatesSeen(page)).find((c) => c.status === 'good');
    assert.ok(second && second.request_id === replacement, 'the replacement is issued');

    // ---- Only lost, or its password forgotten: from a wrong password on the download page ----
    const maker = await openDownload(w, second.id);
    await maker.getByLabel('Kata sandi kunci').fill('kata-sandi-yang-terlupa');
    await maker.getByRole('button', { name: 'Download' }).click();
    // The element says it, and shows the page's way to the lost-key page beside it.
    await page.locator('#lost-key-link-2').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await maker.getByRole('alert').innerText(), /Kata sandi salah/);
    await step('unduh-kata-sandi-salah');
    await page.locator('#lost-key-link-2').click();
    const keptText = await answerLostKey(w, 'lost', 'hilang');
    assert.match(keptText, /tetap berlaku sampai penggantinya terbit/);
    let [still] = (await certificatesSeen(page)).filter((c) => c.id === second.id);
    assert.equal(still.status, 'good');
    const crl = await fetchCrlText(portal);
    assert.equal(crlEntry(crl.text, second.serial), null, 'not revoked while the replacement waits');
    const third = await replacementToSubmitted(w, 'hilang');
    assert.equal((await requestSeen(page, third)).renews, second.id, 'the replacement renews it');
    [still] = (await certificatesSeen(page)).filter((c) => c.id === second.id);
    assert.equal(still.status, 'good', 'still good while submitted');
    await w.operatorApprovesAll('antrian-pengganti-hilang');
    const certs = await certificatesSeen(page);
    [still] = certs.filter((c) => c.id === second.id);
    assert.equal(still.status, 'revoked');
    assert.equal(still.revocation_reason, 'superseded');
    assert.ok(certs.some((c) => c.status === 'good' && c.request_id === third), 'the replacement is issued');
    await assertOnCrl(portal, second.serial, /Superseded/, 'the old one is on the CRL once replaced');
    await page.locator('#nav-certificates').click();
    await page.locator(`#info-${second.id}`).waitFor();
    await step('sertifikat-setelah-pengganti');
  }));
});
