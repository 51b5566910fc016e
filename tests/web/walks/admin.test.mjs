/**
 * The administrator's area (issue 12, point 6) in headless Chromium, as people do it: the
 * admin logs in and reaches "Admin" from the menu (every link an admin sees answers 200); adds
 * a holder account, grants it a product, makes a one-time password reset link (the old
 * password never shown); the holder opens the link, sets a new password meeting the rule (a
 * short one is refused first) and logs in with it, and sees the granted product; the same link
 * opened again is refused. The admin disables an account after a confirmation (its login is
 * then refused) and cannot disable their own. The CA's state (root and issuing validity, CRL
 * number and next update, counts) is shown, and every action is in the audit log with the
 * admin's name.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  fillLogin, holderWalk, sharedPortal, skip,
} from './walker.mjs';

const NEW_LOGIN = 'rina';
const INITIAL_PASSWORD = 'Awal-sementara-2026';
const CHOSEN_PASSWORD = 'Rina-pilih-sendiri-8841';

describe('admin walk in headless Chromium', { skip }, () => {
  const shared = sharedPortal();

  it('accounts, grants, a reset link used once, disabling, the CA state', { timeout: 600_000 }, () => holderWalk('admin', async (w, portal) => {
    const { page, step } = w;
    const menu = await page.locator('#site-header nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.deepEqual(menu, ['/operator.html', '/history.html', '/inbox.html', '/admin.html']);
    for (const href of menu) {
      const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
      assert.equal(status, 200, `${href} answers 200`);
    }
    await page.locator('#nav-admin').click();
    await page.waitForURL(/admin\.html/);
    await page.locator('#account-row-demo').waitFor();

    // The CA's state.
    await page.locator('#ca-crl').filter({ hasText: /Nomor \d+/ }).waitFor();
    assert.match(await page.locator('#ca-root').innerText(), /berlaku .* sampai /);
    assert.match(await page.locator('#ca-issuing').innerText(), /berlaku .* sampai /);
    assert.match(await page.locator('#ca-crl').innerText(), /pembaruan berikutnya/);
    assert.match(await page.locator('#ca-certs').innerText(), /1 berlaku, 0 dicabut/);
    assert.match(await page.locator('#products-body').innerText(), /Sertifikat Elektronik Individu/);
    await step('admin');

    // Add a holder account.
    await page.getByLabel('Login', { exact: true }).fill(NEW_LOGIN);
    await page.getByLabel('Nama', { exact: true }).fill('Rina Kartika');
    await page.getByLabel('E-mail', { exact: true }).fill('rina.kartika@example.go.id');
    await page.getByLabel('Peran').selectOption('holder');
    await page.getByLabel('Kata sandi awal').fill(INITIAL_PASSWORD);
    await page.locator('#add-submit').click();
    await page.locator('#status').filter({ hasText: `Akun ${NEW_LOGIN} dibuat` }).waitFor();
    await page.locator(`#account-row-${NEW_LOGIN}`).waitFor();
    await page.locator('#account-panel:not([hidden])').waitFor();
    await step('akun-baru');

    // Grant a product.
    await page.getByLabel('Berikan produk').selectOption({ label: 'Sertifikat Elektronik Individu' });
    await page.locator('#grant-submit').click();
    await page.locator('#status').filter({ hasText: 'diberikan kepada rina' }).waitFor();
    assert.match(await page.locator(`#account-row-${NEW_LOGIN}`).innerText(), /Sertifikat Elektronik Individu/);
    await step('produk-diberikan');

    // A one-time reset link: never the old password.
    await page.locator('#reset-create').click();
    await page.locator('#reset-result:not([hidden])').waitFor();
    const link = await page.locator('#reset-link').inputValue();
    assert.match(link, /\/reset-password\.html#code=[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(INITIAL_PASSWORD));
    await step('tautan-reset');

    // Disable the demo holder, after the confirmation; and never oneself.
    await page.locator('#manage-demo').click();
    await page.locator('#account-toggle').filter({ hasText: 'Nonaktifkan' }).click();
    await page.locator('#disable-dialog[open]').waitFor();
    assert.match(await page.locator('#disable-summary').innerText(), /demo/);
    await step('konfirmasi-nonaktifkan');
    await page.locator('#disable-confirm').click();
    await page.locator('#status').filter({ hasText: 'Akun demo dinonaktifkan' }).waitFor();
    assert.match(await page.locator('#account-row-demo .account-state').innerText(), /Nonaktif/);
    await page.locator('#manage-admin').click();
    await page.locator('#account-toggle').click();
    await page.locator('#disable-dialog[open]').waitFor();
    await page.locator('#disable-confirm').click();
    await page.locator('#disable-error').filter({ hasText: 'tidak dapat menonaktifkan akun Anda sendiri' }).waitFor();
    await step('tidak-bisa-menonaktifkan-diri');
    await page.locator('#disable-cancel').click();
    assert.match(await page.locator('#account-row-admin .account-state').innerText(), /Aktif/);
    await w.logout();

    // The disabled holder cannot log in.
    await fillLogin(page, 'demo');
    await page.locator('#login-error').filter({ hasText: /dinonaktifkan/ }).waitFor();

    // The new holder opens the link and sets a password; a short one is refused first.
    await page.goto(link);
    await page.locator('#reset-account').filter({ hasText: `akun ${NEW_LOGIN}` }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the code leaves the address bar');
    await step('atur-kata-sandi');
    await page.getByLabel('Kata sandi baru', { exact: true }).fill('pendek');
    await page.getByLabel('Ulangi kata sandi baru').fill('pendek');
    await page.locator('#reset-submit').click();
    await page.locator('#reset-error').filter({ hasText: 'minimal 8 karakter' }).waitFor();
    await page.getByLabel('Kata sandi baru', { exact: true }).fill(CHOSEN_PASSWORD);
    await page.getByLabel('Ulangi kata sandi baru').fill(CHOSEN_PASSWORD);
    await page.locator('#reset-submit').click();
    await page.locator('#reset-status').filter({ hasText: 'sudah diganti' }).waitFor();
    await step('kata-sandi-diganti');

    // The same link again: refused, with the reason.
    await page.goto(link);
    await page.locator('#reset-error').filter({ hasText: 'sudah dipakai' }).waitFor();
    assert.equal(await page.locator('#reset-panel').isHidden(), true);
    await step('tautan-dipakai-dua-kali');

    // The holder logs in with the chosen password and sees the granted product.
    await page.goto(`${portal.url}/`);
    await page.getByLabel('Nama pengguna').fill(NEW_LOGIN);
    await page.getByLabel('Kata sandi').fill(CHOSEN_PASSWORD);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL(/dashboard/);
    const products = await page.evaluate(async () => (await (await fetch('/api/products')).json()).products.map((p) => p.name));
    assert.deepEqual(products, ['Sertifikat Elektronik Individu']);
    const holderMenu = await page.locator('#site-header nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    assert.ok(!holderMenu.includes('/admin.html') && !holderMenu.includes('/operator.html'));
    await step('pemegang-baru-masuk');
    await w.logout();

    // Every action is in the audit log with the admin's name.
    await fillLogin(page, 'admin');
    await page.waitForURL(/operator/);
    await page.locator('#audit-body tr[id^="audit-row-"]').first().waitFor();
    const audit = await page.locator('#audit-body').innerText();
    for (const action of ['user.created', 'product.granted', 'user.password_reset_issued', 'user.password_reset', 'user.disabled']) {
      assert.ok(audit.includes(action), `the audit log lists ${action}`);
    }
    assert.doesNotMatch(audit, new RegExp(CHOSEN_PASSWORD));
    await step('jejak-audit');

    // Chromium logs each refused call itself: exactly the three refusals this walk provokes
    // (disabling oneself 409, the disabled login 403, the link used twice 410), nothing else
    // (`holderWalk` checks that `problems` holds nothing).
    const refused = (status) => `console error: Failed to load resource: the server responded with a status of ${status}`;
    assert.deepEqual(w.refusals, [
      `${refused(409)} (Conflict)`,
      `${refused(403)} (Forbidden)`,
      `${refused(410)} (Gone)`,
    ]);
  }, { portal: shared.portal, user: 'admin', expectedRefusals: [409, 403, 410] }));
});
