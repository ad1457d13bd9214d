//! A real local HTTP server speaking the FCM HTTP v1 protocol, token endpoint included, so the
//! push client is tested over real HTTP: OAuth2 JWT-bearer grant checked against the fixture
//! key, bearer tokens checked, bodies recorded, and errors shaped exactly like FCM's.
#![allow(
    dead_code,
    reason = "shared test helper: not every test uses every method"
)]

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Project id of the fake service account.
pub const PROJECT_ID: &str = "stapvoorstap-test";
/// Issuer of the fake service account's assertions.
pub const CLIENT_EMAIL: &str = "fcm-test@stapvoorstap-test.iam.gserviceaccount.com";
/// Throwaway key pair from `tests/fixtures` (see its README): for tests only.
const PRIVATE_KEY_PEM: &str = include_str!("../fixtures/fcm-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("../fixtures/fcm-test-key.pub.pem");
const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

/// One scripted answer to a `messages:send` for a given registration token.
#[derive(Debug, Clone)]
pub struct Scripted {
    /// HTTP status; a 2xx status answers with success.
    pub status: u16,
    /// FCM `errorCode` placed in `error.details`, e.g. `"UNREGISTERED"`.
    pub error_code: Option<&'static str>,
    /// `Retry-After` header in seconds.
    pub retry_after: Option<u64>,
}

impl Scripted {
    /// An FCM error answer.
    pub fn error(status: u16, error_code: &'static str) -> Self {
        Scripted {
            status,
            error_code: Some(error_code),
            retry_after: None,
        }
    }

    /// Adds a `Retry-After: secs` header.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

struct State {
    token_fetches: u64,
    expires_in: u64,
    /// Access tokens handed out, with their expiry.
    issued: HashMap<String, Instant>,
    latency: Duration,
    /// When set, each answer waits a random time between `latency` and this.
    latency_max: Option<Duration>,
    scripts: HashMap<String, VecDeque<Scripted>>,
    messages: Vec<Value>,
    /// The `User-Agent` of each message in `messages` (tests give each instance its own).
    agents: Vec<String>,
    /// The access token each message in `messages` came with, and whether its answer accepts
    /// it: processes of the real binary share a `User-Agent`, but each fetches its own token.
    callers: Vec<(String, bool)>,
}

struct Shared {
    token_uri: String,
    decoding_key: DecodingKey,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked mid-request must not hide the real failure behind poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle to a running fake FCM; the server stops when it is dropped.
pub struct FakeFcm {
    /// Base URL to give the client instead of `https://fcm.googleapis.com`.
    pub base_url: String,
    /// The fake's OAuth2 token endpoint, as written into the service account.
    pub token_uri: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl Drop for FakeFcm {
    fn drop(&mut self) {
        // `stop` sends its command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}

impl FakeFcm {
    /// Starts the fake on 127.0.0.1 with a free port, on the calling test's actix runtime.
    pub async fn start() -> FakeFcm {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake FCM");
        let port = listener.local_addr().expect("fake FCM address").port();
        let base_url = format!("http://127.0.0.1:{port}");
        let token_uri = format!("{base_url}/token");
        let shared = Arc::new(Shared {
            token_uri: token_uri.clone(),
            decoding_key: DecodingKey::from_rsa_pem(PUBLIC_KEY_PEM.as_bytes())
                .expect("fixture public key"),
            state: Mutex::new(State {
                token_fetches: 0,
                expires_in: 3600,
                issued: HashMap::new(),
                latency: Duration::ZERO,
                latency_max: None,
                scripts: HashMap::new(),
                messages: Vec::new(),
                agents: Vec::new(),
                callers: Vec::new(),
            }),
        });
        let data = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/token", web::post().to(issue_token))
                .route(
                    "/v1/projects/{project}/messages:send",
                    web::post().to(send_message),
                )
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("listen fake FCM")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeFcm {
            base_url,
            token_uri,
            shared,
            handle,
        }
    }

    /// A standard Google service-account JSON pointing at this fake.
    pub fn service_account_json(&self) -> String {
        serde_json::to_string_pretty(&ServiceAccountFile {
            kind: "service_account",
            project_id: PROJECT_ID,
            private_key_id: "fake-key-1",
            private_key: PRIVATE_KEY_PEM,
            client_email: CLIENT_EMAIL,
            client_id: "100000000000000000001",
            auth_uri: "https://accounts.google.com/o/oauth2/auth",
            token_uri: &self.token_uri,
        })
        .expect("serialise service account")
    }

    /// Writes [`Self::service_account_json`] to `dir/fcm-service-account.json`.
    pub fn write_service_account(&self, dir: &Path) -> PathBuf {
        let path = dir.join("fcm-service-account.json");
        std::fs::write(&path, self.service_account_json()).expect("write service account");
        path
    }

    /// Every `messages:send` body that passed the auth and shape checks, in arrival order.
    pub fn messages(&self) -> Vec<Value> {
        self.shared.state().messages.clone()
    }

    /// Every accepted `messages:send` body with the `User-Agent` that sent it, in arrival order
    /// (recorded on arrival, before the answer's latency).
    pub fn received(&self) -> Vec<(String, Value)> {
        let state = self.shared.state();
        state
            .agents
            .iter()
            .cloned()
            .zip(state.messages.iter().cloned())
            .collect()
    }

    /// Every `messages:send` body that passed the checks, with the access token it came with
    /// and whether its answer accepts it (a scripted error does not), in arrival order.
    pub fn received_by_token(&self) -> Vec<(String, bool, Value)> {
        let state = self.shared.state();
        state
            .callers
            .iter()
            .cloned()
            .zip(state.messages.iter().cloned())
            .map(|((token, accepted), message)| (token, accepted, message))
            .collect()
    }

    /// Requests made to the token endpoint.
    pub fn token_fetches(&self) -> u64 {
        self.shared.state().token_fetches
    }

    /// Queues answers for sends to `registration_token`; once used up, sends succeed again.
    pub fn script(&self, registration_token: &str, responses: Vec<Scripted>) {
        self.shared
            .state()
            .scripts
            .entry(registration_token.to_owned())
            .or_default()
            .extend(responses);
    }

    /// Delay before every `messages:send` answer.
    pub fn set_latency(&self, d: Duration) {
        let mut state = self.shared.state();
        state.latency = d;
        state.latency_max = None;
    }

    /// A random delay between `min` and `max` before every `messages:send` answer.
    pub fn set_latency_between(&self, min: Duration, max: Duration) {
        let mut state = self.shared.state();
        state.latency = min;
        state.latency_max = Some(max);
    }

    /// `expires_in` of access tokens issued from now on (and their real lifetime here).
    pub fn set_token_expires_in(&self, secs: u64) {
        self.shared.state().expires_in = secs;
    }

    /// Forgets every issued access token, as if Google revoked them: sends then get 401.
    pub fn revoke_tokens(&self) {
        self.shared.state().issued.clear();
    }
}

#[derive(Serialize)]
struct ServiceAccountFile<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    project_id: &'a str,
    private_key_id: &'a str,
    private_key: &'a str,
    client_email: &'a str,
    client_id: &'a str,
    auth_uri: &'a str,
    token_uri: &'a str,
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    assertion: String,
}

#[derive(Deserialize)]
struct AssertionClaims {
    scope: String,
    iat: u64,
    exp: u64,
}

#[derive(Serialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
    token_type: &'static str,
}

#[derive(Serialize)]
struct OAuthError {
    error: &'static str,
    error_description: String,
}

#[derive(Serialize)]
struct SendAnswer {
    name: String,
}

#[derive(Serialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

#[derive(Serialize)]
struct GoogleError {
    code: u16,
    message: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<FcmErrorDetail>,
}

#[derive(Serialize)]
struct FcmErrorDetail {
    #[serde(rename = "@type")]
    type_url: &'static str,
    #[serde(rename = "errorCode")]
    error_code: String,
}

/// `POST /token`: the OAuth2 JWT-bearer grant, checked as strictly as Google does.
async fn issue_token(
    shared: web::Data<Shared>,
    form: Result<web::Form<TokenForm>, actix_web::Error>,
) -> HttpResponse {
    let n = {
        let mut state = shared.state();
        state.token_fetches += 1;
        state.token_fetches
    };
    let Ok(form) = form else {
        return oauth_error("invalid_request", "expected a form body".to_owned());
    };
    if form.grant_type != JWT_BEARER_GRANT {
        return oauth_error("unsupported_grant_type", form.grant_type.clone());
    }
    if let Err(reason) = verify_assertion(&shared, &form.assertion) {
        return oauth_error("invalid_grant", reason);
    }
    let mut state = shared.state();
    let expires_in = state.expires_in;
    let access_token = format!("fake-access-{n}");
    state.issued.insert(
        access_token.clone(),
        Instant::now() + Duration::from_secs(expires_in),
    );
    HttpResponse::Ok().json(TokenAnswer {
        access_token,
        expires_in,
        token_type: "Bearer",
    })
}

fn verify_assertion(shared: &Shared, assertion: &str) -> Result<(), String> {
    // Google accepts padded base64url segments (gcp_auth sends them); so does the fake.
    let unpadded: Vec<&str> = assertion
        .split('.')
        .map(|s| s.trim_end_matches('='))
        .collect();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&shared.token_uri]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let claims = jsonwebtoken::decode::<AssertionClaims>(
        unpadded.join("."),
        &shared.decoding_key,
        &validation,
    )
    .map_err(|e| format!("invalid assertion: {e}"))?
    .claims;
    if !claims.scope.split(' ').any(|s| s == FCM_SCOPE) {
        return Err(format!("scope {:?} lacks {FCM_SCOPE}", claims.scope));
    }
    if claims.exp.saturating_sub(claims.iat) > 3600 {
        return Err("assertion valid for more than an hour".to_owned());
    }
    Ok(())
}

/// `POST /v1/projects/{project}/messages:send`.
async fn send_message(
    shared: web::Data<Shared>,
    req: HttpRequest,
    project: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let authorised = bearer.is_some_and(|token| {
        shared
            .state()
            .issued
            .get(token)
            .is_some_and(|expiry| Instant::now() < *expiry)
    });
    if !authorised {
        return google_error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
            None,
            None,
        );
    }
    if project.as_str() != PROJECT_ID {
        return google_error(
            403,
            "Permission 'cloudmessaging.messages.create' denied on resource.",
            None,
            None,
        );
    }
    let (json, registration_token) = match check_shape(&body) {
        Ok(checked) => checked,
        Err(reason) => return google_error(400, &reason, Some("INVALID_ARGUMENT"), None),
    };
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bearer = bearer.unwrap_or_default().to_owned();
    let (n, latency, scripted) = {
        let mut state = shared.state();
        state.messages.push(json);
        state.agents.push(agent);
        let n = state.messages.len();
        let latency = match state.latency_max {
            Some(max) if max > state.latency => {
                rand::Rng::random_range(&mut rand::rng(), state.latency..=max)
            }
            _ => state.latency,
        };
        let scripted = state
            .scripts
            .get_mut(&registration_token)
            .and_then(VecDeque::pop_front);
        let accepted = scripted
            .as_ref()
            .is_none_or(|s| (200..300).contains(&s.status));
        state.callers.push((bearer, accepted));
        (n, latency, scripted)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match scripted {
        Some(s) if !(200..300).contains(&s.status) => google_error(
            s.status,
            fcm_message(s.error_code),
            s.error_code,
            s.retry_after,
        ),
        _ => HttpResponse::Ok().json(SendAnswer {
            name: format!("projects/{PROJECT_ID}/messages/{n}"),
        }),
    }
}

/// FCM's own validation, as far as the tests need: `{"message": {...}}` with a token, string
/// data values and a duration TTL.
fn check_shape(body: &[u8]) -> Result<(Value, String), String> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| format!("Invalid JSON payload received. {e}"))?;
    let top = json.as_object().ok_or("Invalid JSON payload received.")?;
    if let Some(unknown) = top.keys().find(|k| *k != "message") {
        return Err(format!(
            "Invalid JSON payload received. Unknown name \"{unknown}\": Cannot find field."
        ));
    }
    let message = top
        .get("message")
        .and_then(Value::as_object)
        .ok_or("Request contains an invalid argument: message is required.")?;
    let token = message
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("Recipient of the message is not set.")?
        .to_owned();
    if let Some(data) = message.get("data") {
        let all_strings = data
            .as_object()
            .is_some_and(|d| d.values().all(Value::is_string));
        if !all_strings {
            return Err("Invalid value at 'message.data': values must be strings.".to_owned());
        }
    }
    if let Some(ttl) = message.get("android").and_then(|a| a.get("ttl")) {
        let valid = ttl
            .as_str()
            .and_then(|t| t.strip_suffix('s'))
            .is_some_and(|secs| secs.parse::<f64>().is_ok());
        if !valid {
            return Err("Invalid value at 'message.android.ttl'.".to_owned());
        }
    }
    Ok((json, token))
}

/// The messages FCM sends with each error code.
fn fcm_message(error_code: Option<&str>) -> &'static str {
    match error_code {
        Some("UNREGISTERED") => "Requested entity was not found.",
        Some("SENDER_ID_MISMATCH") => "SenderId mismatch",
        Some("INVALID_ARGUMENT") => "The registration token is not a valid FCM registration token",
        Some("QUOTA_EXCEEDED") => "Quota exceeded for quota metric 'Messages sent'.",
        Some("UNAVAILABLE") => "The service is currently unavailable.",
        Some("INTERNAL") => "Internal error encountered.",
        Some("THIRD_PARTY_AUTH_ERROR") => "Auth error from APNS or Web Push Service",
        _ => "Request failed.",
    }
}

fn canonical_status(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        _ => "UNKNOWN",
    }
}

/// An error body exactly as Google APIs write it, with FCM's detail when there is a code.
fn google_error(
    status: u16,
    message: &str,
    error_code: Option<&str>,
    retry_after: Option<u64>,
) -> HttpResponse {
    let mut response = HttpResponse::build(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    if let Some(secs) = retry_after {
        response.insert_header((RETRY_AFTER, secs.to_string()));
    }
    response.json(ErrorEnvelope {
        error: GoogleError {
            code: status,
            message: message.to_owned(),
            status: canonical_status(status),
            details: error_code
                .map(|code| FcmErrorDetail {
                    type_url: FCM_ERROR_TYPE,
                    error_code: code.to_owned(),
                })
                .into_iter()
                .collect(),
        },
    })
}

fn oauth_error(error: &'static str, error_description: String) -> HttpResponse {
    HttpResponse::BadRequest().json(OAuthError {
        error,
        error_description,
    })
}
