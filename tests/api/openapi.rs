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
