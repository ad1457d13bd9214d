//! The web apps' files at `/app/` and `/console/` and what they share at `/common/` and
//! `/vendor/` (types, ETags, caching, CSP, SPA fallback), and the
//! cookie transport of the refresh token for browser apps (HttpOnly cookie, CSRF rules).

use crate::backend_test;
use crate::helpers::RESIDENT_PIN;
use serde_json::json;

/// The value of the `svs_refresh` cookie a `Set-Cookie` header sets, and its attributes.
fn refresh_cookie(res: &reqwest::Response) -> Option<(String, String)> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("svs_refresh="))
        .map(|v| {
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            (pair["svs_refresh=".len()..].to_owned(), attrs.to_owned())
        })
}

backend_test!(app_files_are_served_with_types_tags_and_policy, |app| {
    // The shell.
    let res = app.client.get(app.url("/app/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let body = res.text().await.unwrap();
    assert!(body.contains("<html lang=\"nl\">"), "{body}");
    assert!(!body.contains("<script>"), "no inline script");

    // Revalidation: 304 without a body, same tag.
    let res = app
        .client
        .get(app.url("/app/"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.text().await.unwrap().is_empty());

    // Types; versioned vendor files are cached for a year.
    for (path, ty, cache) in [
        (
            "/app/js/main.js",
            "text/javascript; charset=utf-8",
            "no-cache",
        ),
        ("/app/css/app.css", "text/css; charset=utf-8", "no-cache"),
        (
            "/app/manifest.webmanifest",
            "application/manifest+json",
            "no-cache",
        ),
        ("/app/icons/icon.svg", "image/svg+xml", "no-cache"),
        ("/app/icons/icon-192.png", "image/png", "no-cache"),
        (
            "/vendor/preact-10.29.8/preact.module.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], ty, "{path}");
        assert_eq!(res.headers()["cache-control"], cache, "{path}");
    }
    let sw = app.client.get(app.url("/app/sw.js")).send().await.unwrap();
    assert_eq!(
        sw.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(sw.headers()["service-worker-allowed"], "/app/");

    // The app routes itself: unknown paths without an extension get the shell; a missing file
    // is a plain 404, never HTML in place of a script.
    let res = app
        .client
        .get(app.url("/app/progress"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("id=\"app\""));
    let res = app
        .client
        .get(app.url("/app/js/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers().contains_key("content-security-policy"));
    let res = app.client.get(app.url("/app")).send().await.unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/app/");
    let res = app
        .client
        .head(app.url("/app/js/api.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
});

backend_test!(console_and_shared_files_are_served_like_the_app, |app| {
    // The console's shell, with the same policy as the app's.
    let res = app.client.get(app.url("/console/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(
        h["content-security-policy"],
        stapvoorstap::api::webapp::APP_CSP
    );
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.contains_key("etag"));
    assert!(!h.contains_key("service-worker-allowed"));
    let body = res.text().await.unwrap();
    assert!(body.contains("/console/js/main.js"), "{body}");
    assert!(!body.contains("<script>"), "no inline script");

    // The console routes itself; a missing file is a 404, never the shell.
    for path in [
        "/console/worklist",
        "/console/plans/0190abcd-0000-7000-8000-000000000000",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.text().await.unwrap().contains("id=\"app\""), "{path}");
    }
    let res = app
        .client
        .get(app.url("/console/js/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = app.client.get(app.url("/console")).send().await.unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/console/");

    // Shared code revalidates; vendored files are versioned and cached for a year. Neither
    // folder routes: an unknown path is a 404, and a folder has no index.
    for (path, ty, cache) in [
        (
            "/console/js/main.js",
            "text/javascript; charset=utf-8",
            "no-cache",
        ),
        (
            "/console/css/console.css",
            "text/css; charset=utf-8",
            "no-cache",
        ),
        (
            "/common/api-core.js",
            "text/javascript; charset=utf-8",
            "no-cache",
        ),
        (
            "/vendor/qrcode-generator-2.0.4/qrcode.mjs",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        (
            "/vendor/utrecht-9.0.4/components.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], ty, "{path}");
        assert_eq!(res.headers()["cache-control"], cache, "{path}");
        assert!(res.headers().contains_key("content-security-policy"));
    }
    for path in ["/vendor/", "/vendor/nope", "/common/", "/common/settings"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    // The old place of the vendored files is gone (the app's shell points at /vendor/).
    let res = app
        .client
        .get(app.url("/app/vendor/preact-10.29.8/preact.module.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
});

backend_test!(
    refresh_token_travels_in_an_httponly_cookie_on_request,
    |app| {
        let admin = app.admin().await;
        let team = app.create_team(&admin, "Team").await;
        let cw = app.staff(&admin, "caseworker", &[&team]).await;
        let (_, login_name, code) = app.register_resident(&cw, &team, "Fatima").await;

        // Activation with the cookie transport: no refresh token in the body, an HttpOnly cookie.
        let res = app
            .client
            .post(app.url("/v1/auth/activate"))
            .header("X-Token-Transport", "cookie")
            .json(&json!({"code": code, "pin": RESIDENT_PIN}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (first, attrs) = refresh_cookie(&res).expect("refresh cookie");
        assert!(!first.is_empty());
        for a in ["HttpOnly", "SameSite=Strict", "Path=/v1/auth/", "Max-Age="] {
            assert!(attrs.contains(a), "{attrs}");
        }
        // Plain http to 127.0.0.1 is development on one's own machine: no Secure there.
        assert!(!attrs.contains("Secure"), "{attrs}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body.get("refresh_token").is_none(), "{body}");
        assert!(body["access_token"].as_str().is_some());

        // Behind TLS (a proxy saying so), the cookie is Secure.
        let res = app
            .client
            .post(app.url("/v1/auth/login"))
            .header("X-Token-Transport", "cookie")
            .header("X-Forwarded-Proto", "https")
            .header("Host", "app.gemeente.example")
            .json(&json!({"username": login_name, "password": RESIDENT_PIN}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (_, attrs) = refresh_cookie(&res).expect("cookie");
        assert!(attrs.contains("Secure"), "{attrs}");

        // Refresh from the cookie: needs the header (CSRF); a new cookie comes back, the old one is
        // used up.
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .header("Cookie", format!("svs_refresh={first}"))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "a cookie alone is not enough");
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .header("Cookie", format!("svs_refresh={first}"))
            .header("X-Token-Transport", "cookie")
            .header("Origin", "https://evil.example")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "another site's origin is refused");
        let origin = app.address.clone();
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .header("Cookie", format!("svs_refresh={first}"))
            .header("X-Token-Transport", "cookie")
            .header("Origin", &origin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (second, _) = refresh_cookie(&res).expect("rotated cookie");
        assert_ne!(second, first);
        let token = res.json::<serde_json::Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        app.get("/v1/me", Some(&token)).await.assert_status(200);

        // No cookie: the session is simply over (401), as with an unknown token.
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .header("X-Token-Transport", "cookie")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        // Sign-out from the cookie ends the session and clears the cookie.
        let res = app
            .client
            .post(app.url("/v1/auth/logout"))
            .header("Cookie", format!("svs_refresh={second}"))
            .header("X-Token-Transport", "cookie")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let (cleared, attrs) = refresh_cookie(&res).expect("clearing cookie");
        assert!(cleared.is_empty());
        assert!(attrs.contains("Max-Age=0"), "{attrs}");
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .header("Cookie", format!("svs_refresh={second}"))
            .header("X-Token-Transport", "cookie")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "signed out");

        // Without the header nothing changes for other clients: the token is in the body.
        let login = app.login(&login_name, RESIDENT_PIN).await;
        assert!(!login.refresh.is_empty());
    }
);

backend_test!(
    an_unknown_token_transport_is_refused_before_anything_is_done,
    |app| {
        let admin = app.admin().await;
        let team = app.create_team(&admin, "Team").await;
        let cw = app.staff(&admin, "caseworker", &[&team]).await;
        let (_, login_name, code) = app.register_resident(&cw, &team, "Fatima").await;

        // A typo in the header: refused, and the activation code is still unused.
        for value in ["body", "COOKIE", "cookies"] {
            let res = app
                .client
                .post(app.url("/v1/auth/activate"))
                .header("X-Token-Transport", value)
                .json(&json!({"code": code, "pin": RESIDENT_PIN}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{value}");
            let problem: serde_json::Value = res.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], "X-Token-Transport");
        }
        let res = app
            .client
            .post(app.url("/v1/auth/activate"))
            .json(&json!({"code": code, "pin": RESIDENT_PIN}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "the code was not used up by the refused tries"
        );

        // Sign-out with a wrong header value leaves the session alone.
        let login = app.login(&login_name, RESIDENT_PIN).await;
        let res = app
            .client
            .post(app.url("/v1/auth/logout"))
            .header("X-Token-Transport", "nope")
            .json(&json!({"refresh_token": login.refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        // An empty token is refused too, even with the cookie transport.
        let res = app
            .client
            .post(app.url("/v1/auth/logout"))
            .header("X-Token-Transport", "cookie")
            .json(&json!({"refresh_token": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let res = app
            .client
            .post(app.url("/v1/auth/logout"))
            .json(&json!({"refresh_token": "x".repeat(1025)}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "longer than any token");
        let res = app
            .client
            .post(app.url("/v1/auth/refresh"))
            .json(&json!({"refresh_token": login.refresh}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "still signed in");
    }
);
