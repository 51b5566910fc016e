/**
 * Cancelling an unfinished request (issue 12, point 2), as a person does it: the holder starts
 * a request, sees it counted in "Permohonan dalam proses", cancels it from "Status Permohonan"
 * after a confirmation (first changing their mind once), and then sees it listed as
 * "Dibatalkan", no longer counted, its token refused by the server.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  holderWalk, requestSeen, skip, startRequestToToken,
} from './walker.mjs';

/** The number on the dashboard card "Permohonan dalam proses". */
async function inProgress(page) {
  const card = page.locator('#cards .card').filter({ hasText: 'Permohonan dalam proses' });
  await card.waitFor();
  return Number(await card.locator('.num').innerText());
}

describe('cancelling a request', { skip }, () => {
  it('cancels an unfinished request: Dibatalkan, kept, not in progress', { timeout: 600_000 }, () => holderWalk('cancel-request', async (w) => {
    const { page, step } = w;
    const before = await inProgress(page);

    // A request started and left at its token.
    const { token, id } = await startRequestToToken(page);
    await page.locator('#nav-dashboard').click();
    assert.equal(await inProgress(page), before + 1, 'the new request is in progress');
    await step('dasbor-satu-dalam-proses');

    // "Status Permohonan": cancel it, after saying no once.
    await page.locator('#nav-requests').click();
    const row = page.locator(`#request-row-${id}`);
    await row.waitFor();
    const cancel = page.getByRole('button', { name: `Batalkan permohonan #${id}` });
    await cancel.click();
    const dialog = page.getByRole('dialog', { name: 'Batalkan permohonan ini?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), new RegExp(`#${id}.*tetap tercatat`, 's'));
    await step('konfirmasi-batalkan');
    await page.getByRole('button', { name: 'Jangan batalkan' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.match(await row.innerText(), /Enrollment/, 'kept when the holder says no');
    await cancel.click();
    await dialog.waitFor();
    await page.getByRole('button', { name: 'Ya, batalkan' }).click();
    await page.locator('#status').filter({ hasText: `Permohonan #${id} dibatalkan.` }).waitFor();
    assert.match(await page.locator(`#status-${id}`).innerText(), /Dibatalkan/);
    assert.equal(await page.locator(`#continue-${id}`).count(), 0, 'nothing to continue');
    assert.equal(await page.locator(`#cancel-${id}`).count(), 0, 'nothing to cancel again');
    await step('status-dibatalkan');

    // In English too, under the name PROCESS.md's statuses sit beside.
    await page.locator('#lang-toggle').click();
    assert.match(await page.locator(`#status-${id}`).innerText(), /Cancelled/);
    await page.locator('#lang-toggle').click();

    // Still listed after a reload; no longer in progress.
    await page.reload();
    await page.locator(`#status-${id}`).filter({ hasText: 'Dibatalkan' }).waitFor();
    await page.locator('#nav-dashboard').click();
    assert.equal(await inProgress(page), before, 'a cancelled request is not in progress');
    await step('dasbor-tidak-dalam-proses');

    // What the server says: cancelled, and its token refused.
    const r = await requestSeen(page, id);
    assert.equal(r.status, 'cancelled');
    const answer = await page.evaluate(async (t) => {
      const me = await (await fetch('/api/me')).json();
      const res = await fetch('/api/csr/check', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ token: t }),
      });
      return { status: res.status, body: await res.json() };
    }, token);
    assert.equal(answer.status, 409);
    assert.equal(answer.body.error.code, 'request.closed');
  }, {
    // Chromium logs that refused check (409) as a console error.
    expectedRefusals: [409],
  }));
});
