//! `Idempotency-Key` on writes: one piece every retry-safe write handler uses.
//!
//! A write sent with the header runs at most once per (user, key). Its answer (status, body,
//! `ETag`) is stored in the same transaction as the write itself, so a retry after a lost
//! answer — on a bad connection, or concurrently — gets the stored answer back with
//! `idempotent-replayed: true` instead of doing the write again. The same key with a different
//! request (another path or another body) is refused with 409 `idempotency_key_reused`.
//! Failed writes are not stored (their transaction rolls back), so a retry runs them again.
//! Stored answers are kept for `IDEMPOTENCY_TTL` (default 24 hours): older ones are pruned by
//! the scheduler tick and never replayed.
//!
//! A handler reads the key with [`Idempotency::of`] (after its body was extracted) and hands
//! [`Idempotency::retry`] to its use case, which claims and stores the answer in its own write
//! transaction (`usecases::retry`), then answers with [`respond`]. Handlers not yet moved to a
//! use case wrap their write in [`Idempotency::run`] inside their write transaction and answer
//! with [`Answer`].
//! Which operations take the header is listed once in [`OPERATIONS`], from which the OpenAPI
//! document gets the header parameter and the `idempotent-replayed` response header.

use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::usecases::{Outcome, Reply, Retry};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// The response header of a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest accepted key.
pub const KEY_MAX: usize = 100;

/// Every operation that honours `Idempotency-Key` (method, path as in the spec).
pub const OPERATIONS: &[(&str, &str)] = &[
    ("post", "/v1/me/steps/{id}/complete"),
    ("post", "/v1/me/steps/{id}/help"),
    ("post", "/v1/me/steps/{id}/snooze"),
    ("put", "/v1/me/steps/{id}/intention"),
    ("delete", "/v1/me/steps/{id}/intention"),
    ("post", "/v1/me/steps/{id}/mood"),
    ("post", "/v1/me/alliance"),
    ("post", "/v1/me/crisis"),
    ("post", "/v1/me/devices"),
    ("delete", "/v1/me/devices/{id}"),
    ("put", "/v1/me/notification-preferences"),
    ("post", "/v1/steps/{id}/complete"),
    ("post", "/v1/me/appointments/{id}/confirm"),
    ("post", "/v1/me/appointments/{id}/move-request"),
];

/// Description of the header parameter in the spec.
pub const HEADER_DOC: &str = "Makes the write safe to retry: any string of 1–100 visible ASCII \
characters, new for each intended change (a UUID is fine). A retry with the same key and the same \
request within 24 hours (`IDEMPOTENCY_TTL`) does not write again but answers what the first \
request answered, with `idempotent-replayed: true`. The same key with another path or body \
answers 409 `idempotency_key_reused`. Keys are per user.";

/// Description of the response header in the spec.
pub const REPLAYED_DOC: &str = "`true` when this is the stored answer of an earlier request with \
the same `Idempotency-Key` (nothing was written again); absent otherwise.";

/// The parsed JSON body of a request, noted by the body extractors for the fingerprint.
struct BodyDigest(String);

/// Called by the JSON body extractors with the parsed body.
pub(crate) fn note_body(req: &HttpRequest, body: &serde_json::Value) {
    let digest = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    req.extensions_mut().insert(BodyDigest(digest));
}

/// The `Idempotency-Key` of one write, as a [`Retry`] for the use case (none without the
/// header).
#[derive(Debug, Clone)]
pub struct Idempotency(Option<Retry>);

impl Idempotency {
    /// Reads the header (422 when it is empty, too long or not visible ASCII). Call it in the
    /// handler body, after the body extractor has run: the fingerprint covers method, path,
    /// query and the parsed body (only its hash is stored).
    pub fn of(req: &HttpRequest, ttl: std::time::Duration) -> ApiResult<Self> {
        let key = match req.headers().get(HEADER) {
            None => return Ok(Self(None)),
            Some(v) => {
                let k = v
                    .to_str()
                    .ok()
                    .map(str::trim)
                    .filter(|k| k.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
                    .ok_or_else(|| ApiError::invalid(HEADER, Msg::VisibleAscii))?;
                if k.is_empty() || k.len() > KEY_MAX {
                    return Err(ApiError::invalid(HEADER, Msg::KeyLength { max: KEY_MAX }));
                }
                k.to_owned()
            }
        };
        let body = req
            .extensions()
            .get::<BodyDigest>()
            .map(|d| d.0.clone())
            .unwrap_or_default();
        let mut h = Sha256::new();
        for part in [req.method().as_str(), req.path(), req.query_string(), &body] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let ttl = chrono::Duration::from_std(ttl).map_err(ApiError::internal)?;
        Ok(Self(Some(Retry::new(key, hex::encode(h.finalize()), ttl))))
    }

    /// The retry key for a use case, if the request sent one.
    pub fn retry(&self) -> Option<&Retry> {
        self.0.as_ref()
    }

    /// Runs `write` once for this key, inside the caller's write transaction (`db::write_tx`),
    /// and stores its answer; a request whose key was used before gets the stored answer
    /// instead. Without a key, `write` simply runs. (Handlers whose write moved to a use case
    /// pass [`Idempotency::retry`] to it instead.)
    pub fn run<F>(&self, conn: &mut DbConn, user_id: &str, write: F) -> ApiResult<Answer>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<Answer>,
    {
        match &self.0 {
            None => write(conn),
            Some(retry) => retry
                .run(conn, user_id, |conn| write(conn).map(|a| a.0))
                .map(Answer),
        }
    }
}

/// The answer of a write, as it is sent and stored for replay.
#[derive(Debug, Clone)]
pub struct Answer(Reply);

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Self {
        Self(reply)
    }
}

impl Answer {
    /// A JSON answer.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> ApiResult<Self> {
        Reply::json(status.as_u16(), value).map(Self)
    }

    /// 200 with a JSON body.
    pub fn ok<T: Serialize>(value: &T) -> ApiResult<Self> {
        Self::json(StatusCode::OK, value)
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self(Reply::no_content())
    }

    /// With an `ETag` header (kept on replay).
    pub fn with_etag(self, etag: String) -> Self {
        Self(self.0.with_etag(etag))
    }

    /// Whether this answer is a replay.
    pub fn replayed(&self) -> bool {
        self.0.replayed
    }

    /// The HTTP response.
    pub fn into_response(self) -> HttpResponse {
        let Reply {
            status,
            body,
            etag,
            replayed,
        } = self.0;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = HttpResponse::build(status);
        if let Some(etag) = etag {
            res.insert_header((header::ETAG, etag));
        }
        if replayed {
            res.insert_header((REPLAYED, "true"));
        }
        match body {
            Some(body) => res.content_type(mime::APPLICATION_JSON).body(body),
            None => res.finish(),
        }
    }
}

impl actix_web::Responder for Answer {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

/// The response to a use case's outcome: its stored reply on a replay, else `keep` of its
/// result (the use case's own `keep`, so the first answer and its replays are the same).
pub fn respond<T>(
    outcome: Outcome<T>,
    keep: impl FnOnce(&T) -> ApiResult<Reply>,
) -> ApiResult<HttpResponse> {
    Ok(Answer(outcome.reply(keep)?).into_response())
}

/// Adds the header parameter and the `idempotent-replayed` response header to every
/// operation in [`OPERATIONS`]; returns the operations it did not find (a test wants none).
pub fn document(api: &mut utoipa::openapi::OpenApi) -> Vec<String> {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Required, Type};
    let key_schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(KEY_MAX))
        .pattern(Some("^[\\x20-\\x7E]+$"));
    let parameter = ParameterBuilder::new()
        .name(HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(HEADER_DOC))
        .schema(Some(key_schema))
        .build();
    let replayed = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^true$"))
                .max_length(Some(4)),
        ))
        .description(Some(REPLAYED_DOC))
        .build();
    let mut missing = Vec::new();
    for (method, path) in OPERATIONS {
        let op = api
            .paths
            .paths
            .get_mut(*path)
            .and_then(|item| match *method {
                "post" => item.post.as_mut(),
                "put" => item.put.as_mut(),
                "delete" => item.delete.as_mut(),
                "patch" => item.patch.as_mut(),
                _ => None,
            });
        let Some(op) = op else {
            missing.push(format!("{method} {path}"));
            continue;
        };
        let params = op.parameters.get_or_insert_with(Vec::new);
        params.retain(|p| !matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(HEADER)));
        params.push(RefOr::T(parameter.clone()));
        for (status, response) in op.responses.responses.iter_mut() {
            if status.starts_with('2')
                && let RefOr::T(response) = response
            {
                response
                    .headers
                    .insert(REPLAYED.into(), RefOr::T(replayed.clone()));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_operation_exists_in_the_spec() {
        // `openapi()` has applied `document` already; running it again finds the same paths.
        let mut api = crate::api::openapi();
        assert_eq!(super::document(&mut api), Vec::<String>::new());
    }
}
