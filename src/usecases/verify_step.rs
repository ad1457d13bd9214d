//! A caseworker verifies a completed step: the proof was checked.

use super::StepChanged;
use super::access::language_of;
use super::staff_steps::{lock_step_for_caseworker, mark_verified};
use crate::auth::AuthUser;
use crate::db::{self, DbConn};
use crate::domain::kinds::{AuditAction, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;

/// Verifies a `done` step of a plan of the caller's team in one write transaction (else 404;
/// a step that is not done is 409 `step_not_done`). The access is audited, the timeline gets
/// `verified`.
pub fn verify_step(conn: &mut DbConn, actor: &AuthUser, step_id: &str) -> ApiResult<StepChanged> {
    db::write_tx(conn, |conn| {
        let (plan, step) = lock_step_for_caseworker(conn, actor, step_id, AuditAction::Verify)?;
        if step.status != StepStatus::Done.as_str() {
            return Err(ApiError::Conflict {
                code: "step_not_done",
                detail: Msg::VerifyNeedsDone,
            });
        }
        let s = mark_verified(conn, &plan.id, step, actor)?;
        Ok(StepChanged {
            lang: language_of(conn, &actor.id)?,
            step: s,
        })
    })
}
