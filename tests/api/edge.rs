//! The edge of the service over raw TCP and HTTP: stalled, trickled and never-sent bodies
//! (408 + close), slow heads, malformed requests, security headers on every class of answer,
//! compression with per-encoding entity tags, and start-up refusal of known or weak secrets.

use crate::backend_test;
use crate::helpers::{Backend, TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What a raw exchange saw: everything read, how long until the connection closed, and
/// whether it did close (EOF or reset) before the read deadline.
struct Raw {
    text: String,
    elapsed: Duration,
    closed: bool,
}

impl Raw {
    /// The status code of the last (final) response in the bytes read.
    fn final_status(&self) -> u16 {
        self.text
            .match_indices("HTTP/1.1 ")
            .last()
            .and_then(|(i, _)| self.text[i + 9..i + 12].parse().ok())
            .unwrap_or(0)
    }

    fn final_response(&self) -> &str {
        let i = self.text.rfind("HTTP/1.1 ").unwrap_or(0);
        &self.text[i..]
    }

    fn header(&self, name: &str) -> Option<String> {
        let head = self.final_response().split("\r\n\r\n").next()?;
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    fn body(&self) -> &str {
        self.final_response()
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
    }
}

/// Sends `head` at once, then each `(bytes, pause)` of `trickle` after its pause, and reads
/// until the server closes the connection or `read_for` passes.
async fn raw(
    port: u16,
    head: Vec<u8>,
    trickle: Vec<(Vec<u8>, Duration)>,
    read_for: Duration,
) -> Raw {
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let started = Instant::now();
        stream.write_all(&head).unwrap();
        let mut writer = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            for (bytes, pause) in trickle {
                std::thread::sleep(pause);
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        let closed = loop {
            if started.elapsed() > read_for {
                break false;
            }
            match stream.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break true,
            }
        };
        Raw {
            text: String::from_utf8_lossy(&got).into_owned(),
            elapsed: started.elapsed(),
            closed,
        }
    })
    .await
    .unwrap()
}

fn port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

async fn app_with_short_timeouts() -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| {
        s.request_body_timeout = Duration::from_secs(1);
        s.request_head_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap()
}

#[track_caller]
fn assert_timed_out(r: &Raw) {
    assert_eq!(r.final_status(), 408, "{}", r.text);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json"),
        "{}",
        r.text
    );
    let problem: Value = serde_json::from_str(r.body()).expect("problem body");
    assert_eq!(problem["code"], "request_timeout");
    assert_eq!(problem["status"], 408);
    assert!(r.closed, "the connection must close after the 408");
    assert!(
        r.elapsed >= Duration::from_millis(900) && r.elapsed < Duration::from_secs(4),
        "timed out after {:?}",
        r.elapsed
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

const LOGIN_HEAD: &str = "POST /v1/auth/login HTTP/1.1\r\nHost: svs.test\r\n\
Content-Type: application/json\r\nContent-Length: 100\r\n";

#[actix_web::test]
async fn a_body_that_stalls_after_ten_bytes_gets_408_and_close() {
    let app = app_with_short_timeouts().await;
    let head = format!("{LOGIN_HEAD}\r\n{{\"usernam").into_bytes();
    let r = raw(port(&app), head, vec![], Duration::from_secs(6)).await;
    assert_timed_out(&r);
}

#[actix_web::test]
async fn expect_continue_without_a_body_gets_408_and_close() {
    let app = app_with_short_timeouts().await;
    let head = format!("{LOGIN_HEAD}Expect: 100-continue\r\n\r\n").into_bytes();
    let r = raw(port(&app), head, vec![], Duration::from_secs(6)).await;
    assert!(r.text.starts_with("HTTP/1.1 100 Continue"), "{}", r.text);
    assert_timed_out(&r);
}

#[actix_web::test]
async fn a_trickled_body_meets_a_whole_body_deadline() {
    let app = app_with_short_timeouts().await;
    let head = format!("{LOGIN_HEAD}\r\n").into_bytes();
    // One byte per half second: every single read is quick, the body as a whole is not.
    let trickle = (0..20)
        .map(|_| (b" ".to_vec(), Duration::from_millis(500)))
        .collect();
    let r = raw(port(&app), head, trickle, Duration::from_secs(6)).await;
    assert_timed_out(&r);
}

#[actix_web::test]
async fn a_body_in_time_is_served_as_usual() {
    let app = app_with_short_timeouts().await;
    let body =
        json!({"username": "nobody@example.org", "password": "not the password"}).to_string();
    let head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: svs.test\r\nContent-Type: application/json\r\n\
Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(10);
    let trickle = vec![(rest.as_bytes().to_vec(), Duration::from_millis(300))];
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(first.as_bytes());
    let r = raw(port(&app), bytes, trickle, Duration::from_secs(6)).await;
    assert_eq!(r.final_status(), 401, "{}", r.text);
}

#[actix_web::test]
async fn slow_headers_get_408_and_close() {
    let app = app_with_short_timeouts().await;
    let r = raw(
        port(&app),
        b"GET /health/live HTTP/1.1\r\nHost: svs".to_vec(),
        vec![],
        Duration::from_secs(6),
    )
    .await;
    // Answered by actix's parser before the service sees a request: no body (README).
    assert_eq!(r.final_status(), 408, "{}", r.text);
    assert!(r.closed);
    assert!(r.elapsed < Duration::from_secs(4), "{:?}", r.elapsed);
}

/// Malformed heads are answered by actix-http's parser itself, without the service: status
/// only, no body, connection closed. The README says so; this pins what is sent.
#[actix_web::test]
async fn malformed_heads_are_refused_and_closed() {
    let app = app_with_short_timeouts().await;
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "NUL in a header",
            b"GET /health/live HTTP/1.1\r\nHost: svs\r\nX-A: a\0b\r\n\r\n".to_vec(),
            400,
        ),
        (
            "two Content-Length",
            b"POST /v1/auth/login HTTP/1.1\r\nHost: svs\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
            400,
        ),
        ("1 MiB header", {
            let mut h = b"GET /health/live HTTP/1.1\r\nHost: svs\r\nX-Big: ".to_vec();
            h.extend(std::iter::repeat_n(b'a', 1 << 20));
            h.extend_from_slice(b"\r\n\r\n");
            h
        }, 431),
    ];
    for (what, bytes, status) in cases {
        let r = raw(port(&app), bytes, vec![], Duration::from_secs(4)).await;
        assert_eq!(r.final_status(), status, "{what}: {}", r.text);
        assert!(r.closed, "{what}: connection stays open");
        assert_eq!(
            r.header("content-length").as_deref(),
            Some("0"),
            "{what}: {}",
            r.text
        );
    }
}

/// A body the parser cannot decode (broken chunked coding) reaches the service as a failed
/// read, so the service answers it: problem+json.
#[actix_web::test]
async fn a_broken_chunked_body_gets_a_problem() {
    let app = app_with_short_timeouts().await;
    let r = raw(
        port(&app),
        b"POST /v1/auth/login HTTP/1.1\r\nHost: svs\r\nContent-Type: application/json\r\n\
Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
            .to_vec(),
        vec![],
        Duration::from_secs(4),
    )
    .await;
    let first = &r.text[..r.text.find("\r\n\r\n").unwrap_or(0)];
    assert!(first.starts_with("HTTP/1.1 400"), "{}", r.text);
    assert!(
        first.contains("content-type: application/problem+json"),
        "{}",
        r.text
    );
    assert!(r.closed);
}

/// The headers every answer carries; `csp_prefix` tells the path class.
#[track_caller]
fn assert_security_headers(reply: &crate::helpers::Reply, what: &str, docs: bool) {
    let h = |n: &str| reply.header(n).map(str::to_owned);
    assert_eq!(
        h("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        h("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(h("x-frame-options").as_deref(), Some("DENY"), "{what}");
    assert_eq!(
        h("cross-origin-opener-policy").as_deref(),
        Some("same-origin"),
        "{what}"
    );
    assert_eq!(
        h("cross-origin-resource-policy").as_deref(),
        Some("same-origin"),
        "{what}"
    );
    assert!(
        h("permissions-policy").is_some_and(|p| p.contains("camera=()")),
        "{what}"
    );
    let csp = h("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    if docs {
        assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    } else {
        assert!(
            csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
            "{what}: {csp}"
        );
    }
    assert!(
        h("strict-transport-security").is_none(),
        "{what}: HSTS is off by default"
    );
}

backend_test!(security_headers_on_every_class_of_answer, |app| {
    let w = app.world().await;
    let me = app.get("/v1/me", Some(&w.caseworker_a.token)).await;
    me.assert_status(200);
    assert_security_headers(&me, "signed-in JSON", false);
    let live = app.get("/health/live", None).await;
    assert_security_headers(&live, "health", false);
    let unauthorized = app.get("/v1/me", None).await;
    unauthorized.assert_problem(401, "unauthorized");
    assert_security_headers(&unauthorized, "401", false);
    let missing = app.get("/no/such/thing", None).await;
    missing.assert_problem(404, "not_found");
    assert_security_headers(&missing, "404", false);
    let wrong_method = app.send(app.client.delete(app.url("/health/live"))).await;
    assert_eq!(wrong_method.status, 405);
    assert_security_headers(&wrong_method, "405", false);
    let invalid = app
        .post("/v1/auth/login", None, &json!({"username": 3}))
        .await;
    assert!(
        invalid.status == 422 || invalid.status == 400,
        "{}",
        invalid.text()
    );
    assert_security_headers(&invalid, "invalid input", false);
    let spec = app.get("/openapi.json", None).await;
    spec.assert_status(200);
    assert_security_headers(&spec, "openapi.json", false);
    let redirect = app.get("/docs", None).await;
    assert!((300..400).contains(&redirect.status), "{}", redirect.status);
    assert_security_headers(&redirect, "/docs redirect", true);
    let page = app.get("/docs/", None).await;
    page.assert_status(200);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert_security_headers(&page, "/docs/ page", true);
    let initializer = app.get("/docs/swagger-initializer.js", None).await;
    initializer.assert_status(200);
    assert_security_headers(&initializer, "/docs script", true);
    // The validator badge is off, so the page never asks validator.swagger.io for anything.
    let js = initializer.text();
    assert!(js.contains("\"validatorUrl\": \"none\""), "{js}");
    assert!(!js.contains("swagger.io"), "{js}");
});

#[actix_web::test]
async fn hsts_is_sent_only_when_configured() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.hsts_max_age = Some(Duration::from_secs(365 * 24 * 3600));
    })
    .await
    .unwrap();
    for path in ["/health/live", "/no/such/thing", "/docs/"] {
        let reply = app.get(path, None).await;
        assert_eq!(
            reply.header("strict-transport-security"),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

backend_test!(answers_are_compressed_when_the_client_accepts_it, |app| {
    let w = app.world().await;
    let plan = app
        .post(
            &format!("/v1/residents/{}/plans", w.resident_a.id),
            Some(&w.caseworker_a.token),
            &json!({"items": ["start.postplek", "start.post_openen", "start.id"]}),
        )
        .await;
    plan.assert_status(201);
    let current = |encoding: Option<&'static str>| {
        let mut req = app
            .client
            .get(app.url("/v1/me/steps/current"))
            .bearer_auth(&w.resident_a.token);
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        app.send(req)
    };
    let plain = current(None).await;
    plain.assert_status(200);
    assert_eq!(plain.header("content-encoding"), None);
    let expected: Value = plain.value();
    assert!(plain.body.len() > 256, "a current step is not tiny");

    let gz = current(Some("gzip")).await;
    gz.assert_status(200);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(gz.body.len() < plain.body.len());
    assert_eq!(
        serde_json::from_slice::<Value>(&gunzip(&gz.body)).unwrap(),
        expected
    );

    let br = current(Some("br, gzip;q=0.5")).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(
        serde_json::from_slice::<Value>(&unbrotli(&br.body)).unwrap(),
        expected
    );
    for reply in [&plain, &gz, &br] {
        assert!(
            reply
                .header("vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
            "{:?}",
            reply.headers
        );
    }

    // Tiny answers go out as they are.
    let live = app
        .send(
            app.client
                .get(app.url("/health/live"))
                .header("accept-encoding", "gzip"),
        )
        .await;
    assert_eq!(live.header("content-encoding"), None);
    let _: Value = live.value();

    // Entity tags differ per encoding, and a tag read from a compressed answer still works
    // in If-Match.
    let step = expected["steps"][0]["id"].as_str().unwrap().to_owned();
    let patch = |if_match: String, encoding: &'static str, due: &'static str| {
        app.send(
            app.client
                .patch(app.url(&format!("/v1/steps/{step}")))
                .bearer_auth(&w.caseworker_a.token)
                .header("if-match", if_match)
                .header("accept-encoding", encoding)
                .json(&json!({"due_on": due})),
        )
    };
    let first = patch("*".into(), "gzip", "2030-01-01").await;
    first.assert_status(200);
    let tag = first.header("etag").unwrap().to_owned();
    assert!(tag.ends_with("-gzip\""), "{tag}");
    let second = patch(tag.clone(), "identity", "2030-01-02").await;
    second.assert_status(200);
    let plain_tag = second.header("etag").unwrap().to_owned();
    assert!(!plain_tag.contains("-gzip"), "{plain_tag}");
    assert_ne!(plain_tag, tag);
    let stale = patch(tag, "br", "2030-01-03").await;
    stale.assert_problem(412, "precondition_failed");
});

#[test]
fn start_up_refuses_public_and_weak_secrets() {
    let bin = env!("CARGO_BIN_EXE_stapvoorstap");
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "JWT_SECRET",
            "change-me-to-a-long-random-secret-of-32+chars",
            "published",
        ),
        (
            "JWT_SECRET",
            "test-secret-that-is-long-enough-for-hs256-0123456789",
            "published",
        ),
        (
            "JWT_SECRET",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "variety",
        ),
        ("JWT_SECRET", "short", "32 characters"),
        (
            "RESEARCH_PSEUDONYM_KEY",
            "replace-me-with-a-real-key-0123456789",
            "placeholder",
        ),
    ];
    for (var, value, why) in cases {
        let out = std::process::Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", dir.path().join("x.db"))
            .env("DATA_DIR", dir.path())
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env_remove("JWT_SECRET")
            .env_remove("RESEARCH_PSEUDONYM_KEY")
            .env(var, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(
            stderr.contains(var) && stderr.contains(why),
            "{var}={value}: {stderr}"
        );
        assert!(
            !dir.path().join("x.db").exists(),
            "refused before touching the database"
        );
    }
    let help = std::process::Command::new(bin)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for var in [
        "REQUEST_BODY_TIMEOUT",
        "REQUEST_HEAD_TIMEOUT",
        "HSTS_MAX_AGE",
    ] {
        assert!(help.contains(var), "--help names {var}");
    }
}
