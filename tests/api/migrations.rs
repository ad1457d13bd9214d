//! Both migration folders list the same versions; every migration goes up, down and up again.

use crate::helpers::{Backend, TestDb};
use diesel_migrations::MigrationHarness;
use stapvoorstap::db;

fn versions(folder: &str) -> Vec<String> {
    let dir = format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("migration folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );
    for v in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let p = format!(
                    "{}/migrations/{backend}/{v}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&p).exists(), "missing {p}");
            }
        }
    }
}

fn up_down_up(backend: Backend) {
    let Some(test_db) = TestDb::create(backend) else {
        return;
    };
    let settings = crate::helpers::test_settings(&test_db);
    let pool = db::build_pool(&settings).expect("pool");
    let mut conn = pool.get().expect("connection");
    let total = versions(if conn.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    })
    .len();

    let applied = conn
        .run_pending_migrations(conn.migrations())
        .expect("up")
        .len();
    assert_eq!(applied, total);
    // Step down one migration at a time, then everything up again.
    for _ in 0..total {
        conn.revert_last_migration(conn.migrations()).expect("down");
    }
    assert_eq!(conn.applied_migrations().expect("list").len(), 0);
    let reapplied = conn
        .run_pending_migrations(conn.migrations())
        .expect("up again")
        .len();
    assert_eq!(reapplied, total);
    assert_eq!(
        db::service_info::find_value(&mut conn, "schema_family").expect("query"),
        Some("stapvoorstap".into())
    );
}

#[test]
fn migrations_go_up_down_up_on_sqlite() {
    up_down_up(Backend::Sqlite);
}

#[test]
fn migrations_go_up_down_up_on_postgres() {
    up_down_up(Backend::Postgres);
}
