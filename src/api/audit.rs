//! Recording and reading the audit log of staff access to residents' data.

use crate::api::types::parse_id;
use crate::api::types::parse_or;
use crate::auth::AuthUser;
use crate::db::audit::{self, AuditEntry};
use crate::db::{self, DbConn};
use crate::domain::kinds::{AuditAction, AuditActorRole, AuditObject, Role};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Records that `auth` did `action` on a resident's `object_type` (inside the caller's
/// transaction, so the record and the access stand or fall together).
pub fn record(
    conn: &mut DbConn,
    auth: &AuthUser,
    resident_id: &str,
    action: AuditAction,
    object_type: AuditObject,
    object_id: Option<&str>,
) -> Result<(), ApiError> {
    if auth.role == Role::Resident {
        // Residents' own actions are on their plan's timeline already.
        return Ok(());
    }
    audit::insert_audit(
        conn,
        &AuditEntry {
            actor_id: Some(&auth.id),
            actor_role: auth.role.as_str(),
            resident_id: Some(resident_id),
            action: action.as_str(),
            object_type: object_type.as_str(),
            object_id,
            request_id: auth.request_id.as_deref(),
            detail: None,
        },
    )?;
    Ok(())
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this resident.
    pub resident_id: Option<Uuid>,
    /// Only entries by this staff member.
    pub actor_id: Option<Uuid>,
    /// At most this many (1–1000, default 200).
    pub limit: Option<i64>,
    /// Skip this many.
    pub offset: Option<i64>,
}

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

/// The audit log, newest first (admins).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "Entries", body = Vec<AuditResponse>))
)]
#[get("/v1/audit")]
pub async fn list_audit(
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Vec<AuditResponse>>> {
    auth.require(&[Role::Admin])?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::invalid("offset", "must not be negative"));
    }
    let (r, a) = (
        q.resident_id.map(|u| u.to_string()),
        q.actor_id.map(|u| u.to_string()),
    );
    let rows = db::run(&state.pool, move |conn| {
        Ok(audit::list_audit(
            conn,
            r.as_deref(),
            a.as_deref(),
            limit,
            offset,
        )?)
    })
    .await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|e| AuditResponse {
                id: parse_id(&e.id),
                actor_id: e.actor_id.as_deref().map(parse_id),
                actor_role: parse_or(&e.actor_role, AuditActorRole::System),
                resident_id: e.resident_id.as_deref().map(parse_id),
                action: parse_or(&e.action, AuditAction::Read),
                object_type: parse_or(&e.object_type, AuditObject::Resident),
                object_id: e.object_id.as_deref().map(parse_id),
                request_id: e.request_id,
                at: db::utc(e.at),
            })
            .collect(),
    ))
}
