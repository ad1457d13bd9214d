//! Sessions end at once (issue 17.4) and writes are safe to retry (issue 16.7): the session
//! check on every request, activation and refresh retries, `Idempotency-Key` replay and pruning.

use crate::backend_test;
use crate::helpers::{Backend, Login, RESIDENT_PIN, Reply, TestApp, World, spawn_app_with};
use serde_json::{Value, json};
use std::time::Duration;

const CALM: [&str; 5] = [
    "start.postplek",
    "start.post_openen",
    "start.id",
    "pap.meterstanden",
    "pap.inkomen",
];

/// A plan for resident A; returns the id of their first current step.
async fn first_step(app: &TestApp, w: &World) -> String {
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({"items": CALM}),
    )
    .await
    .assert_status(201);
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    current["steps"][0]["id"].as_str().unwrap().to_owned()
}

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Reply {
    let mut req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if !body.is_null() {
        req = req.json(body);
    }
    app.send(req).await
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    app.post("/v1/auth/refresh", None, &json!({"refresh_token": token}))
        .await
}

fn replayed(r: &Reply) -> bool {
    r.header("idempotent-replayed") == Some("true")
}

// ---- Sessions end at once ----

backend_test!(a_disabled_volunteer_cannot_read_assigned_steps, |app| {
    let w = app.world().await;
    let step = first_step(&app, &w).await;
    app.send(
        app.client
            .patch(app.url(&format!("/v1/steps/{step}")))
            .bearer_auth(&w.caseworker_a.token)
            .header("If-Match", "*")
            .json(&json!({"owner": {"type": "volunteer", "user_id": w.volunteer.id}})),
    )
    .await
    .assert_status(200);
    let work = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await;
    work.assert_status(200);
    assert_eq!(work.value().as_array().unwrap().len(), 1);

    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/users/{}", w.volunteer.id),
        Some(&w.admin.token),
        &json!({"disabled": true}),
    )
    .await
    .assert_status(200);
    // The access token is signed and unexpired, but its session is over: at once.
    let v = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await
        .assert_problem(401, "session_ended");
    assert!(
        v["detail"].as_str().unwrap().contains("Log opnieuw in"),
        "Dutch by default: {v}"
    );
    app.post(
        &format!("/v1/steps/{step}/complete"),
        Some(&w.volunteer.token),
        &json!(null),
    )
    .await
    .assert_problem(401, "session_ended");
    let en = app
        .send(
            app.client
                .get(app.url("/v1/me"))
                .bearer_auth(&w.volunteer.token)
                .header("Accept-Language", "en-GB,en;q=0.9,nl;q=0.5"),
        )
        .await;
    let v = en.assert_problem(401, "session_ended");
    assert!(
        v["detail"].as_str().unwrap().contains("sign in again"),
        "{v}"
    );
    assert!(en.header("www-authenticate").is_some());
    // Other staff are not affected.
    app.get("/v1/me", Some(&w.caseworker_a.token))
        .await
        .assert_status(200);
});

backend_test!(logout_ends_that_session_but_not_another_device, |app| {
    let w = app.world().await;
    let phone = &w.resident_a;
    let tablet = app.login(&phone.username, RESIDENT_PIN).await;
    app.get("/v1/me", Some(&phone.token))
        .await
        .assert_status(200);
    app.post(
        "/v1/auth/logout",
        None,
        &json!({"refresh_token": phone.refresh}),
    )
    .await
    .assert_status(204);
    app.get("/v1/me/steps/current", Some(&phone.token))
        .await
        .assert_problem(401, "session_ended");
    app.get("/v1/me", Some(&tablet.token))
        .await
        .assert_status(200);
    // The other device can still refresh, and the new token works.
    let r = refresh(&app, &tablet.refresh).await;
    r.assert_status(200);
    let access = r.value()["access_token"].as_str().unwrap().to_owned();
    app.get("/v1/me", Some(&access)).await.assert_status(200);
});

backend_test!(a_pin_change_ends_the_other_sessions_at_once, |app| {
    let w = app.world().await;
    let here = &w.resident_a;
    let elsewhere = app.login(&here.username, RESIDENT_PIN).await;
    app.method_json(
        reqwest::Method::PUT,
        "/v1/me/password",
        Some(&here.token),
        &json!({"current_password": RESIDENT_PIN, "new_password": "90441"}),
    )
    .await
    .assert_status(204);
    app.get("/v1/me", Some(&elsewhere.token))
        .await
        .assert_problem(401, "session_ended");
    // The device that made the change stays signed in.
    app.get("/v1/me", Some(&here.token))
        .await
        .assert_status(200);
});

backend_test!(a_new_activation_code_ends_every_session, |app| {
    let w = app.world().await;
    app.post(
        &format!("/v1/residents/{}/activation-code", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!(null),
    )
    .await
    .assert_status(201);
    app.get("/v1/me", Some(&w.resident_a.token))
        .await
        .assert_problem(401, "session_ended");
    app.get("/v1/me", Some(&w.resident_b.token))
        .await
        .assert_status(200);
});

// The session check is one SQL statement: counted with diesel's instrumentation on a real
// connection of the service's pool (both backends).
backend_test!(the_session_check_is_one_statement, |app| {
    let w = app.world().await;
    let pool = app.state.pool.clone();
    let (id, session) = (w.resident_a.id.clone(), session_of(&w.resident_a.token));
    let (live, statements) = actix_web::web::block(move || {
        use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Count(Arc<AtomicUsize>);
        impl Instrumentation for Count {
            fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
                if let InstrumentationEvent::StartQuery { .. } = event {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        let mut conn = pool.get().unwrap();
        let n = Arc::new(AtomicUsize::new(0));
        conn.set_instrumentation(Count(n.clone()));
        let live = stapvoorstap::db::tokens::session_is_live(&mut conn, &id, "resident", &session)
            .unwrap();
        let wrong_role =
            stapvoorstap::db::tokens::session_is_live(&mut conn, &id, "admin", &session).unwrap();
        assert!(!wrong_role);
        conn.set_instrumentation(diesel::connection::get_default_instrumentation());
        (live, n.load(Ordering::SeqCst))
    })
    .await
    .unwrap();
    assert!(live);
    assert_eq!(statements, 2, "one statement per check");
});

fn session_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

// ---- Activation and refresh retries ----

backend_test!(an_activation_retried_after_a_lost_answer_signs_in, |app| {
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Team").await;
    let cw = app.staff(&admin, "caseworker", &[&team]).await;
    let (_, _, code) = app.register_resident(&cw, &team, "Ayse").await;
    let body = json!({"code": code, "pin": RESIDENT_PIN});
    // The first answer is "lost": the phone never reads it.
    app.post("/v1/auth/activate", None, &body)
        .await
        .assert_status(200);
    let again = app.post("/v1/auth/activate", None, &body).await;
    again.assert_status(200);
    let token = again.value()["access_token"].as_str().unwrap().to_owned();
    app.get("/v1/me", Some(&token)).await.assert_status(200);
    // A different PIN after use is refused, and counts as a wrong attempt.
    app.post(
        "/v1/auth/activate",
        None,
        &json!({"code": code, "pin": "90441"}),
    )
    .await
    .assert_problem(401, "unauthorized");
    // A replaced code never works again, not even with the right PIN.
    let resident = again.value()["user"]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/residents/{resident}/activation-code"),
        Some(&cw.token),
        &json!(null),
    )
    .await
    .assert_status(201);
    app.post("/v1/auth/activate", None, &body)
        .await
        .assert_problem(401, "unauthorized");
});

async fn activation_retry_window_ends(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.activation_retry_window = Duration::from_secs(1);
    })
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Team").await;
    let cw = app.staff(&admin, "caseworker", &[&team]).await;
    let (_, _, code) = app.register_resident(&cw, &team, "Lukasz").await;
    let body = json!({"code": code, "pin": RESIDENT_PIN});
    app.post("/v1/auth/activate", None, &body)
        .await
        .assert_status(200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    app.post("/v1/auth/activate", None, &body)
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn activation_retry_window_ends_sqlite() {
    activation_retry_window_ends(Backend::Sqlite).await;
}

#[actix_web::test]
async fn activation_retry_window_ends_postgres() {
    activation_retry_window_ends(Backend::Postgres).await;
}

backend_test!(
    a_refresh_retried_within_the_grace_gets_the_same_pair,
    |app| {
        let w = app.world().await;
        let old = w.resident_a.refresh.clone();
        let first = refresh(&app, &old).await;
        first.assert_status(200);
        let retry = refresh(&app, &old).await;
        retry.assert_status(200);
        let (a, b) = (first.value(), retry.value());
        assert_eq!(a["access_token"], b["access_token"], "same access token");
        assert_eq!(a["refresh_token"], b["refresh_token"], "same refresh token");
        assert_ne!(a["refresh_token"], json!(old));
        let access = b["access_token"].as_str().unwrap().to_owned();
        app.get("/v1/me", Some(&access)).await.assert_status(200);
        // The phone moves on with the new token ...
        let next = refresh(&app, b["refresh_token"].as_str().unwrap()).await;
        next.assert_status(200);
        let newest = next.value()["refresh_token"].as_str().unwrap().to_owned();
        // ... so the old one presented now is reuse, even within the grace: the family ends.
        refresh(&app, &old)
            .await
            .assert_problem(401, "unauthorized");
        refresh(&app, &newest)
            .await
            .assert_problem(401, "unauthorized");
        app.get("/v1/me", Some(&access))
            .await
            .assert_problem(401, "session_ended");
    }
);

async fn refresh_reuse_after_the_grace_ends_the_family(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.refresh_reuse_grace = Duration::from_secs(1);
    })
    .await
    else {
        return;
    };
    let w = app.world().await;
    let old = w.resident_a.refresh.clone();
    let first = refresh(&app, &old).await;
    first.assert_status(200);
    let v = first.value();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    refresh(&app, &old)
        .await
        .assert_problem(401, "unauthorized");
    // The successor, never used, died with its family; so did its access token.
    refresh(&app, v["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "unauthorized");
    app.get("/v1/me", Some(v["access_token"].as_str().unwrap()))
        .await
        .assert_problem(401, "session_ended");
}

#[actix_web::test]
async fn refresh_reuse_after_the_grace_ends_the_family_sqlite() {
    refresh_reuse_after_the_grace_ends_the_family(Backend::Sqlite).await;
}

#[actix_web::test]
async fn refresh_reuse_after_the_grace_ends_the_family_postgres() {
    refresh_reuse_after_the_grace_ends_the_family(Backend::Postgres).await;
}

// ---- Idempotency-Key ----

backend_test!(resident_writes_replay_with_the_same_key, |app| {
    let w = app.world().await;
    let r: &Login = &w.resident_a;
    let step = first_step(&app, &w).await;

    // Help: the same key answers the same body again, marked as replayed.
    let help = format!("/v1/me/steps/{step}/help");
    let a = post_keyed(&app, &help, &r.token, "help-1", &json!(null)).await;
    a.assert_status(200);
    assert!(!replayed(&a));
    let b = post_keyed(&app, &help, &r.token, "help-1", &json!(null)).await;
    b.assert_status(200);
    assert!(replayed(&b), "{:?}", b.headers);
    assert_eq!(a.body, b.body);

    // Device registration.
    let dev = json!({"token": "fcm-token-1", "platform": "android"});
    let a = post_keyed(&app, "/v1/me/devices", &r.token, "dev-1", &dev).await;
    a.assert_status(200);
    let b = post_keyed(&app, "/v1/me/devices", &r.token, "dev-1", &dev).await;
    assert!(replayed(&b));
    assert_eq!(a.value()["id"], b.value()["id"]);
    // Same key, another body: refused, nothing written.
    let other = json!({"token": "fcm-token-2", "platform": "ios"});
    post_keyed(&app, "/v1/me/devices", &r.token, "dev-1", &other)
        .await
        .assert_problem(409, "idempotency_key_reused");
    // Same key on another path: refused too.
    post_keyed(&app, &help, &r.token, "dev-1", &json!(null))
        .await
        .assert_problem(409, "idempotency_key_reused");
    // Keys are per user: another resident's identical key is their own.
    let c = post_keyed(&app, "/v1/me/devices", &w.resident_b.token, "dev-1", &dev).await;
    c.assert_status(200);
    assert!(!replayed(&c));

    // Snooze (a state change that would be refused the second time without the key).
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    let snooze = format!("/v1/me/steps/{step}/snooze");
    let body = json!({"reason": "waiting_for_post", "until": until});
    let a = post_keyed(&app, &snooze, &r.token, "snooze-1", &body).await;
    a.assert_status(200);
    let b = post_keyed(&app, &snooze, &r.token, "snooze-1", &body).await;
    b.assert_status(200);
    assert!(replayed(&b));
    assert_eq!(a.body, b.body);
    app.post(&snooze, Some(&r.token), &body)
        .await
        .assert_problem(409, "step_not_open");

    // The alliance question: 204 twice with the key, 409 without it.
    let a = post_keyed(
        &app,
        "/v1/me/alliance",
        &r.token,
        "al-1",
        &json!({"score": 4}),
    )
    .await;
    a.assert_status(204);
    let b = post_keyed(
        &app,
        "/v1/me/alliance",
        &r.token,
        "al-1",
        &json!({"score": 4}),
    )
    .await;
    b.assert_status(204);
    assert!(replayed(&b));
    app.post("/v1/me/alliance", Some(&r.token), &json!({"score": 4}))
        .await
        .assert_problem(409, "already_answered");

    // Preferences (PUT) and a bad key.
    let prefs = json!({"enabled": true, "quiet_hours": "22:00-08:00", "daily_cap": 1, "weekly_cap": 3, "timezone": "Europe/Amsterdam"});
    let put = |key: &'static str| {
        app.send(
            app.client
                .put(app.url("/v1/me/notification-preferences"))
                .bearer_auth(&r.token)
                .header("Idempotency-Key", key)
                .json(&prefs),
        )
    };
    put("prefs-1").await.assert_status(200);
    assert!(replayed(&put("prefs-1").await));
    put("").await.assert_problem(422, "validation_failed");
    let long: &'static str = Box::leak("k".repeat(101).into_boxed_str());
    put(long).await.assert_problem(422, "validation_failed");
});

backend_test!(staff_completion_replays_with_the_same_key, |app| {
    let w = app.world().await;
    let step = first_step(&app, &w).await;
    let path = format!("/v1/steps/{step}/complete");
    let body = json!({"note": "samen gedaan"});
    let a = post_keyed(&app, &path, &w.caseworker_a.token, "cw-1", &body).await;
    a.assert_status(200);
    let b = post_keyed(&app, &path, &w.caseworker_a.token, "cw-1", &body).await;
    b.assert_status(200);
    assert!(replayed(&b));
    assert_eq!(a.body, b.body);
    assert!(a.header("etag").is_some());
    assert_eq!(
        a.header("etag"),
        b.header("etag"),
        "the ETag is replayed too"
    );
    // Without the key the step is simply done already.
    app.post(&path, Some(&w.caseworker_a.token), &body)
        .await
        .assert_problem(409, "step_not_open");
    // A different note under the same key is another request.
    post_keyed(
        &app,
        &path,
        &w.caseworker_a.token,
        "cw-1",
        &json!({"note": "anders"}),
    )
    .await
    .assert_problem(409, "idempotency_key_reused");
});

backend_test!(stored_answers_are_pruned_after_the_ttl, |app| {
    let w = app.world().await;
    let r = &w.resident_a;
    let dev = json!({"token": "fcm-token-prune", "platform": "android"});
    post_keyed(&app, "/v1/me/devices", &r.token, "old-key", &dev)
        .await
        .assert_status(200);
    post_keyed(&app, "/v1/me/devices", &r.token, "new-key", &dev)
        .await
        .assert_status(200);
    let pool = app.state.pool.clone();
    let rules = app.state.rules.clone();
    let user = r.id.clone();
    let left = actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::idempotency_keys;
        let mut conn = pool.get().unwrap();
        // Age one answer past the 24 h default.
        let old = stapvoorstap::db::now() - chrono::Duration::hours(25);
        diesel::update(
            idempotency_keys::table
                .filter(idempotency_keys::user_id.eq(&user))
                .filter(idempotency_keys::key.eq("old-key")),
        )
        .set(idempotency_keys::created_at.eq(old))
        .execute(&mut *conn)
        .unwrap();
        stapvoorstap::scheduler::run_tick(&mut conn, &rules).unwrap();
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(&user))
            .select(idempotency_keys::key)
            .load::<String>(&mut *conn)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(left, vec!["new-key".to_owned()]);
    // The pruned key is new again: the write runs (not replayed).
    let again = post_keyed(&app, "/v1/me/devices", &r.token, "old-key", &dev).await;
    again.assert_status(200);
    assert!(!replayed(&again));
    assert!(replayed(
        &post_keyed(&app, "/v1/me/devices", &r.token, "new-key", &dev).await
    ));
});
