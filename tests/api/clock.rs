//! The application's clock (issue 21): a virtual clock moves every time-based rule, over HTTP,
//! in the scheduler and in the dispatcher, without sleeping and without backdating rows.

use crate::helpers::{Backend, TestApp};
use crate::push::{dispatch, make_plan, push_app_on, register_device, reminders_of};
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use stapvoorstap::clock::Clock;

/// One scheduler tick on the application's clock.
async fn tick(app: &TestApp) {
    let pool = app.state.pool.clone();
    let rules = app.state.rules.clone();
    stapvoorstap::clock::block(&app.state.clock, move || {
        stapvoorstap::scheduler::run_tick(&mut pool.get().unwrap(), &rules).unwrap()
    })
    .await
    .unwrap();
}

async fn inactivity_pushes(fake: &crate::fake_fcm::FakeFcm) -> usize {
    fake.messages()
        .iter()
        .filter(|m| m["message"]["data"]["kind"] == "inactivity")
        .count()
}

/// Eight quiet days on a virtual clock: the resident's plan climbs the inactivity ladder, and
/// its nudge, queued in the night that Europe/Amsterdam moves to summer time, waits for the end
/// of the quiet hours in local time (08:00 CEST = 06:00 UTC, where the day before it was
/// 07:00 UTC).
async fn run_ladder_across_dst(backend: Backend) {
    // Saturday 20 March 2027, 01:30 UTC (02:30 in Amsterdam, inside the quiet hours).
    let start = Utc.with_ymd_and_hms(2027, 3, 20, 1, 30, 0).unwrap();
    let clock = Clock::virtual_at(start);
    let Some((app, fake, _dir)) = push_app_on(backend, clock.clone(), |s| {
        s.quiet_hours = (
            chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        );
    })
    .await
    else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-resident").await;
    let plan = make_plan(&app, &w, &w.resident_a, json!({})).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    // What the service stored is the virtual time, not the machine's.
    let created = chrono::DateTime::parse_from_rfc3339(plan["created_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(created, start, "{plan}");

    let stage = |token: String| {
        let app = &app;
        let resident = w.resident_a.id.clone();
        async move {
            let list = app.get("/v1/residents", Some(&token)).await.value()["items"].clone();
            list.as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == resident.as_str())
                .unwrap()["inactivity_stage"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    tick(&app).await;
    assert_eq!(stage(w.caseworker_a.token.clone()).await, "active");

    // Eight days pass on the virtual clock: Sunday 28 March, 01:30 UTC = 03:30 CEST.
    clock.advance(Duration::days(8)).unwrap();
    // The access tokens of a week ago have run out on this clock.
    app.get("/v1/me", Some(&w.caseworker_a.token))
        .await
        .assert_status(401);
    let caseworker = app
        .login(&w.caseworker_a.username, &w.caseworker_a.password)
        .await;
    tick(&app).await;
    assert_eq!(stage(caseworker.token.clone()).await, "nudge");
    dispatch(&app).await;
    assert_eq!(inactivity_pushes(&fake).await, 0, "quiet hours");
    let nudge = reminders_of(&app, &w.resident_a.id)
        .await
        .into_iter()
        .find(|r| r.kind == "inactivity" && r.plan_id.as_deref() == Some(plan_id.as_str()))
        .expect("an inactivity nudge is queued");
    assert_eq!(nudge.state, "pending");
    assert_eq!(
        stapvoorstap::db::utc(nudge.next_attempt_at),
        Utc.with_ymd_and_hms(2027, 3, 28, 6, 0, 0).unwrap(),
        "the nudge waits for 08:00 summer time"
    );
    clock
        .set(Utc.with_ymd_and_hms(2027, 3, 28, 5, 59, 0).unwrap())
        .unwrap();
    dispatch(&app).await;
    assert_eq!(
        inactivity_pushes(&fake).await,
        0,
        "still 07:59 in Amsterdam"
    );
    clock.advance(Duration::minutes(2)).unwrap();
    dispatch(&app).await;
    assert_eq!(inactivity_pushes(&fake).await, 1, "08:01 in Amsterdam");
}

#[actix_web::test]
async fn a_virtual_clock_drives_the_ladder_and_quiet_hours_across_dst_sqlite() {
    run_ladder_across_dst(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_virtual_clock_drives_the_ladder_and_quiet_hours_across_dst_postgres() {
    run_ladder_across_dst(Backend::Postgres).await;
}
