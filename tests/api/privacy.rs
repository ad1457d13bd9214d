//! Data protection: audit log, export, erasure that leaves nothing personal, retention,
//! `Cache-Control: no-store`, and logs without secrets.

use crate::backend_test;
use crate::helpers::{Backend, RESIDENT_PIN, STAFF_PASSWORD, spawn_app_with};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::json;
use stapvoorstap::db::DbConn;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every (table, column) where any needle occurs, across the whole database.
fn scan(conn: &mut DbConn, needles: &[&str]) -> Vec<String> {
    let columns: Vec<Column> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load(c)
        .unwrap(),
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load(c)
        .unwrap(),
    };
    assert!(columns.len() > 50, "the scan must see the whole schema");
    let mut hits = Vec::new();
    for col in &columns {
        for needle in needles {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM \"{}\" WHERE CAST(\"{}\" AS TEXT) LIKE '%{}%'",
                col.table_name, col.column_name, needle
            );
            let n: Vec<Count> = match conn {
                DbConn::Sqlite(c) => diesel::sql_query(sql).load(c).unwrap(),
                DbConn::Pg(c) => diesel::sql_query(sql).load(c).unwrap(),
            };
            if n[0].n > 0 {
                hits.push(format!(
                    "{}.{} holds {needle:?}",
                    col.table_name, col.column_name
                ));
            }
        }
    }
    hits
}

backend_test!(
    erasure_leaves_nothing_personal_but_a_pseudonymous_skeleton,
    |app| {
        let w = app.world().await;
        // A resident with a very recognisable name, and data in every table.
        let r = app
            .resident(&w.caseworker_a, &w.team_a, "Zwaantje Pieterburen")
            .await;
        app.post(
            "/v1/me/devices",
            Some(&r.token),
            &json!({"token": "zwaantje-phone-token", "platform": "android"}),
        )
        .await
        .assert_status(200);
        app.method_json(reqwest::Method::PUT, "/v1/me/notification-preferences", Some(&r.token), &json!({"enabled": true, "quiet_hours": "22:00-07:00", "daily_cap": 2, "weekly_cap": 4, "timezone": "Europe/Amsterdam"})).await.assert_status(200);
        let plan = app.post(&format!("/v1/residents/{}/plans", r.id), Some(&w.caseworker_a.token), &json!({"dose": 2, "items": ["start.postplek", "start.post_openen", "start.id", "pap.meterstanden", "pap.inkomen"]})).await;
        plan.assert_status(201);
        let plan_id = plan.value()["id"].as_str().unwrap().to_owned();
        app.post(
            &format!("/v1/plans/{plan_id}/steps"),
            Some(&w.caseworker_a.token),
            &json!({"category": "start", "title": {"nl": "Bel Zwaantje haar zus"}}),
        )
        .await
        .assert_status(201);
        let current = app
            .get("/v1/me/steps/current", Some(&r.token))
            .await
            .value();
        let (first, second) = (
            current["steps"][0]["id"].as_str().unwrap().to_owned(),
            current["steps"][1]["id"].as_str().unwrap().to_owned(),
        );
        app.post(
            &format!("/v1/me/steps/{second}/help"),
            Some(&r.token),
            &json!(null),
        )
        .await
        .assert_status(200);
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
        app.method_json(
            reqwest::Method::PUT,
            &format!("/v1/me/steps/{second}/intention"),
            Some(&r.token),
            &json!({"on": tomorrow}),
        )
        .await
        .assert_status(200);
        app.send(
            app.client
                .post(app.url(&format!("/v1/me/steps/{first}/complete")))
                .bearer_auth(&r.token)
                .header("Idempotency-Key", "zwaantje-key")
                .json(&json!({"note": "Zwaantje heeft de post geopend"})),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/me/steps/{second}/snooze"),
            Some(&r.token),
            &json!({"reason": "other", "note": "Zwaantje wacht op haar zus", "until": tomorrow}),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/me/steps/{first}/mood"),
            Some(&r.token),
            &json!({"score": 4}),
        )
        .await
        .assert_status(204);
        app.post("/v1/me/alliance", Some(&r.token), &json!({"score": 5}))
            .await
            .assert_status(204);
        app.post(
            &format!("/v1/me/steps/{first}/mood"),
            Some(&r.token),
            &json!({"score": 4}),
        )
        .await;
        app.state.dispatcher.run_until_idle().await.unwrap();
        app.get(
            &format!("/v1/residents/{}", r.id),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/residents/{}/activation-code", r.id),
            Some(&w.caseworker_a.token),
            &json!(null),
        )
        .await
        .assert_status(201);
        let login = app
            .post(
                "/v1/auth/login",
                None,
                &json!({"username": r.username, "password": RESIDENT_PIN}),
            )
            .await;
        login.assert_status(200);
        // The new code ended the old session; this sign-in is the resident's live one.
        let fresh = login.value()["access_token"].as_str().unwrap().to_owned();

        let needles = [
            r.id.as_str(),
            "Zwaantje",
            "Pieterburen",
            r.username.as_str(),
            "zwaantje-phone-token",
        ];
        let pool = app.state.pool.clone();
        let n2 = needles.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let before = actix_web::web::block(move || {
            let refs: Vec<&str> = n2.iter().map(String::as_str).collect();
            scan(&mut pool.get().unwrap(), &refs)
        })
        .await
        .unwrap();
        assert!(
            before.len() >= 8,
            "the scan finds the data before erasure: {before:?}"
        );

        // Roles that never erase get 403; another team's caseworker finds nothing; no token is 401.
        for (token, expected) in [
            (Some(&w.volunteer.token), 403),
            (Some(&w.researcher.token), 403),
            (Some(&fresh), 403),
            (Some(&w.resident_b.token), 403),
            (None, 401),
        ] {
            let reply = app
                .method_json(
                    reqwest::Method::DELETE,
                    &format!("/v1/residents/{}", r.id),
                    token.map(String::as_str),
                    &json!({"reason": "test"}),
                )
                .await;
            assert_eq!(reply.status, expected, "{}", reply.text());
        }
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/residents/{}", r.id),
            Some(&w.caseworker_a.token),
            &json!({"reason": ""}),
        )
        .await
        .assert_problem(422, "validation_failed");
        // Another team's caseworker cannot erase; the resident's own caseworker can.
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/residents/{}", r.id),
            Some(&w.caseworker_b.token),
            &json!({"reason": "verzoek inwoner"}),
        )
        .await
        .assert_problem(404, "not_found");
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/residents/{}", r.id),
            Some(&w.caseworker_a.token),
            &json!({"reason": "verzoek inwoner (AVG art. 17)"}),
        )
        .await
        .assert_status(204);

        let pool = app.state.pool.clone();
        let n2 = needles.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let after = actix_web::web::block(move || {
            let refs: Vec<&str> = n2.iter().map(String::as_str).collect();
            scan(&mut pool.get().unwrap(), &refs)
        })
        .await
        .unwrap();
        assert!(
            after.is_empty(),
            "personal data left after erasure: {after:?}"
        );

        // The skeleton stays: the plan with its steps and timeline, under a pseudonym.
        let view = app
            .get(&format!("/v1/plans/{plan_id}"), Some(&w.caseworker_a.token))
            .await;
        view.assert_status(200);
        let v = view.value();
        assert!(
            v["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["status"] == "done")
        );
        assert_ne!(v["resident_id"], r.id.as_str());
        // The custom step keeps a title that says only that its text was erased (an empty one
        // would break the StepResponse contract: minLength 1).
        let titles: Vec<&str> = v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap())
            .collect();
        assert!(titles.iter().all(|t| !t.is_empty()), "{titles:?}");
        assert!(
            titles.contains(&stapvoorstap::db::erasure::ERASED_TITLE[0]),
            "{titles:?}"
        );
        let events = app
            .get(
                &format!("/v1/plans/{plan_id}/events?limit=200"),
                Some(&w.caseworker_a.token),
            )
            .await
            .value()["items"]
            .clone();
        assert!(events.as_array().unwrap().len() > 5);
        // The resident is gone for every practical purpose.
        app.post(
            "/v1/auth/login",
            None,
            &json!({"username": r.username, "password": RESIDENT_PIN}),
        )
        .await
        .assert_problem(401, "unauthorized");
        app.get(
            &format!("/v1/residents/{}", r.id),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_problem(404, "not_found");
        assert!(
            app.get("/v1/residents", Some(&w.caseworker_a.token))
                .await
                .value()["items"]
                .clone()
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["display_name"] != "")
        );
        // The erasure itself is in the audit log, pseudonymously.
        let audit = app
            .get("/v1/audit?limit=200", Some(&w.admin.token))
            .await
            .value()["items"]
            .clone();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "erase")
        );
    }
);

backend_test!(
    export_gives_a_resident_their_data_and_nobody_else_theirs,
    |app| {
        let w = app.world().await;
        app.post(
            "/v1/me/devices",
            Some(&w.resident_a.token),
            &json!({"token": "secret-fcm-token", "platform": "ios"}),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({}),
        )
        .await
        .assert_status(201);
        let export = app.get("/v1/me/export", Some(&w.resident_a.token)).await;
        export.assert_status(200);
        assert_eq!(export.header("cache-control"), Some("no-store"));
        let v = export.value();
        assert_eq!(v["account"]["display_name"], "Fatima");
        assert_eq!(v["account"]["login_name"], w.resident_a.username.as_str());
        assert!(v["plans"][0]["steps"].as_array().unwrap().len() >= 40);
        assert!(v["plans"][0]["events"].as_array().unwrap().len() > 1);
        assert_eq!(v["devices"][0]["platform"], "ios");
        assert!(
            !export.text().contains("secret-fcm-token"),
            "the push token is not handed out again"
        );
        assert!(
            !export.text().contains("Joris"),
            "nothing of another resident"
        );
        app.get("/v1/me/export", Some(&w.caseworker_a.token))
            .await
            .assert_problem(403, "forbidden");
    }
);

backend_test!(
    staff_access_is_audited_and_only_admins_read_the_log,
    |app| {
        let w = app.world().await;
        let reply = app
            .get(
                &format!("/v1/residents/{}", w.resident_a.id),
                Some(&w.caseworker_a.token),
            )
            .await;
        reply.assert_status(200);
        let request_id = reply.header("x-request-id").unwrap().to_owned();
        let log = app
            .get(
                &format!("/v1/audit?resident_id={}", w.resident_a.id),
                Some(&w.admin.token),
            )
            .await
            .value()["items"]
            .clone();
        let entry = log
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "read" && e["object_type"] == "resident")
            .unwrap()
            .clone();
        assert_eq!(entry["actor_id"], w.caseworker_a.id.as_str());
        assert_eq!(entry["request_id"], request_id.as_str());
        let by_actor = app
            .get(
                &format!("/v1/audit?actor_id={}", w.caseworker_b.id),
                Some(&w.admin.token),
            )
            .await
            .value()["items"]
            .clone();
        assert!(
            by_actor
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["resident_id"] != w.resident_a.id.as_str())
        );
        app.get("/v1/audit", Some(&w.caseworker_a.token))
            .await
            .assert_problem(403, "forbidden");
        // Authenticated answers are never cached; health checks may be.
        assert_eq!(
            app.get("/v1/me", Some(&w.resident_a.token))
                .await
                .header("cache-control"),
            Some("no-store")
        );
        assert_eq!(
            app.get("/health/live", None).await.header("cache-control"),
            None
        );
    }
);

mod retention {
    use super::*;

    async fn run(backend: Backend) {
        let Some(app) = spawn_app_with(backend, |s| {
            s.reminders_enabled = false;
            s.retention_after_close = std::time::Duration::from_millis(500);
        })
        .await
        else {
            return;
        };
        let w = app.world().await;
        let plan = app
            .post(
                &format!("/v1/residents/{}/plans", w.resident_a.id),
                Some(&w.caseworker_a.token),
                &json!({}),
            )
            .await
            .value();
        let plan_id = plan["id"].as_str().unwrap();
        // A running plan is never erased.
        let (pool, rules) = (app.state.pool.clone(), app.state.rules.clone());
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        actix_web::web::block(move || {
            stapvoorstap::scheduler::run_tick(&mut pool.get().unwrap(), &rules).unwrap()
        })
        .await
        .unwrap();
        app.get(
            &format!("/v1/residents/{}", w.resident_a.id),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_status(200);
        app.method_json(
            reqwest::Method::PATCH,
            &format!("/v1/plans/{plan_id}"),
            Some(&w.caseworker_a.token),
            &json!({"status": "dropped_out", "outflow_reason": "no_contact"}),
        )
        .await
        .assert_status(200);
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let (pool, rules) = (app.state.pool.clone(), app.state.rules.clone());
        let n = actix_web::web::block(move || {
            stapvoorstap::scheduler::run_tick(&mut pool.get().unwrap(), &rules).unwrap()
        })
        .await
        .unwrap();
        assert!(n >= 1);
        app.get(
            &format!("/v1/residents/{}", w.resident_a.id),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_problem(404, "not_found");
        let audit = app.get("/v1/audit", Some(&w.admin.token)).await.value()["items"].clone();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "erase" && e["actor_role"] == "system")
        );
        // Resident B, whose plan runs, is untouched.
        app.get(
            &format!("/v1/residents/{}", w.resident_b.id),
            Some(&w.caseworker_b.token),
        )
        .await
        .assert_status(200);
    }

    #[actix_web::test]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}

mod retention_queue {
    use super::*;

    /// A resident who came back (an old plan ended long ago, a new one runs) is never a
    /// retention candidate, so such residents cannot fill the batch and hold back others.
    async fn run(backend: Backend) {
        let Some(app) = spawn_app_with(backend, |s| {
            s.reminders_enabled = false;
        })
        .await
        else {
            return;
        };
        let w = app.world().await;
        let close = |resident: String, token: String| {
            let app = &app;
            async move {
                let plan = app
                    .post(
                        &format!("/v1/residents/{resident}/plans"),
                        Some(&token),
                        &json!({}),
                    )
                    .await
                    .value();
                app.method_json(
                    reqwest::Method::PATCH,
                    &format!("/v1/plans/{}", plan["id"].as_str().unwrap()),
                    Some(&token),
                    &json!({"status": "closed", "outflow_reason": "debt_arrangement"}),
                )
                .await
                .assert_status(200);
            }
        };
        // A's old plan ends first, then B's; then A starts again.
        close(w.resident_a.id.clone(), w.caseworker_a.token.clone()).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        close(w.resident_b.id.clone(), w.caseworker_b.token.clone()).await;
        app.post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({}),
        )
        .await
        .assert_status(201);
        let pool = app.state.pool.clone();
        let found = actix_web::web::block(move || {
            let cutoff = chrono::Utc::now().naive_utc() + chrono::Duration::hours(1);
            stapvoorstap::db::erasure::find_expired_residents(&mut pool.get().unwrap(), cutoff, 1)
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(found, vec![w.resident_b.id.clone()]);
    }

    #[actix_web::test]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}

/// Runs the real binary, walks a full scenario against it, and scans everything it logged.
#[actix_web::test]
async fn logs_hold_no_tokens_pins_passwords_or_step_texts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("logscan.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bin = env!("CARGO_BIN_EXE_stapvoorstap");
    let admin_password = "een zeer lang zinnetje 77";
    let status = std::process::Command::new(bin)
        .args(["create-admin", "--email", "log@example.org"])
        .env("DATABASE_URL", &db)
        .env("ADMIN_PASSWORD", admin_password)
        .env("DATA_DIR", dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let log_path = dir.path().join("server.log");
    let log_file = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .env("DATABASE_URL", &db)
        .env("DATA_DIR", dir.path())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "trace")
        .env("LOG_FORMAT", "json")
        .env("REMINDER_TICK", "1s")
        // No quiet hours: the default (21:00-08:00 local) would hold the push back and fail
        // this test whenever it runs in the evening or at night.
        .env("QUIET_HOURS", "00:00-00:00")
        .stderr(log_file)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut r = client.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let v: serde_json::Value = post(
        "/v1/auth/login",
        None,
        json!({"username": "log@example.org", "password": admin_password}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let admin = v["access_token"].as_str().unwrap().to_owned();
    let team: serde_json::Value = post("/v1/teams", Some(&admin), json!({"name": "Logteam"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team = team["id"].as_str().unwrap().to_owned();
    post("/v1/users", Some(&admin), json!({"email": "cw@example.org", "display_name": "Casper", "role": "caseworker", "discipline": "generalist", "team_ids": [team], "password": STAFF_PASSWORD})).await.unwrap();
    let v: serde_json::Value = post(
        "/v1/auth/login",
        None,
        json!({"username": "cw@example.org", "password": STAFF_PASSWORD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let cw = v["access_token"].as_str().unwrap().to_owned();
    let created: serde_json::Value = post(
        "/v1/residents",
        Some(&cw),
        json!({"display_name": "Loggina", "team_id": team}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let code = created["activation"]["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let rid = created["resident"]["id"].as_str().unwrap().to_owned();
    // A wrong PIN on the way: failures must not be logged with what was typed.
    post(
        "/v1/auth/activate",
        None,
        json!({"code": code, "pin": "12345"}),
    )
    .await
    .unwrap();
    let pin = "90417";
    let act: serde_json::Value = post("/v1/auth/activate", None, json!({"code": code, "pin": pin}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resident = act["access_token"].as_str().unwrap().to_owned();
    let refresh = act["refresh_token"].as_str().unwrap().to_owned();
    let plan: serde_json::Value = post(&format!("/v1/residents/{rid}/plans"), Some(&cw), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    post(
        "/v1/me/devices",
        Some(&resident),
        json!({"token": "fcm-token-in-logs?", "platform": "android"}),
    )
    .await
    .unwrap();
    let current: serde_json::Value = client
        .get(format!("{base}/v1/me/steps/current"))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let step = current["steps"][0]["id"].as_str().unwrap().to_owned();
    let title = current["steps"][0]["title"].as_str().unwrap().to_owned();
    post(
        &format!("/v1/me/steps/{step}/complete"),
        Some(&resident),
        json!({"note": "Notitie met geheimen"}),
    )
    .await
    .unwrap();
    post("/v1/auth/refresh", None, json!({"refresh_token": refresh}))
        .await
        .unwrap();
    post("/v1/auth/refresh", None, json!({"refresh_token": refresh}))
        .await
        .unwrap(); // reuse
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // a dispatch tick logs the push
    child.kill().unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("request finished"), "the scenario was logged");
    assert!(log.contains("push (log only"), "the push went to the log");
    let step_titles: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect();
    let mut secrets: Vec<&str> = vec![
        &admin,
        &cw,
        &resident,
        &refresh,
        pin,
        "12345",
        admin_password,
        STAFF_PASSWORD,
        &code,
        "fcm-token-in-logs",
        "Notitie met geheimen",
        &title,
    ];
    secrets.extend(step_titles.iter().map(String::as_str));
    for s in secrets {
        assert!(!log.contains(s), "the log contains {s:?}");
    }
}

backend_test!(
    an_erased_residents_old_token_gets_401_session_ended,
    |app| {
        let w = app.world().await;
        app.method_json(
            reqwest::Method::DELETE,
            &format!("/v1/residents/{}", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"reason": "verzoek inwoner"}),
        )
        .await
        .assert_status(204);
        // The access token is still signed and unexpired; the account behind it is gone.
        let prefs = json!({"enabled": false, "quiet_hours": "21:00-08:00", "daily_cap": 1, "weekly_cap": 1, "timezone": "Europe/Amsterdam"});
        app.method_json(
            reqwest::Method::PUT,
            "/v1/me/notification-preferences",
            Some(&w.resident_a.token),
            &prefs,
        )
        .await
        .assert_problem(401, "session_ended");
        app.post(
            "/v1/me/devices",
            Some(&w.resident_a.token),
            &json!({"token": "late-phone", "platform": "android"}),
        )
        .await
        .assert_problem(401, "session_ended");
        app.get("/v1/me", Some(&w.resident_a.token))
            .await
            .assert_problem(401, "session_ended");
    }
);
