//! Action-list templates: the shipped default and admin-uploaded versions.

use crate::auth::AuthUser;
use crate::db::{self, plans};
use crate::domain::kinds::Role;
use crate::domain::template::Template;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub use crate::usecases::templates::{ensure_default_template, parse_stored};
use crate::wire::types::parse_id;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Largest accepted template upload.
pub const TEMPLATE_LIMIT: usize = 512 * 1024;

/// A template version in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSummary {
    /// Template version id (plans refer to it).
    pub id: Uuid,
    /// Stable key shared by all versions.
    #[schema(example = "stabilisatie")]
    pub key: String,
    /// Version number.
    pub version: i32,
    /// Name (Dutch).
    pub name: String,
    /// Number of items.
    pub items: usize,
    /// When this version was added.
    pub created_at: DateTime<Utc>,
}

/// A template version with its full action list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateResponse {
    /// Template version id.
    pub id: Uuid,
    /// When this version was added.
    pub created_at: DateTime<Utc>,
    /// The action list.
    pub template: Template,
}

const READERS: &[Role] = &[Role::Caseworker, Role::Admin];

/// List template versions (caseworkers and admins).
#[utoipa::path(
    tag = "templates",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Template versions, newest first per key", body = Vec<TemplateSummary>),
        (status = 400, description = "An unknown query parameter (`unknown_query_parameter`): this list takes none", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/templates")]
pub async fn list_templates(
    auth: AuthUser,
    state: web::Data<AppState>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<Vec<TemplateSummary>>> {
    auth.require(READERS)?;
    let rows = db::run(&state.pool, |conn| Ok(plans::list_templates(conn)?)).await?;
    let mut out = Vec::new();
    for row in rows {
        let t = parse_stored(&row)?;
        out.push(TemplateSummary {
            id: parse_id(&row.id),
            key: row.key,
            version: row.version,
            name: row.name,
            items: t.items.len(),
            created_at: db::utc(row.created_at),
        });
    }
    Ok(web::Json(out))
}

/// One template version with the full action list.
#[utoipa::path(
    tag = "templates",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Template version id")),
    responses((status = 200, description = "The template", body = TemplateResponse))
)]
#[get("/v1/templates/{id}")]
pub async fn get_template(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<TemplateResponse>> {
    auth.require(READERS)?;
    let id = path.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| {
        plans::find_template(conn, &id)?.ok_or(ApiError::NotFound)
    })
    .await?;
    Ok(web::Json(TemplateResponse {
        id: parse_id(&row.id),
        created_at: db::utc(row.created_at),
        template: parse_stored(&row)?,
    }))
}

/// Add a template version (admin), e.g. a municipality's own schemes. The version must be new
/// for its key; existing plans keep the version they were made from.
#[utoipa::path(
    tag = "templates",
    security(("bearer" = [])),
    request_body = Template,
    responses(
        (status = 201, description = "Stored", body = TemplateResponse),
        (status = 409, description = "This key and version exist", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The template is not valid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/templates")]
pub async fn create_template(
    auth: AuthUser,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Admin])?;
    // A full action list is larger than the general 64 KiB body limit.
    let template: Template = crate::api::read_json(&req, body, TEMPLATE_LIMIT).await?;
    template.validate().map_err(|e| {
        ApiError::invalid(
            "template",
            Msg::TemplateInvalid {
                reason: e.to_string(),
            },
        )
    })?;
    let content = serde_json::to_string(&template).map_err(ApiError::internal)?;
    let t = template.clone();
    let row = db::run(&state.pool, move |conn| {
        crate::usecases::templates::add_template(conn, &auth, &t, &content)
    })
    .await?;
    Ok(HttpResponse::Created().json(TemplateResponse {
        id: parse_id(&row.id),
        created_at: db::utc(row.created_at),
        template,
    }))
}
