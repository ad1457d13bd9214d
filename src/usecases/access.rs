//! Who may reach what, and the small reads every use case starts with: a caseworker's view of
//! a resident or a plan (else 404, as if it did not exist), the audit record of that access, the
//! caller's language.

use crate::auth::{AuthUser, denial};
use crate::db::audit::{self, AuditEntry};
use crate::db::plans::{self, PlanRow};
use crate::db::{DbConn, users};
use crate::domain::kinds::{AuditAction, AuditObject, Language, Role};
use crate::domain::policy;
use crate::error::ApiError;

/// Loads a resident the caseworker may see; anything else is 404.
pub fn find_visible_resident(
    conn: &mut DbConn,
    auth: &AuthUser,
    id: &str,
) -> Result<users::UserRow, ApiError> {
    let teams = users::find_team_ids_of(conn, &auth.id)?;
    let resident = users::find_user(conn, id)?
        .filter(|u| u.role == Role::Resident.as_str() && u.erased_at.is_none())
        .ok_or(ApiError::NotFound)?;
    policy::caseworker_sees_resident(auth.role, &teams, resident.team_id.as_deref())
        .map_err(denial)?;
    Ok(resident)
}

/// Loads a plan the caller may manage (a caseworker of its team); anything else is 404.
pub fn find_visible_plan(
    conn: &mut DbConn,
    auth: &AuthUser,
    plan_id: &str,
) -> Result<PlanRow, ApiError> {
    let plan = plans::find_plan(conn, plan_id)?.ok_or(ApiError::NotFound)?;
    let teams = users::find_team_ids_of(conn, &auth.id)?;
    policy::caseworker_sees_resident(auth.role, &teams, Some(&plan.team_id)).map_err(denial)?;
    Ok(plan)
}

/// The caller's language for texts.
pub fn language_of(conn: &mut DbConn, user_id: &str) -> Result<Language, ApiError> {
    Ok(users::find_language(conn, user_id)?
        .and_then(|l| l.parse().ok())
        .unwrap_or(Language::Nl))
}

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

/// A token can outlive its account (erased or disabled since): such a caller is signed out
/// (401).
pub fn account_exists(conn: &mut DbConn, user_id: &str) -> Result<(), ApiError> {
    match users::find_user(conn, user_id)? {
        Some(u) if u.disabled_at.is_none() => Ok(()),
        _ => Err(ApiError::Unauthorized(crate::i18n::Msg::AccountGone)),
    }
}
