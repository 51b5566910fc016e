/**
 * The lost CSR token (issue 12, point 1), as a person meets it: the holder makes a request,
 * leaves the token step without copying the token, comes back through "Status Permohonan" →
 * "Continue", gets a fresh token with "Token hilang? Buat token baru", sees the old one refused,
 * and finishes the key step with the new one: the CSR arrives ("Sudah Upload").
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  KEY_PASSWORD, generateEnabled, holderWalk, proveOrSkipBackup, requestSeen, skip, startRequestToToken,
} from './walker.mjs';

describe('a lost CSR token', { skip }, () => {
  it('gets a fresh token for the same request, the old one refused', { timeout: 600_000 }, () => holderWalk('lost-token', async (w) => {
    const { page, step } = w;
    const { token: old, id } = await startRequestToToken(page, {
      certType: 'Individu', product: 'Sertifikat Elektronik Individu',
    });
    assert.ok(id > 0, 'the page address names the request');
    await step('token-belum-disalin');

    // The holder leaves before copying the token.
    await page.locator('#nav-requests').click();
    const row = page.locator(`#request-row-${id}`);
    await row.waitFor();
    assert.match(await row.innerText(), /Enrollment/);
    await step('status-permohonan-enrollment');
    await page.locator(`#continue-${id}`).click();

    // The key step, resumed: the way out is plain.
    await page.locator('#step-kit').waitFor({ state: 'visible' });
    const lost = page.getByRole('button', { name: 'Token hilang? Buat token baru' });
    await lost.waitFor();
    const field = page.getByLabel('Tempel token CSR di sini');
    assert.equal(await field.inputValue(), '', 'nothing to paste: the token is gone');
    await step('kunci-token-hilang');
    await lost.click();

    // A fresh token, shown once, for the same request.
    await page.locator('#step-token').waitFor({ state: 'visible' });
    const fresh = await page.locator('#csr-token').inputValue();
    assert.notEqual(fresh, old);
    assert.ok(fresh.length >= 43);
    await page.locator('#copy-status').filter({ hasText: /token lama tidak berlaku/ }).waitFor();
    assert.match(await page.locator('#token-expiry').innerText(), new RegExp(`#${id}\\b`));
    await step('token-baru');
    await page.getByRole('button', { name: 'Copy Token' }).click();
    await page.locator('#token-continue').click();

    // The old token is refused, in the page's language.
    await page.locator('#step-kit').waitFor({ state: 'visible' });
    assert.equal(await field.inputValue(), fresh, 'the new token is filled in');
    await field.fill(old);
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.locator('#kit [role=alert]').filter({ hasText: /Token CSR tidak dikenal/ }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Data untuk sertifikat' }).isHidden(), true);
    await step('token-lama-ditolak');

    // The new one carries the CSR.
    await field.fill('');
    await field.pressSequentially(fresh);
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    assert.match(await page.locator('#kit dl').innerText(), new RegExp(`#${id}\\b`));
    await page.getByLabel('Tidak — di peramban (berkas terenkripsi)').check();
    await page.getByLabel('Algoritme kunci').selectOption('p256');
    await page.getByLabel('Kata sandi kunci').pressSequentially(KEY_PASSWORD);
    await page.getByLabel('Ulangi kata sandi').pressSequentially(KEY_PASSWORD);
    await generateEnabled(page);
    await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).click();
    // The key is stored and its backup offered before the CSR leaves; here its check is skipped.
    await proveOrSkipBackup(w, null, 'skip');
    await page.locator('#csr-sent').waitFor({ state: 'visible', timeout: 120_000 });
    await step('csr-terkirim-dengan-token-baru');
    await page.locator('#csr-ok').click();
    await page.locator('#step-check').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('#check-result').filter({ hasText: 'Sudah Upload' }).waitFor();
    await step('sudah-upload');

    // What the server now says: the same request, its CSR stored.
    const r = await requestSeen(page, id);
    assert.equal(r.status, 'uploaded');
    assert.equal(r.csr_uploaded, true);
    const { requests } = await page.evaluate(async () => (await fetch('/api/requests')).json());
    assert.equal(requests.length, 2, 'no second request was needed (the demo certificate\'s and this one)');
  }, {
    // Chromium logs every 4xx answer; this walk provokes one on purpose (the old token).
    expectedRefusals: [404],
  }));
});
