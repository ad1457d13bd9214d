//! Push reminders end to end: devices, preferences, the outbox, the dispatcher against a real
//! local FCM v1 server, error handling, deferral, cancellation, escalation, exactly-once.

use crate::backend_test;
use crate::fake_fcm::{FakeFcm, Scripted};
use crate::helpers::{Backend, Login, TestApp, World};
use serde_json::{Value, json};
use stapvoorstap::db::notifications::{self, NotificationRow};
use std::time::Duration;

/// An app whose pushes go to a fresh fake FCM. The background loop is off: tests drive the
/// scheduler and dispatcher themselves, so every assertion is deterministic. No quiet hours and
/// generous caps unless a test sets its own.
pub(crate) async fn push_app(
    backend: Backend,
    tweak: impl FnOnce(&mut stapvoorstap::config::Settings),
) -> Option<(TestApp, FakeFcm, tempfile::TempDir)> {
    push_app_on(backend, stapvoorstap::clock::Clock::system(), tweak).await
}

/// [`push_app`] on the given clock.
pub(crate) async fn push_app_on(
    backend: Backend,
    clock: stapvoorstap::clock::Clock,
    tweak: impl FnOnce(&mut stapvoorstap::config::Settings),
) -> Option<(TestApp, FakeFcm, tempfile::TempDir)> {
    let fake = FakeFcm::start().await;
    let dir = tempfile::tempdir().unwrap();
    let account = fake.write_service_account(dir.path());
    let base = fake.base_url.clone();
    let app = crate::helpers::spawn_app_on(backend, clock, |s| {
        s.fcm_service_account_file = Some(account);
        s.fcm_base_url = base;
        s.reminders_enabled = false;
        s.quiet_hours = (chrono::NaiveTime::MIN, chrono::NaiveTime::MIN);
        s.reminder_daily_cap = 24;
        s.reminder_weekly_cap = 100;
        tweak(s);
    })
    .await?;
    Some((app, fake, dir))
}

pub(crate) async fn register_device(app: &TestApp, who: &Login, token: &str) -> String {
    let reply = app.post("/v1/me/devices", Some(&who.token), &json!({"token": token, "platform": "android", "locale": "nl-NL", "app_version": "1.0.0"})).await;
    reply.assert_status(200);
    reply.value()["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn reminders_of(app: &TestApp, user_id: &str) -> Vec<NotificationRow> {
    let pool = app.state.pool.clone();
    let id = user_id.to_owned();
    actix_web::web::block(move || {
        notifications::list_for_user(&mut pool.get().unwrap(), &id).unwrap()
    })
    .await
    .unwrap()
}

pub(crate) async fn dispatch(app: &TestApp) -> usize {
    app.state.dispatcher.run_until_idle().await.unwrap()
}

pub(crate) async fn make_plan(app: &TestApp, w: &World, resident: &Login, body: Value) -> Value {
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", resident.id),
            Some(&w.caseworker_a.token),
            &body,
        )
        .await;
    reply.assert_status(201);
    reply.value()
}

/// Fixed lock-screen texts the service may send.
const ALLOWED_BODIES: &[&str] = &[
    "Je volgende stap staat klaar.",
    "Your next step is ready.",
    "Denk je aan je stap? De datum komt eraan.",
    "A step's date is coming up.",
    "Je stap staat nog open. Lukt het niet? Vraag gerust hulp.",
    "Your step is still open. Need a hand? Just ask.",
    "We denken aan je. Je volgende stap staat klaar.",
    "Thinking of you. Your next step is ready.",
    "Je wilde nu een stap doen. Succes!",
    "You planned to do a step now. Good luck!",
    "Goed bezig! Je hebt weer een stap gezet.",
    "Well done! Another step taken.",
    "Een inwoner is al even niet actief. Kijk op je werklijst.",
    "A resident has been inactive for a while. See your worklist.",
    "Er staat een spoedstap open. Kijk op je werklijst.",
    "An urgent step is open. See your worklist.",
    "Er is iets veranderd aan je account.",
    "Something changed in your account.",
    "Je hebt morgen een afspraak.",
    "You have an appointment tomorrow.",
    "Je hebt straks een afspraak.",
    "You have an appointment soon.",
];

/// Every message the fake received carries only allowed keys, fixed texts and opaque ids.
pub(crate) fn check_payloads(messages: &[Value], forbidden: &[&str]) {
    assert!(!messages.is_empty());
    for body in messages {
        let m = &body["message"];
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        for k in &keys {
            assert!(
                ["token", "notification", "data", "android", "apns"].contains(k),
                "unexpected key {k}: {m}"
            );
        }
        assert_eq!(m["notification"]["title"], "Stap voor Stap");
        let text = m["notification"]["body"].as_str().unwrap();
        assert!(ALLOWED_BODIES.contains(&text), "not a fixed text: {text}");
        for (k, v) in m["data"].as_object().unwrap() {
            assert!(
                ["kind", "reminder_id", "plan_id", "step_id"].contains(&k.as_str()),
                "data key {k}"
            );
            if k != "kind" {
                uuid::Uuid::parse_str(v.as_str().unwrap()).expect("data values are opaque ids");
            }
        }
        let id = m["data"]["reminder_id"].as_str().unwrap();
        assert_eq!(
            m["android"]["notification"]["tag"], id,
            "duplicates replace, not stack"
        );
        assert_eq!(m["android"]["collapse_key"], id);
        assert_eq!(m["android"]["notification"]["visibility"], "PRIVATE");
        assert!(m["android"]["ttl"].as_str().unwrap().ends_with('s'));
        assert_eq!(m["apns"]["headers"]["apns-collapse-id"], id);
        let whole = body.to_string().to_lowercase();
        for f in forbidden {
            assert!(
                !whole.contains(&f.to_lowercase()),
                "payload reveals {f:?}: {whole}"
            );
        }
    }
}

async fn run_new_step_push(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-resident-a").await;
    let plan = make_plan(&app, &w, &w.resident_a, json!({"intake": {"renter": true}})).await;
    assert!(dispatch(&app).await >= 1);
    let messages = fake.messages();
    assert_eq!(messages.len(), 1, "one open step, one push: {messages:?}");
    assert_eq!(messages[0]["message"]["token"], "token-resident-a");
    assert_eq!(messages[0]["message"]["data"]["kind"], "new_step");
    // No step title, no name, no debt words on the lock screen or in the data.
    let titles: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_owned())
        .collect();
    let mut forbidden: Vec<&str> = titles.iter().map(String::as_str).collect();
    forbidden.extend(["Fatima", "schuld", "huur", "zorgverzekering", "beslag"]);
    check_payloads(&messages, &forbidden);
    // The caseworker sees the reminder as sent; the OAuth token was fetched once.
    let reminders = app
        .get(
            &format!("/v1/plans/{}/reminders", plan["id"].as_str().unwrap()),
            Some(&w.caseworker_a.token),
        )
        .await
        .value()["items"]
        .clone();
    assert!(
        reminders
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "new_step" && r["state"] == "sent"),
        "{reminders}"
    );
    assert_eq!(fake.token_fetches(), 1);
    // Running the dispatcher again sends nothing twice.
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 1);
}

#[actix_web::test]
async fn new_step_push_is_private_and_sent_once_sqlite() {
    run_new_step_push(Backend::Sqlite).await;
}

#[actix_web::test]
async fn new_step_push_is_private_and_sent_once_postgres() {
    run_new_step_push(Backend::Postgres).await;
}

async fn run_error_classes(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    // One resident per error class, each with one scripted device.
    let cases: Vec<(&str, Scripted)> = vec![
        ("unregistered", Scripted::error(404, "UNREGISTERED")),
        ("mismatch", Scripted::error(403, "SENDER_ID_MISMATCH")),
        ("invalid", Scripted::error(400, "INVALID_ARGUMENT")),
        (
            "quota",
            Scripted::error(429, "QUOTA_EXCEEDED").retry_after(120),
        ),
        ("quota_no_hint", Scripted::error(429, "QUOTA_EXCEEDED")),
        (
            "unavailable",
            Scripted::error(503, "UNAVAILABLE").retry_after(1),
        ),
        ("internal", Scripted::error(500, "INTERNAL")),
    ];
    let mut residents = Vec::new();
    for (name, script) in &cases {
        let r = app.resident(&w.caseworker_a, &w.team_a, name).await;
        let token = format!("token-{name}");
        register_device(&app, &r, &token).await;
        fake.script(&token, vec![script.clone()]);
        make_plan(&app, &w, &r, json!({})).await;
        residents.push((name.to_string(), r));
    }
    let started = chrono::Utc::now().naive_utc();
    dispatch(&app).await;
    let mut by_name = std::collections::HashMap::new();
    for (name, r) in &residents {
        let rows = reminders_of(&app, &r.id).await;
        let row = rows
            .into_iter()
            .find(|n| n.kind == "new_step")
            .expect("a new_step reminder");
        let devices = {
            let pool = app.state.pool.clone();
            let id = r.id.clone();
            actix_web::web::block(move || {
                notifications::list_devices(&mut pool.get().unwrap(), &id).unwrap()
            })
            .await
            .unwrap()
        };
        by_name.insert(name.clone(), (row, devices.len()));
    }
    let (row, devices) = &by_name["unregistered"];
    assert_eq!(
        (row.state.as_str(), *devices),
        ("dead", 0),
        "UNREGISTERED removes the device"
    );
    let (row, devices) = &by_name["mismatch"];
    assert_eq!(
        (row.state.as_str(), *devices),
        ("dead", 0),
        "SENDER_ID_MISMATCH removes the device"
    );
    let (row, devices) = &by_name["invalid"];
    assert_eq!(
        (row.state.as_str(), *devices),
        ("dead", 1),
        "INVALID_ARGUMENT: dead, no retry, device kept"
    );
    assert_eq!(row.last_error.as_deref(), Some("INVALID_ARGUMENT"));
    let (row, _) = &by_name["quota"];
    assert_eq!(row.state, "failed");
    let wait = (row.next_attempt_at - started).num_seconds();
    assert!(
        (119..=125).contains(&wait),
        "429 honours Retry-After: {wait}"
    );
    let (row, _) = &by_name["quota_no_hint"];
    assert!(
        (row.next_attempt_at - started).num_seconds() >= 59,
        "429 waits at least 60 s"
    );
    let (row, _) = &by_name["internal"];
    assert_eq!(row.state, "failed");
    assert!(
        (row.next_attempt_at - started).num_seconds() >= 20,
        "500 backs off"
    );
    let (row, _) = &by_name["unavailable"];
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 1));
    // After the Retry-After second the 503 one is retried and delivered.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    dispatch(&app).await;
    let r = &residents
        .iter()
        .find(|(n, _)| n == "unavailable")
        .unwrap()
        .1;
    let row = reminders_of(&app, &r.id)
        .await
        .into_iter()
        .find(|n| n.kind == "new_step")
        .unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
    check_payloads(&fake.messages(), &[]);
}

#[actix_web::test]
async fn fcm_error_classes_sqlite() {
    run_error_classes(Backend::Sqlite).await;
}

#[actix_web::test]
async fn fcm_error_classes_postgres() {
    run_error_classes(Backend::Postgres).await;
}

async fn run_cancel_and_defer(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |s| s.reminder_daily_cap = 1).await else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-a").await;
    // No crisis items: crisis reminders would ignore the cap.
    let items = [
        "start.postplek",
        "start.post_openen",
        "start.id",
        "pap.meterstanden",
    ];
    make_plan(&app, &w, &w.resident_a, json!({"items": items})).await;
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let first = current["steps"][0]["id"].as_str().unwrap().to_owned();
    // Completing before the push went out cancels it.
    app.complete_my_step(&w.resident_a, &first)
        .await
        .assert_status(200);
    let rows = reminders_of(&app, &w.resident_a.id).await;
    let first_row = rows
        .iter()
        .find(|r| r.step_id.as_deref() == Some(first.as_str()))
        .unwrap();
    assert_eq!(first_row.state, "cancelled");
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 1, "only the next step's push");
    // The daily cap (1) is used: the next step's reminder is deferred to tomorrow, not dropped.
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let second = current["steps"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/me/steps/{second}/complete"),
        Some(&w.resident_a.token),
        &json!(null),
    )
    .await
    .assert_status(200);
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 1);
    let rows = reminders_of(&app, &w.resident_a.id).await;
    let deferred: Vec<&NotificationRow> = rows.iter().filter(|r| r.state == "pending").collect();
    // The next step's reminder and the milestone pushes ("first step", "half-way") all wait.
    assert!(deferred.iter().any(|r| r.kind == "new_step"), "{rows:?}");
    assert!(deferred.iter().any(|r| r.kind == "milestone"), "{rows:?}");
    let tz: chrono_tz::Tz = "Europe/Amsterdam".parse().unwrap();
    let local_now = chrono::Utc::now().with_timezone(&tz);
    for r in &deferred {
        let local_next = r.next_attempt_at.and_utc().with_timezone(&tz);
        assert!(
            local_next.date_naive() > local_now.date_naive(),
            "deferred to a later local day: {local_next}"
        );
        assert_eq!(r.attempts, 0, "a deferral is not an attempt");
    }

    // Quiet hours covering now defer a reminder for resident B until they end.
    register_device(&app, &w.resident_b, "token-b").await;
    let now_local = chrono::Utc::now().with_timezone(&tz).time();
    let start = now_local - chrono::Duration::hours(1);
    let end = now_local + chrono::Duration::hours(2);
    let quiet = format!("{}-{}", start.format("%H:%M"), end.format("%H:%M"));
    app.method_json(reqwest::Method::PUT, "/v1/me/notification-preferences", Some(&w.resident_b.token), &json!({"enabled": true, "quiet_hours": quiet, "daily_cap": 3, "weekly_cap": 10, "timezone": "Europe/Amsterdam"}))
        .await
        .assert_status(200);
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_b.id),
            Some(&w.caseworker_b.token),
            &json!({"items": items}),
        )
        .await;
    reply.assert_status(201);
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 1, "nothing during quiet hours");
    let rows = reminders_of(&app, &w.resident_b.id).await;
    let row = rows.iter().find(|r| r.kind == "new_step").unwrap();
    assert_eq!(row.state, "pending");
    let wait = (row.next_attempt_at - chrono::Utc::now().naive_utc()).num_minutes();
    assert!(
        (110..=121).contains(&wait),
        "deferred to the end of quiet hours, {wait} min"
    );
}

#[actix_web::test]
async fn completion_cancels_and_caps_and_quiet_hours_defer_sqlite() {
    run_cancel_and_defer(Backend::Sqlite).await;
}

#[actix_web::test]
async fn completion_cancels_and_caps_and_quiet_hours_defer_postgres() {
    run_cancel_and_defer(Backend::Postgres).await;
}

/// Time passes for a plan: its last activity moves `days` back and its check falls due now.
async fn set_idle(app: &TestApp, plan_id: &str, days: i64) {
    let pool = app.state.pool.clone();
    let id = plan_id.to_owned();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::plans;
        let now = stapvoorstap::db::now();
        diesel::update(plans::table.find(id))
            .set((
                plans::last_activity_at.eq(now - chrono::Duration::days(days)),
                plans::next_check_at.eq(now),
            ))
            .execute(&mut pool.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
}

/// One scheduler tick, without dispatching what it queued.
async fn tick_only(app: &TestApp) {
    let pool = app.state.pool.clone();
    let rules = app.state.rules.clone();
    actix_web::web::block(move || {
        stapvoorstap::scheduler::run_tick(&mut pool.get().unwrap(), &rules).unwrap()
    })
    .await
    .unwrap();
}

async fn run_escalation(backend: Backend) {
    // The real default ladder (7, 14, 21 days); time passes by moving the last activity back,
    // so the test does not depend on how fast the machine is.
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-resident").await;
    register_device(&app, &w.caseworker_a, "token-caseworker").await;
    let plan = make_plan(&app, &w, &w.resident_a, json!({})).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let idle_for = |days: i64| set_idle(&app, &plan_id, days);
    let tick = || async {
        tick_only(&app).await;
        dispatch(&app).await;
    };
    let stage = || async {
        let list = app
            .get("/v1/residents", Some(&w.caseworker_a.token))
            .await
            .value()["items"]
            .clone();
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == w.resident_a.id.as_str())
            .unwrap()
            .clone()
    };
    tick().await;
    assert_eq!(stage().await["inactivity_stage"], "active");
    idle_for(6).await;
    tick().await;
    assert_eq!(
        stage().await["inactivity_stage"],
        "active",
        "six days is not yet inactive"
    );
    idle_for(8).await;
    tick().await;
    assert_eq!(stage().await["inactivity_stage"], "nudge");
    let kinds: Vec<String> = fake
        .messages()
        .iter()
        .map(|m| m["message"]["data"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"inactivity".to_owned()), "{kinds:?}");
    // Running the rules again does not nudge twice.
    let nudges = kinds.iter().filter(|k| *k == "inactivity").count();
    idle_for(8).await;
    tick().await;
    let again = fake
        .messages()
        .iter()
        .filter(|m| m["message"]["data"]["kind"] == "inactivity")
        .count();
    assert_eq!(again, nudges, "one gentle nudge, no repeated nagging");
    idle_for(15).await;
    tick().await;
    let s = stage().await;
    assert_eq!(
        (
            s["inactivity_stage"].as_str(),
            s["needs_attention"].as_bool()
        ),
        (Some("escalated"), Some(true)),
        "{s}"
    );
    let to_caseworker: Vec<Value> = fake
        .messages()
        .into_iter()
        .filter(|m| m["message"]["token"] == "token-caseworker")
        .collect();
    assert!(
        to_caseworker
            .iter()
            .any(|m| m["message"]["data"]["kind"] == "caseworker_escalation"),
        "{to_caseworker:?}"
    );
    idle_for(22).await;
    tick().await;
    let s = stage().await;
    assert_eq!(s["dropout_risk"], true, "{s}");
    // At risk: the resident gets no more nudges; activity resets the ladder.
    let before = fake.messages().len();
    idle_for(30).await;
    tick().await;
    assert_eq!(fake.messages().len(), before);
    app.get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .assert_status(200);
    assert_eq!(stage().await["inactivity_stage"], "active");
    check_payloads(&fake.messages(), &["Fatima"]);
}

#[actix_web::test]
async fn inactivity_nudges_escalates_and_flags_dropout_risk_sqlite() {
    run_escalation(Backend::Sqlite).await;
}

#[actix_web::test]
async fn inactivity_nudges_escalates_and_flags_dropout_risk_postgres() {
    run_escalation(Backend::Postgres).await;
}

/// A completion while the inactivity nudge is still queued drops it (the plan is on the ladder);
/// a completion on an active plan has none to drop and leaves the rest alone.
async fn run_completion_drops_queued_nudge(backend: Backend) {
    let Some((app, _fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-resident").await;
    let plan = make_plan(&app, &w, &w.resident_a, json!({})).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    set_idle(&app, &plan_id, 8).await;
    tick_only(&app).await;
    let nudges = |rows: Vec<NotificationRow>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| r.kind == "inactivity")
            .map(|r| r.state)
            .collect()
    };
    assert_eq!(
        nudges(reminders_of(&app, &w.resident_a.id).await),
        ["pending"]
    );
    let complete = || async {
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let id = current["steps"][0]["id"].as_str().unwrap();
        app.complete_my_step(&w.resident_a, id)
            .await
            .assert_status(200);
    };
    // Reading the current step is activity too; complete before any read touches the plan.
    let id = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "open" && s["owner_type"] == "resident")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.complete_my_step(&w.resident_a, &id)
        .await
        .assert_status(200);
    assert_eq!(
        nudges(reminders_of(&app, &w.resident_a.id).await),
        ["cancelled"]
    );
    // Back on `active`: the next completion works and queues the next step's push as usual.
    complete().await;
    let rows = reminders_of(&app, &w.resident_a.id).await;
    assert_eq!(nudges(rows.clone()), ["cancelled"]);
    assert!(
        rows.iter()
            .any(|r| r.kind == "new_step" && r.state == "pending"),
        "{rows:?}"
    );
}

#[actix_web::test]
async fn completion_drops_queued_nudge_sqlite() {
    run_completion_drops_queued_nudge(Backend::Sqlite).await;
}

#[actix_web::test]
async fn completion_drops_queued_nudge_postgres() {
    run_completion_drops_queued_nudge(Backend::Postgres).await;
}

/// Inserts `n` due reminders for residents with one device each, straight into the outbox.
async fn seed_due_reminders(app: &TestApp, n: usize) {
    seed_due_reminders_with(app, n, |_| 1).await;
}

/// Inserts `n` due reminders straight into the outbox, for residents with `phones(i)` devices
/// each (tokens `bulk-token-{i}`, then `bulk-token-{i}-{k}`).
pub(crate) async fn seed_due_reminders_with(app: &TestApp, n: usize, phones: fn(usize) -> usize) {
    let pool = app.state.pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        let team = stapvoorstap::db::users::insert_team(
            &mut conn,
            &format!("Bulk {}", uuid::Uuid::new_v4()),
        )
        .unwrap();
        let now = stapvoorstap::db::now();
        for i in 0..n {
            let id = stapvoorstap::db::new_id();
            let login = format!("bulk{i}x{}", &id[30..]);
            stapvoorstap::db::users::insert_user(
                &mut conn,
                &stapvoorstap::db::users::NewUser {
                    id: &id,
                    role: "resident",
                    display_name: "Bulk",
                    email: None,
                    login_name: Some(&login),
                    discipline: None,
                    team_id: Some(&team.id),
                    language: "nl",
                    password_hash: None,
                    failed_logins: 0,
                    created_by: None,
                    created_at: now,
                    updated_at: now,
                },
            )
            .unwrap();
            for k in 0..phones(i) {
                let token = match k {
                    0 => format!("bulk-token-{i}"),
                    k => format!("bulk-token-{i}-{k}"),
                };
                notifications::upsert_device(&mut conn, &id, "s", &token, "android", None, None)
                    .unwrap();
            }
            notifications::enqueue(
                &mut conn,
                &notifications::NewReminder {
                    user_id: id.clone(),
                    plan_id: None,
                    step_id: None,
                    kind: "account",
                    crisis: false,
                    dedupe_key: format!("bulk:{i}"),
                    due_at: now,
                },
            )
            .unwrap();
        }
    })
    .await
    .unwrap();
}

fn dispatcher_for(
    app: &TestApp,
    fake: &FakeFcm,
    batch: u32,
    lease: Duration,
) -> stapvoorstap::push::dispatcher::Dispatcher {
    use stapvoorstap::push::{dispatcher, fcm};
    let account = fcm::ServiceAccount::from_json(&fake.service_account_json()).unwrap();
    let client = fcm::FcmClient::new(account, &fake.base_url, reqwest::Client::new()).unwrap();
    dispatcher::Dispatcher::new(
        app.state.pool.clone(),
        dispatcher::Sender::Fcm(std::sync::Arc::new(client)),
        app.state.rules.clone(),
        format!("test-{}", uuid::Uuid::new_v4().simple()),
        lease,
        batch,
        8,
        32,
        None,
    )
}

fn assert_each_once(fake: &FakeFcm, n: usize) {
    let messages = fake.messages();
    let mut ids: Vec<String> = messages
        .iter()
        .map(|m| {
            m["message"]["data"]["reminder_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "every reminder delivered");
    assert_eq!(messages.len(), n, "and none twice");
}

async fn run_three_dispatchers(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    seed_due_reminders(&app, 1000).await;
    let (a, b, c) = (
        dispatcher_for(&app, &fake, 50, Duration::from_secs(60)),
        dispatcher_for(&app, &fake, 50, Duration::from_secs(60)),
        dispatcher_for(&app, &fake, 50, Duration::from_secs(60)),
    );
    let (ra, rb, rc) = tokio::join!(a.run_until_idle(), b.run_until_idle(), c.run_until_idle());
    let claimed = ra.unwrap() + rb.unwrap() + rc.unwrap();
    assert_eq!(claimed, 1000, "claims never overlap");
    assert_each_once(&fake, 1000);
    let pool = app.state.pool.clone();
    let states: Vec<String> = actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::notifications::dsl::*;
        notifications
            .select(state)
            .load::<String>(&mut pool.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    assert!(states.iter().all(|s| s == "sent"));
}

#[actix_web::test]
async fn three_dispatchers_send_each_reminder_once_postgres() {
    run_three_dispatchers(Backend::Postgres).await;
}

#[actix_web::test]
async fn three_dispatchers_send_each_reminder_once_sqlite() {
    run_three_dispatchers(Backend::Sqlite).await;
}

async fn run_lease_takeover(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    seed_due_reminders(&app, 120).await;
    // Instance A claims a batch and "crashes": it never sends or records anything.
    let crashed = dispatcher_for(&app, &fake, 50, Duration::from_secs(3));
    let held = crashed.claim().await.unwrap();
    assert_eq!(held.rows.len(), 50);
    let survivor = dispatcher_for(&app, &fake, 50, Duration::from_secs(60));
    assert_eq!(
        survivor.run_until_idle().await.unwrap(),
        70,
        "A's claims are not taken while its lease holds"
    );
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(
        survivor.run_until_idle().await.unwrap(),
        50,
        "after the lease the survivor delivers them"
    );
    assert_each_once(&fake, 120);
}

#[actix_web::test]
async fn crashed_instance_claims_are_taken_over_postgres() {
    run_lease_takeover(Backend::Postgres).await;
}

#[actix_web::test]
async fn crashed_instance_claims_are_taken_over_sqlite() {
    run_lease_takeover(Backend::Sqlite).await;
}

backend_test!(devices_move_between_accounts_and_leave_with_logout, |app| {
    let w = app.world().await;
    let a = register_device(&app, &w.resident_a, "shared-phone").await;
    // The same phone signs in as resident B: the token moves.
    let b = register_device(&app, &w.resident_b, "shared-phone").await;
    assert_eq!(a, b);
    let pool = app.state.pool.clone();
    let (ida, idb) = (w.resident_a.id.clone(), w.resident_b.id.clone());
    let counts = actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        (
            notifications::list_devices(&mut c, &ida).unwrap().len(),
            notifications::list_devices(&mut c, &idb).unwrap().len(),
        )
    })
    .await
    .unwrap();
    assert_eq!(counts, (0, 1));
    // A cannot delete B's device; B can.
    app.send(
        app.client
            .delete(app.url(&format!("/v1/me/devices/{b}")))
            .bearer_auth(&w.resident_a.token),
    )
    .await
    .assert_problem(404, "not_found");
    app.send(
        app.client
            .delete(app.url(&format!("/v1/me/devices/{b}")))
            .bearer_auth(&w.resident_b.token),
    )
    .await
    .assert_status(204);
    // Logout removes the devices registered in that session.
    register_device(&app, &w.resident_a, "phone-a").await;
    app.post(
        "/v1/auth/logout",
        None,
        &json!({"refresh_token": w.resident_a.refresh}),
    )
    .await
    .assert_status(204);
    let pool = app.state.pool.clone();
    let ida = w.resident_a.id.clone();
    let left = actix_web::web::block(move || {
        notifications::list_devices(&mut pool.get().unwrap(), &ida)
            .unwrap()
            .len()
    })
    .await
    .unwrap();
    assert_eq!(left, 0);
    // Bad tokens and platforms are refused.
    app.post(
        "/v1/me/devices",
        Some(&w.resident_b.token),
        &json!({"token": "", "platform": "android"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        "/v1/me/devices",
        Some(&w.resident_b.token),
        &json!({"token": "x", "platform": "symbian"}),
    )
    .await
    .assert_problem(422, "validation_failed");
});

backend_test!(preferences_have_defaults_and_are_validated, |app| {
    let w = app.world().await;
    let p = app
        .get("/v1/me/notification-preferences", Some(&w.resident_a.token))
        .await
        .value();
    assert_eq!(
        p,
        json!({"enabled": true, "quiet_hours": "21:00-08:00", "daily_cap": 1, "weekly_cap": 3, "timezone": "Europe/Amsterdam"})
    );
    for (body, field) in [
        (
            json!({"enabled": true, "quiet_hours": "late", "daily_cap": 1, "weekly_cap": 3, "timezone": "Europe/Amsterdam"}),
            "quiet_hours",
        ),
        (
            json!({"enabled": true, "quiet_hours": "22:00-07:00", "daily_cap": 0, "weekly_cap": 3, "timezone": "Europe/Amsterdam"}),
            "daily_cap",
        ),
        (
            json!({"enabled": true, "quiet_hours": "22:00-07:00", "daily_cap": 1, "weekly_cap": 3, "timezone": "Mars/Olympus"}),
            "timezone",
        ),
    ] {
        let reply = app
            .method_json(
                reqwest::Method::PUT,
                "/v1/me/notification-preferences",
                Some(&w.resident_a.token),
                &body,
            )
            .await;
        assert_eq!(
            reply.assert_problem(422, "validation_failed")["errors"][0]["field"],
            field
        );
    }
    let new = json!({"enabled": false, "quiet_hours": "22:00-07:30", "daily_cap": 2, "weekly_cap": 5, "timezone": "Europe/London"});
    app.method_json(
        reqwest::Method::PUT,
        "/v1/me/notification-preferences",
        Some(&w.resident_a.token),
        &new,
    )
    .await
    .assert_status(200);
    assert_eq!(
        app.get("/v1/me/notification-preferences", Some(&w.resident_a.token))
            .await
            .value(),
        new
    );
});

backend_test!(first_preference_saves_at_once_all_succeed, |app| {
    // A phone that retries, or two of them: a resident's first saves arriving together must all
    // succeed (they once raced between an update that found nothing and an insert: 409).
    let w = app.world().await;
    for round in 0..3 {
        let resident = app
            .resident(&w.caseworker_a, &w.team_a, &format!("Gelijktijdig {round}"))
            .await;
        let bodies: Vec<_> = (1..=12)
            .map(|cap| json!({"enabled": true, "quiet_hours": "22:00-07:00", "daily_cap": cap, "weekly_cap": 20, "timezone": "Europe/Amsterdam"}))
            .collect();
        let saves = bodies.iter().map(|body| {
            app.method_json(
                reqwest::Method::PUT,
                "/v1/me/notification-preferences",
                Some(&resident.token),
                body,
            )
        });
        for reply in futures_util::future::join_all(saves).await {
            reply.assert_status(200);
        }
        let saved = app
            .get("/v1/me/notification-preferences", Some(&resident.token))
            .await
            .value();
        let cap = saved["daily_cap"].as_i64().expect("a daily cap");
        assert!((1..=12).contains(&cap), "one of the saves is kept: {saved}");
    }
});

async fn run_micro_randomisation(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-a").await;
    register_device(&app, &w.resident_b, "token-b").await;
    // Team A never sends at a decision point, team B always: the draws are logged either way.
    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/teams/{}", w.team_a),
        Some(&w.admin.token),
        &json!({"reminder_send_probability": 0.0}),
    )
    .await
    .assert_status(200);
    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/teams/{}", w.team_b),
        Some(&w.admin.token),
        &json!({"reminder_send_probability": 1.0}),
    )
    .await
    .assert_status(200);
    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/teams/{}", w.team_b),
        Some(&w.admin.token),
        &json!({"reminder_send_probability": 1.5}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let items = json!({"items": ["start.postplek", "start.post_openen"]});
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &items,
    )
    .await
    .assert_status(201);
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_b.id),
        Some(&w.caseworker_b.token),
        &items,
    )
    .await
    .assert_status(201);
    dispatch(&app).await;
    let a = reminders_of(&app, &w.resident_a.id).await;
    let b = reminders_of(&app, &w.resident_b.id).await;
    let a0 = a.iter().find(|r| r.kind == "new_step").unwrap();
    let b0 = b.iter().find(|r| r.kind == "new_step").unwrap();
    assert_eq!(
        (a0.state.as_str(), a0.mrt_probability, a0.mrt_send),
        ("cancelled", Some(0.0), Some(false))
    );
    assert_eq!(a0.last_error.as_deref(), Some("mrt_withheld"));
    assert_eq!(
        (b0.state.as_str(), b0.mrt_probability, b0.mrt_send),
        ("sent", Some(1.0), Some(true))
    );
    let tokens: Vec<String> = fake
        .messages()
        .iter()
        .map(|m| m["message"]["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens, vec!["token-b".to_owned()]);
    // The decision-level export: one row per decision point, pseudonymised.
    let rows = app
        .get("/v1/research/decisions", Some(&w.researcher.token))
        .await;
    rows.assert_status(200);
    let rows = rows.value()["items"].as_array().unwrap().clone();
    let point = |p: f64| {
        rows.iter()
            .find(|r| r["kind"] == "new_step" && r["probability"] == json!(p))
            .unwrap_or_else(|| panic!("a new_step decision at p = {p}: {rows:?}"))
            .clone()
    };
    let (pa, pb) = (point(0.0), point(1.0));
    assert_eq!(
        (pa["available"].clone(), pa["sent"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        (pb["available"].clone(), pb["sent"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(pa["day"], 0);
    assert!((0..24).contains(&pa["hour"].as_i64().unwrap()));
    assert_eq!(pa["unavailable_reason"], Value::Null);
    // The 4 and 24 hours after the decision have not passed: no outcome yet.
    assert_eq!(pa["completed_within_4h"], Value::Null);
    assert_eq!(pa["active_within_24h"], Value::Null);
    let text = rows_text(&rows);
    for secret in [&w.resident_a.id, &w.resident_b.id, &w.team_a, &w.team_b] {
        assert!(!text.contains(secret.as_str()), "no real ids in the export");
    }

    // A resident of the same team without a device: not available, nothing drawn.
    let c = app
        .resident(&w.caseworker_b, &w.team_b, "Zonder telefoon")
        .await;
    app.post(
        &format!("/v1/residents/{}/plans", c.id),
        Some(&w.caseworker_b.token),
        &items,
    )
    .await
    .assert_status(201);
    dispatch(&app).await;
    let rows = decisions(&app, &w.researcher).await;
    let none = rows
        .iter()
        .find(|r| r["unavailable_reason"] == "no_device")
        .unwrap_or_else(|| panic!("a decision without a device: {rows:?}"));
    assert_eq!(
        (
            none["available"].clone(),
            none["probability"].clone(),
            none["sent"].clone()
        ),
        (json!(false), Value::Null, Value::Null)
    );

    // Outcomes once their windows have passed: the decision 30 hours ago, a completion of the
    // resident's own step 2 hours after it.
    backdate_decisions_and_complete(&app, &w.resident_b).await;
    let rows = decisions(&app, &w.researcher).await;
    let pb = rows
        .iter()
        .find(|r| r["kind"] == "new_step" && r["probability"] == json!(1.0))
        .unwrap();
    assert_eq!(pb["completed_within_4h"], json!(true), "{pb}");
    assert_eq!(pb["completed_within_24h"], json!(true));
    assert_eq!(pb["active_within_24h"], json!(true));
    let pa = rows
        .iter()
        .find(|r| r["kind"] == "new_step" && r["probability"] == json!(0.0))
        .unwrap();
    assert_eq!(pa["completed_within_4h"], json!(false), "{pa}");
    assert_eq!(pa["completed_within_24h"], json!(false));
    // CSV: one header line and a line per row.
    let csv = app
        .client
        .get(app.url("/v1/research/decisions?limit=200"))
        .bearer_auth(&w.researcher.token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("decision,plan,arm,day,hour,kind,available,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), rows.len() + 1);
    // Only researchers.
    app.get("/v1/research/decisions", Some(&w.caseworker_a.token))
        .await
        .assert_problem(403, "forbidden");

    // Turned off again with null.
    let off = app
        .method_json(
            reqwest::Method::PATCH,
            &format!("/v1/teams/{}", w.team_a),
            Some(&w.admin.token),
            &json!({"reminder_send_probability": null}),
        )
        .await;
    assert_eq!(off.value()["reminder_send_probability"], Value::Null);
    // Research rows count the decision points.
    let rows = app
        .get("/v1/research/plans", Some(&w.researcher.token))
        .await
        .value()["items"]
        .clone();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["mrt_decisions"] == 1 && r["mrt_withheld"] == 1)
    );
}

/// Every decision row of the research export (one page of 200).
async fn decisions(app: &TestApp, researcher: &Login) -> Vec<Value> {
    app.get("/v1/research/decisions?limit=200", Some(&researcher.token))
        .await
        .value()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn rows_text(rows: &[Value]) -> String {
    serde_json::to_string(rows).unwrap()
}

/// Moves every decision point 30 hours back, and completes the resident's open step of their
/// own 28 hours ago (2 hours after those decisions).
async fn backdate_decisions_and_complete(app: &TestApp, resident: &Login) {
    use diesel::prelude::*;
    use stapvoorstap::db::schema::{mrt_decisions, plans, steps};
    let current = app
        .get("/v1/me/steps/current", Some(&resident.token))
        .await
        .value();
    let step = current["steps"][0]["id"].as_str().unwrap().to_owned();
    app.complete_my_step(resident, &step)
        .await
        .assert_status(200);
    let pool = app.state.pool.clone();
    let resident_id = resident.id.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().unwrap();
        let now = stapvoorstap::db::now();
        let plan: String = plans::table
            .filter(plans::resident_id.eq(&resident_id))
            .select(plans::id)
            .first(&mut conn)
            .unwrap();
        diesel::update(mrt_decisions::table)
            .set(mrt_decisions::decided_at.eq(now - chrono::Duration::hours(30)))
            .execute(&mut conn)
            .unwrap();
        diesel::update(steps::table.filter(steps::id.eq(&step)))
            .set(steps::completed_at.eq(now - chrono::Duration::hours(28)))
            .execute(&mut conn)
            .unwrap();
        // The completion's event too, so activity sees the same moment.
        diesel::update(
            stapvoorstap::db::schema::plan_events::table
                .filter(stapvoorstap::db::schema::plan_events::plan_id.eq(&plan))
                .filter(stapvoorstap::db::schema::plan_events::step_id.eq(&step)),
        )
        .set(
            stapvoorstap::db::schema::plan_events::occurred_at
                .eq(now - chrono::Duration::hours(28)),
        )
        .execute(&mut conn)
        .unwrap();
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn micro_randomised_reminders_log_every_draw_sqlite() {
    run_micro_randomisation(Backend::Sqlite).await;
}

#[actix_web::test]
async fn micro_randomised_reminders_log_every_draw_postgres() {
    run_micro_randomisation(Backend::Postgres).await;
}
