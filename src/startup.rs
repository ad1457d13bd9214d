//! Building and running the application: pool, migrations, HTTP server.

use crate::api::{self, RouteTable};
use crate::auth::jwt::JwtKeys;
use crate::auth::password::Hasher;
use crate::auth::rate_limit::AuthRateLimit;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::metrics::{self, Metrics};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::SecretString;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Shared state of one service instance.
pub struct AppState {
    /// The application's clock (the system's time in production; see [`crate::clock`]).
    pub clock: Clock,
    pub settings: Settings,
    pub pool: DbPool,
    pub metrics: Metrics,
    pub keys: JwtKeys,
    pub hasher: Hasher,
    pub auth_limit: AuthRateLimit,
    /// Key for hashing activation codes (derived from the JWT secret).
    pub code_key: SecretString,
    /// Key that derives each refresh token's successor (derived from the JWT secret).
    pub refresh_key: SecretString,
    /// Reminder rules from settings.
    pub rules: crate::scheduler::ReminderRules,
    /// The reminder dispatcher of this instance.
    pub dispatcher: crate::push::dispatcher::Dispatcher,
    /// Key of the research pseudonyms.
    pub research_key: SecretString,
    /// Document storage, keys and limits.
    pub documents: crate::documents::Documents,
    /// Standard Web Push (its public key and subscription checks); `None` when off.
    pub web_push: Option<std::sync::Arc<crate::push::webpush::WebPushClient>>,
}

/// A built, listening application.
pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, runs migrations, binds the listener and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// [`build`](Self::build) on the given clock: a virtual one for tests and the simulator.
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        Self::build_with(settings, clock, None).await
    }

    /// [`build_with_clock`](Self::build_with_clock), with pushes going to `push` instead of
    /// what the settings configure (the simulator's in-process FCM double).
    pub async fn build_with(
        settings: Settings,
        clock: Clock,
        push: Option<crate::push::dispatcher::Sender>,
    ) -> anyhow::Result<Self> {
        let pool = db::build_pool(&settings)?.with_clock(clock.clone());
        {
            let pool = pool.clone();
            let url = settings.database_url.redacted();
            let applied = crate::clock::block(&clock, move || -> anyhow::Result<Vec<String>> {
                let mut conn = pool
                    .get()
                    .with_context(|| format!("cannot connect to the database at {url}"))?;
                let applied = db::run_migrations(&mut conn)?;
                crate::api::templates::ensure_default_template(&mut conn)
                    .map_err(|e| anyhow::anyhow!("storing the default template failed: {e}"))?;
                Ok(applied)
            })
            .await??;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "applied database migrations");
            }
        }

        let listener = TcpListener::bind(settings.listen_addr)
            .with_context(|| format!("LISTEN_ADDR {} cannot be bound", settings.listen_addr))?;
        let port = listener.local_addr()?.port();
        let metrics = Metrics::new()?;
        let secret = jwt_secret(&settings)?;
        let code_key =
            SecretString::from(crate::auth::secrets::hash_code(&secret, "activation-codes"));
        let push_metrics = crate::push::dispatcher::PushMetrics::register(metrics.registry())?;
        let rules = crate::scheduler::ReminderRules::from_settings(&settings);
        let web_push = web_push_client(&settings)?;
        let dispatcher = crate::push::dispatcher::Dispatcher::new(
            pool.clone(),
            match push {
                Some(sender) => sender,
                None => push_sender(&settings)?,
            },
            rules.clone(),
            instance_id(),
            settings.dispatch_lease,
            settings.dispatch_batch,
            settings.dispatch_max_attempts,
            settings.dispatch_concurrency,
            Some(push_metrics),
        )
        .with_web_push(web_push.clone())
        .with_mailer(
            crate::mail::Mailer::from_settings(&settings)?.map(std::sync::Arc::new),
            crate::mail::console_url(&settings.public_base_url()),
        );
        if settings.smtp_host.is_none() {
            tracing::info!("SMTP_HOST is not set: no staff e-mail is sent");
        }
        let documents = crate::documents::Documents::from_settings(&settings)?;
        if settings.reminders_enabled {
            if settings.dispatch_lease < 2 * FCM_REQUEST_TIMEOUT {
                // Renewal keeps a live instance's claims, but a send already under way when the
                // database becomes unreachable may outlast a lease this short (README).
                tracing::warn!(
                    lease = ?settings.dispatch_lease,
                    fcm_timeout = ?FCM_REQUEST_TIMEOUT,
                    "DISPATCH_LEASE is shorter than twice the FCM request timeout"
                );
            }
            actix_web::rt::spawn(dispatcher.clone().run_forever(settings.reminder_tick));
            actix_web::rt::spawn(
                documents
                    .clone()
                    .run_sweeper(pool.clone(), settings.reminder_tick),
            );
        }
        let state = web::Data::new(AppState {
            clock: clock.clone(),
            keys: JwtKeys::new(&secret, settings.access_token_ttl),
            hasher: Hasher::new(settings.hash_concurrency, settings.hash_queue_timeout)?,
            auth_limit: AuthRateLimit::per_minute(settings.auth_rate_per_minute),
            code_key,
            refresh_key: SecretString::from(crate::auth::secrets::hash_code(
                &secret,
                "refresh-successors",
            )),
            rules,
            dispatcher,
            research_key: settings.research_pseudonym_key.clone().unwrap_or_else(|| {
                SecretString::from(crate::auth::secrets::hash_code(
                    &secret,
                    "research-pseudonyms",
                ))
            }),
            documents,
            web_push,
            settings: settings.clone(),
            pool,
            metrics: metrics.clone(),
        });
        let spec = api::openapi();
        let routes = web::Data::new(RouteTable::from_openapi(&spec));
        let metrics = web::Data::new(metrics);
        let edge = web::Data::new(crate::edge::EdgeConfig::from_settings(&settings));
        let swagger_config =
            utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none");

        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            // The factory runs on each worker thread: the application's clock is its "now".
            clock.install_on_this_thread();
            App::new()
                .into_utoipa_app()
                .app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(routes.clone())
                .app_data(edge.clone())
                .app_data(api::json_config())
                .app_data(api::path_config())
                .app_data(api::query_config())
                .app_data(api::payload_config())
                .configure(api::routes)
                .map(|app| {
                    app.wrap(from_fn(api::input::reject_control_characters))
                        .wrap(from_fn(no_store_when_authenticated))
                        .wrap(from_fn(crate::edge::body_deadline))
                        .wrap(from_fn(metrics::track))
                        .wrap(from_fn(crate::i18n::localize_problems))
                        .wrap(from_fn(crate::edge::skip_tiny_compression))
                        .wrap(Compress::default())
                        .wrap(from_fn(crate::edge::edge_headers))
                        .wrap(from_fn(add_request_id_header))
                        .wrap(TracingLogger::<crate::telemetry::RootSpan>::new())
                        .service(
                            // No validator badge: it would make every browser that opens the
                            // page ask validator.swagger.io to fetch our spec.
                            SwaggerUi::new("/docs/{_:.*}")
                                .url("/openapi.json", spec.clone())
                                .config(swagger_config.clone()),
                        )
                        .service(web::redirect("/docs", "/docs/"))
                        .configure(api::webapp::configure)
                        .default_service(web::to(api::fallback))
                })
                .into_app()
        })
        .client_request_timeout(settings.request_head_timeout)
        .listen(listener)?
        .shutdown_timeout(20);
        if let Some(workers) = settings.http_workers {
            server = server.workers(workers);
        }
        tracing::info!(
            address = %settings.listen_addr.ip(),
            port,
            database = if settings.database_url.is_postgres() { "postgres" } else { "sqlite" },
            "listening"
        );
        Ok(Self {
            port,
            server: server.run(),
            state,
        })
    }

    /// The port actually bound (useful with `LISTEN_ADDR=…:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (its worker threads) from elsewhere, e.g. a test's end.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests finish before it returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Longest an FCM send (or token request) may take; `DISPATCH_LEASE` is chosen against it.
const FCM_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// FCM when credentials are configured, else the log (said once at start).
fn push_sender(settings: &Settings) -> anyhow::Result<crate::push::dispatcher::Sender> {
    use crate::push::dispatcher::Sender;
    use crate::push::fcm::{FcmClient, ServiceAccount};
    let Some(path) = &settings.fcm_service_account_file else {
        tracing::warn!(
            "FCM_SERVICE_ACCOUNT_FILE is not set: push reminders are written to the log only"
        );
        return Ok(Sender::Log);
    };
    let account = ServiceAccount::from_file(path)
        .map_err(|e| anyhow::anyhow!("FCM_SERVICE_ACCOUNT_FILE {}: {e}", path.display()))?;
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(FCM_REQUEST_TIMEOUT)
        .pool_max_idle_per_host(64)
        .build()?;
    let client = FcmClient::new(account, &settings.fcm_base_url, http)
        .map_err(|e| anyhow::anyhow!("FCM configuration: {e}"))?;
    tracing::info!(base_url = %settings.fcm_base_url, "push reminders go to FCM HTTP v1");
    Ok(Sender::Fcm(std::sync::Arc::new(client)))
}

/// Standard Web Push when `WEB_PUSH_CONTACT` is set, with the configured VAPID key or the one
/// kept in the data directory (created once).
fn web_push_client(
    settings: &Settings,
) -> anyhow::Result<Option<std::sync::Arc<crate::push::webpush::WebPushClient>>> {
    use crate::push::webpush;
    use secrecy::ExposeSecret;
    let Some(contact) = settings.web_push_contact.as_deref() else {
        return Ok(None);
    };
    let key = match &settings.web_push_private_key {
        Some(k) => k.clone(),
        None => {
            let dir = settings.data_dir();
            let path = dir.join("web-push-key");
            match std::fs::read_to_string(&path) {
                Ok(existing) => SecretString::from(existing.trim().to_owned()),
                Err(_) => {
                    std::fs::create_dir_all(&dir)?;
                    let key = webpush::generate_private_key();
                    crate::auth::secrets::write_private(&path, key.expose_secret()).with_context(
                        || format!("cannot keep the VAPID key in {}", path.display()),
                    )?;
                    tracing::info!(path = %path.display(), "generated a Web Push (VAPID) key");
                    key
                }
            }
        }
    };
    let http = reqwest::Client::builder()
        .user_agent(concat!("stapvoorstap/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()?;
    let client =
        webpush::WebPushClient::new(&key, contact, &settings.web_push_allowed_origins, http)
            .map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!("standard Web Push is on");
    Ok(Some(std::sync::Arc::new(client)))
}

/// A lease-owner id unique to this process.
fn instance_id() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// The JWT secret from settings, or the one kept in the data directory (created once).
fn jwt_secret(settings: &Settings) -> anyhow::Result<SecretString> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.clone());
    }
    let dir = settings.data_dir();
    let (secret, created) = crate::auth::secrets::load_or_create_secret(&dir)
        .with_context(|| format!("cannot keep the generated JWT secret in {}", dir.display()))?;
    tracing::warn!(
        path = %dir.join("jwt-secret").display(),
        created,
        "JWT_SECRET is not set; using a generated secret kept in the data directory. \
         Set JWT_SECRET when running more than one instance."
    );
    Ok(secret)
}

/// Answers to signed-in requests hold personal data: no cache (phone, proxy) may keep them.
async fn no_store_when_authenticated(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let authenticated = req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
        || req.path().starts_with("/v1/");
    let mut res = next.call(req).await?;
    if authenticated {
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

/// Echoes the request id that `tracing-actix-web` assigned, so a caller can quote it.
async fn add_request_id_header(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(res)
}
