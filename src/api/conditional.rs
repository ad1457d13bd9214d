//! Conditional requests over HTTP: reading `If-Match` and `If-None-Match` off a request (a
//! malformed one is a 400 that says so) and the 304 answer of a conditional `GET`. The tags and
//! their comparison are in [`crate::wire::entity_tag`].

use crate::error::ApiError;
use crate::i18n::Msg;
pub use crate::wire::entity_tag::{Condition, EntityTag, parse_condition};
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};

/// Reads one conditional header (several lines are one comma-separated list); `None` when
/// absent, a 400 problem naming the header when it does not follow RFC 9110.
fn read_condition(
    req: &HttpRequest,
    name: HeaderName,
    label: &'static str,
    code: &'static str,
) -> Result<Option<Condition>, ApiError> {
    let values: Vec<&[u8]> = req.headers().get_all(&name).map(|v| v.as_bytes()).collect();
    if values.is_empty() {
        return Ok(None);
    }
    let joined = values.join(&b", "[..]);
    parse_condition(&joined)
        .map(Some)
        .ok_or(ApiError::Malformed {
            code,
            detail: Msg::MalformedCondition { header: label },
        })
}

/// The request's `If-Match`, if any.
pub fn if_match(req: &HttpRequest) -> Result<Option<Condition>, ApiError> {
    read_condition(req, header::IF_MATCH, "If-Match", "malformed_if_match")
}

/// The request's `If-None-Match`, if any.
pub fn if_none_match(req: &HttpRequest) -> Result<Option<Condition>, ApiError> {
    read_condition(
        req,
        header::IF_NONE_MATCH,
        "If-None-Match",
        "malformed_if_none_match",
    )
}

/// A JSON answer with a strong `ETag` over its bytes, or `304 Not Modified` (no body) when the
/// request's `If-None-Match` already names it. The tag is computed on the uncompressed JSON.
pub fn json_or_not_modified<T: serde::Serialize>(
    req: &HttpRequest,
    body: &T,
) -> Result<HttpResponse, ApiError> {
    let condition = if_none_match(req)?;
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let tag = EntityTag::of_body(&bytes);
    if condition.is_some_and(|c| c.matches_weak(&tag)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag.to_string()))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag.to_string()))
        .content_type("application/json")
        .body(bytes))
}
