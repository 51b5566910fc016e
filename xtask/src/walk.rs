//! `cargo xtask walk [--scenario NAME]... [--browser chromium|firefox]`: the portal walks
//! alone, with everything they need.
//!
//! A walk is one scenario in one file, `tests/web/walks/<scenario>.test.mjs`: a person's
//! clicks and typing on the real pages, against a real `kunci-ams`, in headless Chromium (the
//! kit is `tests/web/walks/walker.mjs`). A scenario that also runs in Firefox has a second file,
//! `<scenario>-firefox.test.mjs` (Firefox ESR through geckodriver, `tests/web/walks/firefox.mjs`);
//! `--browser firefox` picks those (all of them without `--scenario`), `--browser chromium`
//! only the others, and no `--browser` both. This command installs what is missing (as `ci`
//! does; Firefox and geckodriver only for a Firefox walk), builds the npm package, `kunci-ams`
//! and, for the token walks, `kunci-host` and the extension, then runs the chosen walks one
//! after another. Each walk leaves numbered screenshots in `target/portal-walk/<scenario>/`
//! (`<scenario>-firefox/` for Firefox). `--list` prints the names. `cargo xtask ci` runs the
//! same files with the other browser tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, extension, run, setup, wasm, web};

/// The scenarios that need the USB-token pieces (the helper and the extension).
const TOKEN_SCENARIOS: [&str; 3] = ["token-key", "pdf-sign", "token-key-firefox"];
/// How a Firefox walk's file name ends (before `.test.mjs`).
const FIREFOX_SUFFIX: &str = "-firefox";

/// Which browser `--browser` asked for.
#[derive(Clone, Copy, PartialEq)]
enum Browser {
    Chromium,
    Firefox,
}

/// Runs the walks `args` name (see the module docs).
pub fn walk(root: &Path, args: &[&str]) -> Result {
    let all = web::walks(root)?;
    let mut chosen: Vec<&str> = Vec::new();
    let mut browser: Option<Browser> = None;
    let mut rest = args.iter().copied();
    while let Some(arg) = rest.next() {
        match arg {
            "--list" => {
                for (name, _) in &all {
                    println!("{name}");
                }
                return Ok(());
            }
            "--scenario" => {
                let name = rest
                    .next()
                    .ok_or("--scenario needs a name (cargo xtask walk --list)")?;
                if !all.iter().any(|(n, _)| n == name) {
                    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(format!(
                        "no walk named {name:?}; the walks are: {}",
                        names.join(", ")
                    ));
                }
                chosen.push(name);
            }
            "--browser" => {
                browser = Some(match rest.next() {
                    Some("chromium") => Browser::Chromium,
                    Some("firefox") => Browser::Firefox,
                    other => {
                        return Err(format!(
                            "--browser takes chromium or firefox, not {:?}",
                            other.unwrap_or("nothing")
                        ));
                    }
                });
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}: cargo xtask walk [--scenario NAME]... [--browser chromium|firefox] [--list]"
                ));
            }
        }
    }
    let names = chosen_walks(&all, &chosen, browser)?;
    let files: Vec<&PathBuf> = all
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(_, f)| f)
        .collect();
    let token = names.iter().any(|n| TOKEN_SCENARIOS.contains(&n.as_str()));
    let firefox = names.iter().any(|n| n.ends_with(FIREFOX_SUFFIX));

    setup::all(root)?;
    if firefox {
        setup::firefox(root)?;
    }
    wasm::build(root)?;
    let mut build = vec!["build", "--locked", "--package", "kunci-ams"];
    if token {
        build.extend(["--package", "kunci-host"]);
    }
    cargo(root, &build, &[])?;
    if token {
        extension::build(root)?;
    }
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .current_dir(root)
        .env("KUNCI_REQUIRE_PACKAGE", "1"))?;
    println!(
        "xtask walk: screenshots in {}",
        root.join("target/portal-walk").display()
    );
    Ok(())
}

/// The walk files to run: the `chosen` scenarios (all without any) in `browser` (both without
/// one). A scenario in Firefox is its `-firefox` file; asking for one that has none is an error
/// naming the scenarios that do.
fn chosen_walks(
    all: &[(String, PathBuf)],
    chosen: &[&str],
    browser: Option<Browser>,
) -> Result<Vec<String>> {
    let is_firefox = |n: &str| n.ends_with(FIREFOX_SUFFIX);
    let in_browser = |n: &str| match browser {
        None => true,
        Some(Browser::Firefox) => is_firefox(n),
        Some(Browser::Chromium) => !is_firefox(n),
    };
    if chosen.is_empty() {
        return Ok(all
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| in_browser(n))
            .collect());
    }
    let mut names = Vec::new();
    for name in chosen {
        let name = match browser {
            Some(Browser::Firefox) if !is_firefox(name) => format!("{name}{FIREFOX_SUFFIX}"),
            Some(Browser::Chromium) if is_firefox(name) => {
                return Err(format!("{name} is a Firefox walk: drop --browser chromium"));
            }
            _ => (*name).to_owned(),
        };
        if !all.iter().any(|(n, _)| *n == name) {
            let firefox: Vec<&str> = all
                .iter()
                .filter_map(|(n, _)| n.strip_suffix(FIREFOX_SUFFIX))
                .collect();
            return Err(format!(
                "no Firefox walk for {:?}: the scenarios that run in Firefox are: {}",
                name.trim_end_matches(FIREFOX_SUFFIX),
                firefox.join(", ")
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walks() -> Vec<(String, PathBuf)> {
        ["file-key", "token-key", "token-key-firefox"]
            .into_iter()
            .map(|n| (n.to_owned(), PathBuf::from(format!("{n}.test.mjs"))))
            .collect()
    }

    #[test]
    fn firefox_picks_the_firefox_file_of_a_scenario() {
        let all = walks();
        assert_eq!(
            chosen_walks(&all, &["token-key"], Some(Browser::Firefox)).unwrap(),
            ["token-key-firefox"]
        );
        assert_eq!(
            chosen_walks(&all, &[], Some(Browser::Firefox)).unwrap(),
            ["token-key-firefox"]
        );
        assert_eq!(
            chosen_walks(&all, &[], Some(Browser::Chromium)).unwrap(),
            ["file-key", "token-key"]
        );
        assert_eq!(chosen_walks(&all, &[], None).unwrap().len(), 3);
        assert_eq!(
            chosen_walks(&all, &["token-key"], None).unwrap(),
            ["token-key"]
        );
    }

    #[test]
    fn a_scenario_without_a_firefox_walk_is_named() {
        let all = walks();
        let e = chosen_walks(&all, &["file-key"], Some(Browser::Firefox)).unwrap_err();
        assert!(e.contains("no Firefox walk for \"file-key\""), "{e}");
        assert!(e.contains("token-key"), "{e}");
        let e = chosen_walks(&all, &["token-key-firefox"], Some(Browser::Chromium)).unwrap_err();
        assert!(e.contains("drop --browser chromium"), "{e}");
    }
}
