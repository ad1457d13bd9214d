//! Steps as staff reach them: a caseworker of the plan's team, under the plan's lock.

use super::access::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::plans::{self, PlanRow, StepRow};
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
