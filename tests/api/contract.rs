//! The spec's errors are the server's errors. Every operation of the document is sent requests
//! by every kind of caller (no token and each role), with no body, a malformed JSON body, a
//! body of the wrong media type and an empty object, with ids that exist nowhere and with an
//! unknown query parameter: each
//! status answered must be one the operation documents (not just `default`), with the
//! headers documented for it, and each status the shared rules of `api::contract` add (401,
//! 403, 404, 400, 415) must really be answered by one of those requests.

use crate::helpers::{Backend, Reply, TestApp, spawn_app};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

struct Probe {
    label: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

/// A body of a request schema from its examples (enums: the first value; other required
/// fields: a value of their type and format), for callers to get past body validation.
fn example(doc: &Value, s: &Value) -> Value {
    if let Some(name) = s["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        return example(doc, &doc["components"]["schemas"][name]);
    }
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(first) = s["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(branch) = s["oneOf"]
        .as_array()
        .and_then(|o| o.iter().find(|b| b["type"] != "null"))
    {
        return example(doc, branch);
    }
    if let Some(props) = s["properties"].as_object() {
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        return props
            .iter()
            .filter(|(k, _)| required.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), example(doc, v)))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    let ty = match &s["type"] {
        Value::Array(ts) => ts.first().and_then(Value::as_str).unwrap_or_default(),
        t => t.as_str().unwrap_or_default(),
    };
    match (ty, s["format"].as_str()) {
        ("string", Some("date")) => {
            Value::from((chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string())
        }
        ("string", Some("uuid")) => Value::from(uuid::Uuid::new_v4().to_string()),
        ("string", _) => {
            let n = s["minLength"].as_u64().unwrap_or(1).max(1) as usize;
            Value::from(
                "abcdefghijklmnopqrstuvwxyz"
                    .chars()
                    .cycle()
                    .take(n)
                    .collect::<String>(),
            )
        }
        ("integer", _) | ("number", _) => s["minimum"].clone(),
        ("boolean", _) => Value::Bool(true),
        ("array", _) => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

fn probes(doc: &Value, op: &Value) -> Vec<Probe> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let valid = (!schema.is_null()).then(|| Probe {
        label: "a body from the examples",
        content_type: Some("application/json"),
        body: example(doc, schema).to_string().into_bytes(),
    });
    vec![
        Probe {
            label: "no body",
            content_type: None,
            body: Vec::new(),
        },
        Probe {
            label: "malformed JSON",
            content_type: Some("application/json"),
            body: b"{\"a\": ".to_vec(),
        },
        Probe {
            label: "text/plain",
            content_type: Some("text/plain"),
            body: b"hallo".to_vec(),
        },
        Probe {
            label: "empty object",
            content_type: Some("application/json"),
            body: b"{}".to_vec(),
        },
    ]
    .into_iter()
    .chain(valid)
    .collect()
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    probe: &Probe,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = probe.content_type {
        req = req
            .header(reqwest::header::CONTENT_TYPE, ct)
            .body(probe.body.clone());
    }
    app.send(req).await
}

/// The headers each documented answer promises, as the spec names them.
fn documented_headers(response: &Value) -> BTreeSet<String> {
    response["headers"]
        .as_object()
        .map(|h| h.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn every_answered_error_is_documented_and_every_shared_one_answered() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let w = app.world().await;
    let callers: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("resident", Some(&w.resident_a.token)),
        ("caseworker", Some(&w.caseworker_a.token)),
        ("volunteer", Some(&w.volunteer.token)),
        ("researcher", Some(&w.researcher.token)),
        ("admin", Some(&w.admin.token)),
    ];
    let doc = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    let nowhere = uuid::Uuid::new_v4().to_string();
    let mut undocumented = Vec::new();
    let mut missing_headers = Vec::new();
    let mut unanswered = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let mut answered: BTreeMap<u16, String> = BTreeMap::new();
            // Ids that exist nowhere, one that is no id, and a query parameter nobody takes.
            let mut paths = vec![
                fill(template, &nowhere),
                format!("{}?zz_unknown=1", fill(template, &nowhere)),
            ];
            if template.contains('{') {
                paths.push(fill(template, "not-an-id"));
            }
            for path in &paths {
                for (who, token) in callers {
                    for probe in probes(&doc, op) {
                        let reply = send(&app, method, path, token, &probe).await;
                        let what = format!(
                            "{} {path} as {who} with {}",
                            method.to_uppercase(),
                            probe.label
                        );
                        let status = reply.status;
                        answered.entry(status).or_insert_with(|| what.clone());
                        if reply.header("x-request-id").is_none() {
                            missing_headers.push(format!("{what}: {status} without x-request-id"));
                        }
                        let Some(documented) = responses.get(&status.to_string()) else {
                            undocumented.push(format!("{what}: answered {status}"));
                            continue;
                        };
                        if status >= 400 {
                            let ct = reply.header("content-type").unwrap_or_default();
                            if ct != "application/problem+json" {
                                undocumented.push(format!("{what}: {status} as {ct}"));
                            }
                        }
                        let promised = documented_headers(documented);
                        for name in [
                            "retry-after",
                            "www-authenticate",
                            "etag",
                            "idempotent-replayed",
                            "link",
                        ] {
                            if reply.header(name).is_some() && !promised.contains(name) {
                                missing_headers
                                    .push(format!("{what}: {status} sends {name}, undocumented"));
                            }
                        }
                        for name in &promised {
                            let always = ["x-request-id", "retry-after", "www-authenticate"];
                            if always.contains(&name.as_str()) && reply.header(name).is_none() {
                                missing_headers
                                    .push(format!("{what}: {status} promises {name}, sends none"));
                            }
                        }
                    }
                }
            }
            let secured = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|r| !r.is_empty()))
            });
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            let mut expected = Vec::new();
            if secured {
                expected.push(401);
            }
            if secured && responses.contains_key("403") {
                expected.push(403);
            }
            if template.contains('{') {
                expected.push(404);
            }
            if json_body {
                expected.extend([400, 415]);
            }
            for status in expected {
                if !answered.contains_key(&status) {
                    unanswered.push(format!(
                        "{} {template}: documents {status}, answered only {:?}",
                        method.to_uppercase(),
                        answered.keys().collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(
        undocumented.is_empty() && missing_headers.is_empty() && unanswered.is_empty(),
        "answers the spec does not document:\n{}\n\nheaders:\n{}\n\ndocumented but never answered:\n{}",
        undocumented.join("\n"),
        missing_headers.join("\n"),
        unanswered.join("\n")
    );
}

/// A path with every `{parameter}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = rest[open..].split_once('}').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

/// The documented limit `key` of a schema property (`Schema/property`).
fn limit(doc: &Value, property: &str, key: &str) -> i64 {
    let (schema, field) = property.split_once('/').expect("Schema/property");
    let p = &doc["components"]["schemas"][schema]["properties"][field];
    let p = p["oneOf"]
        .as_array()
        .and_then(|o| o.iter().find(|s| s["type"] != "null"))
        .unwrap_or(p);
    p[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{property} documents no {key}"))
}

#[actix_web::test]
async fn one_past_a_documented_limit_is_refused_and_the_limit_itself_is_not() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let w = app.world().await;
    let doc = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    let text = |n: i64| Value::String("a".repeat(usize::try_from(n).expect("length")));
    // (method, path, caller, body with the field set to `v`, documented property, field, kind)
    type Body = Box<dyn Fn(Value) -> Value>;
    let team = w.team_a.clone();
    let cases: Vec<(&str, &str, &str, Body, &str, &str, &str)> = vec![
        (
            "post",
            "/v1/teams",
            &w.admin.token,
            Box::new(|v| serde_json::json!({"name": v})),
            "CreateTeamRequest/name",
            "name",
            "maxLength",
        ),
        (
            "post",
            "/v1/residents",
            &w.caseworker_a.token,
            Box::new(move |v| serde_json::json!({"display_name": v, "team_id": team})),
            "CreateResidentRequest/display_name",
            "display_name",
            "maxLength",
        ),
        (
            "post",
            "/v1/me/devices",
            &w.resident_a.token,
            Box::new(
                |v| serde_json::json!({"token": "fcm-token", "platform": "android", "app_version": v}),
            ),
            "RegisterDeviceRequest/app_version",
            "app_version",
            "maxLength",
        ),
        (
            "post",
            "/v1/me/devices",
            &w.resident_a.token,
            Box::new(
                |v| serde_json::json!({"token": "fcm-token", "platform": "android", "locale": v}),
            ),
            "RegisterDeviceRequest/locale",
            "locale",
            "maxLength",
        ),
        (
            "put",
            "/v1/me/notification-preferences",
            &w.resident_a.token,
            Box::new(
                |v| serde_json::json!({"enabled": true, "quiet_hours": "21:00-08:00", "daily_cap": v, "weekly_cap": 3, "timezone": "Europe/Amsterdam"}),
            ),
            "PreferencesBody/daily_cap",
            "daily_cap",
            "maximum",
        ),
        (
            "put",
            "/v1/me/notification-preferences",
            &w.resident_a.token,
            Box::new(
                |v| serde_json::json!({"enabled": true, "quiet_hours": "21:00-08:00", "daily_cap": 1, "weekly_cap": v, "timezone": "Europe/Amsterdam"}),
            ),
            "PreferencesBody/weekly_cap",
            "weekly_cap",
            "maximum",
        ),
    ];
    for (method, path, token, body, property, field, key) in cases {
        let max = limit(&doc, property, key);
        for (value, refused) in [(max, false), (max + 1, true)] {
            let v = if key == "maxLength" {
                text(value)
            } else {
                Value::from(value)
            };
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = app
                .method_json(method.clone(), path, Some(token), &body(v))
                .await;
            let names_field = reply.status == 422
                && reply.value()["errors"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e["field"] == field));
            assert_eq!(
                names_field,
                refused,
                "{method} {path} with {field} at {value} ({key} {max}): {} {}",
                reply.status,
                reply.text()
            );
        }
    }
    // Parameters: the page size and the idempotency key.
    let max = doc["paths"]["/v1/residents"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .and_then(|p| p["schema"]["maximum"].as_i64())
        .expect("limit maximum");
    for (value, status) in [(max, 200), (max + 1, 422)] {
        app.get(
            &format!("/v1/residents?limit={value}"),
            Some(&w.caseworker_a.token),
        )
        .await
        .assert_status(status);
    }
    let key_max = doc["paths"]["/v1/me/devices"]["post"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "Idempotency-Key"))
        .and_then(|p| p["schema"]["maxLength"].as_u64())
        .expect("key maxLength");
    for (len, status) in [(key_max, 200), (key_max + 1, 422)] {
        let req = app
            .client
            .post(app.url("/v1/me/devices"))
            .bearer_auth(&w.resident_a.token)
            .header("Idempotency-Key", "k".repeat(len as usize))
            .json(&serde_json::json!({"token": format!("fcm-{len}"), "platform": "ios"}));
        app.send(req).await.assert_status(status);
    }
}
