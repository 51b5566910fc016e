/**
 * The walks' Firefox kit: Debian's firefox-esr driven through WebDriver (classic, over HTTP
 * with `fetch`) by geckodriver, which `cargo xtask setup` builds from its crate into
 * `target/tools/bin`. Playwright cannot drive a stock Firefox (it needs its own patched build),
 * so this file is the small client the Firefox walks use instead.
 *
 * `launchFirefox` starts geckodriver and a headless Firefox with a fresh profile, prefs that
 * keep it off the network (the test network is closed; nothing may phone home), an isolated
 * HOME (where `kunci-host install --browser firefox` put its manifest, in
 * `~/.mozilla/native-messaging-hosts/`), and installs the unpacked extension
 * (`target/extension/firefox`) as a temporary add-on with a fixed `moz-extension://` UUID.
 * `Tab` is one browser window with the few Playwright-like calls the walks need: `goto`,
 * `find` (by CSS, label or button name, through open shadow roots), `click`, `fill`,
 * `evaluate`, `screenshot`. `firefoxSkipReason` says what is missing, and throws under
 * KUNCI_REQUIRE_PACKAGE=1 (CI) so a missing Firefox fails the walk instead of skipping it.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT } from '../common.mjs';
import { freePort } from '../portal.mjs';

export const GECKODRIVER = process.env.KUNCI_GECKODRIVER || join(ROOT, 'target/tools/bin/geckodriver');
export const FIREFOX = process.env.KUNCI_FIREFOX || '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION_DIR = join(ROOT, 'target/extension/firefox');
/** The add-on id (xtask/src/extension.rs GECKO_ID) and the UUID its moz-extension:// URLs get here. */
export const GECKO_ID = 'kunci@kunci.id';
export const EXTENSION_UUID = '6b1f0e0a-4b1c-4d5e-9a27-6b756e636921';
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

/** WebDriver's key for an element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/**
 * Prefs for a quiet, offline Firefox: no updates, telemetry, studies, safe-browsing lists,
 * remote settings, captive-portal or connectivity probes, prefetching or DNS-over-HTTPS.
 * geckodriver adds its own testing prefs on top (it sets many of these too).
 */
export const FIREFOX_PREFS = {
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.search.update': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.topsites.contile.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.update.enabled': false,
  // A fixed UUID, so the extension's window is recognised by its URL.
  'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
  'media.gmp-manager.url': '',
  'messaging-system.rsexperimentloader.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.trr.mode': 5,
  'services.settings.server': 'http://127.0.0.1:9/remote-settings',
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
};

/** What is missing to run a Firefox walk, or undefined; throws under KUNCI_REQUIRE_PACKAGE=1. */
export function firefoxSkipReason() {
  const missing = [];
  if (!existsSync(FIREFOX)) missing.push(`${FIREFOX} (Debian firefox-esr: cargo xtask setup)`);
  if (!existsSync(GECKODRIVER)) missing.push(`${GECKODRIVER} (cargo xtask setup builds it from its crate)`);
  if (!existsSync(join(FIREFOX_EXTENSION_DIR, 'manifest.json'))) missing.push(`${FIREFOX_EXTENSION_DIR} (cargo xtask extension)`);
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A WebDriver error, with the driver's error name (`no such element`, …) as `code`. */
export class WebDriverError extends Error {
  constructor(value, what) {
    super(`${what}: ${value?.error ?? 'error'}: ${value?.message ?? JSON.stringify(value)}`);
    this.code = value?.error;
  }
}

/**
 * Starts geckodriver and a headless Firefox: `home` is the isolated HOME (Firefox and the
 * helper it starts see it), `env` more variables for Firefox and its native helper, `dir` a
 * folder for the profile. Answers `{ session, tab, close, log }`.
 */
export async function launchFirefox({ home, env = {}, dir, prefs = {}, width = 1280, height = 1000 }) {
  const port = await freePort();
  const profiles = join(dir, 'profiles');
  await mkdir(profiles, { recursive: true });
  const childEnv = { ...process.env, HOME: home, ...env };
  // No display: headless needs none, and a set DISPLAY would be tried first.
  delete childEnv.DISPLAY;
  delete childEnv.WAYLAND_DISPLAY;
  let output = '';
  // --allow-system-access: openFromBrowser's chrome context (the add-on's options page).
  const driver = spawn(GECKODRIVER, ['--port', String(port), '--host', '127.0.0.1', '--profile-root', profiles, '--log', 'warn',
    '--allow-system-access'], {
    env: childEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  driver.stdout.on('data', (d) => { output += d; });
  driver.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => driver.on('exit', r));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (driver.exitCode !== null) throw new Error(`geckodriver exited: ${output}`);
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      driver.kill('SIGKILL');
      throw new Error(`geckodriver did not answer within 30 s: ${output}`);
    }
    await sleep(100);
  }
  const stop = async () => {
    driver.kill('SIGTERM');
    await exited;
  };
  let session;
  try {
    session = await Session.start(base, {
      browserName: 'firefox',
      pageLoadStrategy: 'normal',
      timeouts: { script: 300_000, pageLoad: 60_000, implicit: 0 },
      'moz:firefoxOptions': {
        binary: FIREFOX,
        args: ['-headless'],
        prefs: { ...FIREFOX_PREFS, ...prefs },
        env: { HOME: home, ...env },
      },
    });
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n${output}`);
  }
  await session.cmd('POST', '/window/rect', { width, height });
  const tab = new Tab(session, await session.cmd('GET', '/window'));
  return {
    session,
    tab,
    log: () => output,
    close: async () => {
      await session.cmd('DELETE', '').catch(() => {});
      await stop();
    },
  };
}

/** One WebDriver session: raw commands, window handles, the add-on install. */
export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
    this.current = undefined;
  }

  static async start(base, capabilities) {
    const res = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capabilities: { alwaysMatch: capabilities } }),
    });
    const json = await res.json();
    if (!res.ok) throw new WebDriverError(json.value, 'new session');
    return new Session(base, json.value.sessionId);
  }

  /** `method` on `/session/{id}${path}`; answers the reply's `value`. */
  async cmd(method, path, body) {
    const res = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new WebDriverError(json.value, `${method} ${path}`);
    return json.value;
  }

  /** Installs the add-on in `path` (folder or .xpi) as a temporary add-on; answers its id. */
  installAddon(path) {
    return this.cmd('POST', '/moz/addon/install', { path, temporary: true });
  }

  async switchTo(handle) {
    if (this.current === handle) return;
    await this.cmd('POST', '/window', { handle });
    this.current = handle;
  }

  handles() {
    return this.cmd('GET', '/window/handles');
  }

  /**
   * Waits for a window whose URL passes `test` and that is not among `except`; answers its Tab.
   * Looking at a window means switching to it (WebDriver has one current window).
   */
  async waitForWindow(test, { timeout = 30_000, except = [] } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const handle of await this.handles()) {
        if (except.includes(handle)) continue;
        try {
          await this.switchTo(handle);
          if (test(await this.cmd('GET', '/url'))) return new Tab(this, handle);
        } catch (e) {
          this.current = undefined;
          if (e.code !== 'no such window') throw e;
        }
      }
      if (Date.now() > deadline) throw new Error(`no window appeared in ${timeout} ms`);
      await sleep(200);
    }
  }

  /**
   * Opens `url` in a new tab from Firefox's own (chrome) context and answers the tab: for the
   * add-on's pages (moz-extension://), which WebDriver will not navigate a tab to, as a holder
   * opens them from the add-ons manager. Needs geckodriver's `--allow-system-access` (launchFirefox).
   */
  async openFromBrowser(url) {
    if (this.current === undefined) await this.switchTo((await this.handles())[0]);
    const before = await this.handles();
    await this.cmd('POST', '/moz/context', { context: 'chrome' });
    try {
      await this.cmd('POST', '/execute/sync', {
        script: `const win = Services.wm.getMostRecentWindow('navigator:browser');
          win.gBrowser.selectedTab = win.gBrowser.addTab(arguments[0],
            { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });`,
        args: [url],
      });
    } finally {
      await this.cmd('POST', '/moz/context', { context: 'content' });
    }
    return this.waitForWindow((u) => u.startsWith(url), { except: before });
  }

  /** Opens a new tab; answers it. */
  async newTab() {
    // WebDriver opens it from the current window: after a close there is none, so take one.
    if (this.current === undefined) await this.switchTo((await this.handles())[0]);
    const { handle } = await this.cmd('POST', '/window/new', { type: 'tab' });
    return new Tab(this, handle);
  }
}

/**
 * Finds one element in the page by `spec` (run in the page): `{css}`, `{label}` (a label's
 * text or an aria-label, exact, else contained), `{button}` (a button's or link's text),
 * `{text}` (a regular expression source over an element's own text), each optionally `within`
 * a CSS selector, looking through open shadow roots as Playwright's locators do. With
 * `state` "visible" only a rendered element counts. Answers the element or null.
 */
const FIND = `
const [spec] = arguments;
const roots = (root) => {
  const out = [root];
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) out.push(...roots(el.shadowRoot));
  return out;
};
const scopeOf = () => {
  if (!spec.within) return [document];
  for (const r of roots(document)) {
    const host = r.querySelector(spec.within);
    if (host) return host.shadowRoot ? [host, ...roots(host.shadowRoot)] : [host];
  }
  return [];
};
const scopes = scopeOf().flatMap((s) => roots(s));
const all = (sel) => [...new Set(scopes.flatMap((s) => [...s.querySelectorAll(sel)]))];
const clean = (t) => (t ?? '').replace(/\\s+/g, ' ').trim();
const visible = (el) => {
  if (!el.isConnected || el.closest('[hidden]')) return false;
  const style = getComputedStyle(el);
  return el.getClientRects().length > 0 && style.visibility !== 'hidden' && style.display !== 'none';
};
let found = [];
if (spec.css) found = all(spec.css);
else if (spec.label) {
  const named = [];
  for (const label of all('label')) {
    const control = label.control ?? label.querySelector('input,select,textarea');
    if (control) named.push([clean(label.textContent), control]);
  }
  for (const el of all('[aria-label]')) named.push([clean(el.getAttribute('aria-label')), el]);
  found = named.filter(([t]) => t === spec.label).map(([, el]) => el);
  if (found.length === 0) found = named.filter(([t]) => t.includes(spec.label)).map(([, el]) => el);
} else if (spec.button) {
  const candidates = all('button, a, [role=button], input[type=submit], input[type=button]');
  const name = (el) => clean(el.getAttribute('aria-label') || el.textContent || el.value);
  found = candidates.filter((el) => name(el) === spec.button);
} else if (spec.text) {
  const re = new RegExp(spec.text);
  found = all('*').filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && re.test(clean(el.textContent))));
}
if (spec.state === 'visible') found = found.filter(visible);
if (spec.state === 'enabled') found = found.filter((el) => visible(el) && !el.disabled);
if (spec.hasText) found = found.filter((el) => new RegExp(spec.hasText).test(clean(el.textContent)));
return found[0] ?? null;
`;

/** One browser window (tab or popup). */
export class Tab {
  constructor(session, handle) {
    this.session = session;
    this.handle = handle;
  }

  async cmd(method, path, body) {
    await this.session.switchTo(this.handle);
    return this.session.cmd(method, path, body);
  }

  async goto(url) {
    await this.cmd('POST', '/url', { url });
  }

  url() {
    return this.cmd('GET', '/url');
  }

  /** Waits until the URL passes `test` (a RegExp or a function of a URL). */
  async waitForURL(test, timeout = 30_000) {
    const ok = (u) => (test instanceof RegExp ? test.test(u) : test(new URL(u)));
    await this.waitUntil(async () => ok(await this.url()), timeout, `URL ${test}`);
  }

  /**
   * Runs `fn` (a function, or a script body as text) in the page with `args`; a promise it
   * returns is awaited (WebDriver's execute script does).
   */
  evaluate(fn, ...args) {
    const script = typeof fn === 'function' ? `return (${fn}).apply(null, arguments);` : fn;
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Polls `check` until it answers something truthy; answers that. */
  async waitUntil(check, timeout = 30_000, what = 'condition') {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what} in ${await this.url().catch(() => 'a closed window')}`);
      await sleep(100);
    }
  }

  /** The element `spec` names (see FIND), or null. */
  async find(spec) {
    return this.evaluate(FIND, spec);
  }

  /** Waits for `spec` (visible unless `spec.state` says otherwise); answers the element. */
  waitFor(spec, timeout = 30_000) {
    const s = { state: 'visible', ...spec };
    return this.waitUntil(() => this.find(s), timeout, JSON.stringify(s));
  }

  /** Waits until `spec` is nowhere visible. */
  async waitForHidden(spec, timeout = 30_000) {
    await this.waitUntil(async () => !(await this.find({ ...spec, state: 'visible' })), timeout, `${JSON.stringify(spec)} hidden`);
  }

  async isVisible(spec) {
    return Boolean(await this.find({ ...spec, state: 'visible' }));
  }

  /** Clicks `spec` once it is visible and enabled, as a pointer would (WebDriver element click). */
  async click(spec, timeout = 30_000) {
    const el = await this.waitFor({ ...spec, state: 'enabled' }, timeout);
    await this.cmd('POST', `/element/${el[ELEMENT]}/click`);
  }

  /** Empties `spec` and types `text` into it, as a keyboard would. */
  async fill(spec, text) {
    const el = await this.waitFor({ ...spec, state: 'enabled' });
    await this.cmd('POST', `/element/${el[ELEMENT]}/clear`);
    await this.cmd('POST', `/element/${el[ELEMENT]}/value`, { text });
  }

  /** Gives a file input `spec` the file at `path` (WebDriver sends the path as keys). */
  async setInputFile(spec, path) {
    const el = await this.waitFor({ ...spec, state: 'attached' });
    await this.cmd('POST', `/element/${el[ELEMENT]}/value`, { text: path });
  }

  /** Chooses `value` in the select `spec` and tells the page (input and change events). */
  async selectOption(spec, value) {
    const el = await this.waitFor(spec);
    await this.evaluate((select, v) => {
      select.value = v;
      select.dispatchEvent(new Event('input', { bubbles: true }));
      select.dispatchEvent(new Event('change', { bubbles: true }));
    }, el, value);
  }

  /** The property `name` of `spec` (e.g. value, checked, disabled, innerText). */
  async prop(spec, name) {
    const el = await this.waitFor({ state: 'attached', ...spec });
    return this.evaluate((e, n) => e[n], el, name);
  }

  /** Writes a PNG of the page (the whole page, as Playwright's fullPage) to `path`. */
  async screenshot({ path }) {
    let png;
    try {
      png = await this.cmd('GET', '/moz/screenshot/full');
    } catch {
      png = await this.cmd('GET', '/screenshot');
    }
    await writeFile(path, Buffer.from(png, 'base64'));
  }

  async close() {
    await this.cmd('DELETE', '/window');
    this.session.current = undefined;
  }
}

/**
 * A pass-through HTTP proxy that keeps every request's method, path and body: the walk checks
 * that none carried the PIN (WebDriver classic, unlike Playwright, cannot watch the page's
 * requests). It listens first, so the portal can be started with the proxy's URL as its public
 * origin; `forwardTo(url)` then names the portal. Answers `{ url, requests, forwardTo, stop }`.
 */
export async function recordingProxy() {
  const { createServer: httpServer, request } = await import('node:http');
  const requests = [];
  let upstream;
  const server = httpServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(`${req.method} ${req.url} ${body.toString('latin1')}`);
      const out = request({
        host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
        // The Host header passes unchanged: to the portal the proxy's origin is its own.
        headers: req.headers,
      }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      out.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
      out.end(body);
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    forwardTo: (url) => { upstream = new URL(url); },
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
