//! Who may reach what, and the small reads every use case starts with: a caseworker's view of
//! a resident or a plan (else 404, as if it did not exist), the audit record of that access, the
//! caller's language.

use crate::auth::{AuthUser, denial};
use crate::db::audit::{self, AuditEntry};
use crate::db::plans::{self, PlanRow};
use crate::db::{DbConn, users};
use crate::domain::kinds::{AuditAction, AuditObject, Language, OwnerType, Role};
use crate::domain::policy;
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::wire::plans::OwnerRequest;
use crate::wire::types::{MeResponse, TeamResponse, parse_id, parse_or};

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

/// A plan the caller may manage, for a change of `object`: the access is audited and the
/// plan locked (its version moves on) before anything else is read; anything else is 404.
pub fn lock_visible_plan(
    conn: &mut DbConn,
    auth: &AuthUser,
    plan_id: &str,
    action: AuditAction,
    object: AuditObject,
) -> Result<PlanRow, ApiError> {
    let plan = find_visible_plan(conn, auth, plan_id)?;
    record(
        conn,
        auth,
        &plan.resident_id,
        action,
        object,
        Some(&plan.id),
    )?;
    plans::lock_plan(conn, &plan.id)?;
    Ok(plan)
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

/// Resolves a requested owner to (type, user id), checking the user works in the team.
pub fn resolve_owner(
    conn: &mut DbConn,
    team_id: &str,
    owner: &OwnerRequest,
    field: &str,
) -> Result<(OwnerType, Option<String>), ApiError> {
    match (owner.owner_type, owner.user_id) {
        (OwnerType::Resident, None) => Ok((OwnerType::Resident, None)),
        (OwnerType::Resident, Some(_)) => {
            Err(ApiError::invalid(field, Msg::ResidentStepTakesNoUser))
        }
        (_, None) => Err(ApiError::invalid(field, Msg::StaffStepNeedsUser)),
        (kind, Some(id)) => {
            let id = id.to_string();
            let (want, not_member) = if kind == OwnerType::Staff {
                (Role::Caseworker, Msg::MustBeTeamCaseworker)
            } else {
                (Role::Volunteer, Msg::MustBeTeamVolunteer)
            };
            let user = users::find_user(conn, &id)?
                .filter(|u| u.role == want.as_str() && u.disabled_at.is_none())
                .ok_or_else(|| ApiError::invalid(field, not_member.clone()))?;
            if !users::find_team_ids_of(conn, &user.id)?
                .iter()
                .any(|t| t == team_id)
            {
                return Err(ApiError::invalid(field, not_member));
            }
            Ok((kind, Some(user.id)))
        }
    }
}

/// Loads the "me" view of a user.
pub fn load_me(conn: &mut DbConn, user_id: &str) -> Result<MeResponse, ApiError> {
    let user = users::find_user(conn, user_id)?.ok_or(ApiError::Unauthorized(Msg::AccountGone))?;
    let team_ids = match &user.team_id {
        Some(t) => vec![t.clone()],
        None => users::find_team_ids_of(conn, user_id)?,
    };
    let teams = users::find_teams(conn, &team_ids)?;
    Ok(MeResponse {
        id: parse_id(&user.id),
        role: parse_or(&user.role, Role::Resident),
        display_name: user.display_name,
        language: parse_or(&user.language, Language::Nl),
        email: user.email,
        login_name: user.login_name,
        discipline: user
            .discipline
            .as_deref()
            .and_then(crate::wire::types::parse_known),
        teams: teams.into_iter().map(TeamResponse::from).collect(),
    })
}
/// A token can outlive its account (erased or disabled since): such a caller is signed out
/// (401).
pub fn account_exists(conn: &mut DbConn, user_id: &str) -> Result<(), ApiError> {
    match users::find_user(conn, user_id)? {
        Some(u) if u.disabled_at.is_none() => Ok(()),
        _ => Err(ApiError::Unauthorized(crate::i18n::Msg::AccountGone)),
    }
}
