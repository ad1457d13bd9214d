//! "I need help with this step": the resident flags an open step; the caseworker sees it and
//! can hand it to a volunteer.

use super::access::language_of;
use super::my_steps::lock_my_step;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{EventKind, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::steps::MyStepResponse;

/// The reply kept for a retry: 200 with the step.
pub fn keep(step: &MyStepResponse) -> ApiResult<Reply> {
    Reply::ok(step)
}

/// Flags the resident's own open step in one write transaction (with `retry`, at most once per
/// key); asking again changes nothing. Another resident's step is 404, a step that is not open
/// 409 `step_not_open`. Counts as activity.
pub fn ask_for_help(
    conn: &mut DbConn,
    actor: &AuthUser,
    step_id: &str,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyStepResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let (plan, step) = lock_my_step(conn, actor, step_id)?;
        if step.status != StepStatus::Open.as_str() {
            return Err(ApiError::Conflict {
                code: "step_not_open",
                detail: Msg::HelpNeedsOpenStep,
            });
        }
        scheduler::touch_activity(conn, rules, &plan.id)?;
        let step = if step.help_requested_at.is_none() {
            let t = db::now();
            let mut s = step.clone();
            s.help_requested_at = Some(t);
            let s = plans::update_step(conn, &s)?;
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                EventKind::HelpRequested,
                Some(&actor.id),
                Some("resident"),
                t,
                None,
            )?;
            s
        } else {
            step
        };
        Ok(MyStepResponse::new(&step, language_of(conn, &actor.id)?))
    })
}
