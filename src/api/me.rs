//! The signed-in user: who am I, change my password or PIN.

use crate::auth::AuthUser;
use crate::db::{self};
use crate::domain::kinds::Language;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
use crate::usecases::{self, change_password::ChangePassword, update_me::UpdateMe};
use actix_web::{HttpResponse, get, patch, put, web};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

pub use crate::usecases::access::load_me;
pub use crate::wire::types::MeResponse;

/// Who am I.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = MeResponse))
)]
#[get("/v1/me")]
pub async fn get_me(
    auth: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<MeResponse>> {
    let id = auth.id.clone();
    let me = db::run(&state.pool, move |conn| load_me(conn, &id)).await?;
    Ok(web::Json(me))
}

/// What a signed-in user may change about themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// Preferred language: of step texts, reminders, e-mails and problem details from now on.
    pub language: Option<Language>,
}

/// Change my own settings (any role): for now the language the service speaks to me in.
/// Sending the same value again changes nothing, so it is safe to retry.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses((status = 200, description = "The signed-in user, changed", body = MeResponse))
)]
#[patch("/v1/me")]
pub async fn update_me(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<UpdateMeRequest>,
) -> ApiResult<web::Json<MeResponse>> {
    let UpdateMeRequest { language } = body.into_inner();
    let input = UpdateMe { language };
    let me = db::run(&state.pool, move |conn| {
        usecases::update_me::update_me(conn, &auth, input)
    })
    .await?;
    Ok(web::Json(me))
}

/// A new password (staff) or PIN/password (residents), with the current one as proof.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password or PIN.
    pub current_password: String,
    /// The new password (staff: at least 12 characters) or PIN (residents: 5–6 digits, or a
    /// password of at least 10 characters).
    pub new_password: String,
}

/// Change my password or PIN. Other sessions are signed out.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "The current password is wrong", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too weak", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/password")]
pub async fn change_password(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    usecases::change_password::check_new_password(auth.role, &new_password)?;
    let actor = auth.clone();
    let user = db::run(&state.pool, move |conn| {
        usecases::change_password::stored_account(conn, &actor)
    })
    .await?;
    if !state
        .hasher
        .verify(
            SecretString::from(current_password),
            user.password_hash.clone(),
        )
        .await?
    {
        return Err(ApiError::Unauthorized(Msg::CurrentPasswordWrong));
    }
    let phc = state.hasher.hash(SecretString::from(new_password)).await?;
    let input = ChangePassword { phc };
    db::run(&state.pool, move |conn| {
        usecases::change_password::change_password(conn, &auth, input)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
