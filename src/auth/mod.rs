//! Authentication: access tokens, refresh tokens, password hashing, rate limits, and the
//! `AuthUser` extractor every protected handler takes.

pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod secrets;

use crate::db::tokens;
use crate::domain::kinds::Role;
use crate::domain::policy::{self, Denial};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

/// The signed-in caller, from a valid bearer access token. A missing, malformed, expired or
/// forged token answers 401 — never "anonymous". A well-signed token whose session has ended
/// (signed out, account disabled or erased, PIN changed elsewhere, new activation code) answers
/// 401 `session_ended`: every extraction checks the session in the database (see
/// [`check_session`]), so an ended session stops at once, on every instance.
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
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let parsed = state
            .as_ref()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state missing")))
            .and_then(|state| authenticate(state, req));
        let english = prefers_english(req);
        Box::pin(async move {
            let user = parsed?;
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state")))?;
            check_session(&state, &user, english).await?;
            Ok(user)
        })
    }
}

/// Checks that the token's session and account are still valid: one indexed statement per
/// request ([`tokens::session_is_live`]), no cache, so the answer is never stale — not even
/// with several instances on one PostgreSQL. Its cost is measured in docs/benchmarks.md
/// ("Session check").
pub async fn check_session(
    state: &AppState,
    user: &AuthUser,
    english: bool,
) -> Result<(), ApiError> {
    let (id, role, session) = (user.id.clone(), user.role, user.session.clone());
    let live = crate::db::run(&state.pool, move |conn| {
        Ok(tokens::session_is_live(conn, &id, role.as_str(), &session)?)
    })
    .await?;
    if live {
        Ok(())
    } else {
        Err(ApiError::SessionEnded(session_ended_detail(english).into()))
    }
}

/// The text of a `session_ended` problem: Dutch unless the client asks for English.
pub fn session_ended_detail(english: bool) -> &'static str {
    if english {
        "You have been signed out (signed out on this device, or your account or PIN was changed). Please sign in again."
    } else {
        "Je bent uitgelogd (op dit apparaat, of je account of pincode is veranderd). Log opnieuw in om verder te gaan."
    }
}

/// Whether `Accept-Language` puts English before Dutch (Dutch is the default).
pub fn prefers_english(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    for lang in value.split(',') {
        let tag = lang
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("nl") {
            return false;
        }
        if tag.starts_with("en") {
            return true;
        }
    }
    false
}

fn authenticate(state: &AppState, req: &HttpRequest) -> Result<AuthUser, ApiError> {
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
