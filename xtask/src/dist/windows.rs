//! The Windows artefacts of `cargo xtask dist`: `kunci-host.exe` and the `.msi`.

use std::path::Path;

use crate::Result;

/// Writes the Windows artefacts into `out`.
pub fn build(_root: &Path, _out: &Path) -> Result {
    Err("cargo xtask dist: the Windows artefacts are being written (issue 13)".to_owned())
}
