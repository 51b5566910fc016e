/**
 * A session that ends in the middle of a request (issue 12, point 9), as a person meets it:
 * the holder is at the key step of a new request when the session ends (its cookie gone, as
 * after the idle timeout); the next action lands on the login page, which says plainly that
 * the session ended; after logging in the holder is back at the same request's key step,
 * and what the server had stored (the request, its token) is still there. The login page's
 * `next` never leads to another site.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  fillLogin, holderWalk, requestSeen, skip, startRequestToToken,
} from './walker.mjs';

describe('an ended session', { skip }, () => {
  it('says so, and the login returns to the same request step', { timeout: 600_000 }, () => holderWalk('session-expired', async (w, portal) => {
    const { page, step } = w;
    const { token, id } = await startRequestToToken(page, { certType: 'Individu' });
    await page.getByRole('button', { name: 'Copy Token' }).click();
    await page.locator('#token-continue').click();
    await page.locator('#step-kit').waitFor({ state: 'visible' });
    const field = page.getByLabel('Tempel token CSR di sini');
    await field.fill(token);
    await step('langkah-kunci-sebelum-sesi-berakhir');

    // The session ends (as after the idle timeout): the cookie is gone.
    await w.browser.context.clearCookies();
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('ended') === '1');
    assert.equal(new URL(page.url()).searchParams.get('next'), `/permohonan-baru.html?request=${id}`);
    const note = page.locator('#session-ended');
    await note.waitFor({ state: 'visible' });
    assert.match(await note.innerText(), /Sesi Anda telah berakhir, silakan masuk lagi/);
    await step('sesi-berakhir');
    await page.locator('#lang-toggle').click();
    assert.match(await note.innerText(), /Your session has ended/);
    await page.locator('#lang-toggle').click();

    // Logging in returns to the same request, at its key step.
    await fillLogin(page, 'demo');
    await page.waitForURL((u) => u.pathname === '/permohonan-baru.html' && u.search === `?request=${id}`);
    await page.locator('#step-kit').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#st-kit').getAttribute('aria-current'), 'step');
    await step('kembali-ke-langkah-kunci');

    // Nothing stored was lost: the token copied before still opens the same request.
    assert.equal(await field.inputValue(), '', 'the token was never put in the address or stored');
    await field.pressSequentially(token);
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    assert.match(await page.locator('#kit dl').innerText(), new RegExp(`#${id}\\b`));
    await step('data-sertifikat-setelah-masuk');
    const r = await requestSeen(page, id);
    assert.equal(r.status, 'pending');

    // A page opened without a session goes to the login page too, and back after it.
    await w.browser.context.clearCookies();
    await page.goto(`${portal.url}/requests.html`);
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('next') === '/requests.html');
    await fillLogin(page, 'demo');
    await page.waitForURL((u) => u.pathname === '/requests.html');
    await page.locator(`#request-row-${id}`).waitFor();

    // `next` never leads to another site: the logged-in browser goes to its dashboard.
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/\t/evil.example']) {
      await page.goto(`${portal.url}/?next=${encodeURIComponent(bad)}`);
      await page.waitForURL((u) => u.origin === portal.url && u.pathname === '/dashboard.html');
    }
  }, {
    // Chromium logs every 4xx answer; the ended session's 401 is the point of this walk.
    expectedRefusals: [401],
  }));
});
