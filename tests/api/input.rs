//! NUL bytes and other control characters in any string input are a 422 problem naming the
//! field, before any SQL, on both databases; line breaks only in multi-line free text.

use crate::backend_test;
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};

#[track_caller]
fn assert_field_error(reply: &Reply, field: &str, case: &str) {
    assert_eq!(reply.status, 422, "{case}: {}", reply.text());
    let v = reply.assert_problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], field, "{case}: {v}");
}

async fn user_count(app: &TestApp, token: &str) -> usize {
    let users = app.get("/v1/users", Some(token)).await;
    users.assert_status(200);
    users.value().as_array().map_or(0, Vec::len)
}

backend_test!(a_nul_in_the_login_name_is_422_without_signing_in, |app| {
    let reply = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": "a\u{0}b", "password": "geheim wachtwoord 1"}),
        )
        .await;
    assert_field_error(&reply, "username", "NUL in username");
    // The service is fine afterwards (on PostgreSQL a NUL used to break the statement).
    let w = app.world().await;
    app.login(&w.caseworker_a.username, &w.caseworker_a.password)
        .await;
});

backend_test!(
    a_nul_in_a_new_users_email_is_422_and_stores_nothing,
    |app| {
        let admin = app.admin().await;
        let team = app.create_team(&admin, "Buurtteam Oost").await;
        let before = user_count(&app, &admin.token).await;
        for (case, email) in [
            ("NUL", "sanne\u{0}@example.org"),
            ("NUL at the end", "sanne@example.org\u{0}"),
            ("escape", "sanne\u{1b}@example.org"),
        ] {
            let reply = app
                .post(
                    "/v1/users",
                    Some(&admin.token),
                    &json!({
                        "email": email,
                        "display_name": "Sanne",
                        "role": "volunteer",
                        "team_ids": [team],
                        "password": crate::helpers::STAFF_PASSWORD,
                    }),
                )
                .await;
            assert_field_error(&reply, "email", case);
        }
        assert_eq!(
            user_count(&app, &admin.token).await,
            before,
            "nothing stored"
        );
    }
);

backend_test!(control_characters_are_refused_at_every_entrance, |app| {
    let w = app.world().await;
    let cw = w.caseworker_a.token.as_str();
    let admin = w.admin.token.as_str();
    let me = w.resident_a.token.as_str();
    let team = w.team_a.as_str();
    // (case, path, token, body, field)
    let bodies: Vec<(&str, &str, Option<&str>, Value, &str)> = vec![
        (
            "activation code",
            "/v1/auth/activate",
            None,
            json!({"code": "ABCD\u{0}EFG", "pin": "48213"}),
            "code",
        ),
        (
            "refresh token",
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": "x\u{0}y"}),
            "refresh_token",
        ),
        (
            "team name",
            "/v1/teams",
            Some(admin),
            json!({"name": "Team\u{0}"}),
            "name",
        ),
        (
            "a line break in a one-line name",
            "/v1/teams",
            Some(admin),
            json!({"name": "Team\nWest"}),
            "name",
        ),
        (
            "a tab in a one-line name",
            "/v1/teams",
            Some(admin),
            json!({"name": "Team\tWest"}),
            "name",
        ),
        (
            "resident name",
            "/v1/residents",
            Some(cw),
            json!({"display_name": "Ay\u{0}şe", "team_id": team}),
            "display_name",
        ),
        (
            "C1 control (NEL) in a resident name",
            "/v1/residents",
            Some(cw),
            json!({"display_name": "Ayşe\u{85}", "team_id": team}),
            "display_name",
        ),
        (
            "device token",
            "/v1/me/devices",
            Some(me),
            json!({"token": "tok\u{0}en", "platform": "android"}),
            "token",
        ),
        (
            "crisis kind",
            "/v1/me/crisis",
            Some(me),
            json!({"kind": "eviction\u{0}"}),
            "kind",
        ),
        (
            "a field name",
            "/v1/teams",
            Some(admin),
            json!({"na\u{0}me": "Team"}),
            "body",
        ),
    ];
    for (case, path, token, body, field) in bodies {
        let reply = app.post(path, token, &body).await;
        assert_field_error(&reply, field, case);
    }
    // Nothing of the above was stored.
    let teams = app.get("/v1/teams", Some(admin)).await.value();
    assert_eq!(teams.as_array().unwrap().len(), 2, "{teams}");
    let residents = app.get("/v1/residents", Some(cw)).await.value();
    assert_eq!(
        residents["items"].as_array().unwrap().len(),
        1,
        "{residents}"
    );

    // The query string, the path and the idempotency key.
    for (case, path, field) in [
        ("query value", "/v1/residents?team_id=%00", "team_id"),
        ("query value, unknown parameter", "/v1/users?x=a%0Ab", "x"),
        ("query name", "/v1/users?%00=1", "query"),
        ("path", "/v1/users/%00", "path"),
        ("path, escape", "/v1/plans/%1B/handover", "path"),
    ] {
        let token = if path.starts_with("/v1/users") {
            admin
        } else {
            cw
        };
        assert_field_error(&app.get(path, Some(token)).await, field, case);
    }
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(cw),
        &json!({"intake": {}}),
    )
    .await
    .assert_status(201);
    let step = app.get("/v1/me/steps/current", Some(me)).await.value()["steps"][0]["id"]
        .as_str()
        .map(str::to_owned);
    {
        let step = step.expect("an open step");
        let reply = app
            .send(
                app.client
                    .post(app.url(&format!("/v1/me/steps/{step}/complete")))
                    .bearer_auth(me)
                    .header("idempotency-key", "key\twith-tab"),
            )
            .await;
        assert_field_error(&reply, "Idempotency-Key", "idempotency key");
    }
});

backend_test!(
    notes_keep_line_breaks_and_tabs_but_no_other_control_character,
    |app| {
        let w = app.world().await;
        let plan = app
            .post(
                &format!("/v1/residents/{}/plans", w.resident_a.id),
                Some(&w.caseworker_a.token),
                &json!({"intake": {}}),
            )
            .await;
        plan.assert_status(201);
        let step = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value()["steps"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = format!("/v1/me/steps/{step}/complete");
        for (case, note, field) in [
            ("NUL", "klaar\u{0}", "note"),
            ("bell", "klaar\u{7}", "note"),
            ("bare carriage return", "regel 1\rregel 2", "note"),
        ] {
            let reply = app
                .post(&url, Some(&w.resident_a.token), &json!({"note": note}))
                .await;
            assert_field_error(&reply, field, case);
        }
        let done = app
            .post(
                &url,
                Some(&w.resident_a.token),
                &json!({"note": "Gebeld met de woningcorporatie.\r\nAfspraak:\tdinsdag"}),
            )
            .await;
        done.assert_status(200);
        let plan_id = plan.value()["id"].as_str().unwrap().to_owned();
        let stored = app
            .get(&format!("/v1/plans/{plan_id}"), Some(&w.caseworker_a.token))
            .await
            .value();
        let note = stored["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == step.as_str())
            .map(|s| s["completion_note"].clone());
        assert_eq!(
            note,
            Some(json!("Gebeld met de woningcorporatie.\nAfspraak:\tdinsdag")),
            "CR LF is kept as LF"
        );
    }
);

backend_test!(
    a_query_value_without_a_name_is_named_by_where_it_is,
    |app| {
        let w = app.world().await;
        // Found by schemathesis: `?=<C1 control>` named the field "" (the schema asks ≥ 1 char).
        let v = app
            .get("/v1/worklist?=%C2%9A", Some(&w.caseworker_a.token))
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(v["errors"][0]["field"], "query", "{v}");
    }
);
