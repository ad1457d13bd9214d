//! `stapvoorstap backup PATH`: a consistent SQLite copy taken while the API is being written
//! to, that the service then serves from; refusals for an existing file and for PostgreSQL.

use crate::helpers::{Backend, spawn_app, spawn_app_with};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::json;
use stapvoorstap::config::DatabaseUrl;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs the real binary's `backup` with only `DATABASE_URL` set.
async fn run_backup(database_url: &str, target: &Path) -> Output {
    let url = database_url.to_owned();
    let target = target.to_path_buf();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_stapvoorstap"))
            .env_clear()
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .arg("backup")
            .arg(&target)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("join")
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[actix_web::test]
async fn a_backup_under_write_load_serves_everything_committed_before_it() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let w = app.world().await;
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({"intake": {"renter": true}}),
    )
    .await
    .assert_status(201);
    let source = app.db.url().expose().to_owned();

    // A writer adds teams through the API until told to stop; it records each acknowledged one.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = {
        let (stop, acked) = (stop.clone(), acked.clone());
        let (client, url, token) = (
            app.client.clone(),
            app.url("/v1/teams"),
            w.admin.token.clone(),
        );
        actix_web::rt::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) && n < 5_000 {
                n += 1;
                let name = format!("Team {n}");
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"name": name}))
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(res.status().as_u16(), 201, "write {n} failed");
                acked.lock().unwrap().push(name);
            }
        })
    };
    // The resident keeps completing steps meanwhile.
    let completer = {
        let stop = stop.clone();
        let (client, base, token) = (
            app.client.clone(),
            app.address.clone(),
            w.resident_a.token.clone(),
        );
        actix_web::rt::spawn(async move {
            let mut done = Vec::new();
            while !stop.load(Ordering::Relaxed) && done.len() < 30 {
                let current: serde_json::Value = client
                    .get(format!("{base}/v1/me/steps/current"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                let Some(id) = current["steps"][0]["id"].as_str() else {
                    break;
                };
                let res = client
                    .post(format!("{base}/v1/me/steps/{id}/complete"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(res.status().as_u16(), 200);
                done.push(id.to_owned());
            }
            done
        })
    };
    // Let the load build up, then note what is committed and take the backup.
    while acked.lock().unwrap().len() < 30 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let committed_before: Vec<String> = acked.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let out = run_backup(&source, &copy).await;
    let during = acked.lock().unwrap().len() - committed_before.len();
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity check ok"));
    // Keep writing a little after the backup, then stop.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let steps_done = completer.await.unwrap();
    let total = acked.lock().unwrap().len();
    assert!(
        total > committed_before.len(),
        "writes went on around the backup"
    );
    eprintln!(
        "teams before the backup {}, during it {during}, in all {total}; steps completed {}",
        committed_before.len(),
        steps_done.len()
    );

    // The copy is a sound database...
    let copy_str = copy.to_str().unwrap().to_owned();
    let mut conn = SqliteConnection::establish(&copy_str).unwrap();
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].integrity_check, "ok");
    drop(conn);

    // ...and the service starts from it with everything committed before the backup began.
    let restored = spawn_app_with(Backend::Sqlite, |s| {
        s.database_url = DatabaseUrl::new(copy_str.clone());
    })
    .await
    .unwrap();
    let admin = restored.login(&w.admin.username, &w.admin.password).await;
    let teams = restored.get("/v1/teams", Some(&admin.token)).await.value();
    let names: std::collections::HashSet<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let missing: Vec<&String> = committed_before
        .iter()
        .filter(|n| !names.contains(n.as_str()))
        .collect();
    assert!(missing.is_empty(), "missing in the copy: {missing:?}");
    assert!(
        names.len() - 2 <= total,
        "no team that was never acknowledged"
    );
    let resident = restored
        .login(&w.resident_a.username, &w.resident_a.password)
        .await;
    restored
        .get("/v1/me/steps/current", Some(&resident.token))
        .await
        .assert_status(200);

    // A second backup to the same name is refused and leaves the first copy as it was.
    let size = std::fs::metadata(&copy).unwrap().len();
    let again = run_backup(&source, &copy).await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);
    // No partial file is left behind (the -wal/-shm files are the restored server's).
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[actix_web::test]
async fn backup_names_pg_dump_for_postgres_and_refuses_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");
    // Nothing listens there: the command must not even try to connect.
    let out = run_backup("postgres://svs:secret@127.0.0.1:9/svs", &target).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pg_dump") && err.contains("point-in-time"),
        "{err}"
    );
    assert!(!err.contains("secret"), "no password in the message");
    assert!(!target.exists());

    let missing = dir.path().join("no-such.db");
    let out = run_backup(missing.to_str().unwrap(), &target).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no SQLite database"));
    assert!(!missing.exists(), "no empty database is created");
    assert!(!target.exists());
}
