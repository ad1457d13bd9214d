//! The authorization matrix: every endpoint that takes an id, tried by every kind of caller.
//! Grows with every endpoint that takes an id.

use crate::backend_test;
use crate::helpers::{RESIDENT_PIN, TestApp, World};
use serde_json::json;

/// Who calls.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    Owner,
    OtherResident,
    TeamCaseworker,
    OtherTeamCaseworker,
    Volunteer,
    Researcher,
    Admin,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::Owner,
    Who::OtherResident,
    Who::TeamCaseworker,
    Who::OtherTeamCaseworker,
    Who::Volunteer,
    Who::Researcher,
    Who::Admin,
];

fn token(w: &World, who: Who) -> Option<&str> {
    Some(match who {
        Who::Anonymous => return None,
        Who::Owner => &w.resident_a.token,
        Who::OtherResident => &w.resident_b.token,
        Who::TeamCaseworker => &w.caseworker_a.token,
        Who::OtherTeamCaseworker => &w.caseworker_b.token,
        Who::Volunteer => &w.volunteer.token,
        Who::Researcher => &w.researcher.token,
        Who::Admin => &w.admin.token,
    })
}

/// One row of the matrix: a request and the expected status per caller.
struct Row {
    method: reqwest::Method,
    path: String,
    body: serde_json::Value,
    expect: fn(Who) -> u16,
}

async fn check(app: &TestApp, w: &World, rows: Vec<Row>) {
    let mut failures = Vec::new();
    for row in &rows {
        for who in EVERYONE {
            let reply = app
                .method_json(row.method.clone(), &row.path, token(w, who), &row.body)
                .await;
            let expected = (row.expect)(who);
            if reply.status != expected {
                failures.push(format!(
                    "{} {} as {who:?}: expected {expected}, got {} {}",
                    row.method,
                    row.path,
                    reply.status,
                    reply.text()
                ));
            } else if expected >= 400 {
                assert_eq!(
                    reply.header("content-type"),
                    Some("application/problem+json")
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
}

/// Resident objects: only a caseworker of the resident's team; other roles 403; other teams 404.
fn resident_object(ok: u16) -> fn(Who) -> u16 {
    match ok {
        200 => |who| match who {
            Who::Anonymous => 401,
            Who::TeamCaseworker => 200,
            Who::OtherTeamCaseworker => 404,
            _ => 403,
        },
        201 => |who| match who {
            Who::Anonymous => 401,
            Who::TeamCaseworker => 201,
            Who::OtherTeamCaseworker => 404,
            _ => 403,
        },
        _ => |who| match who {
            Who::Anonymous => 401,
            Who::TeamCaseworker => 204,
            Who::OtherTeamCaseworker => 404,
            _ => 403,
        },
    }
}

/// Staff accounts: admins only.
fn admin_only(ok: u16) -> fn(Who) -> u16 {
    match ok {
        200 => |who| match who {
            Who::Anonymous => 401,
            Who::Admin => 200,
            _ => 403,
        },
        _ => |who| match who {
            Who::Anonymous => 401,
            Who::Admin => 204,
            _ => 403,
        },
    }
}

backend_test!(authorization_matrix_for_every_id_endpoint, |app| {
    let mut w = app.world().await;
    let resident = &w.resident_a.id.clone();
    let staff = &w.volunteer.id.clone();
    let rows = vec![
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/residents/{resident}"),
            body: json!(null),
            expect: resident_object(200),
        },
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/residents/{resident}/unlock"),
            body: json!(null),
            expect: resident_object(204),
        },
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/users/{staff}"),
            body: json!(null),
            expect: admin_only(200),
        },
        Row {
            method: reqwest::Method::PATCH,
            path: format!("/v1/users/{staff}"),
            body: json!({"display_name": "Vera"}),
            expect: admin_only(200),
        },
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/users/{staff}/unlock"),
            body: json!(null),
            expect: admin_only(204),
        },
        // Last: it ends the resident's sessions (signed in again below).
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/residents/{resident}/activation-code"),
            body: json!(null),
            expect: resident_object(201),
        },
    ];
    check(&app, &w, rows).await;
    // A new activation code ends the resident's sessions at once; the PIN still signs in.
    w.resident_a = app.login(&w.resident_a.username, RESIDENT_PIN).await;

    // Plans and steps: a plan for resident A with a staff step and an open resident step.
    let plan = app
        .post(
            &format!("/v1/residents/{resident}/plans"),
            Some(&w.caseworker_a.token),
            &json!({"dose": 2}),
        )
        .await;
    plan.assert_status(201);
    let plan = plan.value();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let steps = plan["steps"].as_array().unwrap();
    let open_resident = steps
        .iter()
        .find(|s| s["status"] == "open" && s["owner_type"] == "resident")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let planned = steps
        .iter()
        .find(|s| s["status"] == "planned" && s["owner_type"] == "resident")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done_step = steps.iter().find(|s| s["status"] == "done").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let caseworker_only = |ok: u16| -> fn(Who) -> u16 {
        match ok {
            200 => |who| match who {
                Who::Anonymous => 401,
                Who::TeamCaseworker => 200,
                Who::OtherTeamCaseworker => 404,
                _ => 403,
            },
            _ => |who| match who {
                Who::Anonymous => 401,
                Who::TeamCaseworker => 201,
                Who::OtherTeamCaseworker => 404,
                _ => 403,
            },
        }
    };
    // Reads and harmless writes first; the state-changing ones below run once per caller in
    // an order where only the permitted caller can succeed.
    let rows = vec![
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/plans/{plan_id}"),
            body: json!(null),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/plans/{plan_id}/events"),
            body: json!(null),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::PATCH,
            path: format!("/v1/plans/{plan_id}"),
            body: json!({"dose": 2}),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/plans/{plan_id}/steps"),
            body: json!({"category": "start", "title": {"nl": "Bel de woningcorporatie"}}),
            expect: caseworker_only(201),
        },
        // Residents act on their own steps only; everyone else gets 403 (role) or 404 (scope).
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/me/steps/{open_resident}/help"),
            body: json!(null),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner => 200,
                Who::OtherResident => 404,
                _ => 403,
            },
        },
        // Another resident's step does not exist for you; your own not-yet-issued step is 409.
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/me/steps/{planned}/complete"),
            body: json!(null),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner => 409,
                Who::OtherResident => 404,
                _ => 403,
            },
        },
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/plans/{plan_id}/reminders"),
            body: json!(null),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/plans/{plan_id}/pulse"),
            body: json!(null),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::GET,
            path: format!("/v1/plans/{plan_id}/handover"),
            body: json!(null),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/plans/{plan_id}/crisis"),
            body: json!({"kind": "disconnection"}),
            expect: caseworker_only(200),
        },
        Row {
            method: reqwest::Method::GET,
            path: "/v1/audit".to_owned(),
            body: json!(null),
            expect: admin_only(200),
        },
        Row {
            method: reqwest::Method::PATCH,
            path: format!("/v1/teams/{}", w.team_a),
            body: json!({"name": "Buurtteam Noord"}),
            expect: admin_only(200),
        },
        Row {
            method: reqwest::Method::GET,
            path: "/v1/research/summary".to_owned(),
            body: json!(null),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Researcher => 200,
                _ => 403,
            },
        },
        Row {
            method: reqwest::Method::GET,
            path: "/v1/me/export".to_owned(),
            body: json!(null),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner | Who::OtherResident => 200,
                _ => 403,
            },
        },
        // The resident's own step tools: the owner only; other residents see nothing.
        Row {
            method: reqwest::Method::PUT,
            path: format!("/v1/me/steps/{open_resident}/intention"),
            body: json!({"on": chrono::Utc::now().date_naive() + chrono::Duration::days(2)}),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner => 200,
                Who::OtherResident => 404,
                _ => 403,
            },
        },
        Row {
            method: reqwest::Method::DELETE,
            path: format!("/v1/me/steps/{open_resident}/intention"),
            body: json!(null),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner => 200,
                Who::OtherResident => 404,
                _ => 403,
            },
        },
        // Mood on a step done in the first conversation: it is a staff step, so not the
        // resident's to rate (404); other residents see nothing either.
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/me/steps/{done_step}/mood"),
            body: json!({"score": 3}),
            expect: |who| match who {
                Who::Anonymous => 401,
                Who::Owner => 404,
                Who::OtherResident => 404,
                _ => 403,
            },
        },
        // Verify a done step: only the team's caseworker (done → verified, so it runs last).
        Row {
            method: reqwest::Method::POST,
            path: format!("/v1/steps/{done_step}/verify"),
            body: json!(null),
            expect: caseworker_only(200),
        },
    ];
    check(&app, &w, rows).await;
    // Devices: only the owner can remove theirs; for everyone else the id does not exist.
    let device = app
        .post(
            "/v1/me/devices",
            Some(&w.resident_a.token),
            &json!({"token": "matrix-phone", "platform": "ios"}),
        )
        .await
        .value();
    let device_id = device["id"].as_str().unwrap().to_owned();
    let rows = vec![Row {
        method: reqwest::Method::DELETE,
        path: format!("/v1/me/devices/{device_id}"),
        body: json!(null),
        expect: |who| match who {
            Who::Anonymous => 401,
            Who::Owner => 204,
            _ => 404,
        },
    }];
    check(&app, &w, rows).await;
    // Staff-side complete of the resident's open step: volunteers (not assigned) and other
    // teams see nothing; residents and researchers are the wrong role.
    for (who, expected) in [
        (Who::Anonymous, 401),
        (Who::Owner, 403),
        (Who::OtherResident, 403),
        (Who::Researcher, 403),
        (Who::Admin, 403),
        (Who::Volunteer, 404),
        (Who::OtherTeamCaseworker, 404),
    ] {
        let reply = app
            .method_json(
                reqwest::Method::POST,
                &format!("/v1/steps/{open_resident}/complete"),
                token(&w, who),
                &json!(null),
            )
            .await;
        assert_eq!(
            reply.status,
            expected,
            "complete as {who:?}: {}",
            reply.text()
        );
    }
    // Step edits and reopen: only the team's caseworker.
    for who in [
        Who::Owner,
        Who::Volunteer,
        Who::OtherTeamCaseworker,
        Who::Researcher,
    ] {
        let reply = app
            .send({
                let mut r = app
                    .client
                    .patch(app.url(&format!("/v1/steps/{planned}")))
                    .header("If-Match", "*")
                    .json(&json!({"priority": "P1"}));
                if let Some(t) = token(&w, who) {
                    r = r.bearer_auth(t);
                }
                r
            })
            .await;
        let expected = if matches!(who, Who::OtherTeamCaseworker) {
            404
        } else {
            403
        };
        assert_eq!(reply.status, expected, "PATCH step as {who:?}");
        let reply = app
            .method_json(
                reqwest::Method::POST,
                &format!("/v1/steps/{done_step}/reopen"),
                token(&w, who),
                &json!({"reason": "x"}),
            )
            .await;
        assert_eq!(reply.status, expected, "reopen as {who:?}");
    }
    // Resident-only lists are 403 for staff; staff work lists are 403 for residents.
    for path in [
        "/v1/me/steps/current",
        "/v1/me/progress",
        "/v1/me/steps/done",
    ] {
        app.get(path, Some(&w.caseworker_a.token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/v1/me/assigned-steps", Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");
    // Resident B sees none of resident A's plan through their own views.
    let b_current = app
        .get("/v1/me/steps/current", Some(&w.resident_b.token))
        .await
        .value();
    assert_eq!(b_current["steps"].as_array().unwrap().len(), 0);

    // A resident id is not a staff id and vice versa: both answer 404 to the allowed role.
    app.get(&format!("/v1/users/{resident}"), Some(&w.admin.token))
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/v1/residents/{staff}"),
        Some(&w.caseworker_a.token),
    )
    .await
    .assert_problem(404, "not_found");
    // Unknown ids look exactly like other teams' ids.
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("/v1/residents/{unknown}"),
        Some(&w.caseworker_a.token),
    )
    .await
    .assert_problem(404, "not_found");
});

backend_test!(caseloads_only_hold_own_team_residents, |app| {
    let w = app.world().await;
    let list = app.get("/v1/residents", Some(&w.caseworker_a.token)).await;
    list.assert_status(200);
    let ids: Vec<String> = list.value()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vec![w.resident_a.id.clone()]);
    // Filtering by another team yields nothing rather than that team's residents.
    let other = app
        .get(
            &format!("/v1/residents?team_id={}", w.team_b),
            Some(&w.caseworker_a.token),
        )
        .await;
    assert_eq!(other.value()["items"].as_array().unwrap().len(), 0);
    // Teams: a caseworker sees only their own.
    let teams = app
        .get("/v1/teams", Some(&w.caseworker_a.token))
        .await
        .value();
    assert_eq!(teams.as_array().unwrap().len(), 1);
    assert_eq!(teams[0]["id"], w.team_a.as_str());
});
