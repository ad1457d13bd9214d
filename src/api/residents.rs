//! Residents (caseworkers of the resident's team): create with an activation code, list the
//! caseload, show one, issue a new code, clear a sign-in lock.

use crate::api::paging::{self, PageRequest};
use crate::auth::AuthUser;
use crate::db::{self, users};
use crate::domain::kinds::{Language, Role};
use crate::domain::policy::CASEWORKERS;
use crate::error::ApiResult;
use crate::startup::AppState;
pub use crate::usecases::access::find_visible_resident;
pub(crate) use crate::usecases::resident_view::resident_response;
use crate::usecases::{self, create_resident::CreateResident, issue_activation_code::CodeRules};
pub use crate::wire::residents::{
    ActivationCodeResponse, ResidentCreatedResponse, ResidentResponse,
};
use crate::wire::validate;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A new resident, registered in the first conversation (driegesprek).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResidentRequest {
    /// How the resident wants to be addressed (first name is enough).
    #[schema(example = "Fatima")]
    pub display_name: String,
    /// Language of the texts the resident reads (default `nl`).
    pub language: Option<Language>,
    /// The resident's team; must be one of the caseworker's own teams.
    pub team_id: Uuid,
}

/// Filter for the caseload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// Only residents of this team (one of your own).
    pub team_id: Option<Uuid>,
    /// Residents per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of the caseload, by name.
    ResidentPage,
    ResidentResponse
);

/// Register a resident and get their one-time activation code.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    responses((status = 201, description = "Created; hand the activation code to the resident", body = ResidentCreatedResponse))
)]
#[post("/v1/residents")]
pub async fn create_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<CreateResidentRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let req = body.into_inner();
    let display_name = validate::text("display_name", &req.display_name, 1, 80)?;
    let team_id = req.team_id.to_string();
    let language = req.language.unwrap_or(Language::Nl);
    let input = CreateResident {
        display_name,
        language,
        team_id,
    };
    let st = state.clone();
    let created = db::run(&state.pool, move |conn| {
        let codes = CodeRules {
            key: &st.code_key,
            ttl: st.settings.activation_code_ttl,
        };
        usecases::create_resident::create_resident(conn, &auth, input, codes)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caseload: residents of the caseworker's own teams, by name, a page at a time.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(ResidentQuery),
    responses(
        (status = 200, description = "A page of residents", body = ResidentPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/residents")]
pub async fn list_residents(
    req: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ResidentQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let filter = query.team_id.map(|t| t.to_string());
    let page = PageRequest::new("residents", query.limit, query.cursor.as_deref())?;
    let list = db::run(&state.pool, move |conn| {
        let mut teams = users::find_team_ids_of(conn, &auth.id)?;
        if let Some(f) = filter {
            teams.retain(|t| *t == f);
        }
        // The cursor's resident must still be on this caseload; its name is the sort key.
        let last = match &page.after {
            None => None,
            Some(id) => Some(
                users::find_user(conn, id)?
                    .filter(|u| {
                        u.role == Role::Resident.as_str()
                            && u.team_id.as_ref().is_some_and(|t| teams.contains(t))
                    })
                    .ok_or_else(|| page.stale_cursor())?,
            ),
        };
        let after = last
            .as_ref()
            .map(|u| (u.display_name.as_str(), u.id.as_str()));
        let rows = users::list_residents_of_teams(conn, &teams, after, page.fetch())?;
        let rows = page.finish(rows, |u| &u.id);
        let mut items = Vec::with_capacity(rows.items.len());
        for u in rows.items {
            crate::api::audit::record(
                conn,
                &auth,
                &u.id,
                crate::domain::kinds::AuditAction::List,
                crate::domain::kinds::AuditObject::Resident,
                Some(&u.id),
            )?;
            items.push(resident_response(conn, u)?);
        }
        Ok(ResidentPage {
            items,
            next: rows.next,
        })
    })
    .await?;
    Ok(paging::reply(&req, &list, list.next.as_deref()))
}

/// One resident of the caseworker's teams.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 200, description = "The resident", body = ResidentResponse))
)]
#[get("/v1/residents/{id}")]
pub async fn get_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<ResidentResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let r = db::run(&state.pool, move |conn| {
        let row = find_visible_resident(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &row.id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Resident,
            Some(&row.id),
        )?;
        resident_response(conn, row)
    })
    .await?;
    Ok(web::Json(r))
}

/// A new activation code: the old one stops working, the lock is cleared and existing sessions
/// end. This is also how a forgotten PIN is reset.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 201, description = "A new code", body = ActivationCodeResponse))
)]
#[post("/v1/residents/{id}/activation-code")]
pub async fn new_activation_code_for(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let st = state.clone();
    let code = db::run(&state.pool, move |conn| {
        let codes = CodeRules {
            key: &st.code_key,
            ttl: st.settings.activation_code_ttl,
        };
        usecases::issue_activation_code::issue_activation_code(conn, &auth, &id, codes)
    })
    .await?;
    Ok(HttpResponse::Created().json(code))
}

/// Clear a resident's sign-in lock.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 204, description = "Unlocked"))
)]
#[post("/v1/residents/{id}/unlock")]
pub async fn unlock_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        usecases::unlock_resident::unlock_resident(conn, &auth, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
