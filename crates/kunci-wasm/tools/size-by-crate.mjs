/**
 * What costs the bytes of a wasm module, by crate: reads `twiggy top -n 1000000 -f csv` of a
 * module built with its names kept (see crates/kunci-wasm/HACKING.md, "Where the bytes go")
 * on stdin and prints a Markdown table: crate, KiB raw, share.
 *
 * A function counts for the crate of its (demangled) path: generic code for the crate that
 * defines it, and everything LLVM inlined into it for it as well, so the table says which
 * entry points carry the code rather than whose source it came from. wasm-bindgen's
 * `__wbindgen_describe_*` functions and the custom sections (names, the bindgen section) are
 * left out: the wasm-bindgen step removes them, so the rest is what the package ships, give or
 * take wasm-bindgen's own glue. For a developer's analysis only: nothing in CI runs it.
 *
 * Usage: twiggy top -n 1000000 -f csv module.wasm | node crates/kunci-wasm/tools/size-by-crate.mjs [rows]
 */
import { readFileSync } from 'node:fs';

const rows = Number(process.argv[2] ?? 25);
const lines = readFileSync(0, 'utf8').split('\n').slice(1).filter(Boolean);
const byCrate = new Map();
let total = 0;
for (const line of lines) {
  // Name (quoted when it holds commas, with "" for a quote), ShallowSize, ShallowSizePercent, …
  const m = /^("(?:[^"]|"")*"|[^,]*),(\d+),/.exec(line);
  if (!m) continue;
  const name = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1];
  const size = Number(m[2]);
  if (/custom section|subsection|wbindgen_describe|^Σ|^\.\.\. and/.test(name)) continue;
  total += size;
  const key = crateOf(name);
  byCrate.set(key, (byCrate.get(key) ?? 0) + size);
}
const kib = (n) => (n / 1024).toFixed(1);
console.log('| crate | KiB raw | share |');
console.log('|---|---:|---:|');
for (const [key, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  console.log(`| ${key} | ${kib(size)} | ${((100 * size) / total).toFixed(1)} % |`);
}
console.log(`| total (code and data) | ${kib(total)} | 100 % |`);

/** The crate a function's path starts with; data segments and wasm-bindgen's glue by kind. */
function crateOf(name) {
  if (name.startsWith('data segment') || name.startsWith('data[')) return '(data: constants, tables, strings)';
  // wasm-opt's merged functions keep a mangled name: `byn$mgfn-shared$_ZN3aes…`.
  const mangled = /_ZN\d+([A-Za-z_][A-Za-z0-9_]*)/.exec(name);
  if (name.startsWith('byn$') && mangled) return mangled[1];
  let path = name.replace(/\[[0-9a-f]+\]/g, '');
  // `<T as der::Decode>::decode`, `<f64 as core::fmt::Display>::fmt`: a type without a path
  // (a primitive, or a generic parameter) counts for the trait's crate.
  const impl = /^<([^<>]*?) as ([A-Za-z_][A-Za-z0-9_]*)::/.exec(path);
  if (impl && !impl[1].includes('::')) return impl[2];
  path = path.replace(/^[<&*( ]+|dyn |mut |const /g, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(path);
  if (m) return ['alloc', 'std', 'dlmalloc', 'hashbrown', 'compiler_builtins'].includes(m[1]) ? `std (${m[1]})` : m[1];
  if (/^(u8|u16|u32|u64|usize|i32|i64|f32|f64|str|bool|char|\[)/.test(path)) return 'core';
  if (/_[0-9a-f]{16}$/.test(name) || name.startsWith('__wbg') || name.startsWith('__wbindgen')) {
    return 'kunci_wasm (exported functions, with what they inlined)';
  }
  return '(other)';
}
