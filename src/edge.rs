//! What every answer shares at the edge of the service: security headers, a deadline for
//! request bodies, and the bookkeeping around response compression (entity tags per encoding,
//! `Vary`, no compression for tiny bodies).
//!
//! Middleware order (outermost first, as wired in `startup`): [`edge_headers`] → actix's
//! `Compress` → [`skip_tiny_compression`] → [`crate::i18n::localize_problems`] → metrics →
//! [`body_deadline`] → handlers.

use crate::config::Settings;
use crate::error::{ApiError, PROBLEM_JSON};
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use futures_util::Stream;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Bodies smaller than this go out uncompressed: gzip's own framing would make them larger.
pub const MIN_COMPRESS_BYTES: u64 = 256;

/// The edge settings, kept as app data.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// Deadline for a whole request body, counted from the end of its headers.
    pub body_timeout: Duration,
    /// The `Strict-Transport-Security` value, when configured.
    pub hsts: Option<HeaderValue>,
}

impl EdgeConfig {
    /// From `REQUEST_BODY_TIMEOUT` and `HSTS_MAX_AGE`.
    pub fn from_settings(settings: &Settings) -> Self {
        let hsts = settings.hsts_max_age.and_then(|age| {
            HeaderValue::from_str(&format!("max-age={}; includeSubDomains", age.as_secs())).ok()
        });
        Self {
            body_timeout: settings.request_body_timeout,
            hsts,
        }
    }
}

/// CSP for JSON answers, errors and anything else that is not a page: nothing may load.
pub const API_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// CSP for the vendored Swagger UI under `/docs/`: its scripts, styles and images come from the
/// service itself (no inline script: the configuration is the served `swagger-initializer.js`),
/// `data:` images are its inline SVG icons, and "Try it out" calls the same origin. The one
/// hash is the `<style>` element Swagger UI 5.32 inserts at run time (Chromium names it when it
/// is blocked; `web-tests/` fails on any blocked resource, so a new Swagger UI shows here).
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'";

/// The Content-Security-Policy for a request path. One arm per class of path: web apps served
/// later (e.g. under `/app/`, `/console/`) get their own arm with their own policy.
pub fn content_security_policy(path: &str) -> &'static str {
    if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else {
        API_CSP
    }
}

/// Headers every answer carries (what OWASP ZAP's baseline scan looks for), except
/// `Content-Security-Policy`, which depends on the path.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cross-origin-embedder-policy", "require-corp"),
    (
        "permissions-policy",
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
microphone=(), payment=(), usb=()",
    ),
];

/// Outermost middleware: security headers on every answer (a handler's own value wins),
/// entity tags that differ per content encoding, `Vary: Accept-Encoding`, and problem+json for
/// the one error the compression layer writes itself (406).
pub async fn edge_headers(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    strip_encoding_suffixes(req.headers_mut());
    let path = req.path().to_owned();
    let hsts = req
        .app_data::<web::Data<EdgeConfig>>()
        .and_then(|c| c.hsts.clone());
    // Handlers' errors arrive here as responses; only a middleware could fail outright, and
    // none inside does. (Cloning the request to answer such an error would break routing.)
    let mut res = next.call(req).await?.map_into_boxed_body();
    if res.status() == StatusCode::NOT_ACCEPTABLE
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(HeaderValue::as_bytes)
            != Some(PROBLEM_JSON.as_bytes())
    {
        let (req, _) = res.into_parts();
        let lang = crate::i18n::request_language(&req);
        res = ServiceResponse::new(req, ApiError::NotAcceptable.response_in(lang))
            .map_into_boxed_body();
    }
    let headers = res.headers_mut();
    if headers
        .get(header::CONTENT_ENCODING)
        .map(HeaderValue::as_bytes)
        == Some(b"identity")
    {
        headers.remove(header::CONTENT_ENCODING);
    }
    suffix_etag(headers);
    let varies = headers.get_all(header::VARY).any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    for (name, value) in SECURITY_HEADERS {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(content_security_policy(&path)),
        );
    }
    if let Some(hsts) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
    }
    Ok(res)
}

/// Inside `Compress`: a tiny body is marked `identity` so that it goes out as it is (the
/// marker is removed again by [`edge_headers`]).
pub async fn skip_tiny_compression(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let tiny = matches!(res.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESS_BYTES);
    if tiny && !res.headers().contains_key(header::CONTENT_ENCODING) {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    Ok(res)
}

/// The suffix an entity tag gets for an encoding, so that a cache never mixes a compressed and
/// a plain representation under one strong tag (RFC 9110 §8.8.3).
fn encoding_suffix(encoding: &[u8]) -> Option<&'static str> {
    match encoding {
        b"gzip" => Some("-gzip"),
        b"br" => Some("-br"),
        b"deflate" => Some("-deflate"),
        _ => None,
    }
}

/// `"3"` → `"3-gzip"` (weak tags likewise) when the answer was compressed.
fn suffix_etag(headers: &mut HeaderMap) {
    let Some(suffix) = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|e| encoding_suffix(e.as_bytes()))
    else {
        return;
    };
    let Some(tag) = headers.get(header::ETAG).and_then(|t| t.to_str().ok()) else {
        return;
    };
    if let Some(open) = tag.strip_suffix('"')
        && let Ok(value) = HeaderValue::from_str(&format!("{open}{suffix}\""))
    {
        headers.insert(header::ETAG, value);
    }
}

/// The tags a client sends back in `If-Match` / `If-None-Match` name the resource's version,
/// whatever encoding they came with: the suffixes [`suffix_etag`] added are removed before any
/// handler compares them.
fn strip_encoding_suffixes(headers: &mut HeaderMap) {
    for name in [header::IF_MATCH, header::IF_NONE_MATCH] {
        let Some(value) = headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if !value.contains("-gzip\"") && !value.contains("-br\"") && !value.contains("-deflate\"") {
            continue;
        }
        let stripped = value
            .replace("-gzip\"", "\"")
            .replace("-br\"", "\"")
            .replace("-deflate\"", "\"");
        if let Ok(v) = HeaderValue::from_str(&stripped) {
            headers.insert(name, v);
        }
    }
}

/// Whether the request announces a body (a non-zero length or a transfer coding).
fn announces_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// A request body that must have arrived completely by a deadline. Hand-written because
/// actix-web times out only slow request heads (`client_request_timeout`), never a body that
/// stalls, trickles or never follows an `Expect: 100-continue`.
struct DeadlinePayload {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
    finished: bool,
}

impl Stream for DeadlinePayload {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            if item.is_none() {
                self.finished = true;
            }
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.finished = true;
            self.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body timed out",
            )))));
        }
        Poll::Pending
    }
}

/// Gives every request body a deadline ([`EdgeConfig::body_timeout`], counted from the end of
/// the headers). When it passes before the body is complete, whatever the handler made of the
/// failed read is replaced by a 408 problem, and the connection is closed.
pub async fn body_deadline<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<EdgeConfig>>()
        .map(|c| c.body_timeout);
    let expired = Rc::new(Cell::new(false));
    if let Some(timeout) = timeout
        && announces_body(req.headers())
    {
        let payload = DeadlinePayload {
            inner: req.take_payload(),
            deadline: Box::pin(tokio::time::sleep(timeout)),
            expired: expired.clone(),
            finished: false,
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(payload),
        });
    }
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    let (req, _) = res.into_parts();
    // The error rides along for `i18n::localize_problems`, which writes it in the reader's
    // language.
    let mut answer = actix_web::HttpResponse::from_error(ApiError::RequestTimeout {
        secs: timeout.map_or(0, |t| t.as_secs_f64().ceil() as u64),
    });
    answer.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_suffix_round_trips() {
        let mut res = HeaderMap::new();
        res.insert(header::ETAG, HeaderValue::from_static("\"3\""));
        res.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        suffix_etag(&mut res);
        assert_eq!(res.get(header::ETAG).unwrap(), "\"3-br\"");

        let mut weak = HeaderMap::new();
        weak.insert(header::ETAG, HeaderValue::from_static("W/\"a1\""));
        weak.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        suffix_etag(&mut weak);
        assert_eq!(weak.get(header::ETAG).unwrap(), "W/\"a1-gzip\"");

        let mut plain = HeaderMap::new();
        plain.insert(header::ETAG, HeaderValue::from_static("\"3\""));
        suffix_etag(&mut plain);
        assert_eq!(plain.get(header::ETAG).unwrap(), "\"3\"");

        let mut req = HeaderMap::new();
        req.insert(
            header::IF_MATCH,
            HeaderValue::from_static("\"3-br\", \"4-gzip\""),
        );
        req.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"a1-gzip\""),
        );
        strip_encoding_suffixes(&mut req);
        assert_eq!(req.get(header::IF_MATCH).unwrap(), "\"3\", \"4\"");
        assert_eq!(req.get(header::IF_NONE_MATCH).unwrap(), "W/\"a1\"");
    }

    #[test]
    fn csp_per_path_class() {
        assert_eq!(content_security_policy("/docs/"), DOCS_CSP);
        assert_eq!(content_security_policy("/docs/index.css"), DOCS_CSP);
        assert_eq!(content_security_policy("/docsx"), API_CSP);
        assert_eq!(content_security_policy("/v1/me"), API_CSP);
        for csp in [API_CSP, DOCS_CSP] {
            assert!(csp.contains("frame-ancestors 'none'"));
            assert!(!csp.contains("unsafe-inline") && !csp.contains('*'));
        }
    }

    #[test]
    fn body_is_announced_by_length_or_coding() {
        let mut h = HeaderMap::new();
        assert!(!announces_body(&h));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        assert!(!announces_body(&h));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        assert!(announces_body(&h));
        let mut c = HeaderMap::new();
        c.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        assert!(announces_body(&c));
    }
}
