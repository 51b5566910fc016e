/**
 * Off the main thread, proven: while kunci's Web Worker generates an RSA-4096 key, checks
 * passwords and packs a PKCS#12 file at 600 000 PBKDF2 iterations, the page's
 * `requestAnimationFrame` loop keeps ticking (enough frames, no frame gap over 200 ms).
 *
 * A control first shows that the detector does see a frozen page (a 400 ms busy loop on the
 * main thread), so a pass means something.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { PAGE_HELPERS, fromBase64, packageSkipReason, runOk, servePackage, tempDir } from './common.mjs';

const skip = packageSkipReason();
const MAX_GAP_MS = 200;
const MIN_FRAMES = 10;

/**
 * Page-side: counts animation frames while `work` runs and returns the work's duration, the
 * frames seen during it and the longest gap between consecutive frames (the edges count).
 */
const FRAME_PROBE = `
globalThis.__framesDuring = async (work) => {
  const frames = [];
  let running = true;
  const tick = () => { frames.push(performance.now()); if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  await new Promise((r) => setTimeout(r, 150)); // let the loop settle
  const start = performance.now();
  const result = await work();
  const end = performance.now();
  running = false;
  const during = frames.filter((t) => t >= start && t <= end);
  const points = [start, ...during, end];
  let maxGap = 0;
  for (let i = 1; i < points.length; i++) maxGap = Math.max(maxGap, points[i] - points[i - 1]);
  return { ms: end - start, frames: during.length, maxGap, result };
};
`;

describe('the page stays responsive while the worker works', { skip, timeout: 600_000 }, () => {
  let browser;
  let server;
  let page;
  let scratch;

  before(async () => {
    server = await servePackage();
    browser = await launch();
    scratch = await tempDir('kunci-raf-');
    page = await browser.newPage();
    forwardPageErrors(page, 'raf');
    await page.addInitScript(PAGE_HELPERS + FRAME_PROBE);
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      const { createWorkerClient } = await import('/pkg/index.js');
      globalThis.client = await createWorkerClient();
    });
  });

  after(async () => {
    await page?.evaluate(() => globalThis.client?.terminate()).catch(() => {});
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  const assertSmooth = (probe, what) => {
    const detail = `${what}: ${probe.ms.toFixed(0)} ms, ${probe.frames} frames, longest gap ${probe.maxGap.toFixed(0)} ms`;
    assert.ok(probe.frames >= MIN_FRAMES, `too few frames. ${detail}`);
    assert.ok(probe.maxGap <= MAX_GAP_MS, `the page froze. ${detail}`);
    process.stderr.write(`raf: ${detail}\n`);
  };

  it('control: a 400 ms busy loop on the main thread is seen as a freeze', async () => {
    const probe = await page.evaluate(() =>
      globalThis.__framesDuring(async () => {
        await new Promise((r) => setTimeout(r, 300));
        const until = performance.now() + 400;
        while (performance.now() < until) {
          // Busy on purpose: this is what a key generation on the main thread does.
        }
        await new Promise((r) => setTimeout(r, 300));
      }),
    );
    assert.ok(probe.maxGap >= 350, `the detector missed a 400 ms freeze (longest gap ${probe.maxGap} ms)`);
  });

  it('RSA-4096 key generation in the worker', async () => {
    const probe = await page.evaluate(() =>
      globalThis.__framesDuring(async () => {
        const key = await globalThis.client.KeyPair.generate('rsa4096');
        const kind = key.kind;
        await key.free();
        return kind;
      }),
    );
    assert.equal(probe.result, 'RSA 4096');
    assertSmooth(probe, 'RSA-4096 generation');
  });

  it('password strength checks in the worker (first call loads the strength module)', async () => {
    const probe = await page.evaluate(() =>
      globalThis.__framesDuring(async () => {
        const words = ['rahasia', 'Jakarta2024!', 'kucingku lucu sekali', 'Xk9#mQ2$vL7@pR4!', 'budi.santoso@example.co.id'];
        const start = performance.now();
        let calls = 0;
        let last;
        // Keep the worker busy for at least a second, so that frames can be counted.
        while (performance.now() - start < 1000 || calls < words.length) {
          last = await globalThis.client.passwordStrength(words[calls % words.length], { name: 'Budi Santoso' }, 'id');
          calls++;
        }
        return { calls, percent: last.percent };
      }),
    );
    assert.equal(typeof probe.result.percent, 'number');
    assertSmooth(probe, `${probe.result.calls} password checks`);
  });

  it('PKCS#12 packing at 600 000 iterations in the worker', async () => {
    const key = join(scratch.dir, 'key.pem');
    const cert = join(scratch.dir, 'cert.pem');
    runOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256',
      '-pass', 'pass:kunci-raf', '-out', key]);
    runOk('openssl', ['req', '-x509', '-new', '-key', key, '-passin', 'pass:kunci-raf', '-subj', '/CN=Budi Santoso',
      '-days', '30', '-out', cert]);
    const probe = await page.evaluate(
      async ([keyPem, certPem]) => {
        const k = await globalThis.client.KeyPair.importEncrypted(keyPem, 'kunci-raf');
        return globalThis.__framesDuring(async () => {
          const p12 = await globalThis.client.packPkcs12(k, certPem, 'kunci-raf-p12', { iterations: 600000 });
          return globalThis.__b64(p12);
        });
      },
      [readFileSync(key, 'utf8'), readFileSync(cert, 'utf8')],
    );
    const p12 = join(scratch.dir, 'out.p12');
    writeFileSync(p12, fromBase64(probe.result));
    const info = runOk('openssl', ['pkcs12', '-info', '-noout', '-in', p12, '-passin', 'pass:kunci-raf-p12']);
    assert.match(info.stderr + info.stdout, /Iteration 600000/);
    assertSmooth(probe, 'PKCS#12 at 600 000 iterations');
  });
});
