//! Test harness: `spawn_app` starts the real server on port 0 with a fresh database.
// Not every test module uses every helper.
#![allow(dead_code)]

use diesel::Connection;
use diesel::RunQueryDsl;
use diesel::pg::PgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use stapvoorstap::config::{DatabaseUrl, LogFormat, Settings};
use stapvoorstap::startup::Application;
use std::sync::Once;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static TRACING: Once = Once::new();

fn init_test_logging() {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = stapvoorstap::telemetry::init("debug", LogFormat::Text);
        }
    });
}

/// A fresh database for one test, removed when dropped.
pub enum TestDb {
    Sqlite(tempfile::TempDir, String),
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    /// Creates a fresh database, or `None` when PostgreSQL is not configured (and not required).
    pub fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("test.db").to_string_lossy().into_owned();
                Some(TestDb::Sqlite(dir, path))
            }
            Backend::Postgres => {
                let Some(admin_url) = postgres_admin_url() else {
                    eprintln!("SKIPPED on PostgreSQL: TEST_DATABASE_URL is not set");
                    return None;
                };
                let name = format!("svs_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot reach TEST_DATABASE_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let url = replace_db_name(&admin_url, &name);
                Some(TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                })
            }
        }
    }

    pub fn url(&self) -> DatabaseUrl {
        match self {
            TestDb::Sqlite(_, path) => DatabaseUrl::new(path.clone()),
            TestDb::Postgres { url, .. } => DatabaseUrl::new(url.clone()),
        }
    }

    /// Directory for files the service keeps (the generated JWT secret).
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        match self {
            TestDb::Sqlite(dir, _) => Some(dir.path().to_path_buf()),
            TestDb::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// The PostgreSQL server URL for tests. With `REQUIRE_POSTGRES_TESTS` set (CI), a missing URL
/// fails the test instead of skipping it.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var_os("REQUIRE_POSTGRES_TESTS").is_some() {
                panic!("REQUIRE_POSTGRES_TESTS is set but TEST_DATABASE_URL is not");
            }
            None
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub state: actix_web::web::Data<stapvoorstap::startup::AppState>,
    /// Folder of the document store (and anything else a test keeps on disk).
    pub files: tempfile::TempDir,
    /// Stops the server's worker threads when the test ends (else every test would leave a
    /// server running, with its pools and threads, until the test binary exits).
    pub server: actix_web::dev::ServerHandle,
    // Dropped last: the database outlives the server handle above.
    pub db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends its command at once; the future only waits for the workers to finish.
        // The server acts on it if its runtime goes on a little (`backend_test!` awaits it).
        drop(self.server.stop(false));
    }
}

/// The documents master key of test servers (64 hex digits).
pub const TEST_DOCUMENTS_KEY: &str =
    "8f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

/// The signing secret of test servers (tests forge tokens with it).
pub const TEST_JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

/// Test settings: a fixed JWT secret, port 0, the given database.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings::for_database(db.url());
    settings.data_dir = db.data_dir();
    settings.db_pool_size = 5;
    settings.http_workers = Some(2);
    settings.jwt_secret = Some(secrecy::SecretString::from(TEST_JWT_SECRET.to_owned()));
    // The per-address limit would trip over the many sign-ins of one test; its own test turns it on.
    settings.auth_rate_per_minute = 0;
    settings
}

/// Starts the real server with a fresh database; `None` when the backend is not available.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with a chance to change the settings first.
pub async fn spawn_app_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    spawn_app_on(backend, stapvoorstap::clock::Clock::system(), tweak).await
}

/// Like [`spawn_app_with`], on the given clock (a virtual one moves only when the test says).
pub async fn spawn_app_on(
    backend: Backend,
    clock: stapvoorstap::clock::Clock,
    tweak: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    init_test_logging();
    let db = TestDb::create(backend)?;
    let files = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&db);
    settings.documents_dir = Some(files.path().join("documents"));
    settings.documents_master_key =
        Some(secrecy::SecretString::from(TEST_DOCUMENTS_KEY.to_owned()));
    tweak(&mut settings);
    let app = Application::build_with_clock(settings.clone(), clock)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    let server = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    Some(TestApp {
        address,
        backend,
        client,
        settings,
        state,
        files,
        server,
        db,
    })
}

/// A response read whole, with helpers for the usual assertions.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not the expected JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn value(&self) -> serde_json::Value {
        self.json()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and machine code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> serde_json::Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "error must be problem+json; body: {}",
            self.text()
        );
        let v = self.value();
        assert_eq!(v["status"], status, "problem status field");
        assert_eq!(v["code"], code, "problem code; body: {v}");
        assert!(v["title"].is_string() && v["detail"].is_string() && v["type"].is_string());
        v
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.expect("body read").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn post<B: Serialize>(&self, path: &str, token: Option<&str>, body: &B) -> Reply {
        self.method_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// The resident completes one of their own steps (no body, no idempotency key).
    pub async fn complete_my_step(&self, resident: &Login, step_id: &str) -> Reply {
        self.post(
            &format!("/v1/me/steps/{step_id}/complete"),
            Some(&resident.token),
            &serde_json::Value::Null,
        )
        .await
    }

    pub async fn method_json<B: Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Reply {
        // `null` means "no body" (for endpoints that take none: an unread body makes the
        // server close the keep-alive connection, which a pooled client would trip over).
        let value = serde_json::to_value(body).expect("serialisable body");
        let mut req = self.client.request(method, self.url(path));
        if !value.is_null() {
            req = req.json(&value);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }
}

/// Defines one test per backend: `mod name { sqlite, postgres }`.
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite)
                    .await
                    .expect("sqlite is always available");
                let server = app.server.clone();
                run(app).await;
                server.stop(false).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    let server = app.server.clone();
                    run(app).await;
                    server.stop(false).await;
                }
            }
        }
    };
}

/// A signed-in user of a test.
#[derive(Debug, Clone)]
pub struct Login {
    pub id: String,
    pub token: String,
    pub refresh: String,
    pub username: String,
    pub password: String,
}

pub const STAFF_PASSWORD: &str = "lange zin met woorden 42";
pub const RESIDENT_PIN: &str = "48213";

impl TestApp {
    /// Creates an admin through the same code path as `stapvoorstap create-admin` and signs in.
    pub async fn admin(&self) -> Login {
        let email = format!("admin-{}@example.org", uuid::Uuid::new_v4().simple());
        let id = stapvoorstap::admin::create_admin(
            &self.settings,
            &email,
            secrecy::SecretString::from(STAFF_PASSWORD.to_owned()),
        )
        .await
        .expect("create admin");
        let mut login = self.login(&email, STAFF_PASSWORD).await;
        login.id = id;
        login
    }

    pub async fn login(&self, username: &str, password: &str) -> Login {
        let reply = self
            .post(
                "/v1/auth/login",
                None,
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        reply.assert_status(200);
        let v = reply.value();
        Login {
            id: v["user"]["id"].as_str().expect("id").to_owned(),
            token: v["access_token"].as_str().expect("token").to_owned(),
            refresh: v["refresh_token"].as_str().expect("refresh").to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    pub async fn create_team(&self, admin: &Login, name: &str) -> String {
        let reply = self
            .post(
                "/v1/teams",
                Some(&admin.token),
                &serde_json::json!({"name": name}),
            )
            .await;
        reply.assert_status(201);
        reply.value()["id"].as_str().expect("id").to_owned()
    }

    /// Creates a staff member of `role` in `teams` and signs them in.
    pub async fn staff(&self, admin: &Login, role: &str, teams: &[&str]) -> Login {
        let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
        let mut body = serde_json::json!({
            "email": email,
            "display_name": format!("Test {role}"),
            "role": role,
            "team_ids": teams,
            "password": STAFF_PASSWORD,
        });
        if role == "caseworker" {
            body["discipline"] = "generalist".into();
        }
        self.post("/v1/users", Some(&admin.token), &body)
            .await
            .assert_status(201);
        self.login(&email, STAFF_PASSWORD).await
    }

    /// Registers a resident (by a caseworker) and returns (id, login name, activation code).
    pub async fn register_resident(
        &self,
        caseworker: &Login,
        team: &str,
        name: &str,
    ) -> (String, String, String) {
        let reply = self
            .post(
                "/v1/residents",
                Some(&caseworker.token),
                &serde_json::json!({"display_name": name, "team_id": team}),
            )
            .await;
        reply.assert_status(201);
        let v = reply.value();
        (
            v["resident"]["id"].as_str().expect("id").to_owned(),
            v["activation"]["login_name"]
                .as_str()
                .expect("login")
                .to_owned(),
            v["activation"]["activation_code"]
                .as_str()
                .expect("code")
                .to_owned(),
        )
    }

    /// Registers and activates a resident with [`RESIDENT_PIN`].
    pub async fn resident(&self, caseworker: &Login, team: &str, name: &str) -> Login {
        let (id, login_name, code) = self.register_resident(caseworker, team, name).await;
        let reply = self
            .post(
                "/v1/auth/activate",
                None,
                &serde_json::json!({"code": code, "pin": RESIDENT_PIN}),
            )
            .await;
        reply.assert_status(200);
        let v = reply.value();
        Login {
            id,
            token: v["access_token"].as_str().expect("token").to_owned(),
            refresh: v["refresh_token"].as_str().expect("refresh").to_owned(),
            username: login_name,
            password: RESIDENT_PIN.to_owned(),
        }
    }

    /// A small world: two teams, their caseworkers, a volunteer, a researcher and a resident each.
    pub async fn world(&self) -> World {
        let admin = self.admin().await;
        let team_a = self.create_team(&admin, "Buurtteam Noord").await;
        let team_b = self.create_team(&admin, "Buurtteam Zuid").await;
        let caseworker_a = self.staff(&admin, "caseworker", &[&team_a]).await;
        let caseworker_b = self.staff(&admin, "caseworker", &[&team_b]).await;
        let volunteer = self.staff(&admin, "volunteer", &[&team_a]).await;
        let researcher = self.staff(&admin, "researcher", &[]).await;
        let resident_a = self.resident(&caseworker_a, &team_a, "Fatima").await;
        let resident_b = self.resident(&caseworker_b, &team_b, "Joris").await;
        World {
            admin,
            team_a,
            team_b,
            caseworker_a,
            caseworker_b,
            volunteer,
            researcher,
            resident_a,
            resident_b,
        }
    }
}

/// Fixture of [`TestApp::world`].
pub struct World {
    pub admin: Login,
    pub team_a: String,
    pub team_b: String,
    pub caseworker_a: Login,
    pub caseworker_b: Login,
    pub volunteer: Login,
    pub researcher: Login,
    pub resident_a: Login,
    pub resident_b: Login,
}
