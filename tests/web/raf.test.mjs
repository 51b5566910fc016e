/**
 * Nothing kunci does blocks the page, proven in headless Chromium two ways.
 *
 * 1. The Web Worker client: while it generates an RSA-4096 key, checks passwords and packs a
 *    PKCS#12 file at 600 000 PBKDF2 iterations, the page's `requestAnimationFrame` loop keeps
 *    ticking (enough frames, no frame gap over 200 ms).
 * 2. The main-thread API (issue 14, item 5): every call, RSA-4096 generation and CSR signing
 *    (WebCrypto signs RSA), a scrypt-encrypted PKCS#8 key (scrypt runs in slices) and
 *    PKCS#12 pack and read at 600 000 iterations (modern and legacy profile) included,
 *    runs no main-thread task over 50 ms (the web's long-task threshold). Measured as tasks,
 *    not frame gaps: on a loaded two-core machine the compositor stalls for reasons that are
 *    not the page's work, which made a frame-gap bound flaky or so loose that it proved
 *    little, while a task is the page's own work by definition. Two detectors
 *    (longtask.mjs): a PerformanceObserver for 'longtask' entries (Chromium reports tasks
 *    over 50 ms of wall time) and a Chrome trace of each call, whose top-level events on the
 *    page's main thread give every task's wall and CPU time. The assertion is on the trace's
 *    CPU time: wall time also counts the time the OS gave other processes inside the task,
 *    and with four agents compiling on two cores that was most of it (a 120 ms busy loop got
 *    9 ms of CPU at load 13), so a wall-time bound failed on load, not on kunci. kunci's wasm
 *    is pure computation: on an idle machine its CPU time is its wall time. The table
 *    printed at the end has both, and the observer's long tasks.
 *
 * Controls first show that each detector sees a frozen page (a 400 ms busy loop; a fixed
 * computation of over 50 ms of CPU), so a pass means something. Every call is asserted;
 * REPORTED_ONLY is where a call would go, with its reason, if one ever had to be exempted.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { PAGE_HELPERS, WEB_DIR, fromBase64, packageSkipReason, runOk, servePackage, tempDir } from './common.mjs';
import { LONG_TASK_PROBE, traced } from './longtask.mjs';

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
    // Frames were drawn during the work (else the gap check is empty): MIN_FRAMES, or one per
    // 40 ms for shorter work (a fast run of PKCS#12 took 160 ms and drew 9 frames at 60 Hz).
    const minFrames = Math.max(2, Math.min(MIN_FRAMES, Math.floor(probe.ms / 40)));
    assert.ok(probe.frames >= minFrames, `too few frames (fewer than ${minFrames}). ${detail}`);
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

/** The longest main-thread task any call may run (the web's long-task threshold). */
const MAX_TASK_MS = 50;
/**
 * Calls measured and printed but not asserted, with the reason: each still runs one task
 * over 50 ms, in code outside the work this test was written with (issue 14 lists them as
 * open). Remove an entry when its call is sliced or moved off the thread. Once listed here
 * and now asserted: `createCsr rsa4096` (one RSA-4096 signature in wasm, 47-56 ms of CPU;
 * WebCrypto signs it now), the scrypt import (about 230 ms of CPU whole; in slices now) and
 * the first `passwordStrength` call (zxcvbn's set-up, one task of 70-300 ms; five warm-up
 * steps now, the longest 20-45 ms of CPU).
 */
const REPORTED_ONLY = {};

describe('the main-thread API runs no task over 50 ms', { skip, timeout: 900_000 }, () => {
  let browser;
  let server;
  let page;
  let scratch;
  /** [call, longest task's CPU time (trace), its wall time (trace), long tasks the observer saw, call time], ms */
  const table = [];

  before(async () => {
    // `/web/`: bench-page.mjs's 10 MB PDF maker.
    server = await servePackage([{ prefix: '/web/', dir: WEB_DIR }]);
    browser = await launch();
    scratch = await tempDir('kunci-longtask-');
    page = await browser.newPage();
    forwardPageErrors(page, 'longtask');
    await page.addInitScript(PAGE_HELPERS + LONG_TASK_PROBE);
    await page.goto(`${server.url}/`);
  });

  after(async () => {
    if (table.length) {
      process.stderr.write('longtask: call | longest main-thread task, CPU (wall) | long tasks seen by the observer (wall) | call (wall)\n');
      for (const [call, cpu, wall, longTasks, ms] of table) {
        const seen = longTasks.map((t) => t.toFixed(0)).join(', ') || 'none';
        process.stderr.write(`longtask: ${call} | ${cpu.toFixed(1)} ms (${wall.toFixed(1)} ms) | ${seen} | ${ms.toFixed(0)} ms\n`);
      }
    }
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  /**
   * Runs `body(arg)` in the page (it sees `globalThis.kunci` and `globalThis.fx`), traced,
   * and records its long tasks; the test asserts on all of them at the end, so that one run
   * prints every call's figure. Returns the body's result.
   */
  const call = async (name, body, arg) => {
    const { value, longestTaskMs, longestTaskCpuMs } = await traced(page, () =>
      page.evaluate(
        ([source, a]) => globalThis.__busyDuring(() => (0, eval)(source)(a)),
        [body.toString(), arg],
      ),
      { marked: true },
    );
    table.push([name, longestTaskCpuMs, longestTaskMs, value.longTasks, value.ms]);
    assert.equal(value.error, undefined, `${name} failed: ${JSON.stringify(value.error)}`);
    return value.result;
  };

  /** Every call that ran a task over MAX_TASK_MS of CPU, except the REPORTED_ONLY ones. */
  const blocking = () =>
    table
      .filter(([name, cpu]) => !REPORTED_ONLY[name] && !(cpu <= MAX_TASK_MS))
      .map(([name, cpu, wall]) => `${name}: a task of ${cpu.toFixed(0)} ms CPU (${wall.toFixed(0)} ms wall)`);

  it('control: a 400 ms busy loop and 50+ ms of computation are seen', async () => {
    const { value, longestTaskMs } = await traced(page, () =>
      page.evaluate(() =>
        globalThis.__busyDuring(async () => {
          const until = performance.now() + 400;
          while (performance.now() < until) {
            // Busy on purpose: what a 600 000-iteration KDF in one piece did.
          }
        }),
      ),
      { marked: true },
    );
    assert.ok(Math.max(0, ...value.longTasks) >= 350, `the observer missed it: ${JSON.stringify(value.longTasks)}`);
    assert.ok(longestTaskMs >= 350, `the trace missed it: ${longestTaskMs} ms`);
    // A fixed amount of work, not of time, for the CPU-time detector: 2·10^8 rounds of integer
    // mixing are 0.2 s of CPU on a fast core and several seconds on this loaded one.
    const cpu = await traced(page, () =>
      page.evaluate(() =>
        globalThis.__busyDuring(async () => {
          let x = 0;
          for (let i = 0; i < 2e8; i++) x = (x + Math.imul(i, 0x9e3779b1)) | 0;
          return x;
        }),
      ),
      { marked: true },
    );
    assert.ok(cpu.longestTaskCpuMs > MAX_TASK_MS, `the trace missed its CPU time: ${cpu.longestTaskCpuMs} ms`);
  });

  it('every call of the main-thread API, RSA-4096 and PKCS#12 at 600 000 iterations included', async () => {
    const dir = scratch.dir;
    const rsa = join(dir, 'rsa.pem');
    const cert = join(dir, 'cert.pem');
    runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', rsa, '-subj', '/CN=Budi Santoso',
      '-days', '30', '-out', cert]);
    // The same key, with the key usage a PDF signature needs.
    const pdfCert = join(dir, 'pdf-cert.pem');
    runOk('openssl', ['req', '-x509', '-key', rsa, '-subj', '/CN=Budi Santoso', '-days', '30',
      '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation', '-out', pdfCert]);
    const topk8 = (name, extra) => {
      const out = join(dir, name);
      runOk('openssl', ['pkcs8', '-topk8', '-in', rsa, '-passout', 'pass:kunci-raf', '-out', out, ...extra]);
      return readFileSync(out, 'utf8');
    };
    const fixtures = {
      pbkdf2: topk8('pbkdf2.pem', ['-v2', 'aes256', '-v2prf', 'hmacWithSHA256', '-iter', '600000']),
      scrypt: topk8('scrypt.pem', ['-scrypt']),
      sha224: topk8('sha224.pem', ['-v2', 'aes256', '-v2prf', 'hmacWithSHA224', '-iter', '600000']),
      cert: readFileSync(cert, 'utf8'),
      pdfCert: readFileSync(pdfCert, 'utf8'),
    };
    await page.evaluate((f) => {
      globalThis.fx = f;
    }, fixtures);

    await call('import the package', async () => {
      globalThis.kunci = await import('/pkg/index.js');
    });
    await call('init (fetch and compile the core wasm)', () => globalThis.kunci.init());
    await call('KeyPair.generate p256', async () => {
      globalThis.fx.p256 = await globalThis.kunci.KeyPair.generate('p256');
    });
    await call('KeyPair.generate rsa2048', async () => (await globalThis.kunci.KeyPair.generate('rsa2048')).free());
    await call('KeyPair.generate rsa4096', async () => {
      globalThis.fx.rsa4096 = await globalThis.kunci.KeyPair.generate('rsa4096');
    });
    const subject = { commonName: 'Budi Santoso', organization: 'PT Contoh Sejahtera', country: 'ID' };
    await call('createCsr rsa4096', async (s) => {
      globalThis.fx.csr = (await globalThis.kunci.createCsr(globalThis.fx.rsa4096, { subject: s, email: 'budi@example.co.id' })).pem;
    }, subject);
    await call('createCsr p256', (s) => globalThis.kunci.createCsr(globalThis.fx.p256, { subject: s }), subject);
    await call('verifyCsr rsa4096', () => globalThis.kunci.verifyCsr(globalThis.fx.csr));
    await call('KeyPair.publicKeyDer, kind, publicKeySha256', () => {
      const k = globalThis.fx.rsa4096;
      return [k.publicKeyDer().length, k.kind, k.publicKeySha256];
    });
    await call('exportEncrypted rsa4096, 600 000 iterations', async () => {
      globalThis.fx.exported = await globalThis.fx.rsa4096.exportEncrypted('kunci-raf', { iterations: 600000 });
    });
    await call('importEncrypted, PBKDF2-SHA256 600 000 (WebCrypto)', async () => {
      globalThis.fx.rsa = await globalThis.kunci.KeyPair.importEncrypted(globalThis.fx.pbkdf2, 'kunci-raf');
    });
    const scryptKind = await call('importEncrypted, scrypt (openssl default N=16384)', async () => {
      const k = await globalThis.kunci.KeyPair.importEncrypted(globalThis.fx.scrypt, 'kunci-raf');
      const kind = k.kind;
      k.free();
      return kind;
    });
    assert.equal(scryptKind, 'RSA 2048');
    await call('importEncrypted, PBKDF2-SHA224 600 000 (Rust: WebCrypto has no SHA-224)', async () =>
      (await globalThis.kunci.KeyPair.importEncrypted(globalThis.fx.sha224, 'kunci-raf')).free());
    await call('parseCertificate', () => globalThis.kunci.parseCertificate(globalThis.fx.cert));
    await call('certificateMatchesKey', () => globalThis.kunci.certificateMatchesKey(globalThis.fx.cert, globalThis.fx.rsa));
    // Issue 17: a 10 MB PDF (bench-page.mjs's, made before the traced call), signed B-B with
    // the RSA key on the main thread: the hash of the file runs in slices. Then verified.
    await page.evaluate(async () => {
      const { makePdf } = await import('/web/bench-page.mjs');
      globalThis.fx.pdf10 = makePdf(10 * 1000 * 1000);
    });
    const signedBytes = await call('signPdf, 10 MB PDF, B-B, RSA-2048 key', async () => {
      globalThis.fx.pdf10Signed = (await globalThis.kunci.signPdf(globalThis.fx.pdf10,
        { key: globalThis.fx.rsa, certificate: globalThis.fx.pdfCert })).pdf;
      return globalThis.fx.pdf10Signed.length;
    });
    assert.ok(signedBytes > 10_000_000, `signPdf gave ${signedBytes} bytes`);
    const pdfReport = await call('verifyPdf, the same file', async () => {
      const report = await globalThis.kunci.verifyPdf(globalThis.fx.pdf10Signed, { trust: globalThis.fx.pdfCert });
      return { valid: report.valid, signatures: report.signatures.length };
    });
    assert.deepEqual(pdfReport, { valid: true, signatures: 1 });
    for (const legacy of [false, true]) {
      const profile = legacy ? 'legacy' : 'modern';
      const b64 = await call(`packPkcs12 ${profile}, 600 000 iterations`, async (l) => {
        const p12 = await globalThis.kunci.packPkcs12(globalThis.fx.rsa, globalThis.fx.cert, 'kunci-raf-p12', {
          iterations: 600000,
          legacy: l,
        });
        globalThis.fx.p12 = p12;
        return globalThis.__b64(p12);
      }, legacy);
      const file = join(dir, `${profile}.p12`);
      writeFileSync(file, fromBase64(b64));
      const info = runOk('openssl', ['pkcs12', ...(legacy ? ['-legacy'] : []), '-info', '-noout', '-in', file,
        '-passin', 'pass:kunci-raf-p12']);
      assert.match(info.stderr + info.stdout, /Iteration 600000/);
      const read = await call(`readPkcs12 ${profile}, 600 000 iterations`, async () => {
        const r = await globalThis.kunci.readPkcs12(globalThis.fx.p12, 'kunci-raf-p12');
        const kind = r.key.kind;
        r.key.free();
        return [kind, r.macAlgorithm];
      });
      assert.deepEqual(read, ['RSA 2048', legacy ? 'HMAC-SHA1' : 'HMAC-SHA256']);
      const wrong = await call(`readPkcs12 ${profile}, wrong password`, async () =>
        globalThis.kunci.readPkcs12(globalThis.fx.p12, 'salah').then(() => 'read', (e) => e.code));
      assert.equal(wrong, 'p12.wrong_password');
    }
    await call('passwordStrength, first call', () => globalThis.kunci.passwordStrength('Jakarta2024!'));
    await call('passwordStrength, later call', () => globalThis.kunci.passwordStrength('kucingku lucu sekali'));
    await call('KeyPair.free', () => {
      globalThis.fx.rsa4096.free();
      globalThis.fx.p256.free();
      globalThis.fx.rsa.free();
    });
    assert.deepEqual(blocking(), [], 'these calls blocked the page');
  });
});
