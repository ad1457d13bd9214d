//! The wire format a phone app relies on: every date and time in every answer of a full
//! scenario is RFC 3339 with an offset or a plain `YYYY-MM-DD` within 0001–9999; date inputs
//! outside that range are refused; whole numbers written as `3.0` are integers; an empty, `{}`
//! or `null` completion body means "no extra data".

use crate::backend_test;
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};

const CALM: [&str; 5] = [
    "start.postplek",
    "start.post_openen",
    "start.id",
    "pap.meterstanden",
    "pap.inkomen",
];

/// Strings that look like a date or a time, and are not in one of the two allowed forms.
fn bad_dates(v: &Value, path: &str, seen: &mut usize, bad: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            // A year of 4 or more digits (maybe signed), a two-digit month, a day: `YYYY-MM-DD…`.
            let digits = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
            let parts: Vec<&str> = s.trim_start_matches(['+', '-']).splitn(3, '-').collect();
            let looks_like_date = parts.len() == 3
                && parts[0].len() >= 4
                && digits(parts[0])
                && parts[1].len() == 2
                && digits(parts[1])
                && parts[2].get(..2).is_some_and(digits);
            if !looks_like_date {
                return;
            }
            *seen += 1;
            let plain_date = s.len() == 10
                && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                && &s[..4] != "0000";
            let timestamp = s.len() > 19
                && b[4] == b'-'
                && b[10] == b'T'
                && (s.ends_with('Z') || {
                    let tail = &s[s.len() - 6..];
                    (tail.starts_with('+') || tail.starts_with('-')) && &tail[3..4] == ":"
                })
                && chrono::DateTime::parse_from_rfc3339(s).is_ok();
            if !plain_date && !timestamp {
                bad.push(format!("{path}: {s}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                bad_dates(item, &format!("{path}/{i}"), seen, bad);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                bad_dates(item, &format!("{path}/{k}"), seen, bad);
            }
        }
        _ => {}
    }
}

#[test]
fn the_date_scan_finds_dates_without_offset_or_out_of_range() {
    let answer = json!({
        "ok": ["2026-12-01", "2026-12-01T17:55:45.275657Z", "2026-12-01T18:55:45+01:00", "2026-W48", "10:30", "nl-NL"],
        "met_at": "2026-12-01T17:55:45.275657",
        "due_on": "+10000-01-01",
        "zero": "0000-01-01",
        "uuid": "01a23345-0033-7563-a78b-c4e591a5563d",
        "week": "2026-W48-1",
    });
    let (mut seen, mut bad) = (0, Vec::new());
    bad_dates(&answer, "", &mut seen, &mut bad);
    assert_eq!(seen, 6);
    assert_eq!(
        bad,
        [
            "/due_on: +10000-01-01",
            "/met_at: 2026-12-01T17:55:45.275657",
            "/zero: 0000-01-01"
        ]
    );
}

/// Records every JSON answer of the scenario.
struct Recorder<'a> {
    app: &'a TestApp,
    answers: Vec<(String, Value)>,
}

impl Recorder<'_> {
    fn keep(&mut self, what: &str, reply: &Reply, status: u16) -> Value {
        reply.assert_status(status);
        let v = if reply.body.is_empty() {
            Value::Null
        } else {
            reply.value()
        };
        self.answers.push((what.to_owned(), v.clone()));
        v
    }
    async fn get(&mut self, path: &str, token: &str) -> Value {
        let r = self.app.get(path, Some(token)).await;
        self.keep(&format!("GET {path}"), &r, 200)
    }
    async fn post(&mut self, path: &str, token: &str, body: Value, status: u16) -> Value {
        let r = self.app.post(path, Some(token), &body).await;
        self.keep(&format!("POST {path}"), &r, status)
    }
    async fn put(&mut self, path: &str, token: &str, body: Value) -> Value {
        let r = self
            .app
            .method_json(reqwest::Method::PUT, path, Some(token), &body)
            .await;
        self.keep(&format!("PUT {path}"), &r, 200)
    }
}

backend_test!(
    every_date_and_time_in_a_full_scenario_is_well_formed,
    |app| {
        let w = app.world().await;
        let mut rec = Recorder {
            app: &app,
            answers: Vec::new(),
        };
        let today = chrono::Utc::now().date_naive();
        let cw = w.caseworker_a.token.clone();
        let res = w.resident_a.token.clone();
        let plan = rec
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            &cw,
            json!({"items": CALM, "dose": 2, "due_dates": {"pap.inkomen": today + chrono::Duration::days(20)}}),
            201,
        )
        .await;
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        let current = rec.get("/v1/me/steps/current", &res).await;
        let first = current["steps"][0]["id"].as_str().unwrap().to_owned();
        let second = current["steps"][1]["id"].as_str().unwrap().to_owned();
        rec.post(
            &format!("/v1/me/steps/{second}/help"),
            &res,
            json!(null),
            200,
        )
        .await;
        rec.put(
            &format!("/v1/me/steps/{second}/intention"),
            &res,
            json!({"on": today + chrono::Duration::days(1), "part_of_day": "evening"}),
        )
        .await;
        rec.put(
        "/v1/me/notification-preferences",
        &res,
        json!({"enabled": true, "quiet_hours": "21:00-08:00", "daily_cap": 2.0, "weekly_cap": 7, "timezone": "Europe/Amsterdam"}),
    )
    .await;
        rec.post(
            &format!("/v1/me/steps/{first}/complete"),
            &res,
            json!(null),
            200,
        )
        .await;
        rec.post(
            &format!("/v1/me/steps/{first}/mood"),
            &res,
            json!({"score": 4}),
            204,
        )
        .await;
        rec.post("/v1/me/alliance", &res, json!({"score": 5}), 204)
            .await;
        rec.post(
            &format!("/v1/me/steps/{second}/snooze"),
            &res,
            json!({"reason": "waiting_for_post", "until": today + chrono::Duration::days(3)}),
            200,
        )
        .await;
        rec.post(
            "/v1/me/devices",
            &res,
            json!({"token": "fcm-token-wire-test", "platform": "android", "locale": "nl-NL"}),
            200,
        )
        .await;
        for path in [
            "/v1/me",
            "/v1/me/steps/current",
            "/v1/me/steps/done",
            "/v1/me/progress",
            "/v1/me/export",
            "/v1/me/notification-preferences",
        ] {
            rec.get(path, &res).await;
        }
        for path in [
            format!("/v1/plans/{plan_id}"),
            format!("/v1/plans/{plan_id}/events"),
            format!("/v1/plans/{plan_id}/reminders"),
            format!("/v1/plans/{plan_id}/handover"),
            format!("/v1/residents/{}", w.resident_a.id),
            "/v1/residents".to_owned(),
            "/v1/me/assigned-steps".to_owned(),
        ] {
            rec.get(&path, &cw).await;
        }
        for path in ["/v1/users", "/v1/teams", "/v1/audit", "/v1/templates"] {
            rec.get(path, &w.admin.token).await;
        }
        for path in ["/v1/research/plans", "/v1/research/summary"] {
            let r = app
                .send(
                    app.client
                        .get(app.url(path))
                        .bearer_auth(&w.researcher.token)
                        .header("accept", "application/json"),
                )
                .await;
            rec.keep(path, &r, 200);
        }

        let (mut seen, mut bad) = (0, Vec::new());
        for (what, v) in &rec.answers {
            bad_dates(v, what, &mut seen, &mut bad);
        }
        assert!(
            bad.is_empty(),
            "dates and times not in RFC 3339 with offset or YYYY-MM-DD:\n{}",
            bad.join("\n")
        );
        // The scan saw the times it is about (the criteria, the timeline, the export, ...).
        assert!(seen > 50, "only {seen} dates and times seen");
        let export = &rec
            .answers
            .iter()
            .find(|(w, _)| w == "GET /v1/me/export")
            .unwrap()
            .1;
        assert_eq!(export["plans"][0]["events"][0]["kind"], "arm_assigned");
    }
);

backend_test!(dates_outside_0001_to_9999_are_refused, |app| {
    let w = app.world().await;
    let resident = format!("/v1/residents/{}/plans", w.resident_a.id);
    for bad in ["+10000-01-01", "0000-12-31", "2026-13-01", "2026-1-5"] {
        app.post(
            &resident,
            Some(&w.caseworker_a.token),
            &json!({"items": CALM, "due_dates": {"pap.inkomen": bad}}),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
    let plan = app
        .post(
            &resident,
            Some(&w.caseworker_a.token),
            &json!({"items": CALM}),
        )
        .await;
    plan.assert_status(201);
    let plan = plan.value();
    let step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["item_key"] == "pap.inkomen")
        .unwrap();
    let add = format!("/v1/plans/{}/steps", plan["id"].as_str().unwrap());
    app.post(
        &add,
        Some(&w.caseworker_a.token),
        &json!({"category": "papieren", "title": {"nl": "Iets"}, "due_on": "+10000-01-01"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let patch = app
        .send(
            app.client
                .patch(app.url(&format!("/v1/steps/{}", step["id"].as_str().unwrap())))
                .bearer_auth(&w.caseworker_a.token)
                .header("If-Match", format!("\"{}\"", step["version"]))
                .json(&json!({"due_on": "+10000-01-01"})),
        )
        .await;
    patch.assert_problem(422, "validation_failed");
    // Nothing was written.
    let after = app
        .get(
            &format!("/v1/plans/{}", plan["id"].as_str().unwrap()),
            Some(&w.caseworker_a.token),
        )
        .await
        .value();
    assert!(
        after["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["due_on"].is_null())
    );
    assert_eq!(
        after["steps"].as_array().unwrap().len(),
        plan["steps"].as_array().unwrap().len()
    );
});

backend_test!(whole_numbers_written_as_floats_are_integers, |app| {
    let w = app.world().await;
    let path = format!("/v1/residents/{}/plans", w.resident_a.id);
    app.post(
        &path,
        Some(&w.caseworker_a.token),
        &json!({"items": CALM, "dose": 3.5}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let plan = app
        .post(
            &path,
            Some(&w.caseworker_a.token),
            &json!({"items": CALM, "dose": 3.0}),
        )
        .await;
    plan.assert_status(201);
    assert_eq!(plan.value()["dose"], 3);
    let step = app
        .get("/v1/me/steps/current", Some(&w.resident_a.token))
        .await
        .value()["steps"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.complete_my_step(&w.resident_a, &step)
        .await
        .assert_status(200);
    let mood = format!("/v1/me/steps/{step}/mood");
    app.post(&mood, Some(&w.resident_a.token), &json!({"score": 4.5}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&mood, Some(&w.resident_a.token), &json!({"score": 4.0}))
        .await
        .assert_status(204);
});

backend_test!(
    a_completion_body_may_be_absent_empty_an_empty_object_or_null,
    |app| {
        let w = app.world().await;
        app.post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"items": CALM, "dose": 4}),
        )
        .await
        .assert_status(201);
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let ids: Vec<String> = current["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 4);
        let bodies: [Option<&str>; 4] = [None, Some(""), Some("{}"), Some("null")];
        for (id, body) in ids.iter().zip(bodies) {
            let mut req = app
                .client
                .post(app.url(&format!("/v1/me/steps/{id}/complete")))
                .bearer_auth(&w.resident_a.token);
            if let Some(b) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.to_owned());
            }
            let reply = app.send(req).await;
            reply.assert_status(200);
            let v = reply.value();
            assert_eq!(v["completed"]["id"], id.as_str(), "body {body:?}");
            assert_eq!(v["completed"]["status"], "done");
            assert!(v["progress"]["done"].as_u64().unwrap() >= 1);
        }
        // Anything else still has to be an object of the documented shape.
        let planned = app
            .post(
                &format!("/v1/me/steps/{}/complete", ids[0]),
                Some(&w.resident_a.token),
                &json!([]),
            )
            .await;
        assert_eq!(planned.status, 422);
    }
);
