//! The tidy check: house rules a compiler does not enforce.
//!
//! Every Rust source file opens with a `//!` paragraph saying what it owns (STYLE.md, habit 7),
//! and no stub macro (`todo!`, `unimplemented!`) sits outside tests.

use std::path::{Path, PathBuf};

use crate::Result;

/// Checks every `.rs` file under `crates/`, `xtask/` and `fuzz/`.
pub fn check(root: &Path) -> Result {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "fuzz"] {
        collect(&root.join(dir), &mut files);
    }
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            problems.push(format!(
                "{rel}: does not open with a `//!` paragraph saying what it owns"
            ));
        }
        let in_tests = rel.contains("/tests/") || rel.contains("/benches/");
        for (n, line) in text.lines().enumerate() {
            // Spelled in pieces so that this file does not flag itself.
            let stub = [concat!("todo", "!("), concat!("unimplemented", "!(")]
                .iter()
                .any(|m| line.contains(m));
            if stub && !in_tests && !line.trim_start().starts_with("//") {
                problems.push(format!(
                    "{rel}:{}: stub macro on a path users can reach",
                    n + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        println!("tidy: {} files checked", files.len());
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with("fuzz") {
                collect(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
