//! A caseworker reopens a finished step (done, verified, skipped or cancelled) with a reason: it
//! goes back to `planned` and is issued again when the dosing rules allow.

use super::StepChanged;
use super::staff_steps::lock_step_for_caseworker;
use crate::auth::AuthUser;
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{AuditAction, EventKind, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::ReminderRules;

/// Reopens a step of a plan of the caller's team in one write transaction (else 404); a step
/// that is planned or open is 409 `step_not_finished`. Its completion and verification are
/// cleared, the timeline gets `reopened` (the reason is kept on the step), and whatever is
/// ready is issued. The access is audited.
pub fn reopen_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    step_id: &str,
    reason: String,
    rules: &ReminderRules,
) -> ApiResult<StepChanged> {
    db::write_tx(conn, |conn| {
        let (plan, step) = lock_step_for_caseworker(conn, actor, step_id, AuditAction::Reopen)?;
        if matches!(
            StepStatus::from(&step),
            StepStatus::Planned | StepStatus::Open
        ) {
            return Err(ApiError::Conflict {
                code: "step_not_finished",
                detail: Msg::ReopenNeedsFinished,
            });
        }
        let mut s = step.clone();
        s.status_reason = Some(reason);
        s.back_to_planned();
        let s = plans::update_step(conn, &s)?;
        StepChanged::after(conn, &plan, &s.id, EventKind::Reopened, actor, rules)
    })
}
