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
