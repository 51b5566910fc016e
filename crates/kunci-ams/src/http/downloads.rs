//! The token path's downloads (`--downloads DIR`, `--downloads-url URL`): the helper's
//! installers and the extension, under stable names at `/unduh/NAME`, and the list of what
//! this portal offers at `/unduh/index.json`, which the pages read to link only to files that
//! exist (web/assets/js/tokenhelp.js).
//!
//! `cargo xtask dist` names its files with the version (`kunci-host-0.1.0-x64.msi`); a page
//! cannot know the version, so each stable name maps to a pattern and the folder's newest match
//! (highest name) is served, with the versioned name in `Content-Disposition`. Only the names
//! of [`FILES`] are served: the folder is never listed, and nothing else in it leaks. A name
//! not offered (no `--downloads`, or its file not built) answers a plain HTML 404 page that
//! says where else to get the file, since a holder reaches it by clicking, not a script.
//!
//! With `--downloads-url` instead of a folder, `index.json` names that base URL and every file
//! (the portal cannot check another server); with neither, the list is empty and the pages
//! say in a sentence to ask the agency for the installer.

use std::path::{Path, PathBuf};

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The stable names, each with the prefix and suffix of the versioned file `cargo xtask dist`
/// writes (`prefix VERSION suffix`).
pub const FILES: [(&str, &str, &str); 5] = [
    ("kunci-host-x64.msi", "kunci-host-", "-x64.msi"),
    ("kunci-host_amd64.deb", "kunci-host_", "_amd64.deb"),
    ("kunci-host.exe", "kunci-host.exe", ""),
    (
        "kunci-extension-chromium.zip",
        "kunci-extension-",
        "-chromium.zip",
    ),
    ("kunci-extension.xpi", "kunci-extension-", ".xpi"),
];

/// Where the downloads come from.
#[derive(Clone, Debug, Default)]
pub struct Downloads {
    /// The folder `cargo xtask dist` wrote (`target/dist`), served at `/unduh/`.
    pub dir: Option<PathBuf>,
    /// Another server holding the files under the stable names (used when `dir` is unset).
    pub url: Option<String>,
}

impl Downloads {
    /// The versioned file behind stable `name` in the folder, if any: the highest-named match.
    pub fn resolve(&self, name: &str) -> Option<PathBuf> {
        let dir = self.dir.as_deref()?;
        let (_, prefix, suffix) = FILES.iter().find(|(n, _, _)| *n == name)?;
        newest(dir, prefix, suffix)
    }

    /// `/unduh/index.json`: `{"base": "/unduh/" | URL | null, "files": [stable names]}`.
    pub fn index(&self) -> serde_json::Value {
        let (base, files): (Option<String>, Vec<&str>) = match (&self.dir, &self.url) {
            (Some(_), _) => (
                Some("/unduh/".into()),
                FILES
                    .iter()
                    .map(|(n, _, _)| *n)
                    .filter(|n| self.resolve(n).is_some())
                    .collect(),
            ),
            (None, Some(url)) => (
                Some(format!("{}/", url.trim_end_matches('/'))),
                FILES.iter().map(|(n, _, _)| *n).collect(),
            ),
            (None, None) => (None, Vec::new()),
        };
        serde_json::json!({ "base": base, "files": files })
    }

    /// Answers a request under `/unduh` (its path relative to it).
    pub async fn answer(self, request: Request) -> Response {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
            )
                .into_response();
        }
        let name = request.uri().path().trim_start_matches('/').to_owned();
        if name == "index.json" {
            let mut response = Json(self.index()).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            return response;
        }
        let Some(path) = self.resolve(&name) else {
            return not_offered(&name);
        };
        let shown = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&name)
            .to_owned();
        match ServeFile::new(&path).oneshot(request).await {
            Ok(response) if response.status() == StatusCode::NOT_FOUND => not_offered(&name),
            Ok(response) => {
                let mut response = response.into_response();
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                if let Ok(value) =
                    HeaderValue::from_str(&format!("attachment; filename=\"{shown}\""))
                {
                    headers.insert(header::CONTENT_DISPOSITION, value);
                }
                response
            }
            Err(never) => match never {},
        }
    }
}

/// The highest-named file of `dir` that is `prefix`, a version (digits, dots, letters, `-`,
/// `~`, `+`), then `suffix`; or `prefix` itself when the suffix is empty.
fn newest(dir: &Path, prefix: &str, suffix: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            if suffix.is_empty() {
                return n == prefix;
            }
            n.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|v| {
                    v.starts_with(|c: char| c.is_ascii_digit())
                        && v.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._~+".contains(&b))
                })
        })
        .max_by(|a, b| version_order(a, b))
        .map(|n| dir.join(n))
}

/// Orders names by their digit runs as numbers (`0.10.0` after `0.9.0`), the rest as text.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        let mut chars = s.chars().peekable();
        while chars.peek().is_some() {
            let digits: String =
                std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_digit())).collect();
            let text: String =
                std::iter::from_fn(|| chars.next_if(|c| !c.is_ascii_digit())).collect();
            out.push((digits.parse().unwrap_or(0), text));
        }
        out
    }
    parts(a).cmp(&parts(b))
}

/// The 404 a holder sees for a file this portal does not offer: what to do instead.
fn not_offered(name: &str) -> Response {
    let shown: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(80)
        .collect();
    let body = format!(
        "<!doctype html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">\
         <title>Berkas tidak tersedia / File not available</title></head><body>\
         <h1>Berkas tidak tersedia</h1>\
         <p>Portal ini tidak menyediakan berkas <code>{shown}</code>. Mintalah berkas pemasangan \
         kunci kepada admin TI instansi Anda, lalu kembali ke halaman sebelumnya.</p>\
         <h1 lang=\"en\">File not available</h1>\
         <p lang=\"en\">This portal does not offer the file <code>{shown}</code>. Ask your \
         agency's IT administrator for the kunci installer, then go back to the previous page.</p>\
         <p><a href=\"/\">kunci</a></p></body></html>\n"
    );
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_versioned_file_answers_for_its_stable_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "kunci-host-0.9.0-x64.msi",
            "kunci-host-0.10.0-x64.msi",
            "kunci-host_0.1.0_amd64.deb",
            "kunci-extension-0.1.0-chromium.zip",
            "kunci-extension-0.1.0.xpi",
            "kunci-host-evil-x64.msi",
            "README.md",
        ] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let d = Downloads {
            dir: Some(dir.path().into()),
            url: None,
        };
        let file = |n: &str| d.resolve(n).map(|p| p.file_name().unwrap().to_owned());
        assert_eq!(
            file("kunci-host-x64.msi").unwrap(),
            "kunci-host-0.10.0-x64.msi"
        );
        assert_eq!(
            file("kunci-host_amd64.deb").unwrap(),
            "kunci-host_0.1.0_amd64.deb"
        );
        assert_eq!(
            file("kunci-extension.xpi").unwrap(),
            "kunci-extension-0.1.0.xpi"
        );
        assert_eq!(
            file("kunci-extension-chromium.zip").unwrap(),
            "kunci-extension-0.1.0-chromium.zip"
        );
        assert_eq!(file("kunci-host.exe"), None);
        assert_eq!(file("README.md"), None);
        assert_eq!(
            d.index(),
            serde_json::json!({"base": "/unduh/", "files": [
                "kunci-host-x64.msi", "kunci-host_amd64.deb",
                "kunci-extension-chromium.zip", "kunci-extension.xpi"]})
        );
    }

    #[test]
    fn without_a_folder_the_list_is_the_other_server_or_empty() {
        let d = Downloads {
            dir: None,
            url: Some("https://unduh.example.go.id/kunci".into()),
        };
        assert_eq!(d.index()["base"], "https://unduh.example.go.id/kunci/");
        assert_eq!(d.index()["files"].as_array().unwrap().len(), FILES.len());
        assert_eq!(d.resolve("kunci-host-x64.msi"), None);
        let none = Downloads::default();
        assert_eq!(none.index(), serde_json::json!({"base": null, "files": []}));
    }
}
