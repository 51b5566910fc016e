//! Rebuilds kunci-ams when a migration file changes: `sqlx::migrate!` embeds the SQL files at
//! compile time, and cargo does not otherwise watch that folder.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
