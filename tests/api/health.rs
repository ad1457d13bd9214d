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

/// A PostgreSQL restart or failover ends every pooled connection. Requests that meet a dead
/// connection answer 503 with `Retry-After` (never 500), the pool drops those connections, and
/// the service serves again without a restart of its own.
#[actix_web::test]
async fn recovers_when_postgres_ends_its_connections() {
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    // Open several pooled connections (the test pool holds 5).
    let warm: Vec<_> = (0..8)
        .map(|_| app.get("/v1/me", Some(&admin.token)))
        .collect();
    for reply in futures_util::future::join_all(warm).await {
        reply.assert_status(200);
    }
    let crate::helpers::TestDb::Postgres {
        admin_url, name, ..
    } = &app.db
    else {
        unreachable!("a PostgreSQL app");
    };
    {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = diesel::pg::PgConnection::establish(admin_url).expect("admin");
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut conn)
        .expect("terminate");
    }
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let reply = app.get("/v1/me", Some(&admin.token)).await;
        if reply.status == 503 {
            reply.assert_problem(503, "unavailable");
            assert!(reply.header("retry-after").is_some());
        }
        statuses.push(reply.status);
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "only 200 or 503: {statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 503).count() <= 5,
        "each dead connection fails at most one request: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - 5..].iter().all(|s| *s == 200),
        "served again: {statuses:?}"
    );
}
