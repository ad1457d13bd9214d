//! Recording and reading the audit log of staff access to residents' data.

use crate::api::paging::{self, PageRequest};
use crate::auth::AuthUser;
use crate::db;
use crate::db::audit;
use crate::domain::kinds::{AuditAction, AuditActorRole, AuditObject, Role};
use crate::error::ApiResult;
use crate::startup::AppState;
pub use crate::usecases::access::record;
use crate::wire::types::parse_id;
use crate::wire::types::parse_or;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this resident.
    pub resident_id: Option<Uuid>,
    /// Only entries by this staff member.
    pub actor_id: Option<Uuid>,
    /// Entries per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of the audit log, newest first.
    AuditPage,
    AuditResponse
);

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditResponse {
    /// Entry id.
    pub id: Uuid,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// Their role (`system` for the service itself).
    pub actor_role: AuditActorRole,
    /// Whose data.
    pub resident_id: Option<Uuid>,
    /// What was done.
    pub action: AuditAction,
    /// To what kind of data.
    pub object_type: AuditObject,
    /// The object.
    pub object_id: Option<Uuid>,
    /// The request it came from.
    pub request_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The audit log, newest first (admins), a page at a time.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/audit")]
pub async fn list_audit(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Admin])?;
    let q = query.into_inner();
    let page = PageRequest::new("audit", q.limit, q.cursor.as_deref())?;
    let (r, a) = (
        q.resident_id.map(|u| u.to_string()),
        q.actor_id.map(|u| u.to_string()),
    );
    let rows = db::run(&state.pool, move |conn| {
        let after = match &page.after {
            None => None,
            Some(e) => Some((
                audit::find_audit_time(conn, e)?.ok_or_else(|| page.stale_cursor())?,
                e.as_str(),
            )),
        };
        let rows = audit::list_audit(conn, r.as_deref(), a.as_deref(), after, page.fetch())?;
        Ok(page.finish(rows, |e| &e.id))
    })
    .await?;
    let body = AuditPage::from(rows.map(|e| AuditResponse {
        id: parse_id(&e.id),
        actor_id: e.actor_id.as_deref().map(parse_id),
        actor_role: parse_or(&e.actor_role, AuditActorRole::System),
        resident_id: e.resident_id.as_deref().map(parse_id),
        action: parse_or(&e.action, AuditAction::Read),
        object_type: parse_or(&e.object_type, AuditObject::Resident),
        object_id: e.object_id.as_deref().map(parse_id),
        request_id: e.request_id,
        at: db::utc(e.at),
    }));
    Ok(paging::reply(&req, &body, body.next.as_deref()))
}
