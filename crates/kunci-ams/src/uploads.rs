//! The files the portal writes itself, and the uploads folder: atomic writes (a crash never
//! leaves half a file, for the CA's keys as for documents), where a supporting document is
//! kept (`UPLOADS/<sha256>.pdf`), the start-up sweep of what a crash left behind there, and
//! the checks an uploaded document passes (a PDF by content, a file name safe to show).
//!
//! Documents are written here before the row that names them is committed (see
//! [`crate::portal`]); a crash in between leaves an unnamed file, which [`sweep_uploads`]
//! removes at the next start.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::Store;

fn io(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Internal {
        detail: format!("{what}: {e}"),
    }
}

/// Writes `bytes` to `path` through a temporary file beside it (random name, synced, then
/// renamed), so that a crash never leaves half a file under `path`. The file is readable by
/// its owner only (0600 on Unix): holders' documents are as private as the CA's keys (issue
/// 18, finding 6). A failed write removes the temporary file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.{}.tmp",
        crate::http::auth::random_token()?
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let stored = written.and_then(|()| std::fs::rename(&tmp, path));
    stored.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Internal {
            detail: format!("writing {}: {e}", path.display()),
        }
    })
}

/// Where the document with this SHA-256 (hex) is kept in the uploads folder `uploads`.
pub fn document_path(uploads: &Path, sha256_hex: &str) -> PathBuf {
    uploads.join(format!("{sha256_hex}.pdf"))
}

/// Keeps `bytes` in the uploads folder `uploads` under their SHA-256 and answers it (hex).
/// A document already there (same content) is not written again.
pub fn save_document(uploads: &Path, bytes: &[u8]) -> Result<String> {
    let sha256_hex = hex::encode(Sha256::digest(bytes));
    let path = document_path(uploads, &sha256_hex);
    if !path.exists() {
        write_private(&path, bytes)?;
    }
    Ok(sha256_hex)
}

/// A PDF by content: the `%PDF-` header at offset 0 and an `%%EOF` marker in the last 1024
/// bytes. Readers accept the header anywhere in the first 1024 bytes, but a file that starts
/// with anything else may start as HTML (`<html><script>…<!-- %PDF-1.4 … %%EOF -->`: a
/// polyglot a browser would run), so the portal takes only the strict form (issue 18,
/// finding 4).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// A file name safe to show and to put in a `Content-Disposition`: the last path part, printable
/// ASCII letters, digits and `._- ` only, at most 100 characters.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        "surat-rekomendasi.pdf".to_owned()
    } else {
        cleaned
    }
}

/// What [`sweep_uploads`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Temporary files of writes that never finished (a crash mid-upload).
    pub temporary: usize,
    /// Documents no request names (written, then the request's transaction never committed).
    pub unnamed: usize,
}

/// Removes from the uploads folder what a crash can leave behind and nothing names: temporary
/// files (`.NAME.RANDOM.tmp`) and documents (`SHA256.pdf`) no request points at, when last
/// written more than `older_than` ago. The age keeps the uploads of other instances sharing
/// the folder (PostgreSQL) safe while they are in flight; a single instance starting may
/// sweep everything (`older_than` zero). Anything else in the folder is left alone.
pub async fn sweep_uploads(
    uploads: &Path,
    store: &Store,
    older_than: std::time::Duration,
) -> Result<Swept> {
    let named = store.document_hashes().await?;
    let entries = match std::fs::read_dir(uploads) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Swept::default()),
        Err(e) => return Err(io("reading the uploads folder")(e)),
    };
    let now = std::time::SystemTime::now();
    let mut swept = Swept::default();
    for entry in entries {
        let entry = entry.map_err(io("reading the uploads folder"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let temporary = name.starts_with('.') && name.ends_with(".tmp");
        let unnamed = name
            .strip_suffix(".pdf")
            .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            && !named.contains(name.trim_end_matches(".pdf"));
        if !temporary && !unnamed {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if !meta.is_file() || age < older_than {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) if temporary => swept.temporary += 1,
            Ok(()) => swept.unnamed += 1,
            // Another instance swept it first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("sweeping the uploads folder")(e)),
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_judged_by_content() {
        assert!(looks_like_pdf(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"));
        assert!(!looks_like_pdf(b"MZ\x90\x00 not a pdf %%EOF"));
        assert!(!looks_like_pdf(b"%PDF-1.4 but cut short"));
        assert!(!looks_like_pdf(b""));
        // The header anywhere but at offset 0: an HTML/PDF polyglot, refused.
        assert!(!looks_like_pdf(
            b"<html><script>alert(1)</script><!-- %PDF-1.4\n%%EOF -->"
        ));
        assert!(!looks_like_pdf(b"\n%PDF-1.4\n%%EOF\n"));
    }

    #[test]
    fn file_names_lose_paths_and_odd_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\x\\Surat \"A\".pdf"), "Surat A.pdf");
        assert_eq!(clean_file_name("\r\n"), "surat-rekomendasi.pdf");
    }
}
