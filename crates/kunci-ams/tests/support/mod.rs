//! What the HTTP test files share: a fresh portal (SQLite file, CA, products) in its own
//! temporary folder, built exactly as `kunci-ams serve` builds it, minus the socket.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use kunci_ams::http::{AppState, Config, unix_now};
use kunci_ams::portal::{Mailer, Portal, Settings, standard_profiles};
use kunci_ams::setup;
use kunci_ams::store::Store;

/// The origin the test portal believes it is served at.
pub const ORIGIN: &str = "http://127.0.0.1:8080";

/// A portal in a temporary folder (removed on drop).
pub struct Fresh {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

/// A fresh portal; `tune` adjusts the settings (automatic approval, limits...).
pub async fn portal_with(
    config: Config,
    tune: impl FnOnce(&mut Settings),
    mailer: Option<Arc<dyn Mailer>>,
) -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("kunci.db"))
        .await
        .unwrap();
    let now = unix_now();
    setup::seed_products(&store, now).await.unwrap();
    let pass_file = dir.path().join("ca-passphrase");
    let pass = setup::ca_passphrase(&pass_file, false).unwrap();
    let (authority, created) = setup::open_or_create_ca(
        &dir.path().join("ca"),
        pass.as_bytes(),
        "kunci Test CA",
        now,
    )
    .unwrap();
    assert!(created);
    let mut settings = Settings::new(dir.path().join("uploads"));
    tune(&mut settings);
    let portal = Portal::new(authority, standard_profiles(ORIGIN), settings, mailer).unwrap();
    portal.publish_crl(&store, now).await.unwrap();
    Fresh {
        state: AppState {
            store,
            config,
            portal: Arc::new(portal),
        },
        dir,
    }
}

/// A fresh portal with default settings.
pub async fn portal(config: Config) -> Fresh {
    portal_with(config, |_| {}, None).await
}
