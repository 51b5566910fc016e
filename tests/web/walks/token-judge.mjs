/**
 * The token walks' judge, the same in every browser (token-key.test.mjs in Chromium,
 * token-key-firefox.test.mjs in Firefox): what the walk left on the SoftHSM2 token, read with
 * pkcs11-tool (OpenSC), and the certificate read back, checked with OpenSSL.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { openssl, tempFile } from '../portal.mjs';

/** Runs `cmd` with `env` added; answers its stdout, throws with its output on failure. */
export function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Asserts that the token (module `module`, PIN `pin`, `tokenEnv` pointing SoftHSM2 at it)
 * holds a private key that is sensitive and never extractable, and beside it (same CKA_ID) the
 * certificate `issuedPem`, which chains to the portal's CA (`portalUrl`/ca/root.crt and
 * issuing.crt). `dir` takes the certificate read back.
 */
export async function assertCertificateOnToken({ module, pin, tokenEnv, dir, issuedPem, portalUrl }) {
  const objects = run('pkcs11-tool', ['--module', module, '--login', '--pin', pin, '--list-objects'], tokenEnv);
  const blocks = objects.split(/\n(?=\S)/);
  const key = blocks.find((b) => /^Private Key Object/.test(b));
  const certObj = blocks.find((b) => /^Certificate Object/.test(b));
  assert.ok(key && certObj, objects);
  assert.match(key, /never extractable/);
  assert.match(key, /sensitive/);
  const idOf = (b) => (b.match(/^\s*ID:\s*([0-9a-f]+)/m) || [])[1];
  assert.ok(idOf(key), key);
  assert.equal(idOf(certObj), idOf(key), 'the certificate sits beside its key (same CKA_ID)');

  // The certificate read back from the token is the issued one and chains to the CA.
  const certFile = join(dir, 'from-token.der');
  run('pkcs11-tool', ['--module', module, '--read-object', '--type', 'cert', '--id', idOf(key), '--output-file', certFile], tokenEnv);
  const fromToken = openssl(['x509', '-inform', 'DER', '-in', certFile]);
  const fp = (text) => openssl(['x509', '-noout', '-fingerprint', '-sha256'], text);
  assert.equal(fp(fromToken), fp(issuedPem));
  const pemOf = async (path) => tempFile('ca.pem', openssl(['x509', '-inform', 'DER', '-in',
    await tempFile('ca.der', Buffer.from(await (await fetch(`${portalUrl}${path}`)).arrayBuffer()))]));
  const leaf = await tempFile('leaf.pem', fromToken);
  assert.match(openssl(['verify', '-CAfile', await pemOf('/ca/root.crt'), '-untrusted', await pemOf('/ca/issuing.crt'), leaf]), /OK/);
}
