/**
 * Phones and words (issue 12, points 10 and 11), in headless Chromium at 375×812, as a person
 * does it: the holder's whole renewal with the key made in the browser, the certificate and
 * request lists, the operator's queue, and the language. On every page: the page itself never
 * scrolls sideways (`scrollWidth <= innerWidth`), the menu is folded behind "Menu" and opens
 * and closes by keyboard, the first screen shows the page's heading, and axe-core is clean
 * (`step`). Tables show as cards with each cell's column name, status, Info and Download on
 * screen. Then English: the inbox shows only English, and the server keeps the choice. Last,
 * the same pages at 1280 px keep the full menu and the table columns.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  PHONE, approveQueue, certificatesSeen, holderWalk, newRequestWizard, openDownload, skip,
} from './walker.mjs';

describe('the portal on a phone', { skip }, () => {
  it('renews, lists and approves at 375×812 without sideways scrolling, then reads English only', { timeout: 600_000 }, () => holderWalk('mobile', async (w, portal) => {
    const { page } = w;
    const axeStep = w.step;

    /** The page fits the phone, and the menu (if the page has one) is folded. */
    const fits = async (label) => {
      const { scroll, inner } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
      }));
      assert.ok(scroll <= inner, `${label}: the page is ${scroll} px wide in a ${inner} px window`);
      if (await page.locator('#menu-toggle').count()) {
        assert.equal(await page.locator('#menu-toggle').isVisible(), true, `${label}: "Menu" is shown`);
        assert.equal(await page.locator('#menu-toggle').getAttribute('aria-expanded'), 'false', `${label}: menu folded`);
        assert.equal(await page.locator('#site-menu').isVisible(), false, `${label}: menu folded`);
        // The first screen shows the page, not the menu: the heading is in its top third.
        const top = await page.locator('main h1').first().evaluate((h1) => h1.getBoundingClientRect().top);
        assert.ok(top < PHONE.height / 3, `${label}: the heading starts at ${top} px`);
      }
    };
    // Every step of this walk (the wizard's too) also checks the fit.
    w.step = async (label) => {
      await fits(label);
      await axeStep(label);
    };
    const { step } = w;

    /** `locator` is on screen horizontally (not cut off to the right). */
    const onScreen = async (locator, what) => {
      assert.equal(await locator.isVisible(), true, `${what} is visible`);
      const box = await locator.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `${what} fits the width: ${JSON.stringify(box)}`);
    };

    /** Opens the menu with the keyboard and follows `link`. */
    const menuTo = async (link) => {
      await page.locator('#menu-toggle').focus();
      await page.keyboard.press('Enter');
      await page.locator('#site-menu').waitFor({ state: 'visible' });
      await page.locator(link).click();
    };

    const login = async (user) => {
      await w.login(user);
      await page.locator('#menu-toggle').waitFor();
    };

    await page.goto(`${portal.url}/`);
    await step('login');
    await page.goto(`${portal.url}/reset-password.html`);
    await page.waitForLoadState('networkidle');
    await step('atur-kata-sandi');
    await login('demo');
    await page.locator('#cards .card').first().waitFor();
    await step('dasbor');

    // The menu: folded; "Menu" opens it by keyboard (aria-expanded), Escape closes it and
    // gives the focus back to the button.
    await page.locator('#menu-toggle').focus();
    await page.keyboard.press('Enter');
    await page.locator('#site-menu').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#menu-toggle').getAttribute('aria-expanded'), 'true');
    await onScreen(page.locator('#nav-certificates'), 'the menu\'s "Sertifikat Anda"');
    await onScreen(page.locator('#logout'), '"Keluar"');
    await axeStep('menu-terbuka');
    await page.keyboard.press('Escape');
    await page.locator('#site-menu').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'menu-toggle');
    await fits('menu-tertutup');

    // "Sertifikat Anda": each certificate a card; status, Info and Download on screen, each
    // with its column's name; still a table for screen readers.
    await menuTo('#nav-certificates');
    const [old] = await certificatesSeen(page);
    await page.locator(`#info-${old.id}`).waitFor();
    const row = page.locator(`#cert-row-${old.id}`);
    await onScreen(row.locator('.pill').first(), 'the status');
    await onScreen(page.locator(`#info-${old.id}`), '"Info"');
    await onScreen(page.locator(`#download-${old.id}`), '"Download"');
    assert.equal(await row.locator('td').nth(2).getAttribute('data-label'), 'Akhir Masa Berlaku');
    assert.equal(await page.getByRole('table').count(), 1, 'the list is still a table');
    assert.equal(await page.getByRole('columnheader', { name: 'Nomor Seri' }).count(), 1);
    await page.locator(`#download-${old.id}`).click();
    await onScreen(page.locator(`#pem-${old.id}`), 'the .pem download');
    await step('sertifikat-anda');

    // The renewal without a gap, file key, through the whole wizard.
    await page.locator(`#info-${old.id}`).click();
    await page.waitForURL(/certificate\.html/);
    await page.locator('#renew-link').waitFor();
    await step('info-sertifikat');
    await page.locator('#renew-link').click();
    await page.waitForURL(/permohonan-baru\.html\?renews=/);
    await page.locator('#renews-note').waitFor({ state: 'visible' });
    await newRequestWizard(w, { algorithm: 'p256', checkWeakPassword: true, tryBadUpload: false });

    // "Status Permohonan": the request as a card, its status named as docs/PROCESS.md names
    // it with a short explanation beside it.
    await menuTo('#nav-requests');
    const request = page.locator('#requests-body tr[id^="request-row-"]').first();
    await request.waitFor();
    await onScreen(request.locator('.pill'), 'the request\'s status');
    assert.equal(await request.locator('.pill').innerText(), 'Submitted');
    assert.match(await request.locator('[id^="status-explain-"]').innerText(), /menunggu persetujuan operator/);
    await onScreen(request.locator('button[id^="check-"]'), '"Check"');
    await step('status-permohonan');

    // The operator's queue on the phone: each request a card, "approve" on screen.
    await w.logout();
    await login('operator');
    await approveQueue(w, 'antrian-operator', {
      shown: (approve) => onScreen(approve.first(), 'the operator\'s approve button'),
      // The confirmation, on the phone too.
      confirming: async (i) => {
        await onScreen(page.locator('#approve-confirm'), 'the confirmation\'s button');
        await axeStep(`konfirmasi-setujui-${i + 1}`);
      },
    });
    await step('antrian-kosong');
    // The other staff pages fit too: their wide tables scroll inside their own region.
    await page.goto(`${portal.url}/history.html`);
    await page.waitForLoadState('networkidle');
    await step('riwayat-keputusan');
    await w.logout();
    await login('admin');
    await page.goto(`${portal.url}/admin.html`);
    await page.waitForLoadState('networkidle');
    await step('admin');
    await w.logout();

    // The holder again: the new certificate, the old one superseded, in words.
    await login('demo');
    await page.locator('#reminders-section').waitFor({ state: 'visible' });
    const unreadLines = page.locator('#reminders a[href^="/inbox.html"]');
    assert.equal(await unreadLines.count(), 1, 'one line for the unread messages, not one per message');
    await step('dasbor-pesan-baru');
    await menuTo('#nav-certificates');
    const certs = await certificatesSeen(page);
    const fresh = certs.find((c) => c.status === 'good');
    assert.ok(fresh && fresh.id !== old.id, 'the new certificate is issued');
    await page.locator(`#info-${fresh.id}`).waitFor();
    await onScreen(page.locator(`#download-${fresh.id}`), 'the new certificate\'s "Download"');
    await step('sertifikat-baru');
    // "Download Sertifikat Elektronik" fits too (the .p12 itself: file-key.test.mjs).
    const maker = await openDownload(w, fresh.id);
    await onScreen(maker.getByRole('button', { name: 'Download' }), 'the element\'s "Download"');
    await step('download-sertifikat');
    // The lost-key page, from the certificate.
    await page.goto(`${portal.url}/kunci-hilang.html?certificate=${fresh.id}`);
    await page.waitForLoadState('networkidle');
    await step('kunci-hilang');
    await page.goto(`${portal.url}/certificate.html?id=${old.id}`);
    await page.locator('#details').filter({ hasText: 'Budi Santoso' }).waitFor();
    const oldText = await page.locator('main').innerText();
    assert.match(oldText, /alasan: digantikan sertifikat baru/);
    assert.doesNotMatch(oldText, /alasan superseded/);
    await step('sertifikat-lama-dicabut');

    // Words: the inbox in Indonesian only, then English only once the holder switches.
    await menuTo('#nav-inbox');
    await page.locator('#notices li h2').first().waitFor();
    let inbox = await page.locator('#notices').innerText();
    assert.match(inbox, /Sertifikat elektronik terbit/);
    assert.doesNotMatch(inbox, /Certificate issued| \/ /);
    await step('kotak-masuk');
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.locator('#notices').filter({ hasText: 'Certificate issued' }).waitFor();
    inbox = await page.locator('#notices').innerText();
    // Product names and quoted menu labels ("Sertifikat Anda") are names, not words to
    // translate; the notices' own words must all be English.
    assert.doesNotMatch(inbox, /terbit|Permohonan #|nomor seri|telah|berstatus|dicabut|Tandai/, inbox);
    await step('inbox-english');
    const me = await page.evaluate(async () => (await fetch('/api/me')).json());
    assert.equal(me.lang, 'en', 'the server keeps the choice');
    // Another browser of the same account (no localStorage): still English.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.locator('#notices').filter({ hasText: 'Certificate issued' }).waitFor();
    await step('inbox-english-after-reload');

    // 1280 px: the whole menu in the header, no "Menu" button, the tables in columns.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${portal.url}/certificates.html`);
    await page.locator(`#info-${fresh.id}`).waitFor();
    assert.equal(await page.locator('#menu-toggle').isVisible(), false);
    assert.equal(await page.locator('#nav-certificates').isVisible(), true);
    assert.equal(await page.locator('#certificates thead').isVisible(), true);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    assert.ok(widths.scroll <= widths.inner);
    await axeStep('desktop-sertifikat');
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'id');
  }, { user: null, viewport: PHONE }));
});
