//! The core loop: a plan from the default template, dosed steps, completion with the next step
//! in the answer, idempotent retries, staff work, verification, reopening.

use crate::backend_test;
use crate::helpers::{Login, TestApp, World};
use serde_json::{Value, json};

async fn make_plan(app: &TestApp, w: &World, resident: &Login, body: Value) -> Value {
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

fn current_ids(v: &Value) -> Vec<String> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Completes the resident's first current step with a fresh key; returns the answer.
async fn complete_first(app: &TestApp, resident: &Login) -> Option<Value> {
    let current = app
        .get("/v1/me/steps/current", Some(&resident.token))
        .await
        .value();
    let id = current["steps"].as_array().unwrap().first()?["id"]
        .as_str()?
        .to_owned();
    let reply = app
        .send(
            app.client
                .post(app.url(&format!("/v1/me/steps/{id}/complete")))
                .bearer_auth(&resident.token)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string()),
        )
        .await;
    reply.assert_status(200);
    Some(reply.value())
}

backend_test!(templates_are_listed_and_readable, |app| {
    let w = app.world().await;
    let list = app.get("/v1/templates", Some(&w.caseworker_a.token)).await;
    list.assert_status(200);
    let first = &list.value()[0];
    assert_eq!(first["key"], "stabilisatie");
    let n = first["items"].as_u64().unwrap();
    assert!((40..=60).contains(&n), "{n}");
    let one = app
        .get(
            &format!("/v1/templates/{}", first["id"].as_str().unwrap()),
            Some(&w.caseworker_a.token),
        )
        .await;
    one.assert_status(200);
    assert_eq!(
        one.value()["template"]["items"].as_array().unwrap().len() as u64,
        n
    );
    app.get("/v1/templates", Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");
});

backend_test!(
    dose_one_loop_issues_exactly_one_resident_step_at_a_time,
    |app| {
        let w = app.world().await;
        let plan = make_plan(&app, &w, &w.resident_a, json!({"intake": {"renter": true}})).await;
        assert_eq!(plan["dose"], 1);
        let steps = plan["steps"].as_array().unwrap();
        // Conditional items without a yes are n.v.t.; the driegesprek counts as done (endowed progress).
        let by_key = |k: &str| steps.iter().find(|s| s["item_key"] == k).unwrap().clone();
        assert_eq!(by_key("pap.auto")["status"], "skipped");
        assert_eq!(by_key("pap.auto")["status_reason"], "n.v.t.");
        assert_eq!(by_key("pap.huur")["status"], "planned");
        assert_eq!(by_key("start.driegesprek")["status"], "done");
        assert!(plan["progress"]["done"].as_u64().unwrap() >= 1);

        // The resident sees one step, never the whole list; it is the P0 insurance check.
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let ids = current_ids(&current);
        assert_eq!(ids.len(), 1, "{current}");
        assert_eq!(current["steps"][0]["urgent"], true);
        assert!(
            current["steps"][0]["title"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("zorgverzekering")
        );

        // Completing returns the next step in the same answer; always exactly one open.
        let mut seen = std::collections::HashSet::new();
        seen.insert(ids[0].clone());
        let mut rounds = 0;
        while let Some(answer) = complete_first(&app, &w.resident_a).await {
            rounds += 1;
            // The answer's progress is worked out from the outline read before the change;
            // it must equal what a fresh read of the stored plan gives.
            let stored = app
                .get("/v1/me/steps/current", Some(&w.resident_a.token))
                .await
                .value();
            assert_eq!(answer["progress"], stored["progress"], "round {rounds}");
            assert_eq!(answer["current"], stored["steps"], "round {rounds}");
            let current: Vec<&Value> = answer["current"].as_array().unwrap().iter().collect();
            assert!(current.len() <= 1, "dose 1 allows one open step: {answer}");
            if let Some(next) = current.first() {
                let id = next["id"].as_str().unwrap().to_owned();
                assert!(seen.insert(id), "a step was issued twice");
                assert_eq!(answer["next"][0]["id"], next["id"]);
            }
            assert!(rounds < 80, "loop does not end");
        }
        // All resident steps that can be done are done; the rest wait for staff steps.
        assert!(rounds >= 10, "only {rounds} steps");
        let plan_now = app
            .get(
                &format!("/v1/plans/{}", plan["id"].as_str().unwrap()),
                Some(&w.caseworker_a.token),
            )
            .await
            .value();
        let resident_done = plan_now["progress"]["resident_done"].as_u64().unwrap();
        assert!(resident_done as usize >= rounds);
    }
);

backend_test!(
    dose_three_keeps_three_open_and_staff_steps_unblock_resident_steps,
    |app| {
        let w = app.world().await;
        let plan = make_plan(
            &app,
            &w,
            &w.resident_a,
            json!({"dose": 3, "intake": {"renter": true}}),
        )
        .await;
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        assert_eq!(current_ids(&current).len(), 3, "{current}");
        for _ in 0..5 {
            let answer = complete_first(&app, &w.resident_a).await.unwrap();
            assert_eq!(answer["current"].as_array().unwrap().len(), 3, "{answer}");
        }
        // Staff steps open as soon as their dependencies are done; the caseworker sees them.
        let mut work = Value::Null;
        for _ in 0..40 {
            work = app
                .get("/v1/me/assigned-steps", Some(&w.caseworker_a.token))
                .await
                .value();
            if work
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["step"]["status"] == "open")
            {
                break;
            }
            let answer = complete_first(&app, &w.resident_a)
                .await
                .expect("resident steps left");
            assert!(answer["current"].as_array().unwrap().len() <= 3, "{answer}");
            let stored = app
                .get("/v1/me/steps/current", Some(&w.resident_a.token))
                .await
                .value();
            assert_eq!(answer["progress"], stored["progress"]);
            assert_eq!(answer["current"], stored["steps"]);
        }
        let open_staff: Vec<&Value> = work
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["step"]["status"] == "open")
            .collect();
        assert!(!open_staff.is_empty(), "{work}");
        assert_eq!(open_staff[0]["resident_first_name"], "Fatima");
        let step_id = open_staff[0]["step"]["id"].as_str().unwrap();
        app.post(
            &format!("/v1/steps/{step_id}/complete"),
            Some(&w.caseworker_a.token),
            &json!({"note": "Besproken"}),
        )
        .await
        .assert_status(200);
        app.post(
            &format!("/v1/steps/{step_id}/verify"),
            Some(&w.caseworker_a.token),
            &json!(null),
        )
        .await
        .assert_status(200);
        // The resident sees it as done for them, with the caseworker's first name.
        let progress = app
            .get("/v1/me/progress", Some(&w.resident_a.token))
            .await
            .value();
        assert!(
            progress["done_for_you"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["owner_first_name"] == "Test"),
            "{progress}"
        );
        // Pausing stops issuing; lowering the dose keeps what is open.
        let paused = app
            .method_json(
                reqwest::Method::PATCH,
                &format!("/v1/plans/{plan_id}"),
                Some(&w.caseworker_a.token),
                &json!({"status": "paused"}),
            )
            .await;
        paused.assert_status(200);
        let before = current_ids(
            &app.get("/v1/me/steps/current", Some(&w.resident_a.token))
                .await
                .value(),
        );
        let answer = complete_first(&app, &w.resident_a).await.unwrap();
        assert_eq!(
            answer["next"].as_array().unwrap().len(),
            0,
            "a paused plan issues nothing"
        );
        assert_eq!(
            answer["current"].as_array().unwrap().len(),
            before.len() - 1
        );
        // The timeline has every kind of event.
        let events = app
            .get(
                &format!("/v1/plans/{plan_id}/events?limit=200"),
                Some(&w.caseworker_a.token),
            )
            .await
            .value()["items"]
            .clone();
        let kinds: std::collections::HashSet<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for k in [
            "plan_created",
            "issued",
            "completed",
            "verified",
            "plan_changed",
        ] {
            assert!(kinds.contains(k), "missing {k}: {kinds:?}");
        }
    }
);

backend_test!(concurrent_completions_count_once_and_keys_replay, |app| {
    let w = app.world().await;
    make_plan(&app, &w, &w.resident_a, json!({"dose": 2})).await;
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let id = current["steps"][0]["id"].as_str().unwrap().to_owned();
    let url = app.url(&format!("/v1/me/steps/{id}/complete"));
    let mut handles = Vec::new();
    for i in 0..20 {
        let req = app
            .client
            .post(&url)
            .bearer_auth(&w.resident_a.token)
            .header("Idempotency-Key", format!("key-{i}"));
        handles.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    // The winning key replays the same answer without a second completion.
    let winner = (0..20).find(|i| statuses[*i] == 200).unwrap();
    let replay = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&w.resident_a.token)
                .header("Idempotency-Key", format!("key-{winner}")),
        )
        .await;
    replay.assert_status(200);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let after = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    assert_eq!(
        current_ids(&after).len(),
        2,
        "exactly dose open steps: {after}"
    );
    let done = app
        .get("/v1/me/steps/done", Some(&w.resident_a.token))
        .await
        .value()["items"]
        .clone();
    assert_eq!(
        done.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["id"] == id.as_str())
            .count(),
        1
    );
});

backend_test!(step_edits_need_a_fresh_etag, |app| {
    let w = app.world().await;
    let plan = make_plan(&app, &w, &w.resident_a, json!({})).await;
    let step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "planned")
        .unwrap()
        .clone();
    let id = step["id"].as_str().unwrap();
    let version = step["version"].as_i64().unwrap();
    let patch = |etag: Option<String>, body: Value| {
        let mut req = app
            .client
            .patch(app.url(&format!("/v1/steps/{id}")))
            .bearer_auth(&w.caseworker_a.token)
            .json(&body);
        if let Some(e) = etag {
            req = req.header("If-Match", e);
        }
        app.send(req)
    };
    patch(None, json!({"priority": "P1"}))
        .await
        .assert_problem(428, "precondition_required");
    let ok = patch(
        Some(format!("\"{version}\"")),
        json!({"priority": "P1", "due_on": "2026-12-24"}),
    )
    .await;
    ok.assert_status(200);
    assert_eq!(
        ok.header("etag"),
        Some(format!("\"{}\"", version + 1).as_str())
    );
    assert_eq!(ok.value()["due_on"], "2026-12-24");
    patch(Some(format!("\"{version}\"")), json!({"priority": "P2"}))
        .await
        .assert_problem(412, "precondition_failed");
    let cleared = patch(
        Some(format!("\"{}\"", version + 1)),
        json!({"due_on": null, "status": "skipped", "reason": "Al geregeld"}),
    )
    .await;
    cleared.assert_status(200);
    assert_eq!(cleared.value()["due_on"], Value::Null);
    assert_eq!(cleared.value()["status"], "skipped");
});

backend_test!(help_requests_and_handover_to_a_volunteer, |app| {
    let w = app.world().await;
    make_plan(&app, &w, &w.resident_a, json!({})).await;
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let id = current["steps"][0]["id"].as_str().unwrap().to_owned();
    let help = app
        .post(
            &format!("/v1/me/steps/{id}/help"),
            Some(&w.resident_a.token),
            &json!(null),
        )
        .await;
    help.assert_status(200);
    assert_eq!(help.value()["help_requested"], true);
    // The caseworker hands the step to the team's volunteer.
    let plan_step = app.get("/v1/residents", Some(&w.caseworker_a.token)).await;
    plan_step.assert_status(200);
    let step_before = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await
        .value();
    assert_eq!(step_before.as_array().unwrap().len(), 0);
    let patch = app
        .send(
            app.client
                .patch(app.url(&format!("/v1/steps/{id}")))
                .bearer_auth(&w.caseworker_a.token)
                .header("If-Match", "*")
                .json(&json!({"owner": {"type": "volunteer", "user_id": w.volunteer.id}})),
        )
        .await;
    patch.assert_status(200);
    let work = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await
        .value();
    assert_eq!(work.as_array().unwrap().len(), 1, "{work}");
    assert_eq!(work[0]["resident_first_name"], "Fatima");
    app.post(
        &format!("/v1/steps/{id}/complete"),
        Some(&w.volunteer.token),
        &json!(null),
    )
    .await
    .assert_status(200);
});

backend_test!(an_erased_residents_steps_leave_the_work_list, |app| {
    let w = app.world().await;
    make_plan(&app, &w, &w.resident_a, json!({})).await;
    let current = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value();
    let id = current["steps"][0]["id"].as_str().unwrap().to_owned();
    app.send(
        app.client
            .patch(app.url(&format!("/v1/steps/{id}")))
            .bearer_auth(&w.caseworker_a.token)
            .header("If-Match", "*")
            .json(&json!({"owner": {"type": "volunteer", "user_id": w.volunteer.id}})),
    )
    .await
    .assert_status(200);
    let work = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await
        .value();
    assert_eq!(work.as_array().unwrap().len(), 1);
    app.method_json(
        reqwest::Method::DELETE,
        &format!("/v1/residents/{}", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({"reason": "verzoek inwoner"}),
    )
    .await
    .assert_status(204);
    let work = app
        .get("/v1/me/assigned-steps", Some(&w.volunteer.token))
        .await;
    work.assert_status(200);
    assert_eq!(
        work.value(),
        json!([]),
        "nobody left to help, and no empty name"
    );
});

/// The engine's view of a step from the staff plan JSON.
fn dose_view(plan: &Value) -> Vec<stapvoorstap::domain::dosing::DoseStep> {
    use stapvoorstap::domain::kinds::{OwnerType, Priority, StepStatus};
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| stapvoorstap::domain::dosing::DoseStep {
            id: s["id"].as_str().unwrap().to_owned(),
            owner: s["owner_type"]
                .as_str()
                .unwrap()
                .parse::<OwnerType>()
                .unwrap(),
            status: s["status"].as_str().unwrap().parse::<StepStatus>().unwrap(),
            priority: s["priority"].as_str().unwrap().parse::<Priority>().unwrap(),
            category_order: 0,
            position: 0,
            depends_on: s["depends_on"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_owned())
                .collect(),
            held: false,
        })
        .collect()
}

/// Walks a whole plan from the first conversation to the last step, completing resident steps
/// as the resident and staff steps as the caseworker; after every completion the newly opened
/// steps are exactly the ones the dosing rules predict.
async fn walk_to_the_end(app: &TestApp, dose: u8) {
    use stapvoorstap::domain::kinds::{PlanStatus, StepStatus};
    let w = app.world().await;
    let plan = make_plan(
        app,
        &w,
        &w.resident_a,
        json!({"dose": dose, "intake": {"renter": true, "garnishment": true}}),
    )
    .await;
    let plan_url = format!("/v1/plans/{}", plan["id"].as_str().unwrap());
    let mut rounds = 0;
    loop {
        let plan = app
            .get(&plan_url, Some(&w.caseworker_a.token))
            .await
            .value();
        let steps = plan["steps"].as_array().unwrap();
        let open: Vec<&Value> = steps.iter().filter(|s| s["status"] == "open").collect();
        let open_resident = open
            .iter()
            .filter(|s| s["owner_type"] == "resident")
            .count();
        assert!(
            open_resident <= dose as usize || open.iter().any(|s| s["priority"] == "P0"),
            "over-issued: {open_resident}"
        );
        let Some(target) = open
            .iter()
            .find(|s| s["owner_type"] == "resident")
            .or(open.first())
        else {
            break;
        };
        let id = target["id"].as_str().unwrap().to_owned();
        // Predict: the target done, then the engine opens exactly these.
        let mut view = dose_view(&plan);
        // Sort keys must match the service's: take them from the stored positions.
        for (v, s) in view.iter_mut().zip(steps.iter()) {
            v.position = s["position"].as_i64().unwrap() as i32;
            v.category_order = category_rank(s["category"].as_str().unwrap());
            if v.id == id {
                v.status = StepStatus::Done;
            }
        }
        let mut expected =
            stapvoorstap::domain::dosing::steps_to_open(PlanStatus::Active, dose, &view);
        expected.sort();
        let next: Vec<String> = if target["owner_type"] == "resident" {
            let reply = app
                .send(
                    app.client
                        .post(app.url(&format!("/v1/me/steps/{id}/complete")))
                        .bearer_auth(&w.resident_a.token)
                        .header("Idempotency-Key", format!("walk-{rounds}")),
                )
                .await;
            reply.assert_status(200);
            let after = app
                .get(&plan_url, Some(&w.caseworker_a.token))
                .await
                .value();
            newly_open(&plan, &after)
        } else {
            app.post(
                &format!("/v1/steps/{id}/complete"),
                Some(&w.caseworker_a.token),
                &json!(null),
            )
            .await
            .assert_status(200);
            let after = app
                .get(&plan_url, Some(&w.caseworker_a.token))
                .await
                .value();
            newly_open(&plan, &after)
        };
        assert_eq!(
            next, expected,
            "round {rounds}: completing {}",
            target["item_key"]
        );
        rounds += 1;
        assert!(rounds <= 70, "the plan does not end");
    }
    let plan = app
        .get(&plan_url, Some(&w.caseworker_a.token))
        .await
        .value();
    assert_eq!(plan["progress"]["percent"], 100, "{}", plan["progress"]);
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] != "planned" && s["status"] != "open")
    );
    assert!(
        rounds >= 40,
        "a renter with garnishment has about 45 live steps, walked {rounds}"
    );
    let ms: Vec<&str> = plan["progress"]["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(
        ms.contains(&"first_step") && ms.contains(&"half_way") && ms.contains(&"all_done"),
        "{ms:?}"
    );
}

fn category_rank(key: &str) -> i32 {
    [
        "start",
        "spoed",
        "papieren",
        "inkomen",
        "toeslagen",
        "lasten",
        "schulden",
        "beslag",
        "afronden",
    ]
    .iter()
    .position(|k| *k == key)
    .map(|p| p as i32 + 1)
    .unwrap_or(99)
}

fn newly_open(before: &Value, after: &Value) -> Vec<String> {
    let was_open: std::collections::HashSet<&str> = before["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "open")
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let mut ids: Vec<String> = after["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "open" && !was_open.contains(s["id"].as_str().unwrap()))
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

backend_test!(whole_plan_to_the_last_step_with_dose_one, |app| {
    walk_to_the_end(&app, 1).await;
});

backend_test!(whole_plan_to_the_last_step_with_dose_three, |app| {
    walk_to_the_end(&app, 3).await;
});
