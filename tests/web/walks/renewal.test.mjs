/**
 * The renewal without a gap ("Perpanjang tanpa jeda"), in headless Chromium as a person does
 * it: the old certificate stays good (not on the CRL) while the new request waits, and is on
 * the CRL as superseded once the new one is issued.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  certificatesSeen, crlEntry, fetchCrlText, newRequestWizard, skip, startPortal, walker,
} from './walker.mjs';

describe('the renewal without a gap', { skip }, () => {
  it('renews without a gap: the old certificate stays good until the new one is issued', { timeout: 600_000 }, async () => {
    const renewal = await startPortal();
    const w = await walker('renewal', renewal);
    const { page, step } = w;
    try {
      await w.login('demo');
      await page.locator('#nav-certificates').click();
      const [old] = await certificatesSeen(page);
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
      let crl = await fetchCrlText(renewal);
      assert.equal(crlEntry(crl.text, old.serial), null, 'no gap: not revoked while waiting');

      await w.operatorApprovesAll('antrian-operator-perpanjangan');
      const certs = await certificatesSeen(page);
      [still] = certs.filter((c) => c.id === old.id);
      assert.equal(still.status, 'revoked');
      assert.equal(still.revocation_reason, 'superseded');
      const fresh = certs.find((c) => c.status === 'good');
      assert.ok(fresh && fresh.id !== old.id, 'the new certificate is issued');
      assert.ok(fresh.not_before <= still.revoked_at + 300, 'the new one was valid when the old one ended');
      crl = await fetchCrlText(renewal);
      const entry = crlEntry(crl.text, old.serial);
      assert.ok(entry, 'the old certificate is on the CRL');
      assert.match(entry, /Superseded/);
      await page.locator('#nav-certificates').click();
      await page.locator(`#info-${fresh.id}`).waitFor();
      await step('sertifikat-setelah-perpanjangan');
      assert.deepEqual(w.problems, [], 'the pages logged no error');
    } catch (e) {
      await w.shots.shot(page, 'failure').catch(() => {});
      throw e;
    } finally {
      await w.close();
      await renewal.stop();
    }
  });
});
