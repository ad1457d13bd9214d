//! Staff complete a step they do for the resident: its volunteer, or a caseworker of the team.

use super::access;
use super::access::{find_visible_plan, language_of};
use super::completion::complete;
use super::{Outcome, Reply, Retry, StepChanged, write};
use crate::auth::AuthUser;
use crate::db::{DbConn, plans};
use crate::domain::kinds::{AuditAction, AuditObject, Role};
use crate::error::{ApiError, ApiResult};
use crate::scheduler::ReminderRules;
use crate::wire::entity_tag::EntityTag;
use crate::wire::steps::StepResponse;

/// What the volunteer or caseworker sends.
#[derive(Debug, Clone, Default)]
pub struct CompleteStep {
    /// The step.
    pub step_id: String,
    /// A short note, already checked.
    pub note: Option<String>,
}

/// The reply kept for a retry: 200 with the step as staff see it and its `ETag`.
pub fn keep(done: &StepChanged) -> ApiResult<Reply> {
    Ok(Reply::ok(&StepResponse::new(&done.step, done.lang))?
        .with_etag(EntityTag::of_version(done.step.version).to_string()))
}

/// Completes an open step in one write transaction (with `retry`, at most once per key): a
/// volunteer only a step assigned to them, a caseworker any step of their team's plans (else
/// 404); a step that is not open is 409 `step_not_open`. The access is audited; whatever
/// became ready is issued.
pub fn complete_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: CompleteStep,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<StepChanged>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let step = plans::find_step(conn, &input.step_id)?.ok_or(ApiError::NotFound)?;
        let plan = if actor.role == Role::Volunteer {
            // Volunteers only see steps assigned to them.
            if step.owner_user_id.as_deref() != Some(actor.id.as_str()) {
                return Err(ApiError::NotFound);
            }
            plans::find_plan(conn, &step.plan_id)?.ok_or(ApiError::NotFound)?
        } else {
            find_visible_plan(conn, actor, &step.plan_id)?
        };
        plans::lock_plan(conn, &plan.id)?;
        let step = plans::find_step(conn, &step.id)?.ok_or(ApiError::NotFound)?;
        access::record(
            conn,
            actor,
            &plan.resident_id,
            AuditAction::Complete,
            AuditObject::Step,
            Some(&step.id),
        )?;
        let (done, _, _) = complete(conn, &plan, &step, actor, input.note, rules, None)?;
        Ok(StepChanged {
            lang: language_of(conn, &actor.id)?,
            step: done,
        })
    })
}
