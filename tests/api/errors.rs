//! Framework-level bad input answers problem+json, never text/plain and never a 500.

use crate::backend_test;

backend_test!(unknown_route_is_404_problem, |app| {
    app.get("/v1/no-such-thing", None)
        .await
        .assert_problem(404, "not_found");
});

backend_test!(wrong_method_is_405_problem_with_allow, |app| {
    let reply = app.send(app.client.delete(app.url("/health/ready"))).await;
    reply.assert_problem(405, "method_not_allowed");
    let allow = reply.header("allow").expect("Allow header");
    assert!(allow.contains("GET"), "{allow}");
});

/// Sends a raw body with a content type.
async fn raw(
    app: &crate::helpers::TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> crate::helpers::Reply {
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    app.send(req).await
}

backend_test!(bad_bodies_answer_problem_json_and_change_nothing, |app| {
    let w = app.world().await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024));
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "malformed JSON",
            "application/json",
            b"{\"name\": ".to_vec(),
            400,
            "invalid_json",
        ),
        (
            "not JSON at all",
            "application/json",
            b"hello".to_vec(),
            400,
            "invalid_json",
        ),
        (
            "wrong content type",
            "text/plain",
            b"{\"name\": \"Team X\"}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "form content type",
            "application/x-www-form-urlencoded",
            b"name=Team+X".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "oversize body",
            "application/json",
            big.into_bytes(),
            413,
            "payload_too_large",
        ),
        (
            "wrong type",
            "application/json",
            b"{\"name\": 5}".to_vec(),
            422,
            "validation_failed",
        ),
        (
            "missing field",
            "application/json",
            b"{}".to_vec(),
            422,
            "validation_failed",
        ),
        (
            "unknown field",
            "application/json",
            b"{\"name\": \"Team X\", \"id\": \"x\"}".to_vec(),
            422,
            "validation_failed",
        ),
        (
            "array instead of object",
            "application/json",
            b"[]".to_vec(),
            422,
            "validation_failed",
        ),
        (
            "empty name",
            "application/json",
            b"{\"name\": \"   \"}".to_vec(),
            422,
            "validation_failed",
        ),
    ];
    for (name, ct, body, status, code) in cases {
        let reply = raw(&app, "/v1/teams", Some(&w.admin.token), ct, body).await;
        assert_eq!(reply.status, status, "{name}: {}", reply.text());
        reply.assert_problem(status, code);
    }
    // Nothing was written by any of them.
    let teams = app.get("/v1/teams", Some(&w.admin.token)).await.value();
    assert_eq!(teams.as_array().unwrap().len(), 2, "{teams}");
});

backend_test!(
    an_array_is_not_an_object_even_when_every_field_is_optional,
    |app| {
        let w = app.world().await;
        let path = format!("/v1/users/{}", w.volunteer.id);
        for body in [
            serde_json::json!([null, null, null]),
            serde_json::json!([]),
            serde_json::json!("x"),
            serde_json::json!(null),
        ] {
            let reply = app
                .method_json(reqwest::Method::PATCH, &path, Some(&w.admin.token), &body)
                .await;
            if body.is_null() {
                // No body at all: the JSON extractor asks for one.
                assert!(
                    reply.status == 400 || reply.status == 415,
                    "{}",
                    reply.text()
                );
                continue;
            }
            reply.assert_problem(422, "validation_failed");
        }
        // Optional bodies: empty is fine, malformed is not.
        let plan = app
            .post(
                &format!("/v1/residents/{}/plans", w.resident_a.id),
                Some(&w.caseworker_a.token),
                &serde_json::json!({}),
            )
            .await;
        plan.assert_status(201);
        let current = app
            .get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await
            .value();
        let id = current["steps"][0]["id"].as_str().unwrap();
        let url = format!("/v1/me/steps/{id}/complete");
        raw(
            &app,
            &url,
            Some(&w.resident_a.token),
            "application/json",
            b"[1]".to_vec(),
        )
        .await
        .assert_problem(422, "validation_failed");
        raw(
            &app,
            &url,
            Some(&w.resident_a.token),
            "application/json",
            b"{\"note\": ".to_vec(),
        )
        .await
        .assert_problem(400, "invalid_json");
        raw(
            &app,
            &url,
            Some(&w.resident_a.token),
            "text/plain",
            b"done".to_vec(),
        )
        .await
        .assert_problem(415, "unsupported_media_type");
        raw(
            &app,
            &url,
            Some(&w.resident_a.token),
            "application/json",
            b"{\"note\": \"gelukt\", \"extra\": 1}".to_vec(),
        )
        .await
        .assert_problem(422, "validation_failed");
        raw(
            &app,
            &url,
            Some(&w.resident_a.token),
            "application/json",
            Vec::new(),
        )
        .await
        .assert_status(200);
    }
);

backend_test!(bad_path_and_query_parameters_are_4xx_problems, |app| {
    let w = app.world().await;
    app.get("/v1/residents/not-a-uuid", Some(&w.caseworker_a.token))
        .await
        .assert_problem(404, "not_found");
    app.get("/v1/users?role=wizard", Some(&w.admin.token))
        .await
        .assert_problem(400, "bad_request");
    let unknown = app
        .get("/v1/users?colour=blue", Some(&w.admin.token))
        .await
        .assert_problem(400, "unknown_query_parameter");
    assert!(unknown["detail"].as_str().unwrap().contains("`colour`"));
    app.get("/v1/residents?team_id=nope", Some(&w.caseworker_a.token))
        .await
        .assert_problem(400, "bad_request");
});

backend_test!(wrong_role_is_403_and_missing_token_401, |app| {
    let w = app.world().await;
    app.post(
        "/v1/teams",
        Some(&w.caseworker_a.token),
        &serde_json::json!({"name": "X"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/v1/residents", Some(&w.resident_a.token))
        .await
        .assert_problem(403, "forbidden");
    let anon = app.get("/v1/residents", None).await;
    anon.assert_problem(401, "unauthorized");
    assert!(anon.header("www-authenticate").is_some());
});
