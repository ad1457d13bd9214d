//! Staff e-mail against a real SMTP server (aiosmtpd, started by `.ci/run`): the crisis alert
//! and the daily digest reach the team's caseworkers once, in their language, with a link to
//! the console and without names beyond first names, step texts or debt details.
//!
//! The server writes what it receives into a Maildir (`TEST_SMTP_MAILDIR`); the tests read it
//! back. Without `TEST_SMTP_ADDR` they are skipped, unless `REQUIRE_SMTP_TESTS=1`.

use crate::backend_test;
use crate::helpers::{Backend, Login, STAFF_PASSWORD, TestApp, spawn_app_with};
use base64::Engine;
use chrono::TimeZone;
use serde_json::json;
use std::collections::BTreeMap;

/// A received message: headers (lower-case names) and the decoded body.
#[derive(Debug)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

fn smtp_server() -> Option<(String, u16, std::path::PathBuf)> {
    let required = std::env::var("REQUIRE_SMTP_TESTS").is_ok_and(|v| v == "1");
    let (Ok(addr), Ok(dir)) = (
        std::env::var("TEST_SMTP_ADDR"),
        std::env::var("TEST_SMTP_MAILDIR"),
    ) else {
        assert!(
            !required,
            "REQUIRE_SMTP_TESTS=1 but TEST_SMTP_ADDR/TEST_SMTP_MAILDIR are not set"
        );
        eprintln!("SKIPPED on SMTP: set TEST_SMTP_ADDR and TEST_SMTP_MAILDIR (aiosmtpd Mailbox)");
        return None;
    };
    let (host, port) = addr.rsplit_once(':').expect("TEST_SMTP_ADDR is host:port");
    if std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            !required,
            "REQUIRE_SMTP_TESTS=1 but no SMTP server answers at {addr}"
        );
        eprintln!("SKIPPED on SMTP: nothing listens at {addr}");
        return None;
    }
    Some((host.to_owned(), port.parse().expect("port"), dir.into()))
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = joined
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_message(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(name) = &last {
                let v: &mut String = headers.get_mut(name).unwrap();
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.insert(name.clone(), value.trim().to_owned());
            last = Some(name);
        }
    }
    let body = match headers
        .get("content-transfer-encoding")
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("base64") => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .expect("base64 body"),
        )
        .expect("utf-8 body"),
        Some("quoted-printable") => decode_qp(body),
        _ => body.to_owned(),
    };
    Received { headers, body }
}

/// Every message the server received for `address`.
fn mail_for(dir: &std::path::Path, address: &str) -> Vec<Received> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
            let m = parse_message(&raw);
            let to = m.headers.get("x-rcptto").or(m.headers.get("to"));
            if to.is_some_and(|t| t.contains(address)) {
                found.push(m);
            }
        }
    }
    found
}

async fn caseworker(
    app: &TestApp,
    admin: &Login,
    name: &str,
    lang: &str,
    team: &str,
) -> (Login, String) {
    let email = format!("cw-{}@example.org", uuid::Uuid::new_v4().simple());
    app.post(
        "/v1/users",
        Some(&admin.token),
        &json!({
            "email": email, "display_name": name, "role": "caseworker",
            "discipline": "generalist", "team_ids": [team], "password": STAFF_PASSWORD,
            "language": lang,
        }),
    )
    .await
    .assert_status(201);
    (app.login(&email, STAFF_PASSWORD).await, email)
}

async fn dispatch(app: &TestApp) -> usize {
    app.state.dispatcher.run_until_idle().await.unwrap()
}

async fn digest_at(app: &TestApp, local: chrono::NaiveDateTime) -> usize {
    let (pool, rules) = (app.state.pool.clone(), app.state.rules.clone());
    let now = chrono_tz::Europe::Amsterdam
        .from_local_datetime(&local)
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc);
    actix_web::web::block(move || {
        stapvoorstap::scheduler::run_digest_at(&mut pool.get().unwrap(), &rules, now).unwrap()
    })
    .await
    .unwrap()
}

/// Checks a mail carries nothing it must not: last names, resident names, step texts, money.
fn assert_generic(m: &Received, forbidden: &[String]) {
    let all = format!(
        "{}\n{}",
        m.headers.get("subject").cloned().unwrap_or_default(),
        m.body
    );
    for f in forbidden {
        assert!(!all.contains(f.as_str()), "mail contains {f:?}:\n{all}");
    }
    assert!(!all.contains('€') && !all.contains("EUR"), "{all}");
    assert!(
        all.contains("https://svs.example/console/"),
        "the console link: {all}"
    );
}

async fn run(backend: Backend) {
    let Some((host, port, maildir)) = smtp_server() else {
        return;
    };
    let Some(app) = spawn_app_with(backend, |s| {
        s.smtp_host = Some(host);
        s.smtp_port = Some(port);
        s.smtp_tls = stapvoorstap::config::SmtpTls::None;
        s.mail_from = "Stap voor Stap <noreply@svs.example>".into();
        s.public_url = Some("https://svs.example".into());
        // The test drives the scheduler and the dispatcher itself.
        s.reminders_enabled = false;
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Buurtteam West").await;
    let other = app.create_team(&admin, "Buurtteam Oost").await;
    let (anna, anna_mail) = caseworker(&app, &admin, "Anna Jansen", "nl", &team).await;
    let (_bob, bob_mail) = caseworker(&app, &admin, "Bob Visser", "en", &team).await;
    let (_carla, carla_mail) = caseworker(&app, &admin, "Carla Smit", "nl", &other).await;
    let resident = app.resident(&anna, &team, "Fatima Yilmaz").await;

    // A plan opens its crisis steps: the team hears at once, one e-mail each.
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", resident.id),
            Some(&anna.token),
            &json!({"intake": {"renter": true, "rent_arrears": true}}),
        )
        .await;
    plan.assert_status(201);
    let plan = plan.value();
    let mut forbidden: Vec<String> = ["Jansen", "Visser", "Smit", "Yilmaz", "Fatima"]
        .map(String::from)
        .to_vec();
    let en_plan = app
        .get(
            &format!("/v1/plans/{}", plan["id"].as_str().unwrap()),
            Some(&_bob.token),
        )
        .await
        .value();
    for steps in [&plan["steps"], &en_plan["steps"]] {
        for s in steps.as_array().unwrap() {
            forbidden.push(s["title"].as_str().unwrap().to_owned());
        }
    }
    assert!(dispatch(&app).await >= 2);
    let a = mail_for(&maildir, &anna_mail);
    assert_eq!(a.len(), 1, "one crisis e-mail for Anna: {a:?}");
    assert_eq!(a[0].headers["subject"], "Spoed bij een inwoner van je team");
    assert_eq!(
        a[0].headers.get("content-language").map(String::as_str),
        Some("nl")
    );
    assert!(a[0].headers["from"].contains("noreply@svs.example"));
    assert!(a[0].body.starts_with("Hoi Anna,"), "{}", a[0].body);
    assert!(a[0].body.contains("3 werkdagen"));
    assert_generic(&a[0], &forbidden);
    let b = mail_for(&maildir, &bob_mail);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].headers["subject"], "Urgent: a resident of your team");
    assert!(b[0].body.starts_with("Hi Bob,"), "{}", b[0].body);
    assert_generic(&b[0], &forbidden);
    assert!(
        mail_for(&maildir, &carla_mail).is_empty(),
        "another team hears nothing"
    );

    // A plan whose only crisis step is the check every plan starts with (is the health
    // insurance still running?) is no news: no e-mail of its own, the worklist carries it.
    let routine = app.resident(&anna, &team, "Daan Peters").await;
    forbidden.extend(["Daan", "Peters"].map(String::from));
    let plan2 = app
        .post(
            &format!("/v1/residents/{}/plans", routine.id),
            Some(&anna.token),
            &json!({"intake": {"renter": true}}),
        )
        .await;
    plan2.assert_status(201);
    assert!(
        plan2.value()["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["priority"] == "P0" && s["status"] == "open"),
        "the routine crisis check is open"
    );
    dispatch(&app).await;
    assert_eq!(
        mail_for(&maildir, &anna_mail).len(),
        1,
        "no second crisis e-mail"
    );
    assert_eq!(mail_for(&maildir, &bob_mail).len(), 1);

    // An appointment the resident has not confirmed yet is in the digest, as a count only:
    // neither the place nor the subject.
    let starts_at = (chrono::Utc::now() + chrono::Duration::hours(4)).to_rfc3339();
    let plan2_id = plan2.value()["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/plans/{plan2_id}/appointments"),
        Some(&anna.token),
        &json!({"starts_at": starts_at, "duration_minutes": 30, "kind": "office",
                "place": "Kaatstraat 12", "bring": "De brief van de deurwaarder"}),
    )
    .await
    .assert_status(201);
    forbidden.extend(["Kaatstraat", "deurwaarder"].map(String::from));

    // The digest: nothing before its time, then one row per caseworker for the day.
    let yesterday = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
        .pred_opt()
        .unwrap();
    let at = |h, m| yesterday.and_hms_opt(h, m, 0).unwrap();
    assert_eq!(digest_at(&app, at(7, 29)).await, 0, "before DIGEST_TIME");
    assert_eq!(digest_at(&app, at(7, 31)).await, 3, "Anna, Bob and Carla");
    assert_eq!(digest_at(&app, at(9, 0)).await, 0, "once a day");
    // Two instances dispatch at the same time: still one e-mail each.
    let second = stapvoorstap::startup::Application::build(app.settings.clone())
        .await
        .unwrap();
    let (x, y) = futures_util::join!(
        app.state.dispatcher.run_until_idle(),
        second.state.dispatcher.run_until_idle()
    );
    assert_eq!(x.unwrap() + y.unwrap(), 3);
    assert_eq!(digest_at(&app, at(12, 0)).await, 0);
    dispatch(&app).await;

    let a = mail_for(&maildir, &anna_mail);
    assert_eq!(a.len(), 2, "crisis and one digest: {a:?}");
    let d = a
        .iter()
        .find(|m| m.headers["subject"].starts_with("Je werklijst"))
        .unwrap();
    assert!(d.body.starts_with("Hoi Anna,"), "{}", d.body);
    assert!(
        d.body.contains("Spoed (binnen 3 werkdagen): "),
        "{}",
        d.body
    );
    // Later today (or after midnight when the test runs late): today's, else unconfirmed.
    assert!(
        d.body.contains("Afspraken vandaag: 1")
            || d.body.contains("Afspraken nog niet bevestigd: 1"),
        "{}",
        d.body
    );
    assert_generic(d, &forbidden);
    let b = mail_for(&maildir, &bob_mail);
    assert_eq!(b.len(), 2, "{b:?}");
    let d = b
        .iter()
        .find(|m| m.headers["subject"].starts_with("Your worklist"))
        .unwrap();
    assert!(
        d.body.contains("Crisis (within 3 working days): "),
        "{}",
        d.body
    );
    assert_eq!(
        d.headers.get("content-language").map(String::as_str),
        Some("en")
    );
    assert_generic(d, &forbidden);
    // Carla's worklist is empty: no digest.
    assert!(mail_for(&maildir, &carla_mail).is_empty());
}

#[actix_web::test]
async fn crisis_and_digest_mail_reach_the_team_once_sqlite() {
    run(Backend::Sqlite).await;
}

#[actix_web::test]
async fn crisis_and_digest_mail_reach_the_team_once_postgres() {
    run(Backend::Postgres).await;
}

backend_test!(without_smtp_no_mail_is_queued, |app| {
    let w = app.world().await;
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({}),
    )
    .await
    .assert_status(201);
    let pool = app.state.pool.clone();
    let rules = app.state.rules.clone();
    let (queued, digests) = actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::notifications as n;
        let mut conn = pool.get().unwrap();
        let evening = chrono::Utc::now() - chrono::Duration::hours(1);
        let digests = stapvoorstap::scheduler::run_digest_at(&mut conn, &rules, evening).unwrap();
        let queued: i64 = n::table
            .filter(n::kind.eq_any(["staff_digest", "staff_crisis_mail"]))
            .count()
            .get_result(&mut conn)
            .unwrap();
        (queued, digests)
    })
    .await
    .unwrap();
    assert_eq!((queued, digests), (0, 0));
});
