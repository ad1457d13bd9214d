//! Standard Web Push for the resident's installed web app: RFC 8030 delivery, payload encrypted
//! per RFC 8291 (`aes128gcm`, by the `web-push-native` crate) and VAPID (RFC 8292) signed with
//! `jsonwebtoken`'s ES256, which the service already uses.
//!
//! Chosen over FCM's `webpush` block because it needs no Firebase SDK in the browser and no
//! Google account in the app: every browser's own push service takes it, and the message is
//! end-to-end encrypted to the browser, so the push service sees only ciphertext.
//!
//! A subscription's endpoint is a URL the browser chose, so the server would POST wherever a
//! client says: only origins in `WEB_PUSH_ALLOWED_ORIGINS` (the big browsers' push services by
//! default) are accepted, checked when the device is registered and again before each send.
//!
//! Data protection: endpoints, keys and message texts are never logged and never appear in
//! `Debug` output or errors; errors carry only HTTP status.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use reqwest::header::RETRY_AFTER;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::push::fcm::FcmError;

/// The push services of Chrome/Edge/Android (FCM), Firefox, Safari and Windows.
pub const DEFAULT_ALLOWED_ORIGINS: &str = "https://fcm.googleapis.com,\
https://updates.push.services.mozilla.com,https://push.services.mozilla.com,\
https://web.push.apple.com,https://*.notify.windows.com";

/// VAPID tokens may be valid for at most 24 hours (RFC 8292 §2); we sign for 12.
const VAPID_LIFETIME_SECS: u64 = 12 * 60 * 60;
/// A whole send (connect, TLS, answer) must finish within this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// One allowed push-service origin; the host may start with `*.` for any subdomain.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl AllowedOrigin {
    fn parse(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or_else(|| format!("{entry:?} is not an origin such as https://push.example"))?;
        if scheme != "https" && scheme != "http" {
            return Err(format!(
                "{entry:?}: only https (or http for a local test) origins"
            ));
        }
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("{entry:?}: {p:?} is not a port"))?,
                ),
            ),
            None => (rest, None),
        };
        if host.is_empty() || host.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "{entry:?} is not an origin such as https://push.example"
            ));
        }
        Ok(AllowedOrigin {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let host_ok = match self.host.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == self.host,
        };
        let port_ok = match self.port {
            Some(p) => url.port_or_known_default() == Some(p),
            None => url.port().is_none(),
        };
        url.scheme() == self.scheme && host_ok && port_ok
    }
}

/// Why a subscription is refused at registration (the field it names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionError {
    /// The endpoint is not a URL of an allowed push service.
    Endpoint,
    /// `p256dh` is not a base64url P-256 public key.
    P256dh,
    /// `auth` is not 16 bytes in base64url.
    Auth,
}

/// What is shown on the phone and what the service worker needs to open the app.
#[derive(Serialize)]
pub struct WebPushPayload<'a> {
    /// Notification title.
    pub title: &'a str,
    /// Notification text.
    pub body: &'a str,
    /// A notification with the same tag replaces the earlier one instead of stacking.
    pub tag: &'a str,
    /// Opaque ids only (kind, reminder, plan, step): the app reads details after unlock.
    pub data: &'a std::collections::BTreeMap<String, String>,
}

/// Sends Web Push messages with this service's VAPID key.
#[derive(Clone)]
pub struct WebPushClient {
    signing: EncodingKey,
    public_key: String,
    contact: String,
    allowed: Vec<AllowedOrigin>,
    http: reqwest::Client,
}

impl fmt::Debug for WebPushClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebPushClient")
            .field("public_key", &self.public_key)
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

/// A new VAPID private key: 32 random bytes (a P-256 scalar), base64url.
pub fn generate_private_key() -> SecretString {
    let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
    SecretString::from(B64.encode(key.to_bytes()))
}

impl WebPushClient {
    /// `private_key`: base64url of the 32-byte P-256 scalar; `contact`: a `mailto:` or `https:`
    /// URI the push services can reach the operator at; `allowed`: comma-separated origins.
    pub fn new(
        private_key: &SecretString,
        contact: &str,
        allowed: &str,
        http: reqwest::Client,
    ) -> Result<Self, String> {
        let raw = B64
            .decode(private_key.expose_secret().trim())
            .map_err(|_| "WEB_PUSH_PRIVATE_KEY is not base64url".to_owned())?;
        let key = p256::SecretKey::from_slice(&raw)
            .map_err(|_| "WEB_PUSH_PRIVATE_KEY is not a P-256 private key (32 bytes)".to_owned())?;
        let der = key
            .to_pkcs8_der()
            .map_err(|_| "WEB_PUSH_PRIVATE_KEY cannot be encoded".to_owned())?;
        let signing = EncodingKey::from_ec_der(der.as_bytes());
        let public_key = B64.encode(key.public_key().to_encoded_point(false).as_bytes());
        if !(contact.starts_with("mailto:") || contact.starts_with("https://")) {
            return Err("WEB_PUSH_CONTACT must be a mailto: or https: URI".to_owned());
        }
        let allowed = allowed
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .map(AllowedOrigin::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("WEB_PUSH_ALLOWED_ORIGINS: {e}"))?;
        Ok(WebPushClient {
            signing,
            public_key,
            contact: contact.to_owned(),
            allowed,
            http,
        })
    }

    /// The VAPID public key (uncompressed P-256 point, base64url): the browser's
    /// `applicationServerKey`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    fn endpoint_url(&self, endpoint: &str) -> Option<Url> {
        let url = Url::parse(endpoint).ok()?;
        (url.username().is_empty()
            && url.password().is_none()
            && self.allowed.iter().any(|a| a.matches(&url)))
        .then_some(url)
    }

    /// Checks a browser's subscription before it is stored.
    pub fn check_subscription(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> Result<(), SubscriptionError> {
        if endpoint.len() > 2048 || self.endpoint_url(endpoint).is_none() {
            return Err(SubscriptionError::Endpoint);
        }
        decode_public(p256dh).ok_or(SubscriptionError::P256dh)?;
        decode_auth(auth).ok_or(SubscriptionError::Auth)?;
        Ok(())
    }

    /// The `Authorization` header of RFC 8292 for the endpoint's origin.
    fn vapid(&self, url: &Url) -> Result<String, FcmError> {
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: String,
            exp: u64,
            sub: &'a str,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            aud: url.origin().ascii_serialization(),
            exp: now + VAPID_LIFETIME_SECS,
            sub: &self.contact,
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|e| FcmError::Config(format!("VAPID signing failed: {e}")))?;
        Ok(format!("vapid t={jwt}, k={}", self.public_key))
    }

    /// Encrypts `payload` to the subscription and posts it to its push service. `topic` makes
    /// a newer message replace an undelivered older one (at most 32 base64url characters);
    /// `ttl_secs` is how long the service keeps it for an offline browser.
    pub async fn send(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        payload: &WebPushPayload<'_>,
        topic: &str,
        ttl_secs: u64,
    ) -> Result<(), FcmError> {
        let url = self
            .endpoint_url(endpoint)
            .ok_or_else(|| FcmError::InvalidArgument("endpoint not allowed".into()))?;
        let public = decode_public(p256dh)
            .ok_or_else(|| FcmError::InvalidArgument("bad subscription key".into()))?;
        let secret = decode_auth(auth)
            .ok_or_else(|| FcmError::InvalidArgument("bad subscription secret".into()))?;
        let body =
            serde_json::to_vec(payload).map_err(|e| FcmError::InvalidArgument(e.to_string()))?;
        let encrypted = web_push_native::encrypt(body, &public, &secret)
            .map_err(|_| FcmError::InvalidArgument("encryption failed".into()))?;
        let topic: String = topic
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(32)
            .collect();
        let answer = self
            .http
            .post(url.clone())
            .header("authorization", self.vapid(&url)?)
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", ttl_secs.to_string())
            .header("urgency", "normal")
            .header("topic", topic)
            .timeout(REQUEST_TIMEOUT)
            .body(encrypted)
            .send()
            .await
            .map_err(|e| FcmError::Transport(transport_reason(&e)))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = answer
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Err(match status {
            // The subscription expired or was withdrawn: drop the device (RFC 8030 §7.3).
            StatusCode::NOT_FOUND | StatusCode::GONE => FcmError::Unregistered,
            StatusCode::TOO_MANY_REQUESTS => FcmError::QuotaExceeded { retry_after },
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::BAD_REQUEST => {
                FcmError::InvalidArgument(format!("push service answered {}", status.as_u16()))
            }
            s if s.is_server_error() => FcmError::Unavailable { retry_after },
            // 401/403: our VAPID key or contact is refused — an operator can fix that, so the
            // message is retried rather than given up.
            s => FcmError::Unexpected {
                status: s.as_u16(),
                message: "push service refused the message".into(),
            },
        })
    }
}

fn decode_public(p256dh: &str) -> Option<p256::PublicKey> {
    let raw = B64.decode(p256dh.trim_end_matches('=')).ok()?;
    (raw.len() == 65)
        .then(|| p256::PublicKey::from_sec1_bytes(&raw).ok())
        .flatten()
}

fn decode_auth(auth: &str) -> Option<web_push_native::Auth> {
    let raw = B64.decode(auth.trim_end_matches('=')).ok()?;
    let raw: [u8; 16] = raw.try_into().ok()?;
    Some(web_push_native::Auth::from(raw))
}

/// A transport error without the URL (which holds the subscription's secret path).
fn transport_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(allowed: &str) -> WebPushClient {
        WebPushClient::new(
            &generate_private_key(),
            "mailto:beheer@example.org",
            allowed,
            reqwest::Client::new(),
        )
        .unwrap()
    }

    fn subscription_keys() -> (String, String) {
        let ua = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        (
            B64.encode(ua.public_key().to_encoded_point(false).as_bytes()),
            B64.encode([7u8; 16]),
        )
    }

    #[test]
    fn only_allowed_push_services_are_accepted() {
        let c = client(DEFAULT_ALLOWED_ORIGINS);
        let (p, a) = subscription_keys();
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
            "https://web.push.apple.com/QGx",
            "https://wns2-par02p.notify.windows.com/w/?token=x",
        ] {
            assert_eq!(c.check_subscription(ok, &p, &a), Ok(()), "{ok}");
        }
        for bad in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com:8443/x",
            "https://evil.example/fcm.googleapis.com",
            "https://notify.windows.com.evil.example/x",
            "https://user@fcm.googleapis.com/x",
            "https://169.254.169.254/latest/meta-data",
            "not a url",
        ] {
            assert_eq!(
                c.check_subscription(bad, &p, &a),
                Err(SubscriptionError::Endpoint),
                "{bad}"
            );
        }
        let local = client("http://127.0.0.1:8099");
        assert!(
            local
                .check_subscription("http://127.0.0.1:8099/push/1", &p, &a)
                .is_ok()
        );
        assert!(
            local
                .check_subscription("http://127.0.0.1:8098/push/1", &p, &a)
                .is_err()
        );
    }

    #[test]
    fn keys_are_checked() {
        let c = client(DEFAULT_ALLOWED_ORIGINS);
        let (p, a) = subscription_keys();
        let e = "https://fcm.googleapis.com/fcm/send/x";
        assert_eq!(
            c.check_subscription(e, "AAAA", &a),
            Err(SubscriptionError::P256dh)
        );
        assert_eq!(
            c.check_subscription(e, &p, "AAAA"),
            Err(SubscriptionError::Auth)
        );
        assert_eq!(c.public_key().len(), 87, "65 bytes in base64url");
    }

    #[test]
    fn configuration_errors_name_the_variable() {
        let http = reqwest::Client::new();
        let bad_key = SecretString::from("not-a-key".to_owned());
        let e = WebPushClient::new(&bad_key, "mailto:a@b.c", "", http.clone()).unwrap_err();
        assert!(e.contains("WEB_PUSH_PRIVATE_KEY"), "{e}");
        let e =
            WebPushClient::new(&generate_private_key(), "beheer", "", http.clone()).unwrap_err();
        assert!(e.contains("WEB_PUSH_CONTACT"), "{e}");
        let e = WebPushClient::new(&generate_private_key(), "mailto:a@b.c", "ftp://x", http)
            .unwrap_err();
        assert!(e.contains("WEB_PUSH_ALLOWED_ORIGINS"), "{e}");
    }
}
