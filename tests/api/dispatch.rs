//! Delivery per device and leases that hold (issue 17, items 8 and 9): a resident with several
//! phones gets each reminder once per phone, a phone that failed is retried on its own, and
//! several dispatchers against one database with slow FCM answers (longer than the lease), or
//! one of them stopped abruptly mid-batch (in-process, and as a real process killed with
//! SIGKILL among three), lose nothing and never send twice except what the stopped one had
//! already started.

use crate::fake_fcm::{FakeFcm, Scripted};
use crate::helpers::{Backend, TestApp};
use crate::push::{
    dispatch, make_plan, push_app, register_device, reminders_of, seed_due_reminders_with,
};
use serde_json::json;
use stapvoorstap::db::notifications::{self, DeliveryRow, NotificationRow};
use stapvoorstap::push::dispatcher::{Dispatcher, Sender};
use stapvoorstap::push::fcm;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Sends per registration token, in arrival order.
fn sends_per_token(fake: &FakeFcm) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in fake.messages() {
        let token = m["message"]["token"].as_str().unwrap().to_owned();
        *out.entry(token).or_default() += 1;
    }
    out
}

async fn deliveries_of(app: &TestApp, reminder_id: &str) -> BTreeMap<String, DeliveryRow> {
    let pool = app.state.pool.clone();
    let id = reminder_id.to_owned();
    actix_web::web::block(move || {
        notifications::list_deliveries(&mut pool.get().unwrap(), &id).unwrap()
    })
    .await
    .unwrap()
    .into_iter()
    .map(|d| (d.device_id.clone(), d))
    .collect()
}

async fn new_step_reminder(app: &TestApp, user_id: &str) -> NotificationRow {
    reminders_of(app, user_id)
        .await
        .into_iter()
        .find(|r| r.kind == "new_step")
        .expect("a new_step reminder")
}

/// Makes a stored reminder due now (time passes without waiting).
async fn make_due(app: &TestApp, reminder_id: &str) {
    let pool = app.state.pool.clone();
    let id = reminder_id.to_owned();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::{notification_deliveries, notifications};
        let mut conn = pool.get().unwrap();
        let now = stapvoorstap::db::now();
        diesel::update(notifications::table.find(&id))
            .set(notifications::next_attempt_at.eq(now))
            .execute(&mut conn)
            .unwrap();
        diesel::update(
            notification_deliveries::table.filter(notification_deliveries::notification_id.eq(&id)),
        )
        .set(notification_deliveries::next_attempt_at.eq(now))
        .execute(&mut conn)
        .unwrap();
    })
    .await
    .unwrap();
}

const ITEMS: [&str; 2] = ["start.postplek", "start.post_openen"];

async fn run_each_phone_on_its_own(backend: Backend) {
    // A daily cap of 1: the retry to the second phone is the same reminder, not a new one.
    let Some((app, fake, _dir)) = push_app(backend, |s| {
        s.reminder_daily_cap = 1;
        s.dispatch_max_attempts = 2;
    })
    .await
    else {
        return;
    };
    let w = app.world().await;
    let r = &w.resident_a;
    let a = register_device(&app, r, "phone-a").await;
    let b = register_device(&app, r, "phone-b").await;
    let c = register_device(&app, r, "phone-c").await;
    let d = register_device(&app, r, "phone-d").await;
    // A accepts; B is unavailable once; C is gone; D stays unavailable (2 attempts at most).
    let unavailable = || Scripted::error(503, "UNAVAILABLE").retry_after(1);
    fake.script("phone-b", vec![unavailable()]);
    fake.script("phone-c", vec![Scripted::error(404, "UNREGISTERED")]);
    fake.script("phone-d", vec![unavailable(), unavailable()]);
    let plan = make_plan(&app, &w, r, json!({"items": ITEMS})).await;

    dispatch(&app).await;
    let first = BTreeMap::from([
        ("phone-a".to_owned(), 1),
        ("phone-b".to_owned(), 1),
        ("phone-c".to_owned(), 1),
        ("phone-d".to_owned(), 1),
    ]);
    assert_eq!(sends_per_token(&fake), first, "one push per phone");
    let row = new_step_reminder(&app, &r.id).await;
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("failed", 1),
        "B and D are still to be retried: {row:?}"
    );
    let reached = row
        .sent_at
        .expect("A has it: the reminder reached the resident");
    assert_eq!(row.last_error.as_deref(), Some("UNAVAILABLE"));
    let ds = deliveries_of(&app, &row.id).await;
    assert_eq!(ds[&a].state, "sent");
    assert_eq!((ds[&b].state.as_str(), ds[&b].attempts), ("failed", 1));
    assert_eq!((ds[&d].state.as_str(), ds[&d].attempts), ("failed", 1));
    assert!(!ds.contains_key(&c), "C's row went with the device");
    let devices = notifications::list_devices(&mut app.state.pool.get().unwrap(), &r.id).unwrap();
    assert_eq!(devices.len(), 3, "UNREGISTERED removed C");

    // Before the retry is due nothing goes out.
    dispatch(&app).await;
    assert_eq!(sends_per_token(&fake), first);

    tokio::time::sleep(Duration::from_millis(1300)).await;
    dispatch(&app).await;
    let second = BTreeMap::from([
        ("phone-a".to_owned(), 1),
        ("phone-b".to_owned(), 2),
        ("phone-c".to_owned(), 1),
        ("phone-d".to_owned(), 2),
    ]);
    assert_eq!(
        sends_per_token(&fake),
        second,
        "B and D once more each, A never again (and the daily cap did not hold B back)"
    );
    let row = new_step_reminder(&app, &r.id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2), "{row:?}");
    assert_eq!(row.sent_at, Some(reached), "reached when A accepted");
    let ds = deliveries_of(&app, &row.id).await;
    assert_eq!((ds[&a].state.as_str(), ds[&a].attempts), ("sent", 1));
    assert_eq!((ds[&b].state.as_str(), ds[&b].attempts), ("sent", 2));
    assert_eq!(
        (
            ds[&d].state.as_str(),
            ds[&d].attempts,
            ds[&d].last_error.as_deref()
        ),
        ("dead", 2, Some("UNAVAILABLE")),
        "D is given up after DISPATCH_MAX_ATTEMPTS"
    );
    // Nothing is left to do.
    make_due(&app, &row.id).await;
    dispatch(&app).await;
    assert_eq!(sends_per_token(&fake), second);
    // Staff see it as sent.
    let reminders = app
        .get(
            &format!("/v1/plans/{}/reminders", plan["id"].as_str().unwrap()),
            Some(&w.caseworker_a.token),
        )
        .await
        .value();
    assert!(
        reminders["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == row.id.as_str() && x["state"] == "sent"),
        "{reminders}"
    );
}

#[actix_web::test]
async fn each_phone_is_retried_on_its_own_sqlite() {
    run_each_phone_on_its_own(Backend::Sqlite).await;
}

#[actix_web::test]
async fn each_phone_is_retried_on_its_own_postgres() {
    run_each_phone_on_its_own(Backend::Postgres).await;
}

async fn run_removed_devices_and_erasure(backend: Backend) {
    let Some((app, fake, _dir)) = push_app(backend, |_| {}).await else {
        return;
    };
    let w = app.world().await;
    // Resident A: phone B fails with an hour's wait, then the resident removes phone B.
    let r = &w.resident_a;
    register_device(&app, r, "a-phone-1").await;
    let b = register_device(&app, r, "a-phone-2").await;
    fake.script(
        "a-phone-2",
        vec![Scripted::error(503, "UNAVAILABLE").retry_after(3600)],
    );
    make_plan(&app, &w, r, json!({"items": ITEMS})).await;
    dispatch(&app).await;
    let row = new_step_reminder(&app, &r.id).await;
    assert_eq!(row.state, "failed");
    assert_eq!(deliveries_of(&app, &row.id).await.len(), 2);
    app.send(
        app.client
            .delete(app.url(&format!("/v1/me/devices/{b}")))
            .bearer_auth(&r.token),
    )
    .await
    .assert_status(204);
    let ds = deliveries_of(&app, &row.id).await;
    assert!(
        !ds.contains_key(&b),
        "deleting a device deletes its deliveries"
    );
    // At its next attempt nothing is left to send: done, without a push.
    make_due(&app, &row.id).await;
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 2);
    let row = new_step_reminder(&app, &r.id).await;
    assert_eq!(row.state, "sent");

    // Resident B: erased while a retry to the second phone is pending.
    let r = &w.resident_b;
    register_device(&app, r, "b-phone-1").await;
    register_device(&app, r, "b-phone-2").await;
    fake.script(
        "b-phone-2",
        vec![Scripted::error(503, "UNAVAILABLE").retry_after(3600)],
    );
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", r.id),
            Some(&w.caseworker_b.token),
            &json!({"items": ITEMS}),
        )
        .await;
    reply.assert_status(201);
    dispatch(&app).await;
    let row = new_step_reminder(&app, &r.id).await;
    assert_eq!(
        (row.state.as_str(), deliveries_of(&app, &row.id).await.len()),
        ("failed", 2)
    );
    app.method_json(
        reqwest::Method::DELETE,
        &format!("/v1/residents/{}", r.id),
        Some(&w.caseworker_b.token),
        &json!({"reason": "verzoek inwoner"}),
    )
    .await
    .assert_status(204);
    assert!(
        deliveries_of(&app, &row.id).await.is_empty(),
        "erasure leaves no per-device trace"
    );
    let kept = {
        let pool = app.state.pool.clone();
        let id = row.id.clone();
        actix_web::web::block(move || {
            notifications::find_notification(&mut pool.get().unwrap(), &id).unwrap()
        })
        .await
        .unwrap()
        .expect("a reminder that reached a phone stays as a research count")
    };
    assert_eq!(kept.state, "sent");
    assert_ne!(kept.user_id, r.id, "under the pseudonym");
}

#[actix_web::test]
async fn removed_devices_and_erasure_clean_up_deliveries_sqlite() {
    run_removed_devices_and_erasure(Backend::Sqlite).await;
}

#[actix_web::test]
async fn removed_devices_and_erasure_clean_up_deliveries_postgres() {
    run_removed_devices_and_erasure(Backend::Postgres).await;
}

/// A dispatcher instance of its own (own FCM client whose `User-Agent` names it), as another
/// process would be, on the test app's database.
fn instance(app: &TestApp, fake: &FakeFcm, name: &str, lease: Duration) -> Dispatcher {
    let account = fcm::ServiceAccount::from_json(&fake.service_account_json()).unwrap();
    let http = reqwest::Client::builder().user_agent(name).build().unwrap();
    let client = fcm::FcmClient::new(account, &fake.base_url, http).unwrap();
    Dispatcher::new(
        app.state.pool.clone(),
        Sender::Fcm(std::sync::Arc::new(client)),
        app.state.rules.clone(),
        format!("{name}-{}", uuid::Uuid::new_v4().simple()),
        lease,
        5,
        8,
        8,
        None,
    )
}

/// 30 residents, every other one with a second phone: 45 (reminder, phone) pairs.
const RESIDENTS: usize = 30;
const PAIRS: usize = 45;
fn phones(i: usize) -> usize {
    1 + i % 2
}

/// Sends per (reminder, token), split by the instance that made them.
fn sends_by_pair(fake: &FakeFcm) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (agent, m) in fake.received() {
        let reminder = m["message"]["data"]["reminder_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = m["message"]["token"].as_str().unwrap().to_owned();
        out.entry((reminder, token)).or_default().push(agent);
    }
    out
}

async fn states(app: &TestApp) -> Vec<String> {
    let pool = app.state.pool.clone();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::notifications::dsl::*;
        notifications
            .select(state)
            .load::<String>(&mut pool.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap()
}

const LEASE: Duration = Duration::from_millis(1000);

async fn slow_push_app(backend: Backend) -> Option<(TestApp, FakeFcm, tempfile::TempDir)> {
    let (app, fake, dir) = push_app(backend, |s| s.db_pool_size = 20).await?;
    seed_due_reminders_with(&app, RESIDENTS, phones).await;
    // Every answer takes longer than the lease.
    fake.set_latency_between(Duration::from_millis(1100), Duration::from_millis(1600));
    Some((app, fake, dir))
}

async fn run_slow_fcm(backend: Backend) {
    let Some((app, fake, _dir)) = slow_push_app(backend).await else {
        return;
    };
    let (a, b, c) = (
        instance(&app, &fake, "instance-a", LEASE),
        instance(&app, &fake, "instance-b", LEASE),
        instance(&app, &fake, "instance-c", LEASE),
    );
    let started = Instant::now();
    let (ra, rb, rc) = tokio::join!(a.run_until_idle(), b.run_until_idle(), c.run_until_idle());
    assert_eq!(
        ra.unwrap() + rb.unwrap() + rc.unwrap(),
        RESIDENTS,
        "no claim was taken over: each reminder was claimed once"
    );
    let pairs = sends_by_pair(&fake);
    assert_eq!(pairs.len(), PAIRS, "every phone got its reminder");
    for (pair, agents) in &pairs {
        assert_eq!(agents.len(), 1, "{pair:?} sent by {agents:?}");
    }
    assert!(states(&app).await.iter().all(|s| s == "sent"));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[actix_web::test]
async fn slow_fcm_answers_never_cost_a_live_instance_its_claims_postgres() {
    run_slow_fcm(Backend::Postgres).await;
}

#[actix_web::test]
async fn slow_fcm_answers_never_cost_a_live_instance_its_claims_sqlite() {
    run_slow_fcm(Backend::Sqlite).await;
}

async fn run_killed_instance(backend: Backend) {
    let Some((app, fake, _dir)) = slow_push_app(backend).await else {
        return;
    };
    let tick = Duration::from_millis(100);
    let victim = actix_web::rt::spawn(instance(&app, &fake, "victim", LEASE).run_forever(tick));
    let survivors = [
        actix_web::rt::spawn(instance(&app, &fake, "survivor-1", LEASE).run_forever(tick)),
        actix_web::rt::spawn(instance(&app, &fake, "survivor-2", LEASE).run_forever(tick)),
    ];
    // Stop the victim abruptly while some of its sends are still waiting for FCM's answer.
    let deadline = Instant::now() + Duration::from_secs(20);
    let from_victim = || {
        fake.received()
            .iter()
            .filter(|(agent, _)| agent == "victim")
            .count()
    };
    while from_victim() < 3 {
        assert!(Instant::now() < deadline, "the victim never sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    victim.abort();
    // The survivors take over what the victim held once its leases run out.
    loop {
        let s = states(&app).await;
        if s.iter().all(|s| s == "sent") && sends_by_pair(&fake).len() == PAIRS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not everything was delivered: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for s in survivors {
        s.abort();
    }
    let pairs = sends_by_pair(&fake);
    assert_eq!(pairs.len(), PAIRS, "0 lost");
    let duplicates = repeats_only_of(&pairs, "victim");
    // Every victim send was started before it stopped (a request already handed to the
    // connection may arrive a moment later); only those can repeat.
    assert!(
        duplicates <= from_victim(),
        "{duplicates} > {}",
        from_victim()
    );
    assert!(
        duplicates >= 1,
        "the victim was stopped with sends in flight, so they were sent again"
    );
}

#[actix_web::test]
async fn killed_instance_loses_nothing_and_only_its_started_sends_repeat_postgres() {
    run_killed_instance(Backend::Postgres).await;
}

#[actix_web::test]
async fn killed_instance_loses_nothing_and_only_its_started_sends_repeat_sqlite() {
    run_killed_instance(Backend::Sqlite).await;
}

/// Checks the senders of each (reminder, phone) pair: the stopped instance `victim` sent a pair
/// at most once, the live ones at most once, and a pair went out twice only when one of the
/// two was the victim's. Returns how many pairs went out twice.
fn repeats_only_of(pairs: &BTreeMap<(String, String), Vec<String>>, victim: &str) -> usize {
    let mut duplicates = 0;
    for (pair, senders) in pairs {
        let by_victim = senders.iter().filter(|t| *t == victim).count();
        assert!(by_victim <= 1, "{pair:?}: {senders:?}");
        assert!(
            senders.len() - by_victim <= 1,
            "live instances never send a phone anything twice: {pair:?} {senders:?}"
        );
        if senders.len() > 1 {
            assert_eq!(
                by_victim, 1,
                "a repeat only of the stopped instance's sends"
            );
            duplicates += 1;
        }
    }
    duplicates
}

/// Processes of the real binary, killed (SIGKILL) when dropped.
struct Processes(Vec<std::process::Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `stapvoorstap serve` as its own process on the test app's database, dispatching to
/// the fake FCM with a short lease, its log in `dir`.
fn serve_process(
    app: &TestApp,
    account: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
) -> std::process::Child {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_stapvoorstap"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.settings.database_url.expose())
        .env("DATA_DIR", &data)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env(
            "JWT_SECRET",
            format!("kill-test-{}", uuid::Uuid::new_v4().simple()),
        )
        .env("FCM_SERVICE_ACCOUNT_FILE", account)
        .env("FCM_BASE_URL", app.settings.fcm_base_url.as_str())
        .env("REMINDERS_ENABLED", "true")
        .env("REMINDER_TICK", "100ms")
        .env("DISPATCH_LEASE", "1s")
        .env("DISPATCH_BATCH", "5")
        .env("QUIET_HOURS", "00:00-00:00")
        .env("REMINDER_DAILY_CAP", "24")
        .env("REMINDER_WEEKLY_CAP", "100")
        .env("DB_POOL_SIZE", "4")
        .env("HTTP_WORKERS", "1")
        .env("RUST_LOG", "warn")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start the binary")
}

/// Issue 17.9 with real processes: three instances of the binary dispatch one outbox with a
/// 1 s lease against an FCM whose answers take longer than the lease, some phones fail once;
/// one instance is killed with SIGKILL while its sends are in flight. Nothing is lost, the live
/// instances never send a phone anything twice, and the only repeats are of sends the killed
/// process had already made.
async fn run_killed_process(backend: Backend) {
    let Some((app, fake, dir)) = slow_push_app(backend).await else {
        return;
    };
    let account = dir.path().join("fcm-service-account.json");
    assert!(account.exists(), "push_app wrote the service account");
    // Faults: a few phones are unavailable once (FCM asks to retry after a second).
    for i in [1, 4, 7] {
        fake.script(
            &format!("bulk-token-{i}"),
            vec![Scripted::error(503, "UNAVAILABLE").retry_after(1)],
        );
    }
    let seeded: std::collections::BTreeSet<String> = {
        let pool = app.state.pool.clone();
        actix_web::web::block(move || {
            use diesel::prelude::*;
            use stapvoorstap::db::schema::notifications::dsl::*;
            notifications
                .select(id)
                .load::<String>(&mut pool.get().unwrap())
                .unwrap()
        })
        .await
        .unwrap()
        .into_iter()
        .collect()
    };
    assert_eq!(seeded.len(), RESIDENTS);

    let logs = tempfile::tempdir().unwrap();
    let mut processes = Processes(vec![serve_process(&app, &account, logs.path(), "victim")]);
    // The first access token the fake hands out is the victim's: the others start after it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.token_fetches() == 0 {
        assert!(
            Instant::now() < deadline,
            "the victim never asked for a token"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let victim_token = "fake-access-1";
    for name in ["survivor-1", "survivor-2"] {
        processes
            .0
            .push(serve_process(&app, &account, logs.path(), name));
    }
    let from_victim = || {
        fake.received_by_token()
            .iter()
            .filter(|(token, _, _)| token == victim_token)
            .count()
    };
    while from_victim() < 3 {
        assert!(Instant::now() < deadline, "the victim never sent");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // kill -9, while its sends wait for FCM's answer (1.1–1.6 s).
    processes.0[0].kill().unwrap();
    processes.0[0].wait().unwrap();

    let accepted_pairs = |fake: &FakeFcm| {
        let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (token, accepted, m) in fake.received_by_token() {
            let reminder = m["message"]["data"]["reminder_id"]
                .as_str()
                .unwrap()
                .to_owned();
            if accepted && seeded.contains(&reminder) {
                let phone = m["message"]["token"].as_str().unwrap().to_owned();
                out.entry((reminder, phone)).or_default().push(token);
            }
        }
        out
    };
    loop {
        let s = states(&app).await;
        if s.iter().all(|s| s == "sent") && accepted_pairs(&fake).len() == PAIRS {
            break;
        }
        if Instant::now() > deadline {
            for name in ["victim", "survivor-1", "survivor-2"] {
                let log = std::fs::read_to_string(logs.path().join(format!("{name}.log")));
                eprintln!("--- {name}\n{}", log.unwrap_or_default());
            }
            panic!("not everything was delivered: {s:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(processes);

    let pairs = accepted_pairs(&fake);
    assert_eq!(pairs.len(), PAIRS, "0 lost: every phone got its reminder");
    let tokens: std::collections::BTreeSet<&String> = pairs.values().flatten().collect();
    assert!(
        tokens.len() >= 2,
        "the survivors took part, with tokens of their own: {tokens:?}"
    );
    let duplicates = repeats_only_of(&pairs, victim_token);
    assert!(
        duplicates <= from_victim(),
        "{duplicates} > {}",
        from_victim()
    );
    assert!(
        duplicates >= 1,
        "the victim died with sends in flight, so those were sent again"
    );
    // The failed-once phones were each retried, by whoever held the reminder then.
    let sends_to = |phone: &str| {
        fake.received_by_token()
            .iter()
            .filter(|(_, _, m)| m["message"]["token"] == phone)
            .count()
    };
    for i in [1, 4, 7] {
        assert!(
            sends_to(&format!("bulk-token-{i}")) >= 2,
            "bulk-token-{i} retried"
        );
    }
}

#[actix_web::test]
async fn a_killed_process_among_three_loses_nothing_postgres() {
    run_killed_process(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_killed_process_among_three_loses_nothing_sqlite() {
    run_killed_process(Backend::Sqlite).await;
}
