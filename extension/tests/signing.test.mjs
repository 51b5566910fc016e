/**
 * What the extension's window shows before a signature (extension/src/signing.js): the
 * document's name as given, its size in both languages, the digest's first 16 hex digits in
 * groups of four, and the key. The window itself (pin.js rendering these rows) is driven in
 * Chromium by tests/web/extension.test.mjs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatSize, groupHex, signRows } from '../src/signing.js';

const SUMMARY = {
  algorithm: 'p256', keyId: '00112233445566778899aabbccddeeff',
  document: { name: 'SK Kenaikan Pangkat <b>2026</b>.pdf', size: 1_234_567 }, digestPrefix: '3F2A91BC0D4E77AA',
};

test('hex is grouped by four, lower case', () => {
  assert.equal(groupHex('3F2A91BC0D4E77AA'), '3f2a 91bc 0d4e 77aa');
  assert.equal(groupHex('abcde'), 'abcd e');
  assert.equal(groupHex(''), '');
  assert.equal(groupHex(undefined), '');
});

test('sizes read in Indonesian and English', () => {
  assert.deepEqual(formatSize(1), ['1 byte', '1 byte']);
  assert.deepEqual(formatSize(1000), ['1.000 byte', '1,000 bytes']);
  assert.deepEqual(formatSize(48_213), ['47,1 KB (48.213 byte)', '47.1 KB (48,213 bytes)']);
  assert.deepEqual(formatSize(1_234_567), ['1,2 MB (1.234.567 byte)', '1.2 MB (1,234,567 bytes)']);
});

test('the rows: the name as given, the size, the digest prefix, the key', () => {
  const rows = signRows(SUMMARY);
  assert.deepEqual(rows.map((r) => r.label), [
    ['Dokumen', 'Document'],
    ['Ukuran', 'Size'],
    ['Sidik dokumen (SHA-256, awalnya)', 'Document fingerprint (SHA-256, its start)'],
    ['Kunci di token', 'Key on the token'],
  ]);
  // Text, never markup: pin.js sets it with textContent.
  assert.equal(rows[0].value, 'SK Kenaikan Pangkat <b>2026</b>.pdf');
  assert.deepEqual(rows[1].value, ['1,2 MB (1.234.567 byte)', '1.2 MB (1,234,567 bytes)']);
  assert.equal(rows[2].value, '3f2a 91bc 0d4e 77aa …');
  assert.equal(rows[2].digest, true);
  assert.equal(rows[3].value, 'ECDSA P-256, ID 0011 2233 …');
});

test('without a size there is no size row; RSA reads as RSA 2048', () => {
  const rows = signRows({ ...SUMMARY, algorithm: 'rsa2048', document: { name: 'a.pdf', size: null } });
  assert.deepEqual(rows.map((r) => r.label[1]), ['Document', 'Document fingerprint (SHA-256, its start)', 'Key on the token']);
  assert.match(rows[2].value, /^RSA 2048, ID/);
});
