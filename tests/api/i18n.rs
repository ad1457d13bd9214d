//! Dutch and English: problems in the reader's language, and the names behind the keys.

use crate::backend_test;
use crate::helpers::{Reply, TestApp};
use serde_json::json;

/// Activation with a PIN that cannot be one: a 422 before anyone is signed in.
async fn bad_pin(app: &TestApp, accept_language: Option<&str>) -> Reply {
    let mut req = app
        .client
        .post(app.url("/v1/auth/activate"))
        .json(&json!({"code": "ABCD-EFGH", "pin": "12"}));
    if let Some(l) = accept_language {
        req = req.header("Accept-Language", l);
    }
    app.send(req).await
}

backend_test!(
    problems_are_dutch_by_default_and_english_on_request,
    |app| {
        let nl = bad_pin(&app, None).await;
        let v = nl.assert_problem(422, "validation_failed");
        assert_eq!(nl.header("content-language"), Some("nl"));
        assert_eq!(v["title"], "Kijk je invoer na");
        assert_eq!(v["errors"][0]["field"], "pin");
        assert_eq!(
            v["errors"][0]["message"],
            "Een pincode heeft 5 of 6 cijfers."
        );
        assert!(
            v["detail"].as_str().unwrap().starts_with("Kijk nog even"),
            "{v}"
        );

        for header in [
            "en",
            "en-GB,en;q=0.9",
            "fr, en;q=0.5",
            "nl;q=0.2, en-US;q=0.8",
        ] {
            let en = bad_pin(&app, Some(header)).await;
            let v = en.assert_problem(422, "validation_failed");
            assert_eq!(en.header("content-language"), Some("en"), "{header}");
            assert_eq!(v["title"], "Invalid input", "{header}");
            assert_eq!(v["errors"][0]["message"], "A PIN must be 5 or 6 digits.");
        }
        // Dutch asked for first, or a language we do not have: Dutch.
        for header in ["nl-NL, en;q=0.5", "de", "en;q=0"] {
            let r = bad_pin(&app, Some(header)).await;
            r.assert_problem(422, "validation_failed");
            assert_eq!(r.header("content-language"), Some("nl"), "{header}");
        }

        // Other kinds of problem before sign-in follow the same rule.
        let wrong = app
        .send(
            app.client
                .post(app.url("/v1/auth/login"))
                .header("Accept-Language", "en")
                .json(&json!({"username": "nobody@example.org", "password": "niet dit wachtwoord"})),
        )
        .await;
        let v = wrong.assert_problem(401, "unauthorized");
        assert_eq!(v["title"], "Not signed in");
        assert_eq!(wrong.header("content-language"), Some("en"));
        let missing = app.get("/v1/no-such-thing", None).await;
        let v = missing.assert_problem(404, "not_found");
        assert_eq!(v["title"], "Niet gevonden");
        assert_eq!(missing.header("content-language"), Some("nl"));
        let method = app
            .send(
                app.client
                    .delete(app.url("/health/ready"))
                    .header("Accept-Language", "en"),
            )
            .await;
        let v = method.assert_problem(405, "method_not_allowed");
        assert!(method.header("allow").is_some(), "headers survive");
        assert!(v["detail"].as_str().unwrap().contains("DELETE"), "{v}");
        assert_eq!(method.header("content-language"), Some("en"));
        let not_json = app
            .send(
                app.client
                    .post(app.url("/v1/auth/login"))
                    .header("content-type", "application/json")
                    .header("Accept-Language", "en")
                    .body("{nope"),
            )
            .await;
        not_json.assert_problem(400, "invalid_json");
        assert_eq!(not_json.header("content-language"), Some("en"));
        let no_token = app.get("/v1/me", None).await;
        let v = no_token.assert_problem(401, "unauthorized");
        assert!(
            v["detail"].as_str().unwrap().starts_with("Log eerst in"),
            "{v}"
        );
        assert!(no_token.header("www-authenticate").is_some());
    }
);

backend_test!(the_signed_in_users_own_language_wins, |app| {
    let w = app.world().await;
    // A resident registered with English as their language.
    let reply = app
        .post(
            "/v1/residents",
            Some(&w.caseworker_a.token),
            &json!({"display_name": "Sam", "team_id": w.team_a, "language": "en"}),
        )
        .await;
    reply.assert_status(201);
    let code = reply.value()["activation"]["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let activated = app
        .post(
            "/v1/auth/activate",
            None,
            &json!({"code": code, "pin": crate::helpers::RESIDENT_PIN}),
        )
        .await;
    activated.assert_status(200);
    let sam = activated.value()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let ask = |token: String, accept: Option<&'static str>| {
        let mut req = app
            .client
            .get(app.url("/v1/me/steps/done?limit=0"))
            .bearer_auth(token);
        if let Some(l) = accept {
            req = req.header("Accept-Language", l);
        }
        app.send(req)
    };
    // Sam's stored English wins over a Dutch browser.
    for accept in [None, Some("nl")] {
        let r = ask(sam.clone(), accept).await;
        let v = r.assert_problem(422, "validation_failed");
        assert_eq!(r.header("content-language"), Some("en"), "{accept:?}");
        assert_eq!(v["errors"][0]["field"], "limit");
        assert_eq!(
            v["errors"][0]["message"],
            "This must be a number from 1 to 200."
        );
    }
    // Fatima's stored Dutch wins over an English browser.
    let r = ask(w.resident_a.token.clone(), Some("en")).await;
    let v = r.assert_problem(422, "validation_failed");
    assert_eq!(r.header("content-language"), Some("nl"));
    assert_eq!(
        v["errors"][0]["message"],
        "Kies een getal van 1 tot en met 200."
    );
    // A refusal after sign-in (a role that may not) is in the caller's language too.
    let r = app
        .send(
            app.client
                .get(app.url("/v1/teams"))
                .bearer_auth(&sam)
                .header("Accept-Language", "nl"),
        )
        .await;
    let v = r.assert_problem(403, "forbidden");
    assert_eq!(v["title"], "Not allowed");
    assert_eq!(r.header("content-language"), Some("en"));
    // Success answers are not touched.
    let me = app.get("/v1/me", Some(&sam)).await;
    me.assert_status(200);
    assert_eq!(me.value()["language"], "en");
});

backend_test!(the_vocabulary_names_every_key_a_resident_sees, |app| {
    let w = app.world().await;
    let reply = app
        .get("/v1/me/vocabulary", Some(&w.resident_a.token))
        .await;
    reply.assert_status(200);
    let v = reply.value();
    assert_eq!(v["language"], "nl");
    assert_eq!(v["template"]["key"], "stabilisatie");
    let template = stapvoorstap::domain::template::default_template();
    let categories = v["categories"].as_array().unwrap();
    assert_eq!(categories.len(), template.categories.len());
    for item in &template.items {
        let named = categories
            .iter()
            .find(|c| c["key"] == item.category.as_str())
            .unwrap_or_else(|| panic!("no name for category {}", item.category));
        assert!(!named["name"]["nl"].as_str().unwrap().is_empty());
        assert!(!named["name"]["en"].as_str().unwrap().is_empty());
    }
    let spoed = categories.iter().find(|c| c["key"] == "spoed").unwrap();
    assert_eq!(
        spoed["name"]["nl"],
        "Spoed: wonen, energie, zorgverzekering"
    );
    let orders: Vec<i64> = categories
        .iter()
        .map(|c| c["order"].as_i64().unwrap())
        .collect();
    assert!(orders.windows(2).all(|p| p[0] < p[1]), "in display order");
    let criteria: Vec<&str> = v["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(criteria, ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]);
    for (list, key) in [
        ("crisis_kinds", "eviction"),
        ("snooze_reasons", "waiting_for_post"),
        ("step_statuses", "open"),
        ("priorities", "P0"),
        ("evidence", "photo"),
        ("milestone_kinds", "half_way"),
        ("review_states", "rejected"),
    ] {
        let entry = v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("{list} lacks {key}: {v}"));
        assert_ne!(entry["name"]["nl"], entry["name"]["en"], "{list} {key}");
    }
    // Staff may read it too (their screens show the same names); nobody signed out may.
    app.get("/v1/me/vocabulary", Some(&w.caseworker_a.token))
        .await
        .assert_status(200);
    app.get("/v1/me/vocabulary", None)
        .await
        .assert_problem(401, "unauthorized");
    app.get("/v1/me/vocabulary?x=1", Some(&w.resident_a.token))
        .await
        .assert_problem(400, "unknown_query_parameter");
});

backend_test!(a_user_changes_their_own_language, |app| {
    let w = app.world().await;
    app.post(
        &format!("/v1/residents/{}/plans", w.resident_a.id),
        Some(&w.caseworker_a.token),
        &json!({}),
    )
    .await
    .assert_status(201);
    let title = |r: Reply| r.value()["steps"][0]["title"].as_str().unwrap().to_owned();
    let dutch = title(
        app.get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await,
    );

    let api = &app;
    let patch = |token: String, body: serde_json::Value| async move {
        api.method_json(reqwest::Method::PATCH, "/v1/me", Some(&token), &body)
            .await
    };
    let r = patch(w.resident_a.token.clone(), json!({"language": "en"})).await;
    r.assert_status(200);
    assert_eq!(r.value()["language"], "en");
    assert_eq!(r.value()["id"], w.resident_a.id);
    // Again: the same answer (safe to retry).
    let again = patch(w.resident_a.token.clone(), json!({"language": "en"})).await;
    assert_eq!(again.value(), r.value());

    // From now on the service speaks English to her: step texts and problems.
    let english = title(
        app.get("/v1/me/steps/current", Some(&w.resident_a.token))
            .await,
    );
    assert_ne!(english, dutch, "the step's text is now English");
    let forbidden = app.get("/v1/teams", Some(&w.resident_a.token)).await;
    assert_eq!(
        forbidden.assert_problem(403, "forbidden")["title"],
        "Not allowed"
    );
    patch(w.resident_a.token.clone(), json!({"language": "fr"}))
        .await
        .assert_problem(422, "validation_failed");
    patch(w.resident_a.token.clone(), json!({"colour": "blue"}))
        .await
        .assert_problem(422, "validation_failed");
    let me = app.get("/v1/me", Some(&w.resident_a.token)).await;
    assert_eq!(me.value()["language"], "en", "refusals changed nothing");
    // Nobody else changed.
    let other = app.get("/v1/me", Some(&w.resident_b.token)).await;
    assert_eq!(other.value()["language"], "nl");
    // Staff too.
    let r = patch(w.caseworker_a.token.clone(), json!({"language": "en"})).await;
    r.assert_status(200);
    assert_eq!(r.value()["role"], "caseworker");
    // Not signed in: 401.
    app.method_json(
        reqwest::Method::PATCH,
        "/v1/me",
        None,
        &json!({"language": "en"}),
    )
    .await
    .assert_problem(401, "unauthorized");
});
