/**
 * A renewal left half-way (issue 12, points 3 and 8), as a person meets it: the holder starts
 * "Perpanjang tanpa jeda" (only the certificate's own product is offered), abandons it at the
 * token, and comes back to the certificate's page, which offers to continue the renewal or to
 * cancel it instead of an error. Continue leads to the key step of that request; cancelled
 * (after a confirmation), it blocks nothing: a new renewal of the same certificate is made.
 * (A renewal whose token expired unused is cancelled by the next one: tests/holder_paths.rs.)
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  holderWalk, openCertificates, requestIdOf, skip,
} from './walker.mjs';

describe('an abandoned renewal', { skip }, () => {
  it('is offered to continue or cancel, and never blocks a new renewal', { timeout: 600_000 }, () => holderWalk('abandoned-renewal', async (w, portal) => {
    const { page, step } = w;
    const [cert] = await openCertificates(page);
    assert.equal(cert.product, 'Sertifikat Elektronik Individu');
    await page.locator(`#info-${cert.id}`).click();
    await page.locator('#renew-link').click();

    // The renewal keeps the certificate's product: it is the only one offered.
    await page.locator('#step-product').waitFor({ state: 'visible' });
    const offered = await page.locator('#product option').allInnerTexts();
    assert.deepEqual(offered, ['Sertifikat Elektronik Individu']);
    assert.deepEqual(await page.locator('#cert-type option').allInnerTexts(), ['Individu']);
    await page.locator('#product-keys').filter({ hasText: /RSA 2048/ }).waitFor();
    await step('perpanjangan-produk-sama');
    await page.locator('#product-continue').click();
    await page.locator('#step-token').waitFor({ state: 'visible' });
    const first = requestIdOf(page);

    // Opened again (a bookmark, the dashboard's reminder): the renewal page points to the
    // open one instead of failing.
    await page.goto(`${portal.url}/permohonan-baru.html?renews=${cert.id}`);
    await page.locator('#renews-note').filter({ hasText: `permohonan #${first}` }).waitFor();
    assert.equal(await page.locator('#product-continue').isDisabled(), true);
    assert.equal(await page.locator('#renews-continue').getAttribute('href'), `/permohonan-baru.html?request=${first}`);
    await step('perpanjangan-sudah-dimulai');

    // Abandoned at the token: the certificate's page offers the way on, not an error.
    await page.locator('#nav-certificates').click();
    await page.locator(`#info-${cert.id}`).click();
    const open = page.locator('#open-renewal');
    await open.waitFor({ state: 'visible' });
    assert.match(await open.innerText(), new RegExp(`#${first}.*Enrollment`, 's'));
    assert.equal(await page.locator('#renew-link').isVisible(), false, 'no second renewal while one is open');
    await step('info-perpanjangan-terbuka');

    // "Lanjutkan perpanjangan": the key step of that very request.
    await page.getByRole('link', { name: 'Lanjutkan perpanjangan' }).click();
    await page.waitForURL(new RegExp(`permohonan-baru\\.html\\?request=${first}$`));
    await page.locator('#step-kit').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Token hilang? Buat token baru' }).waitFor();
    await step('lanjutkan-ke-langkah-kunci');
    await page.goBack();

    // "Batalkan perpanjangan", confirmed.
    await open.waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Batalkan perpanjangan' }).click();
    const dialog = page.getByRole('dialog', { name: 'Batalkan perpanjangan ini?' });
    await dialog.waitFor();
    await step('konfirmasi-batalkan-perpanjangan');
    await page.getByRole('button', { name: 'Ya, batalkan' }).click();
    await page.locator('#renewal-status').filter({ hasText: `Perpanjangan #${first} dibatalkan` }).waitFor();
    await open.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#renew-link').isVisible(), true);
    await step('perpanjangan-dibatalkan');

    // A new renewal of the same certificate goes through.
    await page.locator('#renew-link').click();
    await page.locator('#step-product').waitFor({ state: 'visible' });
    await page.locator('#product-continue').click();
    await page.locator('#step-token').waitFor({ state: 'visible' });
    const second = requestIdOf(page);
    assert.ok(second > first);
    await step('perpanjangan-baru');

    // What the server says.
    const seen = await page.evaluate(async (id) => (await fetch(`/api/certificates/${id}`)).json(), cert.id);
    assert.equal(seen.status, 'good', 'the old certificate stays good meanwhile');
    assert.equal(seen.open_renewal.id, second);
    const { requests } = await page.evaluate(async () => (await fetch('/api/requests')).json());
    const byId = Object.fromEntries(requests.map((r) => [r.id, r]));
    assert.equal(byId[first].status, 'cancelled');
    assert.equal(byId[second].status, 'pending');
    assert.equal(byId[second].renews, cert.id);
    assert.equal(byId[second].product, 'Sertifikat Elektronik Individu');
    await page.locator('#nav-requests').click();
    await page.locator(`#status-${first}`).filter({ hasText: 'Dibatalkan' }).waitFor();
    await step('status-permohonan');
  }));
});
