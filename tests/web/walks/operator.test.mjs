/**
 * The operator's pages (issue 12, points 6 and 7) in headless Chromium, as people do it: the
 * holder revokes her certificate and makes a new request (the key made in the page); the
 * operator logs in and lands on the operator dashboard (never the holder's), sees what waits
 * by kind and age, opens each request in words (subject fields labelled, key type and size,
 * e-mail; the revocation labelled as a revocation waiting for approval, never "Enrollment")
 * with the Surat Rekomendasi shown inside the page, cancels an approval in its confirmation
 * dialog, rejects the revocation and approves the enrollment through their dialogs, sees
 * today's decisions, and finds both in the history by holder and by status. Every menu link
 * the operator sees answers 200.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  holderWalk, newRequestWizard, openCertificates, sharedPortal, skip,
} from './walker.mjs';

describe('operator walk in headless Chromium', { skip }, () => {
  const shared = sharedPortal();

  it('dashboard, details in words with the PDF, confirmations, history', { timeout: 600_000 }, () => holderWalk('operator', async (w, portal) => {
    const { page, step } = w;
    // The holder: a revocation (reason UNSPECIFIED) and a new request.
    const [old] = await openCertificates(page);
    await page.locator(`#info-${old.id}`).click();
    await page.waitForURL(/certificate\.html/);
    await page.locator('#revoke-reason').selectOption('unspecified');
    await page.locator('#revoke').click();
    await page.locator('#revoke-dialog').waitFor({ state: 'visible' });
    await page.locator('#revoke-confirm').click();
    await page.waitForURL(/requests\.html/);
    await page.locator('#nav-new').click();
    await newRequestWizard(w, { algorithm: 'p256' });
    await w.logout();

    // The operator lands on the operator dashboard; the menu holds only staff pages.
    await w.login('operator');
    assert.equal(new URL(page.url()).pathname, '/operator.html');
    await page.locator('#summary:not([hidden])').waitFor();
    const menu = await page.locator('#site-header nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(menu, ['/operator.html', '/history.html', '/inbox.html']);
    for (const href of menu) {
      const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
      assert.equal(status, 200, `${href} answers 200`);
    }
    // An old bookmark to the holder's dashboard brings the operator back here.
    await page.goto(`${portal.url}/dashboard.html`);
    await page.waitForURL(/operator\.html/);
    await page.locator('#summary:not([hidden])').waitFor();
    assert.equal(await page.locator('#waiting-enrollment .count-total').innerText(), '1');
    assert.equal(await page.locator('#waiting-revocation .count-total').innerText(), '1');
    assert.equal(await page.locator('#waiting-revocation .count-under_1_day').innerText(), '1');
    await step('dasbor-operator');

    const rows = page.locator('#queue-body tr[id^="queue-row-"]');
    await rows.first().waitFor();
    const revocationRow = rows.filter({ hasText: 'Pencabutan menunggu persetujuan' });
    const enrollmentRow = rows.filter({ hasText: 'Penerbitan menunggu persetujuan' });
    const revocationId = (await revocationRow.getAttribute('id')).replace('queue-row-', '');
    const enrollmentId = (await enrollmentRow.getAttribute('id')).replace('queue-row-', '');
    assert.doesNotMatch(await page.locator('#queue-body').innerText(), /Enrollment/);

    // The revocation in words.
    await page.locator(`#details-${revocationId}`).click();
    await page.locator('#detail-kind').filter({ hasText: 'PENCABUTAN' }).waitFor();
    const revDetail = await page.locator('#detail').innerText();
    assert.match(revDetail, /Pencabutan menunggu persetujuan/);
    assert.match(revDetail, new RegExp(old.serial, 'i'));
    assert.match(revDetail, /budi\.santoso@example\.go\.id/);
    await step('rincian-pencabutan');

    // The enrollment in words, with the PDF in the page.
    await page.locator(`#details-${enrollmentId}`).click();
    await page.locator('#detail-h').filter({ hasText: `#${enrollmentId}` }).waitFor();
    await page.locator('#doc-view:not([hidden])').waitFor();
    const detail = await page.locator('#detail').innerText();
    for (const label of ['Nama (CN)', 'Organisasi (O)', 'Unit (OU)', 'E-mail (emailAddress)', 'Jenis dan ukuran kunci', 'E-mail pemohon']) {
      assert.ok(detail.includes(label), `the details name "${label}"`);
    }
    assert.match(detail, /ECDSA P-256/);
    assert.match(detail, /Budi Santoso/);
    assert.match(detail, /Dinas Komunikasi dan Informatika/);
    assert.doesNotMatch(detail, /email_sans|public_key_sha256|csr_info/);
    const src = await page.locator('#doc-frame').getAttribute('src');
    assert.equal(src, `/api/operator/requests/${enrollmentId}/document?view=inline`);
    const served = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), start: (await r.text()).slice(0, 5) };
    }, src);
    assert.deepEqual(served, { status: 200, type: 'application/pdf', disposition: 'inline', start: '%PDF-' });
    await step('rincian-penerbitan-dengan-pdf');

    // Approve, then think again: the dialog repeats what would happen; "Batal" changes nothing.
    await page.locator(`#approve-${enrollmentId}`).click();
    await page.locator('#approve-dialog[open]').waitFor();
    const summary = await page.locator('#approve-summary').innerText();
    assert.match(summary, /Budi Santoso \(demo\)/);
    assert.match(summary, /Penerbitan menunggu persetujuan/);
    assert.match(summary, /Sertifikat Elektronik Individu/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'approve-cancel');
    await step('konfirmasi-setujui');
    await page.locator('#approve-cancel').click();
    await page.locator('#approve-dialog:not([open])').waitFor({ state: 'attached' });
    assert.equal(await page.evaluate(() => document.activeElement.id), `approve-${enrollmentId}`);
    assert.equal(await rows.count(), 2, 'cancelled: both requests still wait');

    // Reject the revocation, through its dialog.
    await page.locator(`#reject-${revocationId}`).click();
    await page.locator('#reject-dialog[open]').waitFor();
    assert.match(await page.locator('#reject-summary').innerText(), /Pencabutan menunggu persetujuan/);
    await page.getByLabel('Alasan penolakan').fill('Alasan pencabutan perlu surat dari atasan.');
    await step('konfirmasi-tolak');
    await page.locator('#reject-confirm').click();
    await page.locator('#status').filter({ hasText: `#${revocationId} ditolak` }).waitFor();

    // Approve the enrollment, through its dialog.
    await page.locator(`#approve-${enrollmentId}`).click();
    await page.locator('#approve-dialog[open]').waitFor();
    await page.locator('#approve-confirm').click();
    await page.locator('#status').filter({ hasText: `#${enrollmentId} disetujui` }).waitFor();
    // Today's decisions (the demo's first certificate, approved at start, is one of them).
    await page.locator(`#today-${enrollmentId}`).filter({ hasText: 'Success oleh operator' }).waitFor();
    await page.locator(`#today-${revocationId}`).filter({ hasText: 'Rejected oleh operator' }).waitFor();
    assert.match(await page.locator('#today-summary').innerText(), /\d+ disetujui, 1 ditolak/);
    await step('keputusan-hari-ini');

    // The history finds both decisions by the holder, and the rejection by its status.
    await page.locator('#nav-history').click();
    await page.waitForURL(/history\.html/);
    await page.getByLabel('Pemohon (nama atau login) atau nomor seri').fill('demo');
    await page.locator('#hist-submit').click();
    // Three: the demo's first certificate (approved at start) and today's two.
    await page.locator('#status').filter({ hasText: '3 keputusan' }).waitFor();
    assert.ok(await page.locator(`#history-row-${enrollmentId}`).isVisible());
    assert.match(await page.locator(`#history-row-${revocationId}`).innerText(), /Rejected/);
    await step('riwayat-cari-pemohon');
    await page.getByLabel('Status').selectOption('rejected');
    await page.locator('#hist-submit').click();
    await page.locator('#status').filter({ hasText: '1 keputusan' }).waitFor();
    const found = await page.locator('#history-body').innerText();
    assert.match(found, /Pencabutan/);
    assert.match(found, new RegExp(old.serial, 'i'));
    assert.match(found, /operator/);
    await step('riwayat-ditolak');

    // And the holder sees the outcome: the new certificate, the revocation rejected.
    await w.switchTo('demo');
    await page.goto(`${portal.url}/requests.html`);
    await page.locator('#requests-body').filter({ hasText: 'Rejected' }).waitFor();
    assert.match(await page.locator('#requests-body').innerText(), /Success/);
  }, { portal: shared.portal }));
});
