//! A standalone fake FCM HTTP v1 server for benchmarks (issue 7): an OAuth2 token endpoint and
//! `messages:send`, each send answered after a fixed latency (default 50 ms), like Google's.
//!
//! ```sh
//! fake_fcm PORT OUT_DIR [LATENCY_MS]
//! ```
//!
//! Writes `OUT_DIR/fcm-service-account.json` (the throwaway key of `tests/fixtures`, `token_uri`
//! pointing here). `GET /stats` answers `{"token_fetches": n, "sends": m, "unauthorized": k}`.
//! Sends are checked for a bearer token this server issued. For benchmarks only.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const PRIVATE_KEY_PEM: &str = include_str!("../tests/fixtures/fcm-test-key.pem");
const PROJECT_ID: &str = "stapvoorstap-bench";
const TOKEN: &str = "fake-bench-access-token";

#[derive(Default)]
struct Stats {
    token_fetches: AtomicU64,
    sends: AtomicU64,
    unauthorized: AtomicU64,
}

struct Config {
    latency: Duration,
}

async fn token(stats: web::Data<Stats>) -> HttpResponse {
    stats.token_fetches.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok()
        .json(json!({"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}))
}

async fn send(req: HttpRequest, stats: web::Data<Stats>, cfg: web::Data<Config>) -> HttpResponse {
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    if !authorized {
        stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::Unauthorized().json(
            json!({"error": {"code": 401, "message": "bad token", "status": "UNAUTHENTICATED"}}),
        );
    }
    tokio::time::sleep(cfg.latency).await;
    let n = stats.sends.fetch_add(1, Ordering::Relaxed) + 1;
    HttpResponse::Ok().json(json!({"name": format!("projects/{PROJECT_ID}/messages/{n}")}))
}

async fn stats(stats: web::Data<Stats>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "token_fetches": stats.token_fetches.load(Ordering::Relaxed),
        "sends": stats.sends.load(Ordering::Relaxed),
        "unauthorized": stats.unauthorized.load(Ordering::Relaxed),
    }))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args
        .get(1)
        .context("usage: fake_fcm PORT OUT_DIR [LATENCY_MS]")?
        .parse()?;
    let out = std::path::PathBuf::from(args.get(2).context("OUT_DIR")?);
    let latency_ms: u64 = args.get(3).map_or(Ok(50), |v| v.parse())?;
    std::fs::create_dir_all(&out)?;
    let account = json!({
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": "bench-key-1",
        "private_key": PRIVATE_KEY_PEM,
        "client_email": "fcm-bench@stapvoorstap-bench.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": format!("http://127.0.0.1:{port}/token"),
    });
    std::fs::write(
        out.join("fcm-service-account.json"),
        serde_json::to_string_pretty(&account)?,
    )?;
    let stats_data = web::Data::new(Stats::default());
    let cfg = web::Data::new(Config {
        latency: Duration::from_millis(latency_ms),
    });
    println!("fake FCM on 127.0.0.1:{port}, {latency_ms} ms per send");
    HttpServer::new(move || {
        App::new()
            .app_data(stats_data.clone())
            .app_data(cfg.clone())
            .route("/token", web::post().to(token))
            .route("/v1/projects/{project}/messages:send", web::post().to(send))
            .route("/stats", web::get().to(stats))
    })
    .workers(1)
    .max_connections(4096)
    .bind(("127.0.0.1", port))?
    .run()
    .await?;
    Ok(())
}
