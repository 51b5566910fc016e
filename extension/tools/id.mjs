#!/usr/bin/env node
/**
 * Prints the Chromium extension id that follows from `extension/manifest.json`'s `key`.
 *
 * Chromium derives an unpacked (or packed) extension's id from its public key: SHA-256 of the
 * DER SubjectPublicKeyInfo, the first 16 bytes as 32 hex digits, each digit 0-f written as a-p.
 * The `key` is fixed so that the id is the same on every machine, which the native host's
 * manifest (`allowed_origins: ["chrome-extension://ID/"]`) needs. The private key is not kept:
 * unpacked loading does not need it, and a store upload gets the store's own key.
 *
 * Usage: node extension/tools/id.mjs [path/to/manifest.json]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The extension id for a base64 DER SPKI (the manifest's `key`). */
export function extensionId(keyBase64) {
  const der = Buffer.from(keyBase64, 'base64');
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  return [...hex].map((d) => String.fromCharCode('a'.charCodeAt(0) + parseInt(d, 16))).join('');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  if (!manifest.key) {
    console.error(`${path} has no "key"`);
    process.exit(1);
  }
  console.log(extensionId(manifest.key));
}
