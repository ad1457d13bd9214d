//! Activation, sign-in, token rotation with reuse detection, lockout, JWT checks.

use crate::backend_test;
use crate::helpers::{RESIDENT_PIN, TEST_JWT_SECRET};
use serde_json::json;

backend_test!(
    activation_login_refresh_rotation_and_reuse_revokes_family,
    |app| {
        let admin = app.admin().await;
        let team = app.create_team(&admin, "Team").await;
        let cw = app.staff(&admin, "caseworker", &[&team]).await;
        let (_, login_name, code) = app.register_resident(&cw, &team, "Fatima").await;
        assert!(login_name.starts_with("fatima"), "{login_name}");
        assert_eq!(code.len(), 8);

        // Activate with code + PIN: tokens come back; the code is dead afterwards.
        let activated = app
            .post(
                "/v1/auth/activate",
                None,
                &json!({"code": code.to_lowercase(), "pin": RESIDENT_PIN}),
            )
            .await;
        activated.assert_status(200);
        let v = activated.value();
        assert_eq!(v["token_type"], "Bearer");
        assert!(v["expires_in"].as_u64().unwrap() <= 900);
        assert_eq!(v["user"]["role"], "resident");
        app.post(
            "/v1/auth/activate",
            None,
            &json!({"code": code, "pin": "90441"}),
        )
        .await
        .assert_problem(401, "unauthorized");

        // Login with login name + PIN; /v1/me answers with the access token.
        let login = app.login(&login_name, RESIDENT_PIN).await;
        let me = app.get("/v1/me", Some(&login.token)).await;
        me.assert_status(200);
        assert_eq!(me.value()["login_name"], login_name.as_str());

        // Refresh rotates: a new refresh token each time.
        let r1 = app
            .post(
                "/v1/auth/refresh",
                None,
                &json!({"refresh_token": login.refresh}),
            )
            .await;
        r1.assert_status(200);
        let second = r1.value()["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(second, login.refresh);
        let r2 = app
            .post("/v1/auth/refresh", None, &json!({"refresh_token": second}))
            .await;
        r2.assert_status(200);
        let third = r2.value()["refresh_token"].as_str().unwrap().to_owned();

        // Replaying an already-used token is detected and revokes the whole family...
        app.post(
            "/v1/auth/refresh",
            None,
            &json!({"refresh_token": login.refresh}),
        )
        .await
        .assert_problem(401, "unauthorized");
        // ...so even the newest token of that session no longer works.
        app.post("/v1/auth/refresh", None, &json!({"refresh_token": third}))
            .await
            .assert_problem(401, "unauthorized");
        // The activation session (another family) is unaffected.
        app.post(
            "/v1/auth/refresh",
            None,
            &json!({"refresh_token": v["refresh_token"]}),
        )
        .await
        .assert_status(200);
    }
);

backend_test!(logout_ends_the_session, |app| {
    let w = app.world().await;
    app.post(
        "/v1/auth/logout",
        None,
        &json!({"refresh_token": w.resident_a.refresh}),
    )
    .await
    .assert_status(204);
    app.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": w.resident_a.refresh}),
    )
    .await
    .assert_problem(401, "unauthorized");
});

fn forge(claims: serde_json::Value, secret: &str, alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

backend_test!(bad_access_tokens_are_401_with_www_authenticate, |app| {
    let w = app.world().await;
    let now = chrono::Utc::now().timestamp();
    // A forged token must name a live session to pass the session check.
    let sid = {
        use base64::Engine;
        let payload = w.resident_a.token.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["sid"].clone()
    };
    let claims = |aud: &str, exp: i64| {
        json!({"iss": "stapvoorstap", "aud": aud, "sub": w.resident_a.id, "role": "resident",
               "iat": now, "nbf": now - 10, "exp": exp, "sid": sid})
    };
    // A correctly forged token works: the checks below fail for the stated reason only.
    let good = forge(
        claims("stapvoorstap-api", now + 600),
        TEST_JWT_SECRET,
        jsonwebtoken::Algorithm::HS256,
    );
    app.get("/v1/me", Some(&good)).await.assert_status(200);

    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims("stapvoorstap-api", now + 600))
    );
    let cases = [
        ("no token", None),
        ("garbage", Some("not-a-jwt".to_owned())),
        ("alg none", Some(alg_none)),
        (
            "wrong audience",
            Some(forge(
                claims("someone-else", now + 600),
                TEST_JWT_SECRET,
                jsonwebtoken::Algorithm::HS256,
            )),
        ),
        (
            "wrong signature",
            Some(forge(
                claims("stapvoorstap-api", now + 600),
                "another-secret-that-is-long-enough-000000",
                jsonwebtoken::Algorithm::HS256,
            )),
        ),
        (
            "other HMAC algorithm",
            Some(forge(
                claims("stapvoorstap-api", now + 600),
                TEST_JWT_SECRET,
                jsonwebtoken::Algorithm::HS512,
            )),
        ),
        (
            "expired",
            Some(forge(
                claims("stapvoorstap-api", now - 3600),
                TEST_JWT_SECRET,
                jsonwebtoken::Algorithm::HS256,
            )),
        ),
    ];
    for (name, token) in cases {
        let reply = app.get("/v1/me", token.as_deref()).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.text());
        reply.assert_problem(401, "unauthorized");
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")),
            "{name}: WWW-Authenticate"
        );
    }
});

backend_test!(
    five_wrong_pins_lock_even_the_right_one_until_unlocked,
    |app| {
        let w = app.world().await;
        let user = &w.resident_a.username;
        for attempt in 1..=5 {
            app.post(
                "/v1/auth/login",
                None,
                &json!({"username": user, "password": "11223"}),
            )
            .await
            .assert_problem(401, "unauthorized");
            let _ = attempt;
        }
        let locked = app
            .post(
                "/v1/auth/login",
                None,
                &json!({"username": user, "password": RESIDENT_PIN}),
            )
            .await;
        locked.assert_problem(429, "account_locked");
        assert!(locked.header("retry-after").is_some());

        // The caseworker sees the lock; another team's caseworker cannot clear it.
        let seen = app
            .get(
                &format!("/v1/residents/{}", w.resident_a.id),
                Some(&w.caseworker_a.token),
            )
            .await;
        seen.assert_status(200);
        assert!(seen.value()["locked_until"].is_string());
        assert_eq!(seen.value()["failed_logins"], 5);
        app.post(
            &format!("/v1/residents/{}/unlock", w.resident_a.id),
            Some(&w.caseworker_b.token),
            &json!(null),
        )
        .await
        .assert_problem(404, "not_found");
        app.post(
            &format!("/v1/residents/{}/unlock", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!(null),
        )
        .await
        .assert_status(204);
        app.login(user, RESIDENT_PIN).await;
    }
);

backend_test!(new_activation_code_kills_the_old_one_and_signs_out, |app| {
    let w = app.world().await;
    let (id, _, first) = app
        .register_resident(&w.caseworker_a, &w.team_a, "Anna")
        .await;
    let reply = app
        .post(
            &format!("/v1/residents/{id}/activation-code"),
            Some(&w.caseworker_a.token),
            &json!(null),
        )
        .await;
    reply.assert_status(201);
    let second = reply.value()["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        "/v1/auth/activate",
        None,
        &json!({"code": first, "pin": RESIDENT_PIN}),
    )
    .await
    .assert_problem(401, "unauthorized");
    let ok = app
        .post(
            "/v1/auth/activate",
            None,
            &json!({"code": second, "pin": RESIDENT_PIN}),
        )
        .await;
    ok.assert_status(200);
    // A PIN reset for an active resident ends their sessions.
    let refresh = ok.value()["refresh_token"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/residents/{id}/activation-code"),
        Some(&w.caseworker_a.token),
        &json!(null),
    )
    .await
    .assert_status(201);
    app.post("/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await
        .assert_problem(401, "unauthorized");
});

backend_test!(disabling_a_user_revokes_their_sessions, |app| {
    let w = app.world().await;
    let reply = app
        .method_json(
            reqwest::Method::PATCH,
            &format!("/v1/users/{}", w.volunteer.id),
            Some(&w.admin.token),
            &json!({"disabled": true}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.value()["disabled"], true);
    app.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": w.volunteer.refresh}),
    )
    .await
    .assert_problem(401, "unauthorized");
    app.post(
        "/v1/auth/login",
        None,
        &json!({"username": w.volunteer.username, "password": w.volunteer.password}),
    )
    .await
    .assert_problem(401, "unauthorized");
});

backend_test!(
    weak_pins_and_passwords_are_refused_with_field_errors,
    |app| {
        let w = app.world().await;
        let (_, _, code) = app
            .register_resident(&w.caseworker_a, &w.team_a, "Bram")
            .await;
        for (body, field) in [
            (json!({"code": code, "pin": "12345"}), "pin"),
            (json!({"code": code, "pin": "1234"}), "pin"),
            (json!({"code": code, "pin": "11111"}), "pin"),
            (json!({"code": code, "password": "short"}), "password"),
            (json!({"code": code}), "pin"),
        ] {
            let reply = app.post("/v1/auth/activate", None, &body).await;
            let v = reply.assert_problem(422, "validation_failed");
            assert_eq!(v["errors"][0]["field"], field, "{body}");
        }
        // The code survived the refused attempts.
        app.post(
            "/v1/auth/activate",
            None,
            &json!({"code": code, "pin": RESIDENT_PIN}),
        )
        .await
        .assert_status(200);
        let weak_staff = app
        .post("/v1/users", Some(&w.admin.token), &json!({"email": "x@example.org", "display_name": "X", "role": "volunteer", "password": "wachtwoord12345"}))
        .await;
        assert_eq!(
            weak_staff.assert_problem(422, "validation_failed")["errors"][0]["field"],
            "password"
        );
    }
);

backend_test!(a_resident_cannot_smuggle_a_role_or_team, |app| {
    let w = app.world().await;
    let (_, _, code) = app
        .register_resident(&w.caseworker_a, &w.team_a, "Eva")
        .await;
    app.post(
        "/v1/auth/activate",
        None,
        &json!({"code": code, "pin": RESIDENT_PIN, "role": "admin"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        "/v1/residents",
        Some(&w.caseworker_a.token),
        &json!({"display_name": "X", "team_id": w.team_a, "role": "admin"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // A caseworker cannot register residents in a team that is not theirs.
    app.post(
        "/v1/residents",
        Some(&w.caseworker_a.token),
        &json!({"display_name": "X", "team_id": w.team_b}),
    )
    .await
    .assert_problem(422, "validation_failed");
});

mod rate_limit {
    use super::*;

    async fn run(backend: crate::helpers::Backend) {
        let Some(app) =
            crate::helpers::spawn_app_with(backend, |s| s.auth_rate_per_minute = 5).await
        else {
            return;
        };
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let reply = app
                .post(
                    "/v1/auth/login",
                    None,
                    &json!({"username": "nobody", "password": "x"}),
                )
                .await;
            statuses.push(reply.status);
            if reply.status == 429 {
                reply.assert_problem(429, "too_many_requests");
                assert!(reply.header("retry-after").is_some());
            }
        }
        assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
        assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    }

    #[actix_web::test]
    async fn sqlite() {
        run(crate::helpers::Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        run(crate::helpers::Backend::Postgres).await;
    }
}
