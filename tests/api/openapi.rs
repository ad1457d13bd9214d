//! The committed spec is what the code generates, and the served spec is the same document.

use crate::backend_test;

#[test]
fn committed_openapi_matches_the_code() {
    let generated =
        serde_json::to_string_pretty(&stapvoorstap::api::openapi()).expect("json") + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with:\n    cargo run -q -- openapi > openapi/openapi.json"
    );
}

backend_test!(served_spec_equals_generated_and_docs_ui_is_local, |app| {
    let served = app.get("/openapi.json", None).await;
    served.assert_status(200);
    let generated = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    assert_eq!(served.value(), generated);
    let docs = app.get("/docs/", None).await;
    docs.assert_status(200);
    assert!(docs.text().contains("swagger"), "docs page is Swagger UI");
    // The UI's script is served by this binary, not by a CDN.
    app.get("/docs/swagger-ui-bundle.js", None)
        .await
        .assert_status(200);
});

/// Walks every schema of the document (components, parameters, bodies, answers and everything
/// nested in them) and calls `check` with its JSON pointer.
fn walk_schemas(doc: &serde_json::Value, check: &mut dyn FnMut(&str, &serde_json::Value)) {
    fn schema(path: &str, s: &serde_json::Value, check: &mut dyn FnMut(&str, &serde_json::Value)) {
        check(path, s);
        let Some(obj) = s.as_object() else { return };
        if let Some(props) = obj.get("properties").and_then(|p| p.as_object()) {
            for (name, p) in props {
                schema(&format!("{path}/properties/{name}"), p, check);
            }
        }
        for key in ["items", "additionalProperties", "propertyNames", "not"] {
            if let Some(inner) = obj.get(key).filter(|v| v.is_object()) {
                schema(&format!("{path}/{key}"), inner, check);
            }
        }
        for key in ["oneOf", "anyOf", "allOf", "prefixItems"] {
            for (i, inner) in obj
                .get(key)
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .enumerate()
            {
                schema(&format!("{path}/{key}/{i}"), inner, check);
            }
        }
    }
    // Every `schema` under `paths` (parameters, request bodies, responses, headers) ...
    fn find(path: &str, v: &serde_json::Value, check: &mut dyn FnMut(&str, &serde_json::Value)) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, inner) in map {
                    let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if k == "schema" {
                        schema(&p, inner, check);
                    } else {
                        find(&p, inner, check);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    find(&format!("{path}/{i}"), inner, check);
                }
            }
            _ => {}
        }
    }
    find("#/paths", &doc["paths"], check);
    // ... and every component schema.
    for (name, s) in doc["components"]["schemas"].as_object().expect("schemas") {
        schema(&format!("#/components/schemas/{name}"), s, check);
    }
}

/// Whether a schema says nothing about its values (any JSON fits), or is an object with no
/// declared properties and no typed values.
fn untyped(s: &serde_json::Value) -> Option<&'static str> {
    let Some(obj) = s.as_object() else {
        return (s != &serde_json::Value::Bool(false)).then_some("a boolean schema");
    };
    let shaped = ["type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const"];
    if !shaped.iter().any(|k| obj.contains_key(*k)) {
        return Some("no type");
    }
    let types: Vec<&str> = match obj.get("type") {
        Some(serde_json::Value::String(t)) => vec![t.as_str()],
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    match obj.get("additionalProperties") {
        Some(serde_json::Value::Bool(true)) => return Some("additionalProperties: true"),
        Some(serde_json::Value::Object(ap)) if ap.is_empty() => {
            return Some("additionalProperties: {}");
        }
        _ => {}
    }
    if types.contains(&"object")
        && !obj.contains_key("properties")
        && !obj
            .get("additionalProperties")
            .is_some_and(|a| a.is_object())
    {
        return Some("an object without properties");
    }
    if types.contains(&"array") && !obj.contains_key("items") {
        return Some("an array without items");
    }
    None
}

#[test]
fn every_schema_is_typed() {
    let doc = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    let mut found = Vec::new();
    walk_schemas(&doc, &mut |path, s| {
        if let Some(why) = untyped(s) {
            found.push(format!("{path}: {why}"));
        }
    });
    assert!(
        found.is_empty(),
        "untyped or free-form schemas:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_walker_finds_free_form_schemas() {
    // The check above must be able to fail: the shapes it looks for are found.
    let doc = serde_json::json!({
        "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"type": "object"}}}}}}}},
        "components": {"schemas": {
            "A": {"type": "object", "properties": {"v": {}, "m": {"type": "object", "additionalProperties": true}}},
            "B": {"type": "array"},
            "C": {"type": "object", "additionalProperties": {"type": "string"}}
        }}
    });
    let mut found = Vec::new();
    walk_schemas(&doc, &mut |path, s| {
        if untyped(s).is_some() {
            found.push(path.to_owned());
        }
    });
    assert_eq!(
        found,
        [
            "#/paths/~1x/get/responses/200/content/application~1json/schema",
            "#/components/schemas/A/properties/m",
            "#/components/schemas/A/properties/v",
            "#/components/schemas/B",
        ]
    );
}

#[test]
fn every_enum_of_the_spec_is_a_rust_type_with_all_its_values() {
    let doc = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    let known: std::collections::BTreeMap<&str, Vec<String>> =
        stapvoorstap::api::vocab::spec_enums().into_iter().collect();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    // Every enum lives in a named component schema (none inline, so each has one Rust type) ...
    let mut problems = Vec::new();
    walk_schemas(&doc, &mut |path, s| {
        if s.get("enum").is_some()
            && !(path.starts_with("#/components/schemas/") && path.matches('/').count() == 3)
        {
            problems.push(format!("{path}: an inline enum"));
        }
    });
    // ... listed with exactly the values of that type, in its order ...
    for (name, s) in schemas {
        let Some(values) = s.get("enum").and_then(|e| e.as_array()) else {
            continue;
        };
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_str().expect("string enum").to_owned())
            .collect();
        match known.get(name.as_str()) {
            None => problems.push(format!("{name}: not in api::vocab::spec_enums")),
            Some(all) if *all != values => {
                problems.push(format!(
                    "{name}: spec lists {values:?}, the type has {all:?}"
                ));
            }
            Some(_) => {}
        }
    }
    // ... and every vocabulary the server speaks is in the spec.
    for name in known.keys() {
        if schemas.get(*name).is_none_or(|s| s.get("enum").is_none()) {
            problems.push(format!("{name}: not an enum schema of the spec"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every OpenAPI link names an operation that exists, fills only parameters that operation
/// has (path ids, `header.If-Match`), and reads them from a field the source answer's schema
/// really has — so a client generator or a stateful fuzzer can follow it.
#[test]
fn every_link_leads_somewhere_real() {
    let doc = serde_json::to_value(stapvoorstap::api::openapi()).expect("json");
    let resolve = |v: &serde_json::Value| -> serde_json::Value {
        match v.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or_default(),
            None => v.clone(),
        }
    };
    let mut ops = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                ops.insert(id.to_owned(), (method.clone(), path.clone(), op.clone()));
            }
        }
    }
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            for (status, resp) in responses {
                let Some(links) = resp.get("links").and_then(|l| l.as_object()) else {
                    continue;
                };
                let body = resolve(&resp["content"]["application/json"]["schema"]);
                for (name, link) in links {
                    n += 1;
                    let at = format!("{method} {path} {status} → {name}");
                    let target = link["operationId"].as_str().unwrap();
                    let (_, _, top) = ops
                        .get(target)
                        .unwrap_or_else(|| panic!("{at}: no operation {target}"));
                    for (param, expr) in link["parameters"].as_object().unwrap() {
                        let (place, pname) = param.split_once('.').unwrap_or(("path", param));
                        assert!(
                            top["parameters"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .any(|p| p["in"] == place
                                    && p["name"].as_str().unwrap().eq_ignore_ascii_case(pname)),
                            "{at}: {target} has no {place} parameter {pname}"
                        );
                        // `$response.body#/a/0/b`: each segment is a property (or an index
                        // into an array) of the answer's schema.
                        let pointer = expr
                            .as_str()
                            .unwrap()
                            .strip_prefix("$response.body#")
                            .unwrap_or_else(|| panic!("{at}: {expr} is not a body pointer"));
                        let mut s = body.clone();
                        for seg in pointer.split('/').skip(1) {
                            s = if seg.parse::<usize>().is_ok() {
                                resolve(&s["items"])
                            } else {
                                let props = &s["properties"];
                                assert!(
                                    props.get(seg).is_some(),
                                    "{at}: the answer has no field {seg} ({pointer})"
                                );
                                resolve(&props[seg])
                            };
                        }
                    }
                }
            }
        }
    }
    assert!(n >= 40, "the spec has its links ({n})");
}
