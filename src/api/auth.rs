//! Sign-in: activation with a one-time code, login, token refresh with rotation and reuse
//! detection, logout.

use crate::api::me::MeResponse;
use crate::auth::secrets::{hash_code, hash_token, successor_refresh_token};
use crate::db::{self, users};
use crate::domain::credentials::{self, RESIDENT_PASSWORD_MIN};
use crate::domain::kinds::Role;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
use crate::usecases::sessions::{self, Session, bad_code, session_expired};
use actix_web::{HttpRequest, HttpResponse, post, web};

pub mod cookie_transport;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials. Staff sign in with their email address and password; residents with their
/// login name and PIN (or password).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address (staff) or login name (resident).
    #[schema(example = "fatima4821")]
    pub username: String,
    /// Password or PIN.
    #[schema(example = "48213")]
    pub password: String,
}

/// First sign-in of a resident: the activation code from the caseworker and a new PIN
/// (5–6 digits) or, instead, a password of at least 10 characters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The 8-character activation code (spaces and dashes are ignored).
    #[schema(example = "K7QM-4XPA")]
    pub code: String,
    /// A new PIN of 5 or 6 digits.
    #[schema(example = "48213")]
    pub pin: Option<String>,
    /// A new password, for residents who prefer one over a PIN.
    pub password: Option<String>,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last token response. Omit it (send `{}`) with
    /// `X-Token-Transport: cookie`: the token then comes from the `svs_refresh` cookie.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Tokens for a signed-in session.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque token for `POST /v1/auth/refresh`; single use, a new one comes with every refresh.
    /// Absent with `X-Token-Transport: cookie`: it is then only in the `svs_refresh` cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When this sign-in session ends at the latest.
    pub refresh_expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: MeResponse,
}

fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized(Msg::WrongCredentials)
}

fn token_response(state: &AppState, me: MeResponse, session: Session) -> ApiResult<TokenResponse> {
    let access = state
        .keys
        .issue_at(
            &me.id.to_string(),
            me.role,
            &session.family,
            session.issued.and_utc().timestamp(),
        )
        .map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.keys.ttl().as_secs(),
        refresh_token: Some(session.token),
        refresh_expires_at: db::utc(session.expires),
        user: me,
    })
}

/// Sign in with username and password or PIN.
///
/// Five wrong attempts lock the account, with a lock that doubles on every further failure;
/// a caseworker (for residents) or an admin (for staff) can clear it.
#[utoipa::path(
    tag = "auth",
    params(cookie_transport::Header),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong credentials", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Account locked or too many attempts from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::api::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state.auth_limit.check(client_ip(&req))?;
    cookie_transport::check(&req)?;
    let LoginRequest { username, password } = body.into_inner();
    let username = username.trim().to_lowercase();
    if username.is_empty() || username.len() > 254 || password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let user = db::run(&state.pool, move |conn| {
        Ok(if username.contains('@') {
            users::find_user_by_email(conn, &username)?
        } else {
            users::find_user_by_login_name(conn, &username)?
        })
    })
    .await?;

    let now = db::now();
    if let Some(u) = &user
        && let Some(until) = u.locked_until.filter(|t| *t > now)
    {
        return Err(ApiError::Locked {
            detail: Msg::AccountLocked,
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    let usable = user.as_ref().filter(|u| u.disabled_at.is_none());
    let ok = state
        .hasher
        .verify(
            SecretString::from(password),
            usable.and_then(|u| u.password_hash.clone()),
        )
        .await?;
    let Some(user) = usable.filter(|_| ok).cloned() else {
        if let Some(u) = user {
            let id = u.id.clone();
            db::run(&state.pool, move |conn| {
                sessions::record_failed_sign_in(conn, &id)
            })
            .await?;
        }
        return Err(invalid_credentials());
    };

    let ttl = state.settings.refresh_token_ttl;
    let (me, session) = db::run(&state.pool, move |conn| {
        sessions::sign_in(conn, &user.id, ttl)
    })
    .await?;
    Ok(cookie_transport::answer(
        &req,
        token_response(&state, me, session)?,
    ))
}

/// Activate a resident account with the one-time code and choose a PIN (or password).
///
/// Safe to retry: when the answer is lost on a bad connection, sending the same code with the
/// same PIN (or password) again within `ACTIVATION_RETRY_WINDOW` (default 15 minutes) after
/// the first use signs in once more (a new session; the PIN is checked against the one chosen
/// first). A different PIN after use, a replaced code or an expired code is refused, and
/// wrong PINs count towards the account lock like failed sign-ins.
#[utoipa::path(
    tag = "auth",
    params(cookie_transport::Header),
    responses(
        (status = 200, description = "Activated and signed in (or, for a retry, signed in again)", body = TokenResponse),
        (status = 401, description = "Unknown, used or expired code", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "PIN or password not acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Account locked or too many attempts from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/activate")]
pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::api::Json<ActivateRequest>,
) -> ApiResult<HttpResponse> {
    state.auth_limit.check(client_ip(&req))?;
    cookie_transport::check(&req)?;
    let ActivateRequest {
        code,
        pin,
        password,
    } = body.into_inner();
    let secret = match (pin, password) {
        (Some(pin), None) => {
            credentials::check_pin(&pin).map_err(|m| ApiError::invalid("pin", Msg::Weak(m)))?;
            pin
        }
        (None, Some(pw)) => {
            credentials::check_password(&pw, RESIDENT_PASSWORD_MIN)
                .map_err(|m| ApiError::invalid("password", Msg::Weak(m)))?;
            pw
        }
        _ => return Err(ApiError::invalid("pin", Msg::PinOrPassword)),
    };
    let code = credentials::normalize_activation_code(&code).ok_or_else(bad_code)?;
    let code_hash = hash_code(&state.code_key, &code);
    let window = chrono::Duration::from_std(state.settings.activation_retry_window)
        .map_err(ApiError::internal)?;
    let found = db::run(&state.pool, move |conn| {
        sessions::find_activation_code(conn, &code_hash, window)
    })
    .await?
    .ok_or_else(bad_code)?;

    let (code_row, retry) = found;
    if !retry {
        let phc = state
            .hasher
            .hash(SecretString::from(secret.clone()))
            .await?;
        let ttl = state.settings.refresh_token_ttl;
        let row = code_row.clone();
        // `None`: a concurrent retry of this very activation used the code first.
        let first = db::run(&state.pool, move |conn| {
            sessions::activate(conn, &row, &phc, ttl)
        })
        .await?;
        if let Some((me, session)) = first {
            return Ok(cookie_transport::answer(
                &req,
                token_response(&state, me, session)?,
            ));
        }
    }
    retry_activation(&req, &state, &code_row.user_id, secret).await
}

/// An activation retried with a code already used: signs in when the PIN matches the one
/// chosen with it (the account's current credential), like a login by code.
async fn retry_activation(
    req: &HttpRequest,
    state: &AppState,
    user_id: &str,
    secret: String,
) -> ApiResult<HttpResponse> {
    let id = user_id.to_owned();
    let user = db::run(&state.pool, move |conn| Ok(users::find_user(conn, &id)?))
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(bad_code)?;
    let now = db::now();
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        return Err(ApiError::Locked {
            detail: Msg::AccountLocked,
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    let ok = state
        .hasher
        .verify(SecretString::from(secret), user.password_hash.clone())
        .await?;
    let ttl = state.settings.refresh_token_ttl;
    let id = user.id.clone();
    let outcome = db::run(&state.pool, move |conn| {
        if !ok {
            sessions::record_failed_sign_in(conn, &id)?;
            return Ok(None);
        }
        sessions::sign_in(conn, &id, ttl).map(Some)
    })
    .await?;
    let (me, session) = outcome.ok_or_else(bad_code)?;
    Ok(cookie_transport::answer(
        req,
        token_response(state, me, session)?,
    ))
}

/// Exchange a refresh token for new tokens. Every refresh token works once; presenting one
/// that was already used ends the whole session (it may have been stolen) — except a retry
/// within `REFRESH_REUSE_GRACE` (default 30 seconds) of the first use, before the new token
/// was itself used: that retry gets the same new pair as the first answer (which was
/// presumably lost on a bad connection).
#[utoipa::path(
    tag = "auth",
    params(cookie_transport::Header),
    responses(
        (status = 200, description = "New tokens (the same pair again for a retry within the grace window)", body = TokenResponse),
        (status = 401, description = "Unknown, used, revoked or expired refresh token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address (`too_many_requests`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::api::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    state.auth_limit.check(client_ip(&req))?;
    cookie_transport::check(&req)?;
    let presented = cookie_transport::presented_token(&req, body.into_inner().refresh_token)?
        .ok_or_else(session_expired)?;
    let hash = hash_token(presented.trim());
    // The successor is derived, not drawn: a retry computes the same one (see secrets.rs).
    let successor = successor_refresh_token(&state.refresh_key, &hash);
    let grace = chrono::Duration::from_std(state.settings.refresh_reuse_grace)
        .map_err(ApiError::internal)?;
    let (me, session) = db::run(&state.pool, move |conn| {
        sessions::refresh(conn, &hash, successor, grace)
    })
    .await?;
    Ok(cookie_transport::answer(
        &req,
        token_response(&state, me, session)?,
    ))
}

/// Sign out: ends the session the refresh token belongs to.
#[utoipa::path(
    tag = "auth",
    params(cookie_transport::Header),
    responses(
        (status = 204, description = "Signed out (also when the token was already invalid); with the cookie transport the cookie is cleared"),
        (status = 429, description = "Too many attempts from this address (`too_many_requests`)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: crate::api::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    state.auth_limit.check(client_ip(&req))?;
    cookie_transport::check(&req)?;
    let Some(presented) = cookie_transport::presented_token(&req, body.into_inner().refresh_token)?
    else {
        return Ok(cookie_transport::signed_out(&req));
    };
    let hash = hash_token(presented.trim());
    db::run(&state.pool, move |conn| sessions::sign_out(conn, &hash)).await?;
    Ok(cookie_transport::signed_out(&req))
}

/// Roles residents never have; used by the role check of staff endpoints.
pub const STAFF_ROLES: &[Role] = &[
    Role::Caseworker,
    Role::Volunteer,
    Role::Admin,
    Role::Researcher,
];
