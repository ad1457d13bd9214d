//! Authentication: access tokens, refresh tokens, password hashing, rate limits, and the
//! `AuthUser` extractor every protected handler takes.

pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod secrets;

use crate::domain::kinds::Role;
use crate::domain::policy::{self, Denial};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::{Ready, ready};

/// The signed-in caller, from a valid bearer access token. A missing, malformed, expired or
/// forged token answers 401 — never "anonymous".
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub role: Role,
    /// The sign-in session (refresh-token family).
    pub session: String,
    /// The request id `tracing-actix-web` assigned (for the audit log).
    pub request_id: Option<String>,
}

impl AuthUser {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        policy::require_role(self.role, roles).map_err(denial)
    }
}

/// Maps a policy refusal to its HTTP answer.
pub fn denial(d: Denial) -> ApiError {
    match d {
        Denial::Forbidden => ApiError::Forbidden("Your role cannot use this endpoint.".into()),
        Denial::Hidden => ApiError::NotFound,
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state missing")))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized(
            "Sign in first: send an access token as 'Authorization: Bearer …'.".into(),
        )
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("The Authorization header must be 'Bearer <token>'.".into())
        })?;
    let claims = state
        .keys
        .verify(token)
        .map_err(|_| ApiError::Unauthorized("The access token is invalid or expired.".into()))?;
    use actix_web::HttpMessage;
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|r| r.to_string());
    Ok(AuthUser {
        id: claims.sub,
        role: claims.role,
        session: claims.sid,
        request_id,
    })
}
