/**
 * The renewal without a gap ("Perpanjang tanpa jeda"), in headless Chromium as a person does
 * it: the old certificate stays good (not on the CRL) while the new request waits, and is on
 * the CRL as superseded once the new one is issued.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  assertOnCrl, certificatesSeen, crlEntry, fetchCrlText, holderWalk, newRequestWizard,
  openCertificates, skip,
} from './walker.mjs';

describe('the renewal without a gap', { skip }, () => {
  it('renews without a gap: the old certificate stays good until the new one is issued', { timeout: 600_000 }, () => holderWalk('renewal', async (w, renewal) => {
    const { page, step } = w;
    const [old] = await openCertificates(page);
    await page.locator(`#info-${old.id}`).click();
    await page.locator('#renew-link').waitFor();
    await step('info-perpanjang');
    await page.locator('#renew-link').click();
    await page.waitForURL(/permohonan-baru\.html\?renews=/);
    await page.locator('#renews-note').waitFor({ state: 'visible' });
    await newRequestWizard(w, { algorithm: 'p256', checkWeakPassword: false, tryBadUpload: false, backup: 'skip' });

    // Submitted, not yet approved: the old certificate is still good and not on the CRL.
    let [still] = (await certificatesSeen(page)).filter((c) => c.id === old.id);
    assert.equal(still.status, 'good');
    const crl = await fetchCrlText(renewal);
    assert.equal(crlEntry(crl.text, old.serial), null, 'no gap: not revoked while waiting');

    await w.operatorApprovesAll('antrian-operator-perpanjangan');
    const certs = await certificatesSeen(page);
    [still] = certs.filter((c) => c.id === old.id);
    assert.equal(still.status, 'revoked');
    assert.equal(still.revocation_reason, 'superseded');
    const fresh = certs.find((c) => c.status === 'good');
    assert.ok(fresh && fresh.id !== old.id, 'the new certificate is issued');
    assert.ok(fresh.not_before <= still.revoked_at + 300, 'the new one was valid when the old one ended');
    await assertOnCrl(renewal, old.serial, /Superseded/, 'the old certificate is on the CRL');
    await page.locator('#nav-certificates').click();
    await page.locator(`#info-${fresh.id}`).waitFor();
    await step('sertifikat-setelah-perpanjangan');
  }));
});
