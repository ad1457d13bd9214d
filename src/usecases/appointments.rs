//! Appointments as the use cases reach them: a caseworker's under the plan's lock, the
//! resident's own, the checks every change makes, and the event on the plan's timeline.

use super::access::{find_visible_plan, record};
use crate::auth::AuthUser;
use crate::db::appointments::{self as adb, AppointmentRow};
use crate::db::{self, DbConn, plans, users};
use crate::domain::kinds::{AppointmentStatus, AuditAction, AuditObject, EventKind, Role};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::entity_tag::{Condition, EntityTag};
use crate::wire::types::parse_or;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

/// Most steps one appointment may name.
const MAX_STEPS: usize = 20;

/// An appointment as a staff use case left it, and the resident's time zone for showing it.
#[derive(Debug)]
pub struct AppointmentChanged {
    pub appointment: AppointmentRow,
    pub tz: Tz,
}

impl AppointmentChanged {
    /// The appointment with its resident's time zone.
    pub(crate) fn of(
        conn: &mut DbConn,
        rules: &ReminderRules,
        appointment: AppointmentRow,
    ) -> ApiResult<Self> {
        let tz = scheduler::policy_for(conn, rules, &appointment.resident_id)?
            .1
            .tz;
        Ok(Self { appointment, tz })
    }
}

/// An appointment's entity tag: its version, `"3"`.
pub fn etag(a: &AppointmentRow) -> EntityTag {
    EntityTag::of_version(a.version)
}

/// Loads an appointment for a caseworker of its plan's team (else 404), records the access,
/// and takes the plan lock when `lock`.
pub fn staff_appointment(
    conn: &mut DbConn,
    auth: &AuthUser,
    id: &str,
    action: AuditAction,
    lock: bool,
) -> ApiResult<AppointmentRow> {
    let a = adb::find_appointment(conn, id)?.ok_or(ApiError::NotFound)?;
    let plan = find_visible_plan(conn, auth, &a.plan_id)?;
    record(
        conn,
        auth,
        &plan.resident_id,
        action,
        AuditObject::Appointment,
        Some(&a.id),
    )?;
    if lock {
        plans::lock_plan(conn, &plan.id)?;
        return adb::find_appointment(conn, id)?.ok_or(ApiError::NotFound);
    }
    Ok(a)
}

/// The resident's own appointment, else 404.
pub fn my_appointment(conn: &mut DbConn, auth: &AuthUser, id: &str) -> ApiResult<AppointmentRow> {
    adb::find_appointment(conn, id)?
        .filter(|a| a.resident_id == auth.id)
        .ok_or(ApiError::NotFound)
}

/// The resident's own appointment read again under its plan's lock, else 404.
pub fn lock_my_appointment(
    conn: &mut DbConn,
    auth: &AuthUser,
    id: &str,
) -> ApiResult<AppointmentRow> {
    let a = my_appointment(conn, auth, id)?;
    plans::lock_plan(conn, &a.plan_id)?;
    my_appointment(conn, auth, id)
}

/// 409 `appointment_not_planned` unless it is still planned.
pub fn must_be_planned(a: &AppointmentRow) -> ApiResult<()> {
    if parse_or(&a.status, AppointmentStatus::Cancelled) != AppointmentStatus::Planned {
        return Err(ApiError::Conflict {
            code: "appointment_not_planned",
            detail: Msg::AppointmentNotPlanned,
        });
    }
    Ok(())
}

/// 409 `appointment_passed` once it has started.
pub fn must_be_ahead(a: &AppointmentRow, now: DateTime<Utc>) -> ApiResult<()> {
    if db::utc(a.starts_at) <= now {
        return Err(ApiError::Conflict {
            code: "appointment_passed",
            detail: Msg::AppointmentPassed,
        });
    }
    Ok(())
}

/// A caseworker or volunteer of `team_id`, else 422 on `with_user_id`.
pub fn check_with(conn: &mut DbConn, team_id: &str, id: Uuid) -> ApiResult<String> {
    let id = id.to_string();
    let ok = users::find_user(conn, &id)?.is_some_and(|u| {
        (u.role == Role::Caseworker.as_str() || u.role == Role::Volunteer.as_str())
            && u.disabled_at.is_none()
    }) && users::find_team_ids_of(conn, &id)?
        .iter()
        .any(|t| t == team_id);
    if !ok {
        return Err(ApiError::invalid("with_user_id", Msg::MustBeTeamCaseworker));
    }
    Ok(id)
}

/// Step ids of `plan_id` (deduplicated, in the order given), else 422 on `step_ids`.
pub fn check_steps(conn: &mut DbConn, plan_id: &str, ids: &[Uuid]) -> ApiResult<String> {
    if ids.len() > MAX_STEPS {
        return Err(ApiError::invalid(
            "step_ids",
            Msg::ListTooLong { max: MAX_STEPS },
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.to_string();
        if out.contains(&id) {
            continue;
        }
        if plans::find_step(conn, &id)?.is_none_or(|s| s.plan_id != plan_id) {
            return Err(ApiError::invalid("step_ids", Msg::DependsOnThisPlan));
        }
        out.push(id);
    }
    serde_json::to_string(&out).map_err(ApiError::internal)
}

/// The change on the plan's timeline.
pub fn event(
    conn: &mut DbConn,
    a: &AppointmentRow,
    kind: EventKind,
    auth: &AuthUser,
) -> ApiResult<()> {
    let detail = serde_json::json!({ "appointment_id": a.id }).to_string();
    plans::insert_event(
        conn,
        &a.plan_id,
        None,
        kind,
        Some(&auth.id),
        Some(auth.role.as_str()),
        db::now(),
        Some(&detail),
    )?;
    Ok(())
}

/// A planned appointment of the caller's team, audited and locked for a change (else 404):
/// with `if_match`, another version is 412; one cancelled or recorded already is 409
/// `appointment_not_planned`.
pub fn lock_planned(
    conn: &mut DbConn,
    actor: &AuthUser,
    id: &str,
    if_match: Option<&Condition>,
) -> ApiResult<AppointmentRow> {
    let a = staff_appointment(conn, actor, id, AuditAction::Update, true)?;
    if if_match.is_some_and(|c| !c.matches_strong(&etag(&a))) {
        return Err(ApiError::PreconditionFailed);
    }
    must_be_planned(&a)?;
    Ok(a)
}
