//! Where the command line gets passwords: a file, an environment variable, or a prompt.
//!
//! Never from an argument: arguments are visible to every user through `ps` and land in shell
//! history. A password file is read like OpenSSL's `-passin file:`: its first line, without
//! the line ending. Passwords live in [`Zeroizing`] strings and are never printed.

use std::io::IsTerminal;
use std::path::Path;

use zeroize::Zeroizing;

/// A password source chosen on the command line.
pub struct Source<'a> {
    /// `--password-file` (or its per-purpose variant).
    pub file: Option<&'a Path>,
    /// The environment variable to read (`KUNCI_PASSWORD`, `KUNCI_P12_PASSWORD`).
    pub env: &'static str,
    /// What the prompt asks for ("key password", ...).
    pub what: &'static str,
}

impl Source<'_> {
    /// Reads the password, asking twice when `confirm` and a prompt is used.
    pub fn read(&self, confirm: bool) -> Result<Zeroizing<String>, String> {
        if let Some(path) = self.file {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read password file {}: {e}", path.display()))?,
            );
            let first = text.lines().next().unwrap_or("");
            return Ok(Zeroizing::new(first.to_owned()));
        }
        if let Ok(value) = std::env::var(self.env) {
            return Ok(Zeroizing::new(value));
        }
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "no {} given: use --password-file FILE or the {} environment variable",
                self.what, self.env
            ));
        }
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("{}: ", capitalise(self.what)))
                .map_err(|e| format!("cannot read the {}: {e}", self.what))?,
        );
        if confirm {
            let again = Zeroizing::new(
                rpassword::prompt_password(format!("{} again: ", capitalise(self.what)))
                    .map_err(|e| format!("cannot read the {}: {e}", self.what))?,
            );
            if *first != *again {
                return Err("the two passwords differ".into());
            }
        }
        Ok(first)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
