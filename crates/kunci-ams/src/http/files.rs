//! The static files: the pages (`web/`) at `/` and the npm package at `/pkg/`, served by
//! `tower-http`'s `ServeDir` (MIME types, ranges, conditional requests) behind a gate that lets
//! through only what a page loads.
//!
//! The gate is an allow-list, not a deny-list: a folder served to the world may come to hold a
//! `README.md`, a `package.json`, type declarations, an editor's backup or a `.git` folder, and
//! a deny-list would have to foresee every one of them. Pages need HTML, their stylesheet,
//! ES modules and WebAssembly (plus the usual image and font types, should a page get an icon),
//! so a path is served only when every part is plain (ASCII letters, digits, `-`, `_`, `.`; no
//! part starting with a dot, no empty part) and the file's extension is one of
//! [`SERVED_EXTENSIONS`]; `/` (a folder) serves its `index.html` in the pages only. Anything
//! else, and anything `ServeDir` does not find, is the portal's JSON 404 `http.not_found`; a
//! method other than GET and HEAD is the JSON 405 `http.method_not_allowed` with
//! `Allow: GET, HEAD`.

use std::path::Path;

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::Error;

/// The extensions (lower case, without the dot) of the files a page may load.
pub const SERVED_EXTENSIONS: [&str; 9] = [
    "html", "css", "js", "mjs", "wasm", "svg", "png", "ico", "woff2",
];

/// One served folder: the pages (`index` true: `/` is `index.html`) or the npm package.
#[derive(Clone, Debug)]
pub struct Folder {
    files: ServeDir,
    index: bool,
}

impl Folder {
    /// The pages folder (`web/`), with `index.html` for `/`.
    pub fn pages(dir: &Path) -> Folder {
        Folder {
            files: ServeDir::new(dir).append_index_html_on_directories(true),
            index: true,
        }
    }

    /// The npm package (`crates/kunci-wasm/pkg`): its files, no folder index.
    pub fn package(dir: &Path) -> Folder {
        Folder {
            files: ServeDir::new(dir).append_index_html_on_directories(false),
            index: false,
        }
    }

    /// Answers `request` (its path relative to the folder) from the folder, or with the
    /// portal's JSON 404 or 405.
    pub async fn answer(self, request: Request) -> Response {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return (
                [(header::ALLOW, "GET, HEAD")],
                Error::MethodNotAllowed.into_response(),
            )
                .into_response();
        }
        if !self.serves(request.uri().path()) {
            return Error::RouteNotFound.into_response();
        }
        match self.files.oneshot(request).await {
            Ok(response) if response.status() == StatusCode::NOT_FOUND => {
                Error::RouteNotFound.into_response()
            }
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        }
    }

    /// Whether `path` (the URL path, still percent-encoded) may name a file of this folder.
    fn serves(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        if rest.is_empty() || rest.ends_with('/') {
            // A folder: only the pages have an index.
            return self.index && plain_parts(rest.trim_end_matches('/'));
        }
        let extension = rest.rsplit_once('.').map(|(_, e)| e);
        plain_parts(rest) && extension.is_some_and(|e| SERVED_EXTENSIONS.contains(&e))
    }
}

/// Every `/`-separated part of `path` is non-empty, plain ASCII (letters, digits, `-_.`) and
/// does not start with a dot (no dotfiles, no `..`). Percent-encoding is not plain: the files
/// pages load need none. The empty path has no parts and passes.
fn plain_parts(path: &str) -> bool {
    path.is_empty()
        || path.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_to_page_files_are_served() {
        let pages = Folder::pages(Path::new("web"));
        let package = Folder::package(Path::new("pkg"));
        for ok in [
            "/",
            "/index.html",
            "/assets/css/portal.css",
            "/assets/js/pages/permohonan-baru/step-kit.js",
        ] {
            assert!(pages.serves(ok), "{ok}");
        }
        for ok in ["/index.js", "/wasm/kunci_core_bg.wasm"] {
            assert!(package.serves(ok), "{ok}");
        }
        for refused in [
            "",
            "/README.md",
            "/.env",
            "/.git/config",
            "/assets/.hidden.js",
            "/../kunci.db",
            "/assets/../../secret.js",
            "//index.html",
            "/assets//x.js",
            "/index%2ehtml",
            "/x.js%2f..%2fREADME.md",
            "/package.json",
            "/index.d.ts",
            "/index.js.map",
            "/assets",
            "/noextension",
            "/index.html~",
        ] {
            assert!(!pages.serves(refused), "{refused}");
            assert!(!package.serves(refused), "{refused}");
        }
        assert!(!package.serves("/"));
        assert!(!package.serves("/wasm/"));
    }
}
