//! Firebase Cloud Messaging HTTP v1 client.
//!
//! Hand-written on purpose: the `fcm` crate speaks the legacy `/fcm/send` API that Google shut
//! down in 2024, and `fcm_v1` hard-codes Google's URLs, while we need the FCM base URL and the
//! service account's `token_uri` configurable so tests can talk to a real local fake server.
//!
//! Data protection: registration tokens, access tokens, keys and message texts are never logged
//! and never appear in `Debug` output or errors; logs carry only HTTP status and error code.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::RETRY_AFTER;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The public FCM endpoint: the app's default for `FCM_BASE_URL`.
pub const DEFAULT_BASE_URL: &str = "https://fcm.googleapis.com";
/// OAuth2 scope that allows sending messages through FCM.
pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// OAuth2 grant type of the service-account token request (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// `@type` of the error detail that carries FCM's own error code.
pub const FCM_ERROR_TYPE: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

/// Google accepts assertions valid for at most one hour.
const ASSERTION_LIFETIME_SECS: u64 = 3600;
/// Refresh this long before the access token expires, so no request races its expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// FCM error messages are kept short in our errors; they end up in logs.
const MAX_MESSAGE_CHARS: usize = 200;

/// The fields of a standard Google service-account JSON key that FCM needs.
///
/// `Debug` is safe to log: `SecretString` prints `[REDACTED]` for the key.
#[derive(Debug, Clone)]
pub struct ServiceAccount {
    /// Firebase / Google Cloud project id, part of the send URL.
    pub project_id: String,
    /// The service account's e-mail: issuer of the token assertion.
    pub client_email: String,
    /// PEM-encoded RSA private key that signs the token assertion.
    pub private_key: SecretString,
    /// OAuth2 token endpoint; honoured so tests can point it at a fake.
    pub token_uri: String,
}

/// Wire form of the key file: every field optional so a missing one gets a clear error.
#[derive(Deserialize)]
struct RawServiceAccount {
    project_id: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    token_uri: Option<String>,
}

impl ServiceAccount {
    /// Parses a Google service-account JSON key; unknown fields are ignored.
    pub fn from_json(json: &str) -> Result<Self, FcmError> {
        let raw: RawServiceAccount = serde_json::from_str(json)
            .map_err(|e| FcmError::Config(format!("service account JSON is invalid: {e}")))?;
        let mut missing = Vec::new();
        let mut take = |value: Option<String>, name: &'static str| {
            let value = value.filter(|v| !v.trim().is_empty());
            if value.is_none() {
                missing.push(name);
            }
            value.unwrap_or_default()
        };
        let account = ServiceAccount {
            project_id: take(raw.project_id, "project_id"),
            client_email: take(raw.client_email, "client_email"),
            private_key: SecretString::from(take(raw.private_key, "private_key")),
            token_uri: take(raw.token_uri, "token_uri"),
        };
        if missing.is_empty() {
            Ok(account)
        } else {
            Err(FcmError::Config(format!(
                "service account JSON lacks {}",
                missing.join(", ")
            )))
        }
    }

    /// Reads and parses a Google service-account JSON key file.
    pub fn from_file(path: &Path) -> Result<Self, FcmError> {
        let json = std::fs::read_to_string(path).map_err(|e| {
            FcmError::Config(format!(
                "cannot read service account file {}: {e}",
                path.display()
            ))
        })?;
        Self::from_json(&json).map_err(|e| match e {
            FcmError::Config(reason) => FcmError::Config(format!("{}: {reason}", path.display())),
            other => other,
        })
    }
}

/// Why a send failed, from FCM's `error.details[].errorCode` or else the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum FcmError {
    /// The registration token is no longer valid (404 `UNREGISTERED`).
    #[error("registration token is no longer registered (UNREGISTERED)")]
    Unregistered,
    /// The registration token belongs to another Firebase project (403 `SENDER_ID_MISMATCH`).
    #[error("registration token belongs to another sender (SENDER_ID_MISMATCH)")]
    SenderIdMismatch,
    /// FCM rejected the message or the token as malformed (400 `INVALID_ARGUMENT`).
    #[error("FCM rejected the message (INVALID_ARGUMENT): {0}")]
    InvalidArgument(String),
    /// Sending rate exceeded (429 `QUOTA_EXCEEDED`), with the server's `Retry-After` if any.
    #[error("FCM quota exceeded (QUOTA_EXCEEDED)")]
    QuotaExceeded {
        /// The server's `Retry-After` hint.
        retry_after: Option<Duration>,
    },
    /// FCM is overloaded (503 `UNAVAILABLE`).
    #[error("FCM is unavailable (UNAVAILABLE)")]
    Unavailable {
        /// The server's `Retry-After` hint.
        retry_after: Option<Duration>,
    },
    /// FCM failed internally (500 `INTERNAL`).
    #[error("FCM internal error (INTERNAL)")]
    Internal {
        /// The server's `Retry-After` hint.
        retry_after: Option<Duration>,
    },
    /// APNs or web-push credentials in the Firebase project were rejected (401).
    #[error("APNs or web push credentials were rejected (THIRD_PARTY_AUTH_ERROR)")]
    ThirdPartyAuth,
    /// No usable OAuth2 access token: the token endpoint failed, or FCM kept rejecting ours.
    #[error("FCM authorisation failed: {0}")]
    Auth(String),
    /// Connection error or timeout talking to FCM or the token endpoint.
    #[error("FCM transport error: {0}")]
    Transport(String),
    /// Unusable service account or URL; only returned while building the client.
    #[error("FCM client configuration: {0}")]
    Config(String),
    /// Any other answer.
    #[error("unexpected FCM response {status}: {message}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// Short description from the error body.
        message: String,
    },
}

/// What the caller should do with a failed message, following FCM's documented retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The registration token is dead: delete the device.
    RemoveDevice,
    /// Retrying cannot help: give the message up.
    Dead,
    /// Retry after the server's hint; for quota errors the caller waits at least 60 s.
    RetryAfter(Option<Duration>),
    /// Retry with exponential backoff and jitter, never sooner than the hint.
    Backoff(Option<Duration>),
}

impl FcmError {
    /// Maps the error to FCM's documented handling.
    pub fn disposition(&self) -> Disposition {
        match self {
            FcmError::Unregistered | FcmError::SenderIdMismatch => Disposition::RemoveDevice,
            FcmError::InvalidArgument(_) | FcmError::ThirdPartyAuth | FcmError::Config(_) => {
                Disposition::Dead
            }
            FcmError::QuotaExceeded { retry_after } => Disposition::RetryAfter(*retry_after),
            FcmError::Unavailable { retry_after } | FcmError::Internal { retry_after } => {
                Disposition::Backoff(*retry_after)
            }
            FcmError::Auth(_) | FcmError::Transport(_) => Disposition::Backoff(None),
            // A bare 401/403/404 points at our setup (project, API access, base URL), never at
            // the device: keep retrying so an operator can fix it without losing reminders.
            FcmError::Unexpected { status, .. }
                if (400..500).contains(status) && !matches!(status, 401 | 403 | 404 | 408) =>
            {
                Disposition::Dead
            }
            FcmError::Unexpected { .. } => Disposition::Backoff(None),
        }
    }

    /// A stable, secret-free label for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            FcmError::Unregistered => "UNREGISTERED",
            FcmError::SenderIdMismatch => "SENDER_ID_MISMATCH",
            FcmError::InvalidArgument(_) => "INVALID_ARGUMENT",
            FcmError::QuotaExceeded { .. } => "QUOTA_EXCEEDED",
            FcmError::Unavailable { .. } => "UNAVAILABLE",
            FcmError::Internal { .. } => "INTERNAL",
            FcmError::ThirdPartyAuth => "THIRD_PARTY_AUTH_ERROR",
            FcmError::Auth(_) => "AUTH",
            FcmError::Transport(_) => "TRANSPORT",
            FcmError::Config(_) => "CONFIG",
            FcmError::Unexpected { .. } => "UNEXPECTED",
        }
    }
}

/// One FCM v1 message to one device.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The device's registration token.
    pub token: String,
    /// Text shown by the operating system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<Notification>,
    /// Key/value pairs for the app; only opaque ids, never personal data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Android-specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android: Option<AndroidConfig>,
    /// APNs (iOS) specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apns: Option<ApnsConfig>,
}

// Hand-written so a stray `?message` in a log line cannot leak the token or the text.
impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("token", &"[REDACTED]")
            .field("data_keys", &self.data.keys().collect::<Vec<_>>())
            .field("android", &self.android)
            .field("apns", &self.apns)
            .finish_non_exhaustive()
    }
}

/// Title and body shown on the device.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Notification title.
    pub title: String,
    /// Notification text.
    pub body: String,
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification").finish_non_exhaustive()
    }
}

/// FCM's `AndroidConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AndroidConfig {
    /// Messages with the same key replace each other while the device is offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collapse_key: Option<String>,
    /// Delivery priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<AndroidPriority>,
    /// How long FCM keeps the message for an offline device, e.g. `"86400s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Android notification options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<AndroidNotification>,
}

/// FCM's Android message priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AndroidPriority {
    /// May be delayed to save battery.
    Normal,
    /// Delivered immediately, may wake the device.
    High,
}

/// FCM's `AndroidNotification` (the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AndroidNotification {
    /// A notification with the same tag replaces the earlier one instead of stacking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Lock-screen visibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// Android lock-screen visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Content hidden on a secure lock screen.
    Private,
    /// Content shown on the lock screen.
    Public,
    /// Nothing shown on the lock screen.
    Secret,
}

/// FCM's `ApnsConfig`: raw APNs headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApnsConfig {
    /// `apns-collapse-id`, `apns-priority`, `apns-expiration`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl Message {
    /// A reminder: private on the lock screen, kept `ttl_secs` for offline devices, and
    /// collapsing on `collapse_id` (Android tag and collapse key, APNs collapse id) so a
    /// duplicate replaces the earlier notification rather than stacking.
    pub fn reminder(
        token: impl Into<String>,
        title: impl Into<String>,
        body: impl Into<String>,
        data: BTreeMap<String, String>,
        collapse_id: &str,
        ttl_secs: u64,
    ) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let headers = BTreeMap::from([
            ("apns-collapse-id".to_owned(), collapse_id.to_owned()),
            // APNs has no TTL, only an absolute expiry; match Android's.
            (
                "apns-expiration".to_owned(),
                now.saturating_add(ttl_secs).to_string(),
            ),
        ]);
        Message {
            token: token.into(),
            notification: Some(Notification {
                title: title.into(),
                body: body.into(),
            }),
            data,
            android: Some(AndroidConfig {
                collapse_key: Some(collapse_id.to_owned()),
                priority: None,
                ttl: Some(format!("{ttl_secs}s")),
                notification: Some(AndroidNotification {
                    tag: Some(collapse_id.to_owned()),
                    visibility: Some(Visibility::Private),
                }),
            }),
            apns: Some(ApnsConfig { headers }),
        }
    }
}

#[derive(Serialize)]
struct SendRequest<'a> {
    message: &'a Message,
}

#[derive(Deserialize)]
struct SendResponse {
    name: String,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

// No Debug on purpose: it holds the access token.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

#[derive(Deserialize)]
struct GoogleError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "@type", default)]
    type_url: String,
    #[serde(rename = "errorCode", default)]
    error_code: Option<String>,
}

struct CachedToken {
    access_token: SecretString,
    refresh_at: Instant,
}

/// FCM HTTP v1 sender with a cached OAuth2 access token; share one per process.
pub struct FcmClient {
    http: reqwest::Client,
    send_url: Url,
    token_url: Url,
    /// The `token_uri` exactly as configured: Google compares the assertion's `aud` with it.
    token_audience: String,
    client_email: String,
    signing_key: EncodingKey,
    cache: Mutex<Option<CachedToken>>,
    token_fetches: AtomicU64,
}

impl fmt::Debug for FcmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FcmClient")
            .field("send_url", &self.send_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

impl FcmClient {
    /// Builds a client for `account`, sending to `base_url` (normally [`DEFAULT_BASE_URL`]).
    ///
    /// Timeouts belong to `http`: build it with `reqwest::Client::builder().timeout(..)`.
    pub fn new(
        account: ServiceAccount,
        base_url: &str,
        http: reqwest::Client,
    ) -> Result<Self, FcmError> {
        let signing_key = EncodingKey::from_rsa_pem(account.private_key.expose_secret().as_bytes())
            .map_err(|_| {
                FcmError::Config(
                    "service account private_key is not a PEM RSA private key".to_owned(),
                )
            })?;
        // Project ids are letters, digits and hyphens (legacy ones also '.' and ':'); anything
        // else would change the URL's path.
        let project_ok = !account.project_id.is_empty()
            && account
                .project_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
        if !project_ok {
            return Err(FcmError::Config(format!(
                "invalid project_id {:?}",
                account.project_id
            )));
        }
        let send_url = http_url(&format!(
            "{}/v1/projects/{}/messages:send",
            base_url.trim_end_matches('/'),
            account.project_id
        ))?;
        let token_url = http_url(&account.token_uri)?;
        Ok(FcmClient {
            http,
            send_url,
            token_url,
            token_audience: account.token_uri,
            client_email: account.client_email,
            signing_key,
            cache: Mutex::new(None),
            token_fetches: AtomicU64::new(0),
        })
    }

    /// How many access-token requests this client has made.
    pub fn token_fetches(&self) -> u64 {
        self.token_fetches.load(Ordering::Relaxed)
    }

    /// Sends one message; returns FCM's message name (`projects/{id}/messages/{n}`).
    ///
    /// A 401 without an FCM error code means our access token was rejected: the cached token
    /// is dropped and the message retried once with a fresh one.
    pub async fn send(&self, message: &Message) -> Result<String, FcmError> {
        let token = self.access_token().await?;
        match self.post_message(message, &token).await {
            Err(FcmError::Auth(_)) => {
                self.invalidate(&token).await;
                let token = self.access_token().await?;
                self.post_message(message, &token).await
            }
            other => other,
        }
    }

    /// The cached access token, fetched first if missing or near expiry.
    async fn access_token(&self) -> Result<SecretString, FcmError> {
        // Held across the fetch on purpose: concurrent senders wait for one fetch (single
        // flight) instead of each asking the token endpoint.
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(cached.access_token.clone());
        }
        let fresh = self.fetch_token().await?;
        let token = fresh.access_token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Forgets `used` if it is still the cached token (another sender may have replaced it).
    async fn invalidate(&self, used: &SecretString) {
        let mut cache = self.cache.lock().await;
        if cache
            .as_ref()
            .is_some_and(|c| c.access_token.expose_secret() == used.expose_secret())
        {
            *cache = None;
        }
    }

    /// OAuth2 JWT-bearer grant: a signed assertion exchanged for an access token.
    async fn fetch_token(&self) -> Result<CachedToken, FcmError> {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| FcmError::Auth("system clock is before 1970".to_owned()))?
            .as_secs();
        let claims = AssertionClaims {
            iss: &self.client_email,
            scope: FCM_SCOPE,
            aud: &self.token_audience,
            iat,
            exp: iat + ASSERTION_LIFETIME_SECS,
        };
        let assertion =
            jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.signing_key)
                .map_err(|e| FcmError::Auth(format!("cannot sign the token assertion: {e}")))?;
        let started = Instant::now();
        let response = self
            .http
            .post(self.token_url.clone())
            .form(&[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)])
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| transport_error(&e))?;
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "FCM access token request failed");
            let reason = serde_json::from_str::<TokenErrorBody>(&body)
                .map(|e| match e.error_description {
                    Some(description) => format!("{}: {}", e.error, truncate(&description)),
                    None => e.error,
                })
                .unwrap_or_else(|_| "no OAuth2 error body".to_owned());
            return Err(FcmError::Auth(format!(
                "token endpoint answered {}: {reason}",
                status.as_u16()
            )));
        }
        let token: TokenResponse = serde_json::from_str(&body).map_err(|_| {
            FcmError::Auth("token endpoint answer lacks access_token/expires_in".to_owned())
        })?;
        if let Some(kind) = token
            .token_type
            .as_deref()
            .filter(|k| !k.eq_ignore_ascii_case("bearer"))
        {
            return Err(FcmError::Auth(format!("unsupported token_type {kind:?}")));
        }
        let lifetime = Duration::from_secs(token.expires_in);
        // Short-lived tokens (tests) would otherwise never be cached at all.
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        tracing::debug!(expires_in = token.expires_in, "fetched FCM access token");
        Ok(CachedToken {
            access_token: SecretString::from(token.access_token),
            refresh_at: started + lifetime - margin,
        })
    }

    /// One `messages:send` request; a rejected access token comes back as [`FcmError::Auth`].
    async fn post_message(
        &self,
        message: &Message,
        token: &SecretString,
    ) -> Result<String, FcmError> {
        let response = self
            .http
            .post(self.send_url.clone())
            .bearer_auth(token.expose_secret())
            .json(&SendRequest { message })
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = response.text().await.map_err(|e| transport_error(&e))?;
        if status.is_success() {
            return serde_json::from_str::<SendResponse>(&body)
                .map(|r| r.name)
                .map_err(|_| FcmError::Unexpected {
                    status: status.as_u16(),
                    message: "success answer without a message name".to_owned(),
                });
        }
        let error = error_from_response(status, &body, retry_after);
        tracing::debug!(
            status = status.as_u16(),
            code = error.code(),
            "FCM send failed"
        );
        Err(error)
    }
}

/// Classifies a non-success `messages:send` answer: FCM's error code first, then the status.
fn error_from_response(status: StatusCode, body: &str, retry_after: Option<Duration>) -> FcmError {
    let parsed = serde_json::from_str::<ErrorEnvelope>(body).ok();
    let code = parsed.as_ref().and_then(|envelope| {
        envelope
            .error
            .details
            .iter()
            .find(|d| d.type_url == FCM_ERROR_TYPE)
            .and_then(|d| d.error_code.clone())
    });
    let message = match parsed {
        Some(envelope) => truncate(&envelope.error.message),
        None => format!("error body is not Google JSON ({} bytes)", body.len()),
    };
    match code.as_deref() {
        Some("UNREGISTERED") => return FcmError::Unregistered,
        Some("SENDER_ID_MISMATCH") => return FcmError::SenderIdMismatch,
        Some("INVALID_ARGUMENT") => return FcmError::InvalidArgument(message),
        Some("QUOTA_EXCEEDED") => return FcmError::QuotaExceeded { retry_after },
        Some("UNAVAILABLE") => return FcmError::Unavailable { retry_after },
        Some("INTERNAL") => return FcmError::Internal { retry_after },
        Some("THIRD_PARTY_AUTH_ERROR") => return FcmError::ThirdPartyAuth,
        // UNSPECIFIED_ERROR, a future code or no FCM detail: go by the HTTP status.
        _ => {}
    }
    match status.as_u16() {
        400 => FcmError::InvalidArgument(message),
        // Without an FCM code a 401 is about our OAuth token, not APNs or the device.
        401 => FcmError::Auth(format!("FCM rejected the access token: {message}")),
        429 => FcmError::QuotaExceeded { retry_after },
        500 => FcmError::Internal { retry_after },
        503 => FcmError::Unavailable { retry_after },
        status => FcmError::Unexpected { status, message },
    }
}

/// Parses `Retry-After`: delay seconds or an HTTP date (a past date means "now").
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822 syntax.
    let at = SystemTime::from(chrono::DateTime::parse_from_rfc2822(value).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn http_url(raw: &str) -> Result<Url, FcmError> {
    let url = Url::parse(raw).map_err(|e| FcmError::Config(format!("invalid URL {raw:?}: {e}")))?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(FcmError::Config(format!("URL {raw:?} is not http(s)")))
    }
}

/// reqwest's top-level message is generic ("error sending request"); the cause is in the chain.
fn transport_error(error: &reqwest::Error) -> FcmError {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    FcmError::Transport(message)
}

fn truncate(text: &str) -> String {
    text.chars().take(MAX_MESSAGE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_KEY: &str = include_str!("../../tests/fixtures/fcm-test-key.pem");

    fn fcm_body(status: u16, canonical: &str, code: &str) -> String {
        format!(
            r#"{{"error":{{"code":{status},"message":"boom","status":"{canonical}","details":[{{"@type":"{FCM_ERROR_TYPE}","errorCode":"{code}"}}]}}}}"#
        )
    }

    fn account_json() -> String {
        serde_json::to_string(&serde_json::json!({
            "type": "service_account",
            "project_id": "p-1",
            "private_key_id": "abc",
            "private_key": TEST_KEY,
            "client_email": "sa@p-1.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }))
        .unwrap()
    }

    #[test]
    fn error_codes_map_to_errors_and_dispositions() {
        let hint = Some(Duration::from_secs(7));
        let cases = [
            (
                404,
                "NOT_FOUND",
                "UNREGISTERED",
                "UNREGISTERED",
                Disposition::RemoveDevice,
            ),
            (
                403,
                "PERMISSION_DENIED",
                "SENDER_ID_MISMATCH",
                "SENDER_ID_MISMATCH",
                Disposition::RemoveDevice,
            ),
            (
                400,
                "INVALID_ARGUMENT",
                "INVALID_ARGUMENT",
                "INVALID_ARGUMENT",
                Disposition::Dead,
            ),
            (
                429,
                "RESOURCE_EXHAUSTED",
                "QUOTA_EXCEEDED",
                "QUOTA_EXCEEDED",
                Disposition::RetryAfter(hint),
            ),
            (
                503,
                "UNAVAILABLE",
                "UNAVAILABLE",
                "UNAVAILABLE",
                Disposition::Backoff(hint),
            ),
            (
                500,
                "INTERNAL",
                "INTERNAL",
                "INTERNAL",
                Disposition::Backoff(hint),
            ),
            (
                401,
                "UNAUTHENTICATED",
                "THIRD_PARTY_AUTH_ERROR",
                "THIRD_PARTY_AUTH_ERROR",
                Disposition::Dead,
            ),
            // UNSPECIFIED_ERROR falls back to the HTTP status.
            (
                503,
                "UNAVAILABLE",
                "UNSPECIFIED_ERROR",
                "UNAVAILABLE",
                Disposition::Backoff(hint),
            ),
        ];
        for (status, canonical, code, expected, disposition) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let error =
                error_from_response(status, &fcm_body(status.as_u16(), canonical, code), hint);
            assert_eq!(error.code(), expected, "{status} {code}");
            assert_eq!(error.disposition(), disposition, "{status} {code}");
        }
    }

    #[test]
    fn invalid_argument_keeps_fcm_message() {
        let error = error_from_response(
            StatusCode::BAD_REQUEST,
            &fcm_body(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
            None,
        );
        assert!(matches!(error, FcmError::InvalidArgument(m) if m == "boom"));
    }

    #[test]
    fn bare_statuses_never_remove_devices() {
        let bare =
            r#"{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}"#;
        let cases = [
            (403, bare, "UNEXPECTED", Disposition::Backoff(None)),
            (
                404,
                "<html>not found</html>",
                "UNEXPECTED",
                Disposition::Backoff(None),
            ),
            (401, bare, "AUTH", Disposition::Backoff(None)),
            (502, "bad gateway", "UNEXPECTED", Disposition::Backoff(None)),
            (413, "too large", "UNEXPECTED", Disposition::Dead),
            (429, "", "QUOTA_EXCEEDED", Disposition::RetryAfter(None)),
            (400, "", "INVALID_ARGUMENT", Disposition::Dead),
        ];
        for (status, body, code, disposition) in cases {
            let error = error_from_response(StatusCode::from_u16(status).unwrap(), body, None);
            assert_eq!(error.code(), code, "{status}");
            assert_eq!(error.disposition(), disposition, "{status}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn reminder_serialises_to_fcm_shape() {
        let data = BTreeMap::from([("reminder_id".to_owned(), "r-1".to_owned())]);
        let message = Message::reminder("tok", "Titel", "Tekst", data, "r-1", 86_400);
        let json = serde_json::to_value(SendRequest { message: &message }).unwrap();
        let m = &json["message"];
        assert_eq!(m["token"], "tok");
        assert_eq!(
            m["notification"],
            serde_json::json!({"title": "Titel", "body": "Tekst"})
        );
        assert_eq!(m["data"], serde_json::json!({"reminder_id": "r-1"}));
        assert_eq!(
            m["android"],
            serde_json::json!({
                "collapse_key": "r-1",
                "ttl": "86400s",
                "notification": {"tag": "r-1", "visibility": "PRIVATE"}
            })
        );
        assert_eq!(m["apns"]["headers"]["apns-collapse-id"], "r-1");
        let expiry: u64 = m["apns"]["headers"]["apns-expiration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!((now + 86_390..=now + 86_410).contains(&expiry));
    }

    #[test]
    fn empty_parts_are_left_out() {
        let message = Message {
            token: "tok".to_owned(),
            notification: None,
            data: BTreeMap::new(),
            android: Some(AndroidConfig {
                collapse_key: None,
                priority: Some(AndroidPriority::High),
                ttl: None,
                notification: None,
            }),
            apns: None,
        };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(json, r#"{"token":"tok","android":{"priority":"high"}}"#);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let account = ServiceAccount::from_json(&account_json()).unwrap();
        assert!(!format!("{account:?}").contains("PRIVATE KEY"));
        let message = Message::reminder(
            "secret-token",
            "Titel",
            "geheime tekst",
            BTreeMap::new(),
            "r",
            60,
        );
        let debug = format!("{message:?}");
        assert!(
            !debug.contains("secret-token") && !debug.contains("geheime"),
            "{debug}"
        );
    }

    #[test]
    fn service_account_parses_and_reports_missing_fields() {
        let account = ServiceAccount::from_json(&account_json()).unwrap();
        assert_eq!(account.project_id, "p-1");
        assert_eq!(account.token_uri, "https://oauth2.googleapis.com/token");
        assert!(
            account
                .private_key
                .expose_secret()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );

        let error =
            ServiceAccount::from_json(r#"{"project_id":"p","client_email":""}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "FCM client configuration: service account JSON lacks client_email, private_key, token_uri"
        );
        assert!(matches!(
            ServiceAccount::from_json("not json"),
            Err(FcmError::Config(_))
        ));
    }

    #[test]
    fn client_rejects_bad_configuration() {
        let good = ServiceAccount::from_json(&account_json()).unwrap();
        let http = reqwest::Client::new();
        assert!(FcmClient::new(good.clone(), DEFAULT_BASE_URL, http.clone()).is_ok());

        let mut bad_key = good.clone();
        bad_key.private_key =
            SecretString::from("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let mut bad_project = good.clone();
        bad_project.project_id = "p/../x".to_owned();
        let mut bad_token_uri = good.clone();
        bad_token_uri.token_uri = "ftp://example.com/token".to_owned();
        for (account, base) in [
            (bad_key, DEFAULT_BASE_URL),
            (bad_project, DEFAULT_BASE_URL),
            (bad_token_uri, DEFAULT_BASE_URL),
            (good, "not a url"),
        ] {
            let result = FcmClient::new(account, base, http.clone());
            assert!(matches!(result, Err(FcmError::Config(_))), "{result:?}");
        }
    }
}
