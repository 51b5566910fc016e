//! The tidy check: house rules a compiler does not enforce.
//!
//! Every Rust source file opens with a `//!` paragraph saying what it owns (the house rule
//! docs/ARCHITECTURE.md states under "House rules"),
//! no stub macro (`todo!`, `unimplemented!`) sits outside tests, and no two Rust files of one
//! crate import each other (a circle costs every reader of either file the other one too:
//! split the shared part out, or move the decision to the file that owns it).

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
    let mut crates = vec![root.join("xtask/src")];
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        crates.extend(entries.flatten().map(|e| e.path().join("src")));
    }
    crates.sort();
    for src in crates.iter().filter(|d| d.is_dir()) {
        for (a, b) in import_circles(src)? {
            let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
            problems.push(format!(
                "{} and {} import each other: split the shared part out",
                rel(&a),
                rel(&b)
            ));
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

/// Pairs of files under the crate source folder `src` that each name the other's module
/// (`crate::a::…` or `super::…` paths, `use` groups included) outside comments and the test
/// module. A module and its own ancestors are not a circle: a parent declares its children.
fn import_circles(src: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut files = Vec::new();
    collect(src, &mut files);
    files.sort();
    let modules: Vec<(PathBuf, Vec<String>)> = files
        .iter()
        .filter_map(|f| module_path(src, f).map(|m| (f.clone(), m)))
        .collect();
    let mut edges = std::collections::BTreeSet::new();
    for (file, module) in &modules {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        for path in referenced_paths(&text, module) {
            let target = modules
                .iter()
                .filter(|(_, m)| path.starts_with(m))
                .max_by_key(|(_, m)| m.len());
            if let Some((target, target_module)) = target {
                let related =
                    module.starts_with(target_module) || target_module.starts_with(module);
                if !related {
                    edges.insert((file.clone(), target.clone()));
                }
            }
        }
    }
    Ok(edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())))
        .cloned()
        .collect())
}

/// The module path of a source file: `lib.rs`/`main.rs` → `[]`, `a.rs` and `a/mod.rs` →
/// `[a]`, `a/b.rs` → `[a, b]`. Files under `bin/` are crates of their own: `None`.
fn module_path(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
        parts.push(stem.to_owned());
    }
    Some(parts)
}

/// Every `crate::…` and `super::…` path in `text` (before its `#[cfg(test)]` module, outside
/// `//` comments), made absolute, as module segments.
fn referenced_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for (keyword, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(keyword) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + keyword.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            for tail in path_tails(rest) {
                let mut path = base.clone();
                path.extend(tail);
                out.push(path);
            }
        }
    }
    out
}

/// The paths that start at the beginning of `rest`: `a::b::C` gives one, `{a::X, b}` gives one
/// per item of the group (one level deep).
fn path_tails(rest: &str) -> Vec<Vec<String>> {
    if let Some(group) = rest.strip_prefix('{') {
        let end = group.find('}').unwrap_or(group.len());
        return group[..end]
            .split(',')
            .map(|item| segments(item.trim()))
            .filter(|s| !s.is_empty())
            .collect();
    }
    vec![segments(rest)]
}

fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split("::") {
        let ident: String = part
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        let whole = ident.len() == part.len();
        out.push(ident);
        if !whole {
            break;
        }
    }
    out
}

fn parent(module: &[String]) -> Vec<String> {
    module[..module.len().saturating_sub(1)].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn two_files_that_import_each_other_are_a_circle_and_parents_are_not() {
        let dir = std::env::temp_dir().join(format!("kunci-tidy-{}", std::process::id()));
        let src = dir.join("src");
        write(&src, "lib.rs", "mod a;\nmod store;\npub use store::X;\n");
        write(
            &src,
            "a.rs",
            "//! A.\nuse crate::store::{requests::R, X};\n",
        );
        write(
            &src,
            "store/mod.rs",
            "//! S.\nmod requests;\nuse crate::a::f;\n",
        );
        write(
            &src,
            "store/requests.rs",
            "//! R.\nuse super::certificates::C;\n",
        );
        write(
            &src,
            "store/certificates.rs",
            "//! C.\n// crate::store::requests in a comment\nuse crate::store::requests::R;\n",
        );
        let circles = import_circles(&src).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let names: Vec<(String, String)> = circles
            .iter()
            .map(|(a, b)| {
                let rel = |p: &Path| p.strip_prefix(&src).unwrap().display().to_string();
                (rel(a), rel(b))
            })
            .collect();
        assert_eq!(
            names,
            [
                ("a.rs".to_owned(), "store/mod.rs".to_owned()),
                (
                    "store/certificates.rs".to_owned(),
                    "store/requests.rs".to_owned()
                ),
            ]
        );
    }
}
