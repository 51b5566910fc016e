/**
 * Launches the machine's own headless Chromium (Debian's `chromium`) through playwright-core,
 * with a fresh profile folder that is removed again on close.
 *
 * Playwright never downloads a browser here (playwright-core only; CI has no network but the
 * package registries). The flags are the ones found necessary on such a machine: without the
 * background-networking group, Chromium floods the closed network with connections that are
 * refused. A profile folder is never reused, because an old one keeps old service-worker code.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Where Debian installs Chromium; `KUNCI_CHROMIUM` overrides it. */
export const CHROMIUM = process.env.KUNCI_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * Starts Chromium. The result has the parts of Playwright's `Browser` the tests use:
 * `newPage()`, `version()`, `close()`; `context` is the underlying persistent context.
 *
 * With `extensionDir` (an unpacked extension, e.g. `target/extension/chromium`), Chromium
 * loads that extension and no other; Playwright's own `--disable-extensions` is dropped for it.
 *
 * With `viewport` ({width, height} in CSS pixels), pages open at that size. `env` is added to
 * the browser's environment, which the programs it starts inherit (a native-messaging helper
 * finding its config and its token: `KUNCI_HOST_CONFIG`, `SOFTHSM2_CONF`).
 *
 * @param {{extensionDir?: string, viewport?: {width: number, height: number}, env?: Record<string, string>}} [options]
 * `profile` is the profile folder (e.g. to place a native-messaging host manifest in
 * `profile/NativeMessagingHosts/`).
 *
 * @returns {Promise<{context: import('playwright-core').BrowserContext, profile: string,
 *   newPage: () => Promise<import('playwright-core').Page>, version: () => string,
 *   close: () => Promise<void>}>}
 */
export async function launch({ extensionDir, viewport, env } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'kunci-chromium-'));
  const extension = extensionDir
    ? [`--load-extension=${extensionDir}`, `--disable-extensions-except=${extensionDir}`]
    : [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...extension],
      ...(viewport ? { viewport } : {}),
      ...(extensionDir ? { ignoreDefaultArgs: ['--disable-extensions'] } : {}),
      // What the browser's children (a native-messaging helper) inherit, over this process's.
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `cannot start Chromium at ${CHROMIUM} (install Debian's chromium: cargo xtask setup): ${e.message}`,
    );
  }
  // The persistent context opens one blank page itself; hand that out first.
  const spare = context.pages();
  return {
    context,
    profile,
    version: () => context.browser()?.version() ?? 'unknown',
    newPage: async () => spare.pop() ?? context.newPage(),
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Copies the page's console errors and uncaught exceptions to stderr, prefixed, so that a
 * failing browser test shows what the page said.
 */
export function forwardPageErrors(page, label = 'page') {
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      process.stderr.write(`[${label} ${msg.type()}] ${msg.text()}\n`);
    }
  });
  page.on('pageerror', (err) => process.stderr.write(`[${label} exception] ${err.message}\n`));
}
