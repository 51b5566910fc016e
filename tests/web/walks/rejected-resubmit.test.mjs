/**
 * A rejected request leads somewhere (issue 12, point 4), in headless Chromium as a person does
 * it. The operator rejects a submitted request saying the document must be fixed; the holder
 * sees the reason on the dashboard and in "Status Permohonan", uploads a new Surat
 * Rekomendasi to the SAME request, agrees again and resubmits; the operator approves and the
 * certificate is issued. Then a renewal is rejected as needing a new key: the holder's page says
 * so plainly and its link starts a new request with the same product and the same renewal.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  PDF, certificatesSeen, holderWalk, newRequestWizard, requestIdOf, requestSeen,
  scrollAgreementToEnd, skip,
} from './walker.mjs';

/** A second, different PDF (another SHA-256): the corrected letter. */
const PDF2 = Buffer.from(`${PDF.toString().replace('%%EOF', '% ditandatangani kepala dinas\n%%EOF')}`);

/** The operator rejects request `id` from the queue page with `reason`, fixing `fix`. */
async function operatorRejects(w, portal, id, reason, fix, label) {
  const { page, step } = w;
  await w.switchTo('operator');
  await page.goto(`${portal.url}/operator.html`);
  await page.locator(`#reject-${id}`).click();
  await page.locator('#reject-dialog').waitFor({ state: 'visible' });
  await page.getByLabel('Alasan penolakan').fill(reason);
  await page.getByLabel('Yang harus diperbaiki pemohon').selectOption(fix);
  await step(label);
  await page.getByRole('button', { name: 'Kirim penolakan' }).click();
  await page.locator('#status').filter({ hasText: `#${id}` }).waitFor();
  await w.switchTo('demo');
}

describe('rejected → resubmit', { skip }, () => {
  it('resubmits the same request after a document rejection, and restarts after a new-key one', { timeout: 600_000 }, () => holderWalk('rejected-resubmit', async (w, portal) => {
    const { page, step } = w;
    await page.locator('#nav-new').click();
    await newRequestWizard(w, { algorithm: 'p256', checkWeakPassword: false, tryBadUpload: false });
    const id = requestIdOf(page);
    assert.ok(id > 0, 'the wizard names its request');
    const first = await requestSeen(page, id);
    assert.equal(first.status, 'submitted');

    // The operator: the document is not signed; the CSR was fine.
    const reason = 'Surat Rekomendasi belum ditandatangani kepala dinas';
    await operatorRejects(w, portal, id, reason, 'document', 'operator-tolak-dokumen');

    // The dashboard says it, with the reason and the way on.
    await page.locator(`#dash-rejected-${id}`).waitFor();
    const notice = await page.locator(`#dash-rejected-${id}`).innerText();
    assert.match(notice, new RegExp(reason));
    assert.match(notice, /dokumen pendukung/);
    await step('dasbor-ditolak');

    // "Status Permohonan": the row shows Rejected, the reason, what to fix, the link.
    await page.locator('#nav-requests').click();
    await page.locator(`#request-row-${id}`).waitFor();
    const row = await page.locator(`#request-row-${id}`).innerText();
    assert.match(row, /Rejected/);
    assert.match(row, new RegExp(reason));
    assert.match(row, /Kunci dan CSR Anda tetap dipakai/);
    await step('status-permohonan-ditolak');
    await page.getByRole('link', { name: 'Unggah dokumen baru dan kirim ulang' }).click();

    // The request's own page: the reason again, then the new letter.
    await page.waitForURL(new RegExp(`permohonan-baru\\.html\\?request=${id}$`));
    await page.locator('#resubmit-note').filter({ hasText: reason }).waitFor();
    assert.equal(await page.locator('#document-continue').isDisabled(), true, 'the rejected letter is not offered again');
    await step('unggah-ulang');
    await page.getByLabel('Surat Rekomendasi (PDF)').setInputFiles({
      name: 'surat-rekomendasi-ttd.pdf', mimeType: 'application/pdf', buffer: PDF2,
    });
    await page.waitForFunction(() => !document.getElementById('document-continue').disabled);
    assert.equal((await requestSeen(page, id)).status, 'uploaded', 'the same request is "Sudah Upload" again');
    await page.locator('#document-continue').click();
    await page.locator('#step-agreement').waitFor({ state: 'visible' });
    await scrollAgreementToEnd(page);
    await page.getByLabel('Saya telah membaca dan menyetujui perjanjian').check();
    await step('perjanjian-lagi');
    await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
    await page.locator('#step-done').waitFor({ state: 'visible' });
    assert.match(await page.locator('#done-status').innerText(), /Submitted/);
    const again = await requestSeen(page, id);
    assert.equal(again.status, 'submitted');
    assert.equal(again.reject_reason, null);
    assert.notEqual(again.document.sha256, first.document.sha256, 'the new letter is the one kept');
    await step('dikirim-ulang');

    // The operator approves the same request: the certificate is issued for it.
    await w.operatorApprovesAll('antrian-operator-dikirim-ulang');
    const issued = await requestSeen(page, id);
    assert.equal(issued.status, 'success');
    assert.ok(issued.certificate_id, 'a certificate for the resubmitted request');

    // A renewal rejected because the key must change.
    const certs = await certificatesSeen(page);
    const old = certs.find((c) => c.status === 'good' && c.id !== issued.certificate_id);
    await page.goto(`${portal.url}/certificate.html?id=${old.id}`);
    await page.locator('#renew-link').click();
    await page.locator('#renews-note').waitFor({ state: 'visible' });
    await newRequestWizard(w, { algorithm: 'p256', checkWeakPassword: false, tryBadUpload: false });
    const renewal = requestIdOf(page);
    await operatorRejects(w, portal, renewal, 'Nama pada CSR tidak sesuai jabatan baru', 'new_key', 'operator-tolak-kunci-baru');
    await page.locator('#nav-requests').click();
    await page.locator(`#request-row-${renewal}`).waitFor();
    const renewalRow = await page.locator(`#request-row-${renewal}`).innerText();
    assert.match(renewalRow, /tidak dapat dikirim ulang/);
    assert.equal(await page.locator(`#resubmit-${renewal}`).count(), 0, 'no resubmission offered');
    await step('status-permohonan-kunci-baru');
    // The server agrees: a new document is refused for this request.
    const refused = await page.evaluate(async (n) => {
      const csrf = (await (await fetch('/api/me')).json()).csrf_token;
      const r = await fetch(`/api/requests/${n}/document`, {
        method: 'POST', headers: { 'Content-Type': 'application/pdf', 'X-CSRF-Token': csrf }, body: '%PDF-1.4\n%%EOF',
      });
      return { status: r.status, code: (await r.json()).error.code };
    }, renewal);
    assert.deepEqual(refused, { status: 409, code: 'request.new_key_required' });
    // Chromium logs that refusal (the one this walk provoked) as a console error: drop it.
    const provoked = w.problems.findIndex((p) => /status of 409/.test(p));
    assert.ok(provoked >= 0, 'the provoked refusal was logged');
    w.problems.splice(provoked, 1);

    await page.locator(`#new-request-${renewal}`).click();
    await page.waitForURL(/permohonan-baru\.html\?product=\d+&renews=\d+/);
    await page.locator('#renews-note').waitFor({ state: 'visible' });
    const product = new URL(page.url()).searchParams.get('product');
    assert.equal(await page.locator('#product').inputValue(), product, 'the same product is chosen');
    assert.match(await page.locator('#renews-note').innerText(), new RegExp(old.serial, 'i'));
    await step('permohonan-baru-terisi');
    await page.locator('#product-continue').click();
    await page.locator('#step-token').waitFor({ state: 'visible' });
    const fresh = await requestSeen(page, requestIdOf(page));
    assert.equal(fresh.renews, old.id, 'the new request renews the same certificate');
    assert.equal(String(fresh.product_id), product);
  }));
});
