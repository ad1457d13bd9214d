// `embed_migrations!` reads the migration folders at compile time, but cargo only notices
// changed files it already knew about: a new migration folder would not trigger a rebuild
// (diesel_migrations' documented advice).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // The resident app is embedded by rust-embed in release builds.
    println!("cargo:rerun-if-changed=web/app");
}
