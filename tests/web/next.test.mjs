/**
 * The login page's `next` (web/assets/js/next.js, issue 12 point 9): after a login the browser
 * goes back only to a same-origin relative path; every spelling of another site is refused.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loginAddress, safeNext } from '../../web/assets/js/next.js';

const ORIGIN = 'http://127.0.0.1:8080';

describe('the login page returns only to this portal', () => {
  it('takes a same-origin path with its query', () => {
    assert.equal(safeNext('/permohonan-baru.html?request=7', ORIGIN), '/permohonan-baru.html?request=7');
    assert.equal(safeNext('/requests.html', ORIGIN), '/requests.html');
    assert.equal(safeNext('/certificate.html?id=3#renew', ORIGIN), '/certificate.html?id=3#renew');
  });

  it('refuses another site however it is spelled', () => {
    for (const bad of [
      '//evil.example', '//evil.example/dashboard.html', '/\\evil.example', '\\\\evil.example',
      'https://evil.example/', 'http://127.0.0.1:8080/dashboard.html', 'javascript:alert(1)',
      'evil.example', '/\t/evil.example', '/\n/evil.example', ' /dashboard.html', '', null,
      undefined, 42, `/${'a'.repeat(3000)}`,
    ]) {
      assert.equal(safeNext(bad, ORIGIN), null, JSON.stringify(bad));
    }
  });

  it('never returns to the login page itself', () => {
    assert.equal(safeNext('/', ORIGIN), null);
    assert.equal(safeNext('/index.html?next=/x', ORIGIN), null);
  });

  it('builds the login address with the page to return to', () => {
    const at = { pathname: '/permohonan-baru.html', search: '?request=7', hash: '' };
    assert.equal(loginAddress(at, true), '/?next=%2Fpermohonan-baru.html%3Frequest%3D7&ended=1');
    assert.equal(loginAddress(at, false), '/?next=%2Fpermohonan-baru.html%3Frequest%3D7');
    assert.equal(loginAddress({ pathname: '/', search: '', hash: '' }, false), '/');
    const back = new URLSearchParams(loginAddress(at, true).slice(2)).get('next');
    assert.equal(safeNext(back, ORIGIN), '/permohonan-baru.html?request=7');
  });
});
