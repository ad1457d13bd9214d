use crate::backend_test;

backend_test!(live_and_ready_answer_ok, |app| {
    let live = app.get("/health/live", None).await;
    live.assert_status(200);
    assert_eq!(live.value()["status"], "ok");
    assert!(
        live.header("x-request-id").is_some(),
        "request id is echoed"
    );

    let ready = app.get("/health/ready", None).await;
    ready.assert_status(200);
    assert_eq!(ready.value()["status"], "ok");
});

backend_test!(metrics_count_requests_by_route_pattern, |app| {
    app.get("/health/live", None).await.assert_status(200);
    app.get("/no/such/route", None).await;
    let metrics = app.get("/metrics", None).await;
    metrics.assert_status(200);
    let text = metrics.text();
    assert!(
        text.contains(
            r#"stapvoorstap_http_requests_total{method="GET",route="/health/live",status="200"}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("stapvoorstap_http_request_duration_seconds_bucket"));
    assert!(text.contains("stapvoorstap_db_pool_connections{state=\"idle\"}"));
});

backend_test!(ready_answers_503_problem_when_database_is_gone, |app| {
    // Break the database underneath the running server.
    match &app.db {
        crate::helpers::TestDb::Sqlite(_, path) => {
            // A SQLite file cannot go away under open handles, so take its schema away instead.
            use diesel::{Connection, RunQueryDsl};
            let mut conn = diesel::sqlite::SqliteConnection::establish(path).expect("open");
            diesel::sql_query("DROP TABLE service_info")
                .execute(&mut conn)
                .expect("drop table");
        }
        crate::helpers::TestDb::Postgres {
            admin_url, name, ..
        } => {
            use diesel::{Connection, RunQueryDsl};
            let mut conn = diesel::pg::PgConnection::establish(admin_url).expect("admin");
            diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut conn)
                .expect("drop");
        }
    }
    let ready = app.get("/health/ready", None).await;
    ready.assert_problem(503, "unavailable");
    assert!(ready.header("retry-after").is_some());
    // Liveness does not depend on the database.
    app.get("/health/live", None).await.assert_status(200);
});
