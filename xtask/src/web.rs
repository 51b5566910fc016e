//! The npm package's browser jobs: `test` runs the Chromium and bundler tests under `tests/web/`
//! and the portal walks under `tests/web/walks/`
//! with Node's test runner, `bench` runs the side-by-side benchmark (`tests/web/bench.mjs`).
//!
//! Both expect the package already built into `crates/kunci-wasm/pkg` (`cargo xtask wasm`)
//! and `tests/web/node_modules` installed (`setup::all`). The tests are told the package is
//! required (`KUNCI_REQUIRE_PACKAGE=1`), so a missing build fails here instead of skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, run};

/// Runs every `tests/web/*.test.mjs` and `tests/web/walks/*.test.mjs`, one file at a time (two cores, and the
/// animation-frame test measures the page's responsiveness).
pub fn test(root: &Path) -> Result {
    let dir = root.join("tests/web");
    let mut files = test_files(&dir)?;
    if files.is_empty() {
        return Err(format!("no *.test.mjs files in {}", dir.display()));
    }
    // The portal walks, one scenario per file (`cargo xtask walk` runs them alone); the
    // `-firefox` ones drive Firefox ESR through geckodriver, installed here when missing.
    crate::setup::firefox(root)?;
    files.extend(walks(root)?.into_iter().map(|(_, f)| f));
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .current_dir(root)
        .env("KUNCI_REQUIRE_PACKAGE", "1"))
}

/// Runs the benchmark; `KUNCI_BENCH_SAMPLES` passes through from the environment.
pub fn bench(root: &Path) -> Result {
    run(Command::new("node")
        .arg(root.join("tests/web/bench.mjs"))
        .current_dir(root))
}

/// The `*.test.mjs` files directly in `dir`, sorted.
pub fn test_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every walk as (scenario name, file), sorted by name.
pub fn walks(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let files = test_files(&root.join("tests/web/walks"))?;
    Ok(files
        .into_iter()
        .filter_map(|f| {
            let name = f
                .file_name()?
                .to_str()?
                .strip_suffix(".test.mjs")?
                .to_owned();
            Some((name, f))
        })
        .collect())
}
