//! The caseworker's worklist: kinds, order, counts, filters, paging and team boundaries; the
//! plan preview and steps done in the conversation.

use crate::backend_test;
use crate::helpers::{Login, TestApp};
use serde_json::{Value, json};

async fn make_plan(app: &TestApp, caseworker: &Login, resident: &Login, body: Value) -> Value {
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", resident.id),
            Some(&caseworker.token),
            &body,
        )
        .await;
    reply.assert_status(201);
    reply.value()
}

async fn worklist(app: &TestApp, who: &Login, query: &str) -> Value {
    let reply = app
        .get(&format!("/v1/worklist{query}"), Some(&who.token))
        .await;
    reply.assert_status(200);
    reply.value()
}

fn kinds(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Moves a plan's clocks back: last activity `idle_days` ago, started `started_days_ago`.
async fn age_plan(app: &TestApp, plan_id: &str, idle_days: i64, started_days_ago: u64) {
    let pool = app.state.pool.clone();
    let id = plan_id.to_owned();
    actix_web::web::block(move || {
        use diesel::prelude::*;
        use stapvoorstap::db::schema::plans;
        let now = stapvoorstap::db::now();
        let started = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive()
            - chrono::Days::new(started_days_ago);
        diesel::update(plans::table.find(id))
            .set((
                plans::last_activity_at.eq(now - chrono::Duration::days(idle_days)),
                plans::started_on.eq(started),
            ))
            .execute(&mut pool.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
}

const RANK: [&str; 13] = [
    "crisis",
    "help_requested",
    "appointment_today",
    "appointment_move_requested",
    "document_to_review",
    "appointment_missed",
    "inactive_21",
    "waiting_for_staff",
    "stabilisation_120",
    "inactive_14",
    "appointment_unconfirmed",
    "snoozed",
    "stabilisation_90",
];

fn rank(kind: &str) -> usize {
    RANK.iter().position(|k| *k == kind).unwrap()
}

backend_test!(worklist_sorts_counts_filters_and_pages, |app| {
    let w = app.world().await;
    let plan = make_plan(
        &app,
        &w.caseworker_a,
        &w.resident_a,
        json!({"intake": {"renter": true}}),
    )
    .await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    // A step for the caseworker: it opens at once and waits for staff.
    app.post(
        &format!("/v1/plans/{plan_id}/steps"),
        Some(&w.caseworker_a.token),
        &json!({
            "category": "start",
            "title": {"nl": "Bel de verhuurder", "en": "Call the landlord"},
            "owner": {"type": "staff", "user_id": w.caseworker_a.id},
        }),
    )
    .await
    .assert_status(201);

    // A new plan: its crisis steps are open, against the Wgs deadline.
    let v = worklist(&app, &w.caseworker_a, "").await;
    assert!(v["counts"]["crisis"].as_u64().unwrap() >= 1, "{v}");
    let first = &v["items"][0];
    assert_eq!(first["kind"], "crisis");
    assert_eq!(first["resident_id"], json!(w.resident_a.id));
    assert_eq!(first["resident_name"], "Fatima");
    assert_eq!(first["plan_id"], json!(plan_id));
    assert!(first["step_title"].is_string() && first["step_id"].is_string());
    let since: chrono::DateTime<chrono::Utc> = first["since"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = first["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        due,
        stapvoorstap::domain::worklist::crisis_deadline(since, chrono_tz::Europe::Amsterdam),
        "three working days"
    );
    assert_eq!(first["overdue"], false);

    // The resident works the crisis steps off and asks help with the next step.
    loop {
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let step = current["steps"][0].clone();
        if step["urgent"] == false {
            let id = step["id"].as_str().unwrap();
            app.post(
                &format!("/v1/me/steps/{id}/help"),
                Some(&w.resident_a.token),
                &Value::Null,
            )
            .await
            .assert_status(200);
            break;
        }
        let id = step["id"].as_str().unwrap().to_owned();
        app.complete_my_step(&w.resident_a, &id)
            .await
            .assert_status(200);
    }
    // Time passes: 15 days idle, 100 days in the phase.
    age_plan(&app, &plan_id, 15, 100).await;

    let v = worklist(&app, &w.caseworker_a, "").await;
    let c = &v["counts"];
    assert_eq!(c["help_requested"], 1, "{c}");
    assert_eq!(c["inactive_14"], 1, "{c}");
    assert_eq!(c["inactive_21"], 0, "{c}");
    assert_eq!(c["stabilisation_90"], 1, "{c}");
    assert_eq!(c["stabilisation_120"], 0, "{c}");
    assert!(c["waiting_for_staff"].as_u64().unwrap() >= 1, "{c}");
    let waiting = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "waiting_for_staff")
        .unwrap();
    assert_eq!(waiting["owner_type"], "staff");
    assert_eq!(waiting["owner_id"], json!(w.caseworker_a.id));
    let all = kinds(&v);
    let ranks: Vec<usize> = all.iter().map(|k| rank(k)).collect();
    assert!(
        ranks.windows(2).all(|p| p[0] <= p[1]),
        "most urgent first: {all:?}"
    );
    let total: u64 = RANK.iter().map(|k| c[*k].as_u64().unwrap()).sum();
    assert_eq!(total as usize, all.len(), "counts cover every item");
    let idle = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "inactive_14")
        .unwrap();
    assert_eq!(idle["days"], 15);
    assert!(idle["step_id"].is_null());
    let phase = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "stabilisation_90")
        .unwrap();
    assert_eq!(phase["days"], 100);
    let help = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "help_requested")
        .unwrap();
    assert!(help["step_title"].is_string());

    // Three weeks: 21 replaces 14; past 120 days replaces 90.
    age_plan(&app, &plan_id, 22, 130).await;
    let v = worklist(&app, &w.caseworker_a, "").await;
    assert_eq!(v["counts"]["inactive_21"], 1);
    assert_eq!(v["counts"]["inactive_14"], 0);
    assert_eq!(v["counts"]["stabilisation_120"], 1);
    assert_eq!(v["counts"]["stabilisation_90"], 0);

    // A kind filter narrows the items, never the counts.
    let f = worklist(&app, &w.caseworker_a, "?kind=help_requested,inactive_21").await;
    assert_eq!(kinds(&f), ["help_requested", "inactive_21"]);
    assert_eq!(f["counts"], v["counts"]);

    // Pages of one add up to the whole list, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let reply = app
            .get(&format!("/v1/worklist{query}"), Some(&w.caseworker_a.token))
            .await;
        reply.assert_status(200);
        let page = reply.value();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        seen.push(page["items"][0]["id"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert!(reply.header("link").unwrap().contains("rel=\"next\""));
                query = format!("?limit=1&cursor={next}");
            }
            None => break,
        }
    }
    let ids: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ids);

    // Bad input is refused as on every list.
    app.get("/v1/worklist?sort=name", Some(&w.caseworker_a.token))
        .await
        .assert_problem(400, "unknown_query_parameter");
    app.get("/v1/worklist?kind=everything", Some(&w.caseworker_a.token))
        .await
        .assert_problem(400, "bad_request");
    app.get("/v1/worklist?limit=0", Some(&w.caseworker_a.token))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/worklist?cursor=bm9wZQ", Some(&w.caseworker_a.token))
        .await
        .assert_problem(400, "invalid_cursor");
});

backend_test!(worklist_never_shows_another_teams_resident, |app| {
    let w = app.world().await;
    make_plan(&app, &w.caseworker_a, &w.resident_a, json!({})).await;
    make_plan(&app, &w.caseworker_b, &w.resident_b, json!({})).await;
    let residents = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["resident_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let a = worklist(&app, &w.caseworker_a, "").await;
    assert!(!residents(&a).is_empty());
    assert!(residents(&a).iter().all(|r| *r == w.resident_a.id), "{a}");
    assert!(
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["team_id"] == json!(w.team_a))
    );
    let b = worklist(&app, &w.caseworker_b, "").await;
    assert!(residents(&b).iter().all(|r| *r == w.resident_b.id), "{b}");
    assert!(!b.to_string().contains("Fatima"));
    // Naming the other team gives nothing, not its residents.
    let other = worklist(&app, &w.caseworker_b, &format!("?team_id={}", w.team_a)).await;
    assert_eq!(other["items"], json!([]));
    assert!(RANK.iter().all(|k| other["counts"][*k] == 0), "{other}");
    let own = worklist(&app, &w.caseworker_a, &format!("?team_id={}", w.team_a)).await;
    assert_eq!(own["counts"], a["counts"]);
    // Only caseworkers have a worklist.
    for who in [&w.resident_a, &w.volunteer, &w.admin, &w.researcher] {
        app.get("/v1/worklist", Some(&who.token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/v1/worklist", None)
        .await
        .assert_problem(401, "unauthorized");
});

backend_test!(preview_writes_nothing_and_matches_the_plan_made, |app| {
    let w = app.world().await;
    let body = json!({
        "intake": {"renter": true},
        "items": ["start.driegesprek", "start.digid", "start.id", "pap.huur", "pap.auto"],
        "done_in_conversation": ["start.digid"],
    });
    let url = format!("/v1/residents/{}/plans/preview", w.resident_a.id);
    let reply = app.post(&url, Some(&w.caseworker_a.token), &body).await;
    reply.assert_status(200);
    let preview = reply.value();
    assert_eq!(preview["dose"], 1);
    let state = |key: &str| -> String {
        preview["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["item_key"] == key)
            .unwrap_or_else(|| panic!("{key} in {preview}"))["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(state("start.digid"), "done_in_conversation");
    assert_eq!(state("start.driegesprek"), "done_in_conversation");
    assert_eq!(state("start.id"), "planned");
    assert_eq!(state("pap.auto"), "not_applicable", "no car in the intake");
    assert_eq!(state("sch.lijst"), "not_selected");
    let opens: Vec<&str> = preview["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["opens_at_start"] == true)
        .map(|s| s["item_key"].as_str().unwrap())
        .collect();
    // Nothing was written.
    let resident = app
        .get(
            &format!("/v1/residents/{}", w.resident_a.id),
            Some(&w.caseworker_a.token),
        )
        .await
        .value();
    assert!(resident["plan_id"].is_null(), "{resident}");

    // The same body makes the plan the preview showed.
    let plan = make_plan(&app, &w.caseworker_a, &w.resident_a, body.clone()).await;
    let steps = plan["steps"].as_array().unwrap();
    for p in preview["steps"].as_array().unwrap() {
        let s = steps
            .iter()
            .find(|s| s["item_key"] == p["item_key"])
            .unwrap();
        let want = match p["state"].as_str().unwrap() {
            "done_in_conversation" => "done",
            "planned" => {
                if p["opens_at_start"] == true {
                    "open"
                } else {
                    "planned"
                }
            }
            _ => "skipped",
        };
        assert_eq!(s["status"], want, "{}", p["item_key"]);
    }
    let digid = steps
        .iter()
        .find(|s| s["item_key"] == "start.digid")
        .unwrap();
    assert_eq!(digid["completion_note"], "in het gesprek");
    // The first issued step is the next one, not the one done in the conversation.
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let start_id = steps.iter().find(|s| s["item_key"] == "start.id").unwrap();
    let ids: Vec<&Value> = current["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(ids, [&start_id["id"]]);
    assert!(opens.contains(&"start.id"), "{opens:?}");
    // The timeline records it.
    let events = app
        .get(
            &format!(
                "/v1/plans/{}/events?limit=200",
                plan["id"].as_str().unwrap()
            ),
            Some(&w.caseworker_a.token),
        )
        .await
        .value();
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "completed" && e["step_id"] == digid["id"])
    );

    // Keys done in the conversation must be part of the plan.
    for (done, why) in [
        ("no.such", "unknown key"),
        ("sch.lijst", "not selected"),
        ("pap.auto", "not applicable"),
    ] {
        let bad = json!({
            "intake": {"renter": true},
            "items": ["start.driegesprek", "start.digid", "pap.auto"],
            "done_in_conversation": [done],
        });
        let v = app
            .post(&url, Some(&w.caseworker_a.token), &bad)
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(
            v["errors"][0]["field"], "done_in_conversation",
            "{why}: {v}"
        );
    }
    // Another team's resident does not exist for the preview either.
    app.post(
        &format!("/v1/residents/{}/plans/preview", w.resident_b.id),
        Some(&w.caseworker_a.token),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &url,
        Some(&w.caseworker_a.token),
        &json!({"dose": 1, "colour": "red"}),
    )
    .await
    .assert_problem(422, "validation_failed");
});

backend_test!(
    worklist_shows_snoozes_with_their_reason_and_documents_to_review,
    |app| {
        let w = app.world().await;
        make_plan(&app, &w.caseworker_a, &w.resident_a, json!({})).await;
        // Work off the crisis steps, then put the next step aside.
        let step = loop {
            let current = app
                .get("/v1/me/steps/current", Some(&w.resident_a.token))
                .await
                .value();
            let step = current["steps"][0].clone();
            if step["urgent"] == false {
                break step;
            }
            let id = step["id"].as_str().unwrap().to_owned();
            app.complete_my_step(&w.resident_a, &id)
                .await
                .assert_status(200);
        };
        let step_id = step["id"].as_str().unwrap().to_owned();
        let until = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive()
            + chrono::Duration::days(3);
        app.post(
            &format!("/v1/me/steps/{step_id}/snooze"),
            Some(&w.resident_a.token),
            &json!({"reason": "waiting_for_post", "until": until}),
        )
        .await
        .assert_status(200);
        // A document waits for review (stored directly: the upload path has its own tests).
        let plan_id = app
            .get(
                &format!("/v1/residents/{}", w.resident_a.id),
                Some(&w.caseworker_a.token),
            )
            .await
            .value()["plan_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let doc_id = uuid::Uuid::now_v7().to_string();
        let (pool, d, p, s) = (
            app.state.pool.clone(),
            doc_id.clone(),
            plan_id.clone(),
            step_id.clone(),
        );
        actix_web::web::block(move || {
            use stapvoorstap::db::documents::{DocumentRow, insert_document};
            insert_document(
                &mut pool.get().unwrap(),
                &DocumentRow {
                    id: d,
                    plan_id: p,
                    step_id: s,
                    media_type: "image/jpeg".into(),
                    size_bytes: 10,
                    sha256: "0".repeat(64),
                    key_id: "k".into(),
                    wrapped_key: "w".into(),
                    blob_key: "b".into(),
                    state: "pending".into(),
                    review_reason: None,
                    reviewed_by: None,
                    reviewed_at: None,
                    created_at: stapvoorstap::db::now(),
                },
            )
            .unwrap();
        })
        .await
        .unwrap();

        let v = worklist(&app, &w.caseworker_a, "?kind=snoozed,document_to_review").await;
        assert_eq!(kinds(&v), ["document_to_review", "snoozed"], "{v}");
        let doc = &v["items"][0];
        assert_eq!(doc["document_id"], json!(doc_id));
        assert_eq!(doc["step_id"], json!(step_id));
        assert!(doc["step_title"].is_string());
        let snoozed = &v["items"][1];
        assert_eq!(snoozed["step_id"], json!(step_id));
        assert_eq!(snoozed["reason"], "waiting_for_post");
        assert_eq!(snoozed["until"], json!(until));
        assert_eq!(v["counts"]["snoozed"], 1);
        assert_eq!(v["counts"]["document_to_review"], 1);
        // The other team sees neither.
        let b = worklist(&app, &w.caseworker_b, "?kind=snoozed,document_to_review").await;
        assert_eq!(b["items"], json!([]));
    }
);
