//! Cursor pagination on every growing list, entity tags (`ETag`, `If-Match`), conditional
//! `GET` (`If-None-Match` → 304) and the team members a caseworker may hand a step to.

use crate::backend_test;
use crate::helpers::{Login, Reply, TestApp, World};
use serde_json::{Value, json};
use std::collections::HashSet;

async fn plan_for(app: &TestApp, caseworker: &Login, resident: &Login) -> Value {
    let reply = app
        .post(
            &format!("/v1/residents/{}/plans", resident.id),
            Some(&caseworker.token),
            &json!({}),
        )
        .await;
    reply.assert_status(201);
    reply.value()
}

/// Completes the resident's first current step; false when none is open.
async fn complete_first(app: &TestApp, resident: &Login) -> bool {
    let current = app
        .get("/v1/me/steps/current", Some(&resident.token))
        .await
        .value();
    let Some(id) = current["steps"][0]["id"].as_str() else {
        return false;
    };
    app.complete_my_step(resident, id).await.assert_status(200);
    true
}

/// Checks one page: `items` is an array, `next` and `Link` agree. Returns (items, next link).
#[track_caller]
fn page_of(reply: &Reply, limit: usize) -> (Vec<Value>, Option<String>) {
    reply.assert_status(200);
    let v = reply.value();
    let items = v["items"].as_array().expect("items").clone();
    assert!(items.len() <= limit, "page larger than limit: {v}");
    let link = reply.header("link").map(str::to_owned);
    match v["next"].as_str() {
        None => {
            assert_eq!(v["next"], Value::Null);
            assert!(link.is_none(), "Link without next: {link:?}");
            (items, None)
        }
        Some(next) => {
            assert_eq!(items.len(), limit, "a page before the last one is full");
            let link = link.expect("Link header with next");
            let url = link
                .strip_prefix('<')
                .and_then(|l| l.strip_suffix(">; rel=\"next\""))
                .unwrap_or_else(|| panic!("Link form: {link}"))
                .to_owned();
            assert!(url.contains(&format!("cursor={next}")), "{url}");
            assert!(url.contains(&format!("limit={limit}")), "{url}");
            (items, Some(url))
        }
    }
}

/// Walks a list by following `Link` from `first` (a path with `limit=`), returning all items.
async fn walk(app: &TestApp, first: &str, token: &str, limit: usize) -> Vec<Value> {
    let mut url = Some(first.to_owned());
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(u) = url {
        let (items, next) = page_of(&app.get(&u, Some(token)).await, limit);
        all.extend(items);
        url = next;
        pages += 1;
        assert!(pages < 100, "runaway paging");
    }
    all
}

fn ids(items: &[Value], key: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| i[key].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn assert_unique(list: &[String], what: &str) {
    let set: HashSet<&String> = list.iter().collect();
    assert_eq!(
        set.len(),
        list.len(),
        "{what}: an item came twice: {list:?}"
    );
}

/// Walking with a small page gives exactly the one-page list, in order, each item once.
async fn same_as_one_page(app: &TestApp, path: &str, token: &str, key: &str, limit: usize) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let whole = walk(app, &format!("{path}{sep}limit=200"), token, 200).await;
    let paged = walk(app, &format!("{path}{sep}limit={limit}"), token, limit).await;
    let (whole, paged) = (ids(&whole, key), ids(&paged, key));
    assert!(
        whole.len() > limit,
        "{path}: the test needs more than one page ({})",
        whole.len()
    );
    assert_unique(&paged, path);
    assert_eq!(paged, whole, "{path}");
}

/// A world with activity: a plan per resident, four completions by resident A, reminders.
async fn busy_world(app: &TestApp) -> (World, String, String) {
    let w = app.world().await;
    let plan = plan_for(app, &w.caseworker_a, &w.resident_a).await;
    let plan_b = plan_for(app, &w.caseworker_b, &w.resident_b).await;
    for _ in 0..4 {
        assert!(complete_first(app, &w.resident_a).await);
    }
    (
        w,
        plan["id"].as_str().unwrap().to_owned(),
        plan_b["id"].as_str().unwrap().to_owned(),
    )
}

backend_test!(every_list_pages_with_a_stable_cursor, |app| {
    let (w, plan_id, _) = busy_world(&app).await;
    for name in ["Bram", "Cor", "Dewi", "Eef"] {
        app.resident(&w.caseworker_a, &w.team_a, name).await;
    }
    for _ in 0..3 {
        app.staff(&w.admin, "volunteer", &[&w.team_a]).await;
    }
    let cw = w.caseworker_a.token.as_str();
    same_as_one_page(&app, "/v1/residents", cw, "id", 2).await;
    same_as_one_page(
        &app,
        &format!("/v1/residents?team_id={}", w.team_a),
        cw,
        "id",
        2,
    )
    .await;
    same_as_one_page(&app, "/v1/users", &w.admin.token, "id", 2).await;
    same_as_one_page(&app, "/v1/users?role=volunteer", &w.admin.token, "id", 2).await;
    same_as_one_page(&app, "/v1/me/steps/done", &w.resident_a.token, "id", 2).await;
    same_as_one_page(&app, &format!("/v1/plans/{plan_id}/events"), cw, "id", 3).await;
    same_as_one_page(&app, &format!("/v1/plans/{plan_id}/reminders"), cw, "id", 2).await;
    same_as_one_page(&app, "/v1/audit", &w.admin.token, "id", 5).await;
    same_as_one_page(
        &app,
        &format!("/v1/audit?resident_id={}", w.resident_a.id),
        &w.admin.token,
        "id",
        2,
    )
    .await;
    same_as_one_page(&app, "/v1/research/plans", &w.researcher.token, "plan", 1).await;

    // The orders the spec promises.
    let residents = walk(&app, "/v1/residents?limit=2", cw, 2).await;
    let names: Vec<&str> = residents
        .iter()
        .map(|r| r["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bram", "Cor", "Dewi", "Eef", "Fatima"]);
    let done = walk(&app, "/v1/me/steps/done?limit=2", &w.resident_a.token, 2).await;
    let times: Vec<&str> = done
        .iter()
        .map(|s| s["completed_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "done steps newest first");
    let events = walk(&app, &format!("/v1/plans/{plan_id}/events?limit=4"), cw, 4).await;
    let recorded: Vec<&str> = events
        .iter()
        .map(|e| e["recorded_at"].as_str().unwrap())
        .collect();
    let mut sorted = recorded.clone();
    sorted.sort();
    assert_eq!(recorded, sorted, "events oldest first");
    let research = walk(&app, "/v1/research/plans?limit=1", &w.researcher.token, 1).await;
    let pseudonyms = ids(&research, "plan");
    let mut sorted = pseudonyms.clone();
    sorted.sort();
    assert_eq!(pseudonyms, sorted, "research rows in pseudonym order");
    assert_eq!(pseudonyms.len(), 2);
});

backend_test!(
    inserts_between_pages_neither_repeat_nor_skip_earlier_items,
    |app| {
        let (w, plan_id, _) = busy_world(&app).await;
        for name in ["Cor", "Dewi", "Eef", "Gijs"] {
            app.resident(&w.caseworker_a, &w.team_a, name).await;
        }
        let cw = w.caseworker_a.token.as_str();
        // Caseload by name: Cor, Dewi | Eef, Fatima | Gijs. After the first page, one resident
        // sorts before the cursor ("Anna", not shown: it is new) and one after ("Hugo", shown).
        let (first, next) = page_of(&app.get("/v1/residents?limit=2", Some(cw)).await, 2);
        app.resident(&w.caseworker_a, &w.team_a, "Anna").await;
        app.resident(&w.caseworker_a, &w.team_a, "Hugo").await;
        let mut all = first;
        all.extend(walk(&app, &next.unwrap(), cw, 2).await);
        let names: Vec<&str> = all
            .iter()
            .map(|r| r["display_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Cor", "Dewi", "Eef", "Fatima", "Gijs", "Hugo"]);

        // Timeline, oldest first: new events come at the end, after every earlier one.
        let before = walk(
            &app,
            &format!("/v1/plans/{plan_id}/events?limit=200"),
            cw,
            200,
        )
        .await;
        let (first, next) = page_of(
            &app.get(&format!("/v1/plans/{plan_id}/events?limit=3"), Some(cw))
                .await,
            3,
        );
        assert!(complete_first(&app, &w.resident_a).await);
        let mut all = first;
        all.extend(walk(&app, &next.unwrap(), cw, 3).await);
        let all = ids(&all, "id");
        assert_unique(&all, "events");
        assert_eq!(all[..before.len()], ids(&before, "id")[..]);
        assert!(all.len() > before.len(), "the new events follow");

        // Newest-first lists: what is added after the first page is not repeated later.
        for (path, token, limit) in [
            ("/v1/audit".to_owned(), w.admin.token.as_str(), 3),
            (
                "/v1/me/steps/done".to_owned(),
                w.resident_a.token.as_str(),
                1,
            ),
            (format!("/v1/plans/{plan_id}/reminders"), cw, 2),
        ] {
            let whole = ids(
                &walk(&app, &format!("{path}?limit=200"), token, 200).await,
                "id",
            );
            let (first, next) = page_of(
                &app.get(&format!("{path}?limit={limit}"), Some(token)).await,
                limit,
            );
            // New audit entries, a new done step and its new reminder.
            app.get("/v1/residents", Some(cw)).await.assert_status(200);
            assert!(complete_first(&app, &w.resident_a).await);
            let mut all = first;
            all.extend(walk(&app, &next.unwrap(), token, limit).await);
            let all = ids(&all, "id");
            assert_unique(&all, &path);
            assert_eq!(all, whole, "{path}");
        }
    }
);

backend_test!(bad_cursors_limits_and_parameters_are_refused, |app| {
    let (w, plan_id, plan_b) = busy_world(&app).await;
    let cw = w.caseworker_a.token.as_str();
    let lists = [
        ("/v1/residents".to_owned(), cw),
        ("/v1/users".to_owned(), w.admin.token.as_str()),
        ("/v1/me/steps/done".to_owned(), w.resident_a.token.as_str()),
        (format!("/v1/plans/{plan_id}/events"), cw),
        (format!("/v1/plans/{plan_id}/reminders"), cw),
        ("/v1/audit".to_owned(), w.admin.token.as_str()),
        ("/v1/research/plans".to_owned(), w.researcher.token.as_str()),
    ];
    // A real cursor of the events list, for use on the other lists.
    let events = app
        .get(&format!("/v1/plans/{plan_id}/events?limit=1"), Some(cw))
        .await
        .value();
    let events_cursor = events["next"].as_str().unwrap().to_owned();
    for (path, token) in &lists {
        // An empty cursor is the first page (clients that always send the parameter).
        app.get(&format!("{path}?cursor="), Some(token))
            .await
            .assert_status(200);
        for cursor in [
            "garbage!",
            "Zm9v",
            "ZXZlbnRzOjAxOTNiMmU0LTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA",
        ] {
            app.get(&format!("{path}?cursor={cursor}"), Some(token))
                .await
                .assert_problem(400, "invalid_cursor");
        }
        if !path.ends_with("/events") {
            app.get(&format!("{path}?cursor={events_cursor}"), Some(token))
                .await
                .assert_problem(400, "invalid_cursor");
        }
        for limit in ["0", "201", "-5"] {
            let v = app
                .get(&format!("{path}?limit={limit}"), Some(token))
                .await
                .assert_problem(422, "validation_failed");
            assert_eq!(v["errors"][0]["field"], "limit", "{path}");
        }
        app.get(&format!("{path}?limit=lots"), Some(token))
            .await
            .assert_problem(400, "bad_request");
        for legacy in ["offset=0", "page=2", "colour=blue"] {
            let v = app
                .get(&format!("{path}?{legacy}"), Some(token))
                .await
                .assert_problem(400, "unknown_query_parameter");
            let name = legacy.split('=').next().unwrap();
            assert!(
                v["detail"].as_str().unwrap().contains(&format!("`{name}`")),
                "{path}: {v}"
            );
        }
        app.get(&format!("{path}?limit=200"), Some(token))
            .await
            .assert_status(200);
    }
    // A cursor of plan A's timeline does not work on plan B's (it is not in that list).
    app.get(
        &format!("/v1/plans/{plan_b}/events?cursor={events_cursor}"),
        Some(&w.caseworker_b.token),
    )
    .await
    .assert_problem(400, "invalid_cursor");
    // Lists without parameters refuse unknown ones the same way.
    let members = format!("/v1/teams/{}/members", w.team_a);
    for (path, token) in [
        ("/v1/teams", cw),
        ("/v1/templates", cw),
        ("/v1/me/assigned-steps", w.volunteer.token.as_str()),
        ("/v1/research/summary", w.researcher.token.as_str()),
        (members.as_str(), cw),
    ] {
        app.get(&format!("{path}?limit=5"), Some(token))
            .await
            .assert_problem(400, "unknown_query_parameter");
        app.get(path, Some(token)).await.assert_status(200);
    }
});

backend_test!(research_csv_pages_follow_the_link_header, |app| {
    let (w, _, _) = busy_world(&app).await;
    let mut url = Some("/v1/research/plans?limit=1".to_owned());
    let mut rows = Vec::new();
    while let Some(u) = url {
        let csv = app
            .send(
                app.client
                    .get(app.url(&u))
                    .bearer_auth(&w.researcher.token)
                    .header("accept", "text/csv"),
            )
            .await;
        csv.assert_status(200);
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "a header and one row: {text}");
        rows.push(lines[1].split(',').next().unwrap().to_owned());
        url = csv.header("link").map(|l| {
            l.strip_prefix('<')
                .and_then(|l| l.split_once('>'))
                .unwrap()
                .0
                .to_owned()
        });
    }
    let json = walk(
        &app,
        "/v1/research/plans?limit=200",
        &w.researcher.token,
        200,
    )
    .await;
    assert_eq!(rows, ids(&json, "plan"));
});

fn etag_of(reply: &Reply) -> String {
    reply.header("etag").expect("ETag header").to_owned()
}

backend_test!(plans_and_steps_carry_their_entity_tags, |app| {
    let w = app.world().await;
    let plan = plan_for(&app, &w.caseworker_a, &w.resident_a).await;
    let plan_id = plan["id"].as_str().unwrap();
    let cw = w.caseworker_a.token.as_str();
    let read = app.get(&format!("/v1/plans/{plan_id}"), Some(cw)).await;
    read.assert_status(200);
    let plan_tag = etag_of(&read);
    let body = read.value();
    assert_eq!(body["etag"], plan_tag.as_str());
    for s in body["steps"].as_array().unwrap() {
        assert_eq!(s["etag"], format!("\"{}\"", s["version"]).as_str());
    }
    let step = body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "planned")
        .unwrap()
        .clone();
    let step_id = step["id"].as_str().unwrap();
    let one = app.get(&format!("/v1/steps/{step_id}"), Some(cw)).await;
    one.assert_status(200);
    assert_eq!(etag_of(&one), step["etag"].as_str().unwrap());
    assert_eq!(one.value()["etag"], step["etag"]);
    // Other teams and other roles do not see the step.
    app.get(&format!("/v1/steps/{step_id}"), Some(&w.caseworker_b.token))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/v1/steps/{step_id}"), Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");

    let patch = |if_match: &str, body: Value| {
        app.send(
            app.client
                .patch(app.url(&format!("/v1/steps/{step_id}")))
                .bearer_auth(cw)
                .header("If-Match", if_match)
                .json(&body),
        )
    };
    let tag = step["etag"].as_str().unwrap().to_owned();
    let bare = tag.trim_matches('"').to_owned();
    // Malformed is 400 and says so; it is not "changed by someone else".
    for bad in [
        bare.as_str(),
        "'1'",
        "\"1",
        "W/1",
        "\"1\" \"2\"",
        "*, \"1\"",
    ] {
        let v = patch(bad, json!({"priority": "P1"}))
            .await
            .assert_problem(400, "malformed_if_match");
        assert!(v["detail"].as_str().unwrap().contains("If-Match"), "{v}");
    }
    // A weak tag never matches (strong comparison); a stale one is 412.
    patch(&format!("W/{tag}"), json!({"priority": "P1"}))
        .await
        .assert_problem(412, "precondition_failed");
    patch("\"999\"", json!({"priority": "P1"}))
        .await
        .assert_problem(412, "precondition_failed");
    // A list with the current tag in it matches.
    let ok = patch(
        &format!("\"999\", W/\"x\", {tag}"),
        json!({"priority": "P1"}),
    )
    .await;
    ok.assert_status(200);
    let new_tag = etag_of(&ok);
    assert_ne!(new_tag, tag);
    assert_eq!(ok.value()["etag"], new_tag.as_str());
    // The exact field of a list works as If-Match, as sent.
    let listed = app
        .get(&format!("/v1/plans/{plan_id}"), Some(cw))
        .await
        .value();
    let listed_tag = listed["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == step_id)
        .unwrap()["etag"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(listed_tag, new_tag);
    patch(&listed_tag, json!({"priority": "P2"}))
        .await
        .assert_status(200);
    patch("*", json!({"priority": "P1"}))
        .await
        .assert_status(200);

    // The plan's tag moved with the step changes; If-Match on the plan guards its changes.
    let now = app.get(&format!("/v1/plans/{plan_id}"), Some(cw)).await;
    let current_plan_tag = etag_of(&now);
    assert_ne!(current_plan_tag, plan_tag);
    let patch_plan = |if_match: Option<&str>| {
        let mut req = app
            .client
            .patch(app.url(&format!("/v1/plans/{plan_id}")))
            .bearer_auth(cw)
            .json(&json!({"dose": 2}));
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        app.send(req)
    };
    patch_plan(Some(&plan_tag))
        .await
        .assert_problem(412, "precondition_failed");
    patch_plan(Some("12"))
        .await
        .assert_problem(400, "malformed_if_match");
    let changed = patch_plan(Some(&current_plan_tag)).await;
    changed.assert_status(200);
    let after = etag_of(&changed);
    assert_ne!(after, current_plan_tag);
    assert_eq!(changed.value()["etag"], after.as_str());
    assert_eq!(
        etag_of(&app.get(&format!("/v1/plans/{plan_id}"), Some(cw)).await),
        after,
        "the answer's tag is the stored state's"
    );
    // Without If-Match a plan change still works (it is optional there).
    patch_plan(None).await.assert_status(200);
});

backend_test!(
    current_step_and_progress_answer_304_while_unchanged,
    |app| {
        let w = app.world().await;
        plan_for(&app, &w.caseworker_a, &w.resident_a).await;
        let r = w.resident_a.token.as_str();
        let get = |path: &'static str, inm: Option<String>| {
            let mut req = app.client.get(app.url(path)).bearer_auth(r);
            if let Some(v) = inm {
                req = req.header("If-None-Match", v);
            }
            app.send(req)
        };
        for path in ["/v1/me/steps/current", "/v1/me/progress"] {
            let first = get(path, None).await;
            first.assert_status(200);
            let tag = etag_of(&first);
            assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
            let again = get(path, Some(tag.clone())).await;
            assert_eq!(again.status, 304, "{path}: {}", again.text());
            assert!(again.body.is_empty(), "304 has no body");
            assert_eq!(etag_of(&again), tag);
            // Weak comparison for If-None-Match; lists and `*` work; other tags do not.
            assert_eq!(get(path, Some(format!("W/{tag}"))).await.status, 304);
            assert_eq!(get(path, Some(format!("\"x\", {tag}"))).await.status, 304);
            assert_eq!(get(path, Some("*".into())).await.status, 304);
            let other = get(path, Some("\"0000\"".into())).await;
            other.assert_status(200);
            assert_eq!(etag_of(&other), tag);
            assert_eq!(other.value(), first.value());
            get(path, Some("abc".into()))
                .await
                .assert_problem(400, "malformed_if_none_match");
        }
        let step_tag = etag_of(&get("/v1/me/steps/current", None).await);
        let progress_tag = etag_of(&get("/v1/me/progress", None).await);
        assert!(complete_first(&app, &w.resident_a).await);
        for (path, old) in [
            ("/v1/me/steps/current", step_tag),
            ("/v1/me/progress", progress_tag),
        ] {
            let changed = get(path, Some(old.clone())).await;
            changed.assert_status(200);
            assert_ne!(etag_of(&changed), old, "{path}: the tag follows the answer");
        }
    }
);

backend_test!(caseworkers_list_the_members_of_their_own_teams, |app| {
    let w = app.world().await;
    let path_a = format!("/v1/teams/{}/members", w.team_a);
    let members = app.get(&path_a, Some(&w.caseworker_a.token)).await;
    members.assert_status(200);
    let members = members.value();
    let list = members.as_array().unwrap();
    let ids: HashSet<&str> = list.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        HashSet::from([w.caseworker_a.id.as_str(), w.volunteer.id.as_str()])
    );
    for m in list {
        let keys: HashSet<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            HashSet::from(["id", "display_name", "role", "discipline"]),
            "nothing more: {m}"
        );
    }
    let volunteer = list.iter().find(|m| m["role"] == "volunteer").unwrap();
    assert_eq!(volunteer["display_name"], "Test volunteer");
    let caseworker = list.iter().find(|m| m["role"] == "caseworker").unwrap();
    assert_eq!(caseworker["discipline"], "generalist");
    // Enough to hand a step over, without an admin.
    let plan = plan_for(&app, &w.caseworker_a, &w.resident_a).await;
    let step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "planned")
        .unwrap();
    app.send(
        app.client
            .patch(app.url(&format!("/v1/steps/{}", step["id"].as_str().unwrap())))
            .bearer_auth(&w.caseworker_a.token)
            .header("If-Match", step["etag"].as_str().unwrap())
            .json(&json!({"owner": {"type": "volunteer", "user_id": volunteer["id"]}})),
    )
    .await
    .assert_status(200);
    // Another team's caseworker: as if absent. Volunteers and residents: not their endpoint.
    app.get(&path_a, Some(&w.caseworker_b.token))
        .await
        .assert_problem(404, "not_found");
    app.get(&path_a, Some(&w.volunteer.token))
        .await
        .assert_problem(403, "forbidden");
    app.get(&path_a, Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");
    app.get(&path_a, Some(&w.researcher.token))
        .await
        .assert_problem(403, "forbidden");
    // Admins see every team; an unknown team is 404.
    let b = app
        .get(
            &format!("/v1/teams/{}/members", w.team_b),
            Some(&w.admin.token),
        )
        .await;
    b.assert_status(200);
    assert_eq!(b.value()[0]["id"], w.caseworker_b.id.as_str());
    app.get(
        &format!("/v1/teams/{}/members", uuid::Uuid::now_v7()),
        Some(&w.admin.token),
    )
    .await
    .assert_problem(404, "not_found");
    // A disabled account is no longer offered.
    app.method_json(
        reqwest::Method::PATCH,
        &format!("/v1/users/{}", w.volunteer.id),
        Some(&w.admin.token),
        &json!({"disabled": true}),
    )
    .await
    .assert_status(200);
    let after = app.get(&path_a, Some(&w.caseworker_a.token)).await.value();
    assert_eq!(after.as_array().unwrap().len(), 1);
});
