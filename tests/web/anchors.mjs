/**
 * The JavaScript libraries kunci is measured against, as the browser bundles a web developer
 * would ship: node-forge's own `dist/forge.min.js`, @peculiar/x509's own `build/x509.js` (which
 * needs a `Reflect.getMetadata` polyfill loaded first: reflect-metadata), and @zxcvbn-ts core
 * with its common, English and Indonesian dictionaries.
 *
 * reflect-metadata and @zxcvbn-ts ship no minified browser bundle, so this module builds one
 * with Vite (library mode, IIFE, minified) into `node_modules/.cache/kunci-anchors/`. The
 * benchmark loads exactly the files whose sizes it prints.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { NODE_MODULES, WEB_DIR } from './common.mjs';

const CACHE = join(NODE_MODULES, '.cache/kunci-anchors');

/** Bundles built here: name -> [global name, entry source]. */
const BUILT = {
  'reflect-metadata': ['__reflectMetadata', `import 'reflect-metadata';\nexport const loaded = true;\n`],
  'zxcvbn-ts': [
    'zxcvbnts',
    `import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import * as id from '@zxcvbn-ts/language-id';
export { ZxcvbnFactory, common, en, id };
`,
  ],
};

/**
 * Makes sure every anchor bundle exists and returns them, in load order per library:
 * `{ forge: [file], x509: [file, file], zxcvbn: [file] }` where each file is
 * `{ label, path, url }` (`url` relative to the `/anchors/` route the caller serves at `dir`).
 */
export async function anchorBundles() {
  await mkdir(CACHE, { recursive: true });
  const built = {};
  for (const [name, [global, source]] of Object.entries(BUILT)) {
    built[name] = await buildIife(name, global, source);
  }
  const file = (label, path) => ({ label, path, url: `/anchors/${path.slice(NODE_MODULES.length + 1)}` });
  return {
    dir: NODE_MODULES,
    forge: [file('node-forge dist/forge.min.js', join(NODE_MODULES, 'node-forge/dist/forge.min.js'))],
    x509: [
      file('reflect-metadata (minified here)', built['reflect-metadata']),
      file('@peculiar/x509 build/x509.js', join(NODE_MODULES, '@peculiar/x509/build/x509.js')),
    ],
    zxcvbn: [file('@zxcvbn-ts core+common+en+id (minified here)', built['zxcvbn-ts'])],
  };
}

async function buildIife(name, global, source) {
  const out = join(CACHE, `${name}.iife.js`);
  const entry = join(CACHE, `${name}.entry.mjs`);
  const stamp = join(CACHE, `${name}.stamp`);
  // Rebuild when the lock file changed (new versions) or the entry did.
  const lock = await readFile(join(WEB_DIR, 'package-lock.json'), 'utf8');
  const want = `${lock.length}:${hash(lock)}:${hash(source)}`;
  const have = await readFile(stamp, 'utf8').catch(() => '');
  if (have === want) {
    try {
      await readFile(out);
      return out;
    } catch {
      // Rebuild below.
    }
  }
  await writeFile(entry, source);
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: WEB_DIR,
    logLevel: 'warn',
    build: {
      outDir: CACHE,
      emptyOutDir: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry, formats: ['iife'], name: global, fileName: () => `${name}.iife.js` },
    },
  });
  await writeFile(stamp, want);
  return out;
}

function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}
