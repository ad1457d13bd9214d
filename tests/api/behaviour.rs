//! "Wanneer doe je dit?", snooze with a reason, back-dated completion, the crisis fast lane,
//! the stabilisation gate, and the mood and alliance pulse.

use crate::backend_test;
use crate::helpers::{Login, TestApp, World};
use serde_json::{Value, json};
use stapvoorstap::db::notifications;

async fn plan_for(app: &TestApp, w: &World, r: &Login, body: Value) -> Value {
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", r.id),
            Some(&w.caseworker_a.token),
            &body,
        )
        .await;
    reply.assert_status(201);
    reply.value()
}

async fn current(app: &TestApp, r: &Login) -> Value {
    app.get("/v1/me/steps/current", Some(&r.token))
        .await
        .value()
}

fn first_id(current: &Value) -> String {
    current["steps"][0]["id"].as_str().unwrap().to_owned()
}

async fn reminders(app: &TestApp, user: &str) -> Vec<notifications::NotificationRow> {
    let pool = app.state.pool.clone();
    let user = user.to_owned();
    actix_web::web::block(move || {
        notifications::list_for_user(&mut pool.get().unwrap(), &user).unwrap()
    })
    .await
    .unwrap()
}

fn amsterdam_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}

const CALM: [&str; 5] = [
    "start.postplek",
    "start.post_openen",
    "start.id",
    "pap.meterstanden",
    "pap.inkomen",
];

backend_test!(intention_moves_the_reminder, |app| {
    let w = app.world().await;
    plan_for(&app, &w, &w.resident_a, json!({"items": CALM})).await;
    let step = first_id(&current(&app, &w.resident_a).await);
    let tomorrow = amsterdam_today() + chrono::Duration::days(1);
    let url = format!("/v1/me/steps/{step}/intention");
    let set = app
        .method_json(
            reqwest::Method::PUT,
            &url,
            Some(&w.resident_a.token),
            &json!({"on": tomorrow, "part_of_day": "morning"}),
        )
        .await;
    set.assert_status(200);
    assert_eq!(set.value()["intention"]["part_of_day"], "morning");
    let expected = stapvoorstap::domain::reminders::intention_at(
        tomorrow,
        Some(stapvoorstap::domain::reminders::PartOfDay::Morning),
        None,
        chrono_tz::Europe::Amsterdam,
    );
    let rows = reminders(&app, &w.resident_a.id).await;
    let pending: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == "intention" && r.state == "pending")
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].due_at,
        expected.naive_utc(),
        "09:00 Amsterdam time"
    );
    // A new answer moves it: the old one is cancelled.
    app.method_json(
        reqwest::Method::PUT,
        &url,
        Some(&w.resident_a.token),
        &json!({"on": tomorrow, "time": "19:30"}),
    )
    .await
    .assert_status(200);
    let rows = reminders(&app, &w.resident_a.id).await;
    let intention: Vec<_> = rows.iter().filter(|r| r.kind == "intention").collect();
    assert_eq!(intention.iter().filter(|r| r.state == "pending").count(), 1);
    assert_eq!(
        intention.iter().filter(|r| r.state == "cancelled").count(),
        1
    );
    // Shown back to the resident.
    assert_eq!(
        current(&app, &w.resident_a).await["steps"][0]["intention"]["time"],
        "19:30"
    );
    // Bad answers.
    let yesterday = amsterdam_today() - chrono::Duration::days(1);
    app.method_json(
        reqwest::Method::PUT,
        &url,
        Some(&w.resident_a.token),
        &json!({"on": yesterday}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.method_json(
        reqwest::Method::PUT,
        &url,
        Some(&w.resident_a.token),
        &json!({"on": tomorrow, "time": "25:00"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // Clearing cancels it.
    app.send(
        app.client
            .delete(app.url(&url))
            .bearer_auth(&w.resident_a.token),
    )
    .await
    .assert_status(200);
    let rows = reminders(&app, &w.resident_a.id).await;
    assert_eq!(
        rows.iter()
            .filter(|r| r.kind == "intention" && r.state == "pending")
            .count(),
        0
    );
});

backend_test!(
    snooze_frees_the_slot_shows_the_reason_and_comes_back,
    |app| {
        let w = app.world().await;
        let plan = plan_for(&app, &w, &w.resident_a, json!({"items": CALM})).await;
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        let first = first_id(&current(&app, &w.resident_a).await);
        let until = amsterdam_today() + chrono::Duration::days(3);
        let url = format!("/v1/me/steps/{first}/snooze");
        app.post(
            &url,
            Some(&w.resident_a.token),
            &json!({"reason": "other", "until": until}),
        )
        .await
        .assert_problem(422, "validation_failed");
        let snoozed = app
            .post(
                &url,
                Some(&w.resident_a.token),
                &json!({"reason": "waiting_for_post", "until": until}),
            )
            .await;
        snoozed.assert_status(200);
        let now_current = snoozed.value();
        assert_eq!(
            now_current["steps"].as_array().unwrap().len(),
            1,
            "another step takes the slot"
        );
        let replacement = first_id(&now_current);
        assert_ne!(replacement, first);
        // The caseworker sees why.
        let view = app
            .get(&format!("/v1/plans/{plan_id}"), Some(&w.caseworker_a.token))
            .await
            .value();
        let s = view["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == first.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            (s["status"].as_str(), s["snooze_reason"].as_str()),
            (Some("planned"), Some("waiting_for_post"))
        );
        assert_eq!(s["snoozed_until"], json!(until));
        let list = app
            .get("/v1/residents", Some(&w.caseworker_a.token))
            .await
            .value()["items"]
            .clone();
        assert_eq!(list[0]["snoozed_steps"], 1);
        // The date comes (moved into the past here), the scheduler wakes it, and it is next.
        let pool = app.state.pool.clone();
        let id = first.clone();
        actix_web::web::block(move || {
            use diesel::prelude::*;
            use stapvoorstap::db::schema::steps;
            diesel::update(steps::table.find(id))
                .set(steps::snoozed_until.eq(Some(amsterdam_today())))
                .execute(&mut pool.get().unwrap())
                .unwrap();
        })
        .await
        .unwrap();
        let (pool, rules) = (app.state.pool.clone(), app.state.rules.clone());
        actix_web::web::block(move || {
            stapvoorstap::scheduler::run_snooze_wake(&mut pool.get().unwrap(), &rules, 100).unwrap()
        })
        .await
        .unwrap();
        let answer = app
            .post(
                &format!("/v1/me/steps/{replacement}/complete"),
                Some(&w.resident_a.token),
                &json!(null),
            )
            .await;
        answer.assert_status(200);
        assert_eq!(
            answer.value()["current"][0]["id"],
            first.as_str(),
            "the snoozed step is back"
        );
    }
);

backend_test!(
    a_crisis_step_cannot_be_snoozed_and_can_be_reported_any_time,
    |app| {
        let w = app.world().await;
        let plan = plan_for(&app, &w, &w.resident_a, json!({"intake": {}})).await;
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        let c = current(&app, &w.resident_a).await;
        assert_eq!(c["steps"][0]["urgent"], true);
        let p0 = first_id(&c);
        let until = amsterdam_today() + chrono::Duration::days(2);
        app.post(
            &format!("/v1/me/steps/{p0}/snooze"),
            Some(&w.resident_a.token),
            &json!({"reason": "no_time_this_week", "until": until}),
        )
        .await
        .assert_problem(409, "crisis_step_cannot_wait");
        // Not a renter at intake, so the eviction step was n.v.t.; an eviction letter arrives.
        let reported = app
            .post(
                "/v1/me/crisis",
                Some(&w.resident_a.token),
                &json!({"kind": "eviction"}),
            )
            .await;
        reported.assert_status(200);
        let step = reported.value();
        assert_eq!(
            (step["status"].as_str(), step["urgent"].as_bool()),
            (Some("open"), Some(true))
        );
        assert!(
            current(&app, &w.resident_a).await["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["id"] == step["id"])
        );
        // The team is told at once, and the worklist shows the Wgs clock.
        let alerts: Vec<_> = reminders(&app, &w.caseworker_a.id)
            .await
            .into_iter()
            .filter(|r| r.kind == "caseworker_crisis")
            .collect();
        assert!(
            alerts.iter().any(|r| r.due_at <= stapvoorstap::db::now()),
            "an alert due now"
        );
        let list = app
            .get("/v1/residents", Some(&w.caseworker_a.token))
            .await
            .value()["items"]
            .clone();
        let deadline: chrono::DateTime<chrono::Utc> = list[0]["crisis_deadline"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let days = (deadline - chrono::Utc::now()).num_days();
        assert!((2..=5).contains(&days), "three working days: {deadline}");
        // The caseworker reports garnishment through the plan.
        let g = app
            .post(
                &format!("/v1/plans/{plan_id}/crisis"),
                Some(&w.caseworker_a.token),
                &json!({"kind": "garnishment"}),
            )
            .await;
        g.assert_status(200);
        assert_eq!(
            (
                g.value()["item_key"].as_str(),
                g.value()["priority"].as_str(),
                g.value()["status"].as_str()
            ),
            (Some("bes.brief"), Some("P0"), Some("open"))
        );
        app.post(
            &format!("/v1/plans/{plan_id}/crisis"),
            Some(&w.caseworker_a.token),
            &json!({"kind": "flood"}),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
);

backend_test!(back_dated_completion_keeps_both_times, |app| {
    let w = app.world().await;
    let plan = plan_for(&app, &w, &w.resident_a, json!({"items": CALM})).await;
    let step = first_id(&current(&app, &w.resident_a).await);
    let url = format!("/v1/me/steps/{step}/complete");
    let too_old = amsterdam_today() - chrono::Duration::days(15);
    let future = amsterdam_today() + chrono::Duration::days(1);
    app.post(
        &url,
        Some(&w.resident_a.token),
        &json!({"done_on": too_old}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(&url, Some(&w.resident_a.token), &json!({"done_on": future}))
        .await
        .assert_problem(422, "validation_failed");
    let yesterday = amsterdam_today() - chrono::Duration::days(1);
    app.post(
        &url,
        Some(&w.resident_a.token),
        &json!({"done_on": yesterday, "note": "Gisteren al gedaan"}),
    )
    .await
    .assert_status(200);
    let done = app
        .get("/v1/me/steps/done", Some(&w.resident_a.token))
        .await
        .value()["items"]
        .clone();
    let completed: chrono::DateTime<chrono::Utc> =
        done[0]["completed_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        completed
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive(),
        yesterday
    );
    let events = app
        .get(
            &format!(
                "/v1/plans/{}/events?limit=200",
                plan["id"].as_str().unwrap()
            ),
            Some(&w.caseworker_a.token),
        )
        .await
        .value()["items"]
        .clone();
    let e = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "completed" && e["step_id"] == step.as_str())
        .unwrap()
        .clone();
    let occurred: chrono::DateTime<chrono::Utc> =
        e["occurred_at"].as_str().unwrap().parse().unwrap();
    let recorded: chrono::DateTime<chrono::Utc> =
        e["recorded_at"].as_str().unwrap().parse().unwrap();
    assert!(
        occurred < recorded - chrono::Duration::hours(1),
        "{occurred} vs {recorded}"
    );
});

backend_test!(the_gate_is_computed_from_step_states, |app| {
    let w = app.world().await;
    let plan = plan_for(
        &app,
        &w,
        &w.resident_a,
        json!({"items": ["spoed.zorgverzekering", "spoed.geen_nieuwe"], "dose": 2}),
    )
    .await;
    let criteria = plan["progress"]["criteria"].as_array().unwrap().clone();
    assert_eq!(criteria.len(), 8);
    let e1 = criteria.iter().find(|c| c["code"] == "E1").unwrap();
    assert_eq!(
        (e1["met"].as_bool(), e1["steps_total"].as_u64()),
        (Some(false), Some(1))
    );
    assert_eq!(plan["progress"]["ready_for_arrangement"], false);
    assert_eq!(plan["time_box"], "on_track");
    while let Some(id) = current(&app, &w.resident_a).await["steps"]
        .get(0)
        .and_then(|s| s["id"].as_str())
        .map(str::to_owned)
    {
        app.complete_my_step(&w.resident_a, &id)
            .await
            .assert_status(200);
    }
    let progress = app
        .get("/v1/me/progress", Some(&w.resident_a.token))
        .await
        .value();
    assert_eq!(
        progress["progress"]["ready_for_arrangement"], true,
        "{progress}"
    );
    assert!(
        progress["progress"]["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["met"] == true)
    );
    // Meeting criteria are milestones: friendly pushes were queued for them.
    let milestones: Vec<_> = reminders(&app, &w.resident_a.id)
        .await
        .into_iter()
        .filter(|r| r.kind == "milestone")
        .collect();
    assert!(
        milestones.iter().any(|r| r.dedupe_key.ends_with(":E1")),
        "{milestones:?}"
    );
});

backend_test!(
    mood_and_alliance_are_optional_once_and_shown_as_a_trend,
    |app| {
        let w = app.world().await;
        let plan = plan_for(&app, &w, &w.resident_a, json!({"items": CALM})).await;
        let step = first_id(&current(&app, &w.resident_a).await);
        let mood = format!("/v1/me/steps/{step}/mood");
        app.post(&mood, Some(&w.resident_a.token), &json!({"score": 4}))
            .await
            .assert_problem(409, "step_not_done");
        app.post(
            &format!("/v1/me/steps/{step}/complete"),
            Some(&w.resident_a.token),
            &json!(null),
        )
        .await
        .assert_status(200);
        app.post(&mood, Some(&w.resident_a.token), &json!({"score": 6}))
            .await
            .assert_problem(422, "validation_failed");
        app.post(&mood, Some(&w.resident_b.token), &json!({"score": 1}))
            .await
            .assert_problem(404, "not_found");
        app.post(&mood, Some(&w.resident_a.token), &json!({"score": 4}))
            .await
            .assert_status(204);
        app.post(&mood, Some(&w.resident_a.token), &json!({"score": 2}))
            .await
            .assert_problem(409, "already_answered");
        assert_eq!(
            app.get("/v1/me/progress", Some(&w.resident_a.token))
                .await
                .value()["alliance_question_due"],
            true
        );
        app.post(
            "/v1/me/alliance",
            Some(&w.resident_a.token),
            &json!({"score": 5}),
        )
        .await
        .assert_status(204);
        app.post(
            "/v1/me/alliance",
            Some(&w.resident_a.token),
            &json!({"score": 3}),
        )
        .await
        .assert_problem(409, "already_answered");
        assert_eq!(
            app.get("/v1/me/progress", Some(&w.resident_a.token))
                .await
                .value()["alliance_question_due"],
            false
        );
        let pulse_url = format!("/v1/plans/{}/pulse", plan["id"].as_str().unwrap());
        let trend = app
            .get(&pulse_url, Some(&w.caseworker_a.token))
            .await
            .value();
        assert_eq!(trend["mood"][0]["average"], 4.0);
        assert_eq!(trend["alliance"][0]["average"], 5.0);
        assert_eq!(trend["alliance"][0]["answers"], 1);
        // Nobody else sees a resident's answers.
        app.get(&pulse_url, Some(&w.caseworker_b.token))
            .await
            .assert_problem(404, "not_found");
        app.get(&pulse_url, Some(&w.volunteer.token))
            .await
            .assert_problem(403, "forbidden");
        app.get(&pulse_url, Some(&w.resident_b.token))
            .await
            .assert_problem(403, "forbidden");
        app.get(&pulse_url, Some(&w.resident_a.token))
            .await
            .assert_problem(403, "forbidden");
    }
);

fn urgent(step: &Value) -> bool {
    step["urgent"].as_bool().unwrap()
}

// The one rule for dose and crisis: at most `dose` ordinary (non-crisis) resident steps are
// open, plus every open crisis (`P0`) step. Open crisis steps also take the ordinary steps'
// places: no new ordinary step opens while the open resident steps, crises included, fill the
// dose; one that was already open stays open.
backend_test!(crisis_steps_are_shown_beyond_the_dose, |app| {
    let w = app.world().await;
    // A: two crises at dose 1 — both are shown, and nothing else until both are done.
    plan_for(&app, &w, &w.resident_a, json!({"intake": {}, "dose": 1})).await;
    let c = current(&app, &w.resident_a).await;
    assert_eq!(c["steps"].as_array().unwrap().len(), 1, "{c}");
    assert!(
        urgent(&c["steps"][0]),
        "the intake's crisis step comes first"
    );
    app.post(
        "/v1/me/crisis",
        Some(&w.resident_a.token),
        &json!({"kind": "eviction"}),
    )
    .await
    .assert_status(200);
    let c = current(&app, &w.resident_a).await;
    let steps = c["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "two crises at dose 1: both shown: {c}");
    assert!(steps.iter().all(urgent), "and no ordinary step: {c}");
    let mut rounds = 0;
    loop {
        let c = current(&app, &w.resident_a).await;
        let steps = c["steps"].as_array().unwrap();
        if !steps.iter().any(urgent) {
            assert_eq!(
                steps.len(),
                1,
                "the dose again once the crises are done: {c}"
            );
            break;
        }
        assert!(
            steps.iter().all(urgent),
            "no ordinary step beside an open crisis at dose 1: {c}"
        );
        app.complete_my_step(&w.resident_a, &first_id(&c))
            .await
            .assert_status(200);
        rounds += 1;
        assert!(rounds < 20, "the crises end");
    }
    assert!(rounds >= 2);

    // B: an ordinary step is open when a crisis arrives — it stays, the crisis comes first.
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_b.id),
        Some(&w.caseworker_b.token),
        &json!({"items": CALM, "dose": 1}),
    )
    .await
    .assert_status(201);
    let before = current(&app, &w.resident_b).await;
    assert_eq!(before["steps"].as_array().unwrap().len(), 1);
    assert!(!urgent(&before["steps"][0]));
    app.post(
        "/v1/me/crisis",
        Some(&w.resident_b.token),
        &json!({"kind": "eviction"}),
    )
    .await
    .assert_status(200);
    let after = current(&app, &w.resident_b).await;
    let steps = after["steps"].as_array().unwrap();
    assert_eq!(
        steps.len(),
        2,
        "dose 1 ordinary step plus the crisis: {after}"
    );
    assert!(
        urgent(&steps[0]) && !urgent(&steps[1]),
        "crisis first: {after}"
    );
    assert_eq!(steps[1]["id"], before["steps"][0]["id"]);
});
