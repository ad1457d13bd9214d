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
use crate::i18n::{Language, Msg};
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
        Denial::Forbidden => ApiError::Forbidden(Msg::RoleNotAllowed),
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
        let req = req.clone();
        Box::pin(async move {
            let user = parsed?;
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state")))?;
            let lang = check_session(&state, &user).await?;
            // Problems from here on are written in the caller's own language.
            crate::i18n::remember_user_language(&req, lang);
            Ok(user)
        })
    }
}

/// Checks that the token's session and account are still valid, and gives the account's
/// stored language: one indexed statement per request ([`tokens::live_session_language`]), no
/// cache, so the answer is never stale — not even with several instances on one PostgreSQL.
/// Its cost is measured in docs/benchmarks.md ("Session check").
pub async fn check_session(state: &AppState, user: &AuthUser) -> Result<Language, ApiError> {
    let (id, role, session) = (user.id.clone(), user.role, user.session.clone());
    let language = crate::db::run(&state.pool, move |conn| {
        Ok(tokens::live_session_language(
            conn,
            &id,
            role.as_str(),
            &session,
        )?)
    })
    .await?;
    match language {
        Some(lang) => Ok(lang.parse().unwrap_or(Language::Nl)),
        None => Err(ApiError::SessionEnded),
    }
}

fn authenticate(state: &AppState, req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized(Msg::SignInFirst))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized(Msg::BearerFormat))?;
    let claims = state
        .keys
        .verify(token)
        .map_err(|_| ApiError::Unauthorized(Msg::TokenInvalid))?;
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
