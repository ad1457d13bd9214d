//! Staff accounts (admin): create, list, show, change, disable, unlock.

use crate::api::paging::{self, PageRequest};
use crate::auth::AuthUser;
use crate::db::{self, users};
use crate::domain::credentials::{self, STAFF_PASSWORD_MIN};
use crate::domain::kinds::{Language, Role};
use crate::domain::policy::ADMINS;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub(crate) use crate::usecases::update_user::{MAX_TEAMS_PER_USER, load_user};
use crate::usecases::{self, create_user::CreateUser, update_user::UpdateUser};
use crate::wire::types::UserResponse;
use crate::wire::validate;
use actix_web::{HttpResponse, get, patch, post, web};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crate::domain::kinds::Discipline;

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Sign-in email address (unique).
    #[schema(example = "sanne@buurtteam.example")]
    pub email: String,
    /// Name shown to colleagues; residents see the first name.
    #[schema(example = "Sanne de Vries")]
    pub display_name: String,
    /// `caseworker`, `volunteer`, `admin` or `researcher` (residents are created through
    /// `POST /v1/residents`).
    pub role: Role,
    /// Required for caseworkers.
    pub discipline: Option<Discipline>,
    /// Teams the user works in.
    #[serde(default)]
    pub team_ids: Vec<Uuid>,
    /// Initial password (at least 12 characters); the user changes it with `PUT /v1/me/password`.
    pub password: String,
    /// Preferred language (default `nl`).
    pub language: Option<Language>,
}

/// Changes to a staff account; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// New display name.
    pub display_name: Option<String>,
    /// Disable (true) or re-enable (false). Disabling signs the user out everywhere.
    pub disabled: Option<bool>,
    /// Replace the team memberships.
    pub team_ids: Option<Vec<Uuid>>,
}

/// Filter for the staff list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Accounts per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of staff accounts, by name.
    UserPage,
    UserResponse
);

/// Create a staff account (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 409, description = "The email address is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users")]
pub async fn create_user(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(ADMINS)?;
    let req = body.into_inner();
    let email = validate::email("email", &req.email)?;
    let display_name = validate::text("display_name", &req.display_name, 1, 100)?;
    if req.role == Role::Resident {
        return Err(ApiError::invalid("role", Msg::ResidentsElsewhere));
    }
    let discipline = match (req.role, req.discipline) {
        (Role::Caseworker, Some(d)) => Some(d),
        (Role::Caseworker, None) => {
            return Err(ApiError::invalid("discipline", Msg::DisciplineRequired));
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(
                "discipline",
                Msg::DisciplineOnlyCaseworkers,
            ));
        }
        (_, None) => None,
    };
    credentials::check_password(&req.password, STAFF_PASSWORD_MIN)
        .map_err(|m| ApiError::invalid("password", Msg::Weak(m)))?;
    let phc = state.hasher.hash(SecretString::from(req.password)).await?;
    let input = CreateUser {
        email,
        display_name,
        role: req.role,
        discipline,
        language: req.language.unwrap_or(Language::Nl),
        team_ids: req.team_ids.iter().map(Uuid::to_string).collect(),
        password_hash: phc,
    };
    let user = db::run(&state.pool, move |conn| {
        usecases::create_user::create_user(conn, &auth, input)
    })
    .await?;
    Ok(HttpResponse::Created().json(user))
}

/// List staff accounts (admin), by name, a page at a time.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of staff accounts", body = UserPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/users")]
pub async fn list_users(
    req: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<UserQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(ADMINS)?;
    let role = query.role;
    let page = PageRequest::new("users", query.limit, query.cursor.as_deref())?;
    let list = db::run(&state.pool, move |conn| {
        let last = match &page.after {
            None => None,
            Some(id) => Some(
                users::find_user(conn, id)?
                    .filter(|u| u.role != Role::Resident.as_str())
                    .ok_or_else(|| page.stale_cursor())?,
            ),
        };
        let after = last
            .as_ref()
            .map(|u| (u.display_name.as_str(), u.id.as_str()));
        let rows = users::list_staff_page(conn, role.map(Role::as_str), after, page.fetch())?;
        let rows = page.finish(rows, |u| &u.id);
        let mut items = Vec::with_capacity(rows.items.len());
        for u in rows.items {
            let teams = users::find_team_ids_of(conn, &u.id)?;
            items.push(UserResponse::from_row(u, teams));
        }
        Ok(UserPage {
            items,
            next: rows.next,
        })
    })
    .await?;
    Ok(paging::reply(&req, &list, list.next.as_deref()))
}

/// Show one staff account (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The account", body = UserResponse))
)]
#[get("/v1/users/{id}")]
pub async fn get_user(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<UserResponse>> {
    auth.require(ADMINS)?;
    let id = path.into_inner().to_string();
    Ok(web::Json(
        db::run(&state.pool, move |conn| load_user(conn, &id)).await?,
    ))
}

/// Change, disable or re-enable a staff account (admin). Disabling revokes all its sessions.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The changed account", body = UserResponse))
)]
#[patch("/v1/users/{id}")]
pub async fn update_user(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<UpdateUserRequest>,
) -> ApiResult<web::Json<UserResponse>> {
    auth.require(ADMINS)?;
    let id = path.into_inner().to_string();
    let req = body.into_inner();
    let name = req
        .display_name
        .as_deref()
        .map(|n| validate::text("display_name", n, 1, 100))
        .transpose()?;
    let team_ids: Option<Vec<String>> = req
        .team_ids
        .map(|ids| ids.iter().map(Uuid::to_string).collect());
    if req.disabled == Some(true) && id == auth.id {
        return Err(ApiError::Conflict {
            code: "cannot_disable_self",
            detail: Msg::CannotDisableSelf,
        });
    }
    let input = UpdateUser {
        user_id: id,
        display_name: name,
        team_ids,
        disabled: req.disabled,
    };
    let user = db::run(&state.pool, move |conn| {
        usecases::update_user::update_user(conn, &auth, input)
    })
    .await?;
    Ok(web::Json(user))
}

/// Clear a staff account's sign-in lock (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Unlocked"))
)]
#[post("/v1/users/{id}/unlock")]
pub async fn unlock_user(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(ADMINS)?;
    let id = path.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        usecases::unlock_user::unlock_user(conn, &auth, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
