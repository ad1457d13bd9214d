//! Appointments: planning, moving, cancelling and recording by the caseworker; the resident's
//! list, "ik kom", move requests and the calendar file; reminders; team and resident
//! boundaries; validation.

use crate::backend_test;
use crate::helpers::{Login, TestApp};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{Value, json};

async fn make_plan(app: &TestApp, caseworker: &Login, resident: &Login) -> String {
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", resident.id),
            Some(&caseworker.token),
            &json!({"intake": {"renter": true}}),
        )
        .await;
    reply.assert_status(201);
    reply.value()["id"].as_str().unwrap().to_owned()
}

/// A start `days` ahead at 10:30 Amsterdam time, as RFC 3339 with its offset.
fn start_in(days: i64) -> String {
    let day = (Utc::now() + Duration::days(days))
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    let local = day.and_hms_opt(10, 30, 0).unwrap();
    use chrono::TimeZone;
    chrono_tz::Europe::Amsterdam
        .from_local_datetime(&local)
        .single()
        .unwrap()
        .to_rfc3339()
}

async fn plan_appointment(app: &TestApp, caseworker: &Login, plan_id: &str, body: Value) -> Value {
    let reply = app
        .post(
            &format!("/v1/plans/{plan_id}/appointments"),
            Some(&caseworker.token),
            &body,
        )
        .await;
    reply.assert_status(201);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    reply.value()
}

async fn reminders(app: &TestApp, caseworker: &Login, plan_id: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/v1/plans/{plan_id}/reminders?limit=200"),
            Some(&caseworker.token),
        )
        .await;
    reply.assert_status(200);
    reply.value()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"].as_str().unwrap().starts_with("appointment_"))
        .cloned()
        .collect()
}

fn states(rs: &[Value], state: &str) -> usize {
    rs.iter().filter(|r| r["state"] == state).count()
}

async fn event_kinds(app: &TestApp, caseworker: &Login, plan_id: &str) -> Vec<String> {
    let v = app
        .get(
            &format!("/v1/plans/{plan_id}/events?limit=200"),
            Some(&caseworker.token),
        )
        .await
        .value();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Moves an appointment's start into the past (the API refuses past starts).
async fn start_in_past(app: &TestApp, id: &str, hours: i64) {
    let pool = app.state.pool.clone();
    let id = id.to_owned();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::appointments;
        diesel::update(appointments::table.find(id))
            .set(appointments::starts_at.eq(stapvoorstap::db::now() - Duration::hours(hours)))
            .execute(&mut pool.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
}

backend_test!(a_caseworker_plans_moves_and_cancels_with_reminders, |app| {
    let w = app.world().await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let start = start_in(5);
    let a = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({
            "starts_at": start,
            "duration_minutes": 45,
            "kind": "office",
            "place": "Buurtteam Noord, Kaatstraat 12",
            "with_user_id": w.caseworker_a.id,
            "bring": "Je loonstrook\nen de brief van de verhuurder",
        }),
    )
    .await;
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["status"], "planned");
    assert_eq!(a["kind"], "office");
    // The start comes back in the resident's zone, with its offset, as the same instant.
    let got: DateTime<FixedOffset> = a["starts_at"].as_str().unwrap().parse().unwrap();
    let sent: DateTime<FixedOffset> = start.parse().unwrap();
    assert_eq!(got, sent);
    assert_eq!(got.offset(), sent.offset(), "{}", a["starts_at"]);
    let ends: DateTime<FixedOffset> = a["ends_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(ends - got, Duration::minutes(45));
    assert_eq!(a["bring"], "Je loonstrook\nen de brief van de verhuurder");

    // Two reminders: the evening before and two hours before.
    let rs = reminders(&app, &w.caseworker_a, &plan_id).await;
    let mut kinds: Vec<&str> = rs.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["appointment_day_before", "appointment_soon"]);
    assert_eq!(states(&rs, "pending"), 2);
    let soon = rs.iter().find(|r| r["kind"] == "appointment_soon").unwrap();
    let soon_at: DateTime<Utc> = soon["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(soon_at, got.with_timezone(&Utc) - Duration::hours(2));

    // Read with its ETag; a PATCH needs If-Match, refuses a stale one, and wants a reason.
    let read = app
        .get(
            &format!("/v1/appointments/{id}"),
            Some(&w.caseworker_a.token),
        )
        .await;
    read.assert_status(200);
    assert_eq!(read.header("etag"), Some("\"1\""));
    let new_start = start_in(7);
    let patch = |tag: Option<&'static str>, body: Value| {
        let mut req = app
            .client
            .patch(app.url(&format!("/v1/appointments/{id}")))
            .bearer_auth(&w.caseworker_a.token)
            .json(&body);
        if let Some(t) = tag {
            req = req.header("If-Match", t);
        }
        app.send(req)
    };
    patch(None, json!({"starts_at": new_start, "reason": "Ziek"}))
        .await
        .assert_problem(428, "precondition_required");
    patch(
        Some("\"7\""),
        json!({"starts_at": new_start, "reason": "Ziek"}),
    )
    .await
    .assert_problem(412, "precondition_failed");
    patch(Some("\"1\""), json!({"starts_at": new_start}))
        .await
        .assert_status(422);

    // The resident says "ik kom"; then the appointment moves, which clears it.
    let confirm = app
        .post(
            &format!("/v1/me/appointments/{id}/confirm"),
            Some(&w.resident_a.token),
            &Value::Null,
        )
        .await;
    confirm.assert_status(200);
    assert_eq!(confirm.value()["confirmed"], true);
    let moved = patch(
        Some("\"2\""),
        json!({"starts_at": new_start, "reason": "De hulpverlener is ziek"}),
    )
    .await;
    moved.assert_status(200);
    assert_eq!(moved.header("etag"), Some("\"3\""));
    let m = moved.value();
    assert_eq!(m["moved_count"], 1);
    assert_eq!(m["confirmed_at"], Value::Null);
    assert_eq!(m["status_reason"], "De hulpverlener is ziek");
    // The old reminders are cancelled and two new ones wait.
    let rs = reminders(&app, &w.caseworker_a, &plan_id).await;
    assert_eq!(states(&rs, "cancelled"), 2, "{rs:?}");
    assert_eq!(states(&rs, "pending"), 2, "{rs:?}");

    // A change without a new time is a change, not a move.
    let changed = patch(
        Some("\"3\""),
        json!({"place": null, "kind": "phone", "reason": "Toch bellen"}),
    )
    .await;
    changed.assert_status(200);
    assert_eq!(changed.value()["place"], Value::Null);
    assert_eq!(changed.value()["moved_count"], 1);

    // Cancelling cancels the pending reminders; a cancelled one cannot change again.
    let cancel = app
        .post(
            &format!("/v1/appointments/{id}/cancel"),
            Some(&w.caseworker_a.token),
            &json!({"reason": "Niet meer nodig"}),
        )
        .await;
    cancel.assert_status(200);
    assert_eq!(cancel.value()["status"], "cancelled");
    let rs = reminders(&app, &w.caseworker_a, &plan_id).await;
    assert_eq!(states(&rs, "pending"), 0, "{rs:?}");
    app.post(
        &format!("/v1/appointments/{id}/cancel"),
        Some(&w.caseworker_a.token),
        &json!({"reason": "Nog eens"}),
    )
    .await
    .assert_problem(409, "appointment_not_planned");

    // Everything is on the timeline and in the audit log.
    let kinds = event_kinds(&app, &w.caseworker_a, &plan_id).await;
    for k in [
        "appointment_planned",
        "appointment_confirmed",
        "appointment_moved",
        "appointment_changed",
        "appointment_cancelled",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing in {kinds:?}");
    }
    let audit = app
        .get(
            &format!("/v1/audit?resident_id={}&limit=200", w.resident_a.id),
            Some(&w.admin.token),
        )
        .await;
    audit.assert_status(200);
    let entries = audit.value()["items"].as_array().unwrap().clone();
    let on_it = entries
        .iter()
        .filter(|e| e["object_type"] == "appointment" && e["object_id"] == json!(id))
        .count();
    assert!(on_it >= 5, "{entries:?}");

    // The plan's list pages with a cursor.
    for d in [2, 3] {
        plan_appointment(
            &app,
            &w.caseworker_a,
            &plan_id,
            json!({"starts_at": start_in(d), "duration_minutes": 30, "kind": "video"}),
        )
        .await;
    }
    let first = app
        .get(
            &format!("/v1/plans/{plan_id}/appointments?limit=2"),
            Some(&w.caseworker_a.token),
        )
        .await;
    first.assert_status(200);
    let v = first.value();
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["items"][0]["kind"], "video", "soonest first");
    let next = v["next"].as_str().unwrap();
    let second = app
        .get(
            &format!("/v1/plans/{plan_id}/appointments?limit=2&cursor={next}"),
            Some(&w.caseworker_a.token),
        )
        .await
        .value();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["id"], json!(id));
    assert_eq!(second["next"], Value::Null);
});

backend_test!(
    the_resident_sees_confirms_asks_to_move_and_downloads,
    |app| {
        let w = app.world().await;
        let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
        let step = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value()["steps"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let later = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": start_in(9), "duration_minutes": 30, "kind": "phone", "place": "06 12345678"}),
    )
    .await;
        let soon = plan_appointment(
            &app,
            &w.caseworker_a,
            &plan_id,
            json!({
                "starts_at": start_in(3),
                "duration_minutes": 60,
                "kind": "office",
                "place": "Stadskantoor, balie 3",
                "with_user_id": w.caseworker_a.id,
                "bring": "Je paspoort",
                "step_ids": [step],
            }),
        )
        .await;
        let past = plan_appointment(
            &app,
            &w.caseworker_a,
            &plan_id,
            json!({"starts_at": start_in(1), "duration_minutes": 30, "kind": "home_visit"}),
        )
        .await;
        let past_id = past["id"].as_str().unwrap().to_owned();
        start_in_past(&app, &past_id, 48).await;
        app.post(
            &format!("/v1/appointments/{past_id}/outcome"),
            Some(&w.caseworker_a.token),
            &json!({"outcome": "attended"}),
        )
        .await
        .assert_status(200);

        // Upcoming first (soonest first), then the past.
        let list = app
            .get("/v1/me/appointments", Some(&w.resident_a.token))
            .await;
        list.assert_status(200);
        let v = list.value();
        let ids: Vec<&Value> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        assert_eq!(ids, [&soon["id"], &later["id"], &past["id"]]);
        let first = &v["items"][0];
        assert_eq!(first["upcoming"], true);
        assert_eq!(first["with_first_name"], "Test");
        assert_eq!(first["team_name"], "Buurtteam Noord");
        assert_eq!(first["steps"][0]["id"], json!(step));
        assert!(first["steps"][0]["title"].as_str().unwrap().len() > 3);
        assert_eq!(v["items"][2]["status"], "attended");
        assert_eq!(v["items"][2]["upcoming"], false);

        // "Ik kom" with an Idempotency-Key: a retry gets the stored answer.
        let soon_id = soon["id"].as_str().unwrap();
        let confirm = || {
            app.send(
                app.client
                    .post(app.url(&format!("/v1/me/appointments/{soon_id}/confirm")))
                    .bearer_auth(&w.resident_a.token)
                    .header("Idempotency-Key", "ik-kom-1"),
            )
        };
        let once = confirm().await;
        once.assert_status(200);
        assert_eq!(once.value()["confirmed"], true);
        let again = confirm().await;
        again.assert_status(200);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));

        // Asking to move reaches the caseworker and clears "ik kom".
        let ask = app
            .post(
                &format!("/v1/me/appointments/{soon_id}/move-request"),
                Some(&w.resident_a.token),
                &json!({"reason": "Ik moet die dag werken"}),
            )
            .await;
        ask.assert_status(200);
        assert_eq!(ask.value()["move_requested"], true);
        assert_eq!(ask.value()["confirmed"], false);
        let staff = app
            .get(
                &format!("/v1/appointments/{soon_id}"),
                Some(&w.caseworker_a.token),
            )
            .await
            .value();
        assert_eq!(staff["move_request_reason"], "Ik moet die dag werken");
        app.post(
            &format!("/v1/me/appointments/{soon_id}/move-request"),
            Some(&w.resident_a.token),
            &json!({"reason": ""}),
        )
        .await
        .assert_status(422);
        // A past one cannot be confirmed any more.
        app.post(
            &format!("/v1/me/appointments/{past_id}/confirm"),
            Some(&w.resident_a.token),
            &Value::Null,
        )
        .await
        .assert_problem(409, "appointment_not_planned");

        // The calendar file parses with a maintained iCalendar library, at the right instant.
        let ics = app
            .get(
                &format!("/v1/me/appointments/{soon_id}/calendar.ics"),
                Some(&w.resident_a.token),
            )
            .await;
        ics.assert_status(200);
        assert!(
            ics.header("content-type")
                .unwrap()
                .starts_with("text/calendar")
        );
        let text = ics.text();
        use icalendar::{Component, DatePerhapsTime, EventLike};
        let cal: icalendar::Calendar = text.parse().unwrap();
        let ev = cal.events().next().expect("one event");
        let start: DateTime<FixedOffset> = soon["starts_at"].as_str().unwrap().parse().unwrap();
        match ev.get_start() {
            Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
                assert_eq!(t, start.with_timezone(&Utc))
            }
            other => panic!("start {other:?} in {text}"),
        }
        match ev.get_end() {
            Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
                assert_eq!(t, start.with_timezone(&Utc) + Duration::minutes(60))
            }
            other => panic!("end {other:?}"),
        }
        assert_eq!(ev.get_location(), Some("Stadskantoor, balie 3"));
        assert!(ev.get_summary().unwrap().contains("Buurtteam Noord"));
        assert!(ev.get_description().unwrap().contains("Je paspoort"));
        assert!(ev.get_uid().unwrap().starts_with(soon_id));
    }
);

backend_test!(appointments_stay_inside_the_team_and_the_resident, |app| {
    let w = app.world().await;
    let plan_a = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let plan_b = make_plan(&app, &w.caseworker_b, &w.resident_b).await;
    let a = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_a,
        json!({"starts_at": start_in(4), "duration_minutes": 30, "kind": "office"}),
    )
    .await;
    let id = a["id"].as_str().unwrap();
    // Another team's caseworker: every object answers 404.
    let b = &w.caseworker_b.token;
    app.get(&format!("/v1/appointments/{id}"), Some(b))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/v1/appointments/{id}/cancel"),
        Some(b),
        &json!({"reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("/v1/appointments/{id}/outcome"),
        Some(b),
        &json!({"outcome": "missed"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(&format!("/v1/plans/{plan_a}/appointments"), Some(b))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/v1/plans/{plan_a}/appointments"),
        Some(b),
        &json!({"starts_at": start_in(4), "duration_minutes": 30, "kind": "office"}),
    )
    .await
    .assert_problem(404, "not_found");
    // Another team's staff member cannot be the one the resident meets.
    app.post(
        &format!("/v1/plans/{plan_a}/appointments"),
        Some(&w.caseworker_a.token),
        &json!({"starts_at": start_in(4), "duration_minutes": 30, "kind": "office", "with_user_id": w.caseworker_b.id}),
    )
    .await
    .assert_status(422);
    // Another resident: 404 on every resident endpoint.
    let r = &w.resident_b.token;
    for path in [
        format!("/v1/me/appointments/{id}"),
        format!("/v1/me/appointments/{id}/calendar.ics"),
    ] {
        app.get(&path, Some(r))
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        &format!("/v1/me/appointments/{id}/confirm"),
        Some(r),
        &Value::Null,
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("/v1/me/appointments/{id}/move-request"),
        Some(r),
        &json!({"reason": "Werk"}),
    )
    .await
    .assert_problem(404, "not_found");
    let theirs = app.get("/v1/me/appointments", Some(r)).await.value();
    assert_eq!(theirs["items"], json!([]));
    // Roles: residents cannot use staff endpoints, staff not the resident's.
    app.get(&format!("/v1/appointments/{id}"), Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/me/appointments", Some(&w.caseworker_a.token))
        .await
        .assert_problem(403, "forbidden");
    // A step of another plan cannot be linked.
    let other_step = app
        .get("/v1/me/steps/current", Some(&w.resident_b.token))
        .await
        .value()["steps"][0]["id"]
        .clone();
    app.post(
        &format!("/v1/plans/{plan_a}/appointments"),
        Some(&w.caseworker_a.token),
        &json!({"starts_at": start_in(4), "duration_minutes": 30, "kind": "office", "step_ids": [other_step]}),
    )
    .await
    .assert_status(422);
    let _ = plan_b;
});

backend_test!(appointment_input_is_checked, |app| {
    let w = app.world().await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let ok = json!({"starts_at": start_in(4), "duration_minutes": 30, "kind": "office"});
    let cases: Vec<(&str, Value)> = vec![
        ("no offset", json!({"starts_at": "2030-01-10T10:30:00"})),
        ("a date only", json!({"starts_at": "2030-01-10"})),
        (
            "in the past",
            json!({"starts_at": "2020-01-10T10:30:00+01:00"}),
        ),
        (
            "too far ahead",
            json!({"starts_at": "2099-01-10T10:30:00+01:00"}),
        ),
        (
            "year 10000",
            json!({"starts_at": "+10000-01-10T10:30:00+01:00"}),
        ),
        ("too short", json!({"duration_minutes": 4})),
        ("too long", json!({"duration_minutes": 481})),
        ("unknown kind", json!({"kind": "cafe"})),
        ("control character", json!({"place": "Kaat\u{7}straat"})),
        ("line break in place", json!({"place": "Kaat\nstraat"})),
        ("empty place", json!({"place": "  "})),
        ("long bring", json!({"bring": "x".repeat(501)})),
        ("unknown field", json!({"subject": "schulden"})),
    ];
    for (what, change) in cases {
        let mut body = ok.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let reply = app
            .post(
                &format!("/v1/plans/{plan_id}/appointments"),
                Some(&w.caseworker_a.token),
                &body,
            )
            .await;
        assert!(
            reply.status == 422 || reply.status == 400,
            "{what}: {} {}",
            reply.status,
            reply.text()
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }
    // A whole-minute float and a start in another offset are fine.
    let mut body = ok.clone();
    body["duration_minutes"] = json!(30.0);
    body["starts_at"] = json!((Utc::now() + Duration::days(3)).to_rfc3339());
    plan_appointment(&app, &w.caseworker_a, &plan_id, body).await;
});

backend_test!(outcomes_feed_the_worklist_and_the_ladder, |app| {
    let w = app.world().await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let a = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": start_in(2), "duration_minutes": 30, "kind": "office"}),
    )
    .await;
    let id = a["id"].as_str().unwrap().to_owned();
    // Not yet started: no outcome.
    app.post(
        &format!("/v1/appointments/{id}/outcome"),
        Some(&w.caseworker_a.token),
        &json!({"outcome": "missed"}),
    )
    .await
    .assert_problem(409, "appointment_not_started");
    start_in_past(&app, &id, 2).await;
    let missed = app
        .post(
            &format!("/v1/appointments/{id}/outcome"),
            Some(&w.caseworker_a.token),
            &json!({"outcome": "missed"}),
        )
        .await;
    missed.assert_status(200);
    assert_eq!(missed.value()["status"], "missed");
    assert!(missed.value()["outcome_at"].is_string());
    app.post(
        &format!("/v1/appointments/{id}/outcome"),
        Some(&w.caseworker_a.token),
        &json!({"outcome": "attended"}),
    )
    .await
    .assert_problem(409, "appointment_not_planned");
    let kinds = event_kinds(&app, &w.caseworker_a, &plan_id).await;
    assert!(kinds.iter().any(|k| k == "appointment_missed"), "{kinds:?}");
});

async fn worklist_items(app: &TestApp, who: &Login, kind: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/worklist?kind={kind}"), Some(&who.token))
        .await;
    reply.assert_status(200);
    reply.value()["items"].as_array().unwrap().clone()
}

backend_test!(appointments_reach_the_worklist_of_their_team_only, |app| {
    let w = app.world().await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let soon = (Utc::now() + Duration::hours(30)).to_rfc3339();
    let unconfirmed = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": soon, "duration_minutes": 30, "kind": "phone"}),
    )
    .await;
    let moving = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": start_in(6), "duration_minutes": 30, "kind": "office"}),
    )
    .await;
    let missed = plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": start_in(6), "duration_minutes": 30, "kind": "office"}),
    )
    .await;
    // Far ahead and unconfirmed: not yet on the list.
    let u = worklist_items(&app, &w.caseworker_a, "appointment_unconfirmed").await;
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0]["appointment_id"], unconfirmed["id"]);
    assert!(u[0]["starts_at"].is_string());
    // Once confirmed it leaves the list.
    let uid = unconfirmed["id"].as_str().unwrap();
    app.post(
        &format!("/v1/me/appointments/{uid}/confirm"),
        Some(&w.resident_a.token),
        &Value::Null,
    )
    .await
    .assert_status(200);
    assert!(
        worklist_items(&app, &w.caseworker_a, "appointment_unconfirmed")
            .await
            .is_empty()
    );

    let mid = moving["id"].as_str().unwrap();
    app.post(
        &format!("/v1/me/appointments/{mid}/move-request"),
        Some(&w.resident_a.token),
        &json!({"reason": "Ik moet werken"}),
    )
    .await
    .assert_status(200);
    let m = worklist_items(&app, &w.caseworker_a, "appointment_move_requested").await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["appointment_id"], moving["id"]);
    assert_eq!(m[0]["move_request_reason"], "Ik moet werken");
    assert_eq!(m[0]["reason"], Value::Null);

    // Today's appointment (its start moved to now: still today, waiting for its outcome).
    let xid = missed["id"].as_str().unwrap().to_owned();
    start_in_past(&app, &xid, 0).await;
    let today_items = worklist_items(&app, &w.caseworker_a, "appointment_today").await;
    // Right after midnight the start may fall on yesterday; then it is none of today's.
    let local_today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive();
    if (Utc::now() - Duration::minutes(1))
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
        == local_today
    {
        assert_eq!(today_items.len(), 1, "{today_items:?}");
    }
    app.post(
        &format!("/v1/appointments/{xid}/outcome"),
        Some(&w.caseworker_a.token),
        &json!({"outcome": "missed"}),
    )
    .await
    .assert_status(200);
    let x = worklist_items(&app, &w.caseworker_a, "appointment_missed").await;
    assert_eq!(x.len(), 1, "{x:?}");
    assert_eq!(x[0]["appointment_id"], missed["id"]);
    let all = app
        .get("/v1/worklist", Some(&w.caseworker_a.token))
        .await
        .value();
    assert_eq!(all["counts"]["appointment_missed"], 1);
    assert_eq!(all["counts"]["appointment_move_requested"], 1);
    assert_eq!(all["counts"]["appointment_today"], 0);
    // The resident is active again: the miss has been seen to.
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let step = current["steps"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/me/steps/{step}/help"),
        Some(&w.resident_a.token),
        &Value::Null,
    )
    .await
    .assert_status(200);
    assert!(
        worklist_items(&app, &w.caseworker_a, "appointment_missed")
            .await
            .is_empty()
    );

    // Another team sees none of it.
    let other = app
        .get("/v1/worklist", Some(&w.caseworker_b.token))
        .await
        .value();
    for k in [
        "appointment_move_requested",
        "appointment_missed",
        "appointment_unconfirmed",
    ] {
        assert_eq!(other["counts"][k], 0, "{other}");
    }
});

/// Makes every pending reminder of `user_id` due now.
async fn make_due(app: &TestApp, user_id: &str) {
    let pool = app.state.pool.clone();
    let id = user_id.to_owned();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::notifications as n;
        let now = stapvoorstap::db::now() - Duration::seconds(1);
        diesel::update(
            n::table
                .filter(n::user_id.eq(id))
                .filter(n::state.eq("pending")),
        )
        .set((n::due_at.eq(now), n::next_attempt_at.eq(now)))
        .execute(&mut pool.get().unwrap())
        .unwrap();
    })
    .await
    .unwrap();
}

async fn run_generic_pushes_outside_the_caps(backend: crate::helpers::Backend) {
    use crate::push::{check_payloads, dispatch, push_app, register_device};
    let Some((app, fake, _dir)) = push_app(backend, |s| {
        s.reminder_daily_cap = 1;
        s.reminder_weekly_cap = 1;
    })
    .await
    else {
        return;
    };
    let w = app.world().await;
    register_device(&app, &w.resident_a, "token-a").await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    // The new-step push uses the day's (and the week's) only capped slot.
    dispatch(&app).await;
    assert_eq!(fake.messages().len(), 1);
    plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({
            "starts_at": start_in(4),
            "duration_minutes": 30,
            "kind": "office",
            "place": "Kaatstraat 12",
            "bring": "Aanmaning van de deurwaarder",
        }),
    )
    .await;
    make_due(&app, &w.resident_a.id).await;
    dispatch(&app).await;
    let messages = fake.messages();
    let kinds: Vec<&str> = messages
        .iter()
        .map(|m| m["message"]["data"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| k.starts_with("appointment_"))
            .count(),
        2,
        "both appointment reminders go out despite the full caps: {kinds:?}"
    );
    let bodies: Vec<&str> = messages
        .iter()
        .map(|m| m["message"]["notification"]["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies.contains(&"Je hebt morgen een afspraak."),
        "{bodies:?}"
    );
    assert!(
        bodies.contains(&"Je hebt straks een afspraak."),
        "{bodies:?}"
    );
    check_payloads(
        &messages,
        &["Kaatstraat", "deurwaarder", "Aanmaning", "Fatima", "office"],
    );
}

#[actix_web::test]
async fn appointment_pushes_are_generic_and_outside_the_caps_sqlite() {
    run_generic_pushes_outside_the_caps(crate::helpers::Backend::Sqlite).await;
}

#[actix_web::test]
async fn appointment_pushes_are_generic_and_outside_the_caps_postgres() {
    run_generic_pushes_outside_the_caps(crate::helpers::Backend::Postgres).await;
}

backend_test!(research_counts_appointments_without_their_words, |app| {
    let w = app.world().await;
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    let mut ids = Vec::new();
    for d in [2, 3, 4, 5] {
        let a = plan_appointment(
            &app,
            &w.caseworker_a,
            &plan_id,
            json!({"starts_at": start_in(d), "duration_minutes": 30, "kind": "office", "place": "Geheimstraat 1"}),
        )
        .await;
        ids.push(a["id"].as_str().unwrap().to_owned());
    }
    // One moved twice, one cancelled, one attended, one missed (the moved one stays planned).
    for (tag, day) in [("\"1\"", 8), ("\"2\"", 9)] {
        app.send(
            app.client
                .patch(app.url(&format!("/v1/appointments/{}", ids[0])))
                .bearer_auth(&w.caseworker_a.token)
                .header("If-Match", tag)
                .json(&json!({"starts_at": start_in(day), "reason": "Vakantie"})),
        )
        .await
        .assert_status(200);
    }
    app.post(
        &format!("/v1/appointments/{}/cancel", ids[1]),
        Some(&w.caseworker_a.token),
        &json!({"reason": "Vertrouwelijke reden"}),
    )
    .await
    .assert_status(200);
    for (id, outcome) in [(&ids[2], "attended"), (&ids[3], "missed")] {
        start_in_past(&app, id, 3).await;
        app.post(
            &format!("/v1/appointments/{id}/outcome"),
            Some(&w.caseworker_a.token),
            &json!({"outcome": outcome}),
        )
        .await
        .assert_status(200);
    }
    let reply = app
        .get("/v1/research/plans", Some(&w.researcher.token))
        .await;
    reply.assert_status(200);
    let text = reply.text();
    for needle in [
        "Geheimstraat",
        "Vakantie",
        "Vertrouwelijke",
        plan_id.as_str(),
    ] {
        assert!(!text.contains(needle), "research data contains {needle:?}");
    }
    let rows = reply.value()["items"].clone();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["appointments_planned"] == 4)
        .expect("the plan's row");
    assert_eq!(row["appointments_attended"], 1);
    assert_eq!(row["appointments_missed"], 1);
    assert_eq!(row["appointments_cancelled"], 1);
    assert_eq!(row["appointments_moved"], 2);
    let csv = app
        .send(
            app.client
                .get(app.url("/v1/research/plans"))
                .bearer_auth(&w.researcher.token)
                .header("Accept", "text/csv"),
        )
        .await
        .text();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",appointments_planned,appointments_attended,appointments_missed,appointments_cancelled,appointments_moved"), "{header}");
    assert!(csv.lines().any(|l| l.ends_with(",4,1,1,1,2")), "{csv}");
});

backend_test!(the_road_shows_phases_open_criteria_and_people, |app| {
    let w = app.world().await;
    // No plan yet: nothing to show.
    app.get("/v1/me/road", Some(&w.resident_a.token))
        .await
        .assert_problem(404, "not_found");
    let plan_id = make_plan(&app, &w.caseworker_a, &w.resident_a).await;
    // The team says how residents reach it.
    let team = app
        .method_json(
            reqwest::Method::PATCH,
            &format!("/v1/teams/{}", w.team_a),
            Some(&w.admin.token),
            &json!({"contact_phone": "030 123 45 67", "contact_email": "noord@buurtteam.example", "contact_hours": "Maandag tot en met vrijdag, 9:00 tot 17:00"}),
        )
        .await;
    team.assert_status(200);
    assert_eq!(team.value()["contact_phone"], "030 123 45 67");
    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/teams/{}", w.team_a),
        Some(&w.admin.token),
        &json!({"contact_email": "geen adres"}),
    )
    .await
    .assert_status(422);
    plan_appointment(
        &app,
        &w.caseworker_a,
        &plan_id,
        json!({"starts_at": start_in(3), "duration_minutes": 30, "kind": "office"}),
    )
    .await;

    let reply = app.get("/v1/me/road", Some(&w.resident_a.token)).await;
    reply.assert_status(200);
    let v = reply.value();
    let phases: Vec<(&str, &str)> = v["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap(), p["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        phases,
        [("stabilisation", "current"), ("debt_arrangement", "next")]
    );
    assert_eq!(v["phases"][0]["name"], "Rust en overzicht");
    assert_eq!(v["usual_weeks"], 13, "from the shipped template");
    assert_eq!(v["criteria_total"], 8);
    assert_eq!(v["ready_for_next_phase"], false);
    let open = v["open_criteria"].as_array().unwrap();
    assert!(!open.is_empty());
    assert_eq!(
        open.len() as u64 + v["criteria_met"].as_u64().unwrap(),
        8,
        "{v}"
    );
    assert!(
        open.iter()
            .all(|c| c["code"].as_str().unwrap().starts_with('E'))
    );
    assert_eq!(v["days_in_phase"], 0);
    assert_eq!(v["contacts"][0]["role"], "caseworker");
    assert_eq!(v["contacts"][0]["first_name"], "Test");
    assert_eq!(v["team"]["name"], "Buurtteam Noord");
    assert_eq!(v["team"]["phone"], "030 123 45 67");
    assert_eq!(
        v["team"]["hours"],
        "Maandag tot en met vrijdag, 9:00 tot 17:00"
    );
    assert_eq!(v["next_appointment"]["kind"], "office");
    // Staff have no road.
    app.get("/v1/me/road", Some(&w.caseworker_a.token))
        .await
        .assert_problem(403, "forbidden");
    // The other resident's road knows nothing of this one.
    let plan_b = make_plan(&app, &w.caseworker_b, &w.resident_b).await;
    let b = app
        .get("/v1/me/road", Some(&w.resident_b.token))
        .await
        .value();
    assert_eq!(b["next_appointment"], Value::Null);
    assert_eq!(b["team"]["phone"], Value::Null);
    let _ = plan_b;
});
