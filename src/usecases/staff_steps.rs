//! Steps as staff reach them: a caseworker of the plan's team, under the plan's lock.

use super::access::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::plans::{self, PlanRow, StepRow};
use crate::domain::kinds::{EventKind, StepStatus};
use crate::error::ApiError;

/// Loads a step and its plan for a caseworker of the plan's team (else 404), records the
/// access in the audit log, takes the plan lock, and re-reads the step under that lock.
pub fn lock_step_for_caseworker(
    conn: &mut DbConn,
    auth: &AuthUser,
    step_id: &str,
    action: crate::domain::kinds::AuditAction,
) -> Result<(PlanRow, StepRow), ApiError> {
    let step = plans::find_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    let plan = find_visible_plan(conn, auth, &step.plan_id)?;
    super::access::record(
        conn,
        auth,
        &plan.resident_id,
        action,
        crate::domain::kinds::AuditObject::Step,
        Some(&step.id),
    )?;
    plans::lock_plan(conn, &plan.id)?;
    let step = plans::find_step(conn, &step.id)?.ok_or(ApiError::NotFound)?;
    Ok((plan, step))
}

/// Marks a done step verified by `actor` now, with `verified` on the plan's timeline.
pub fn mark_verified(
    conn: &mut DbConn,
    plan_id: &str,
    step: StepRow,
    actor: &AuthUser,
) -> Result<StepRow, ApiError> {
    let t = crate::db::now();
    let mut s = step;
    s.status = StepStatus::Verified.as_str().into();
    s.verified_at = Some(t);
    s.verified_by = Some(actor.id.clone());
    let s = plans::update_step(conn, &s)?;
    plans::insert_event(
        conn,
        plan_id,
        Some(&s.id),
        EventKind::Verified,
        Some(&actor.id),
        Some(actor.role.as_str()),
        t,
        None,
    )?;
    Ok(s)
}
