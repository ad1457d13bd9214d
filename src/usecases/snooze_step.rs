//! "Niet nu": the resident puts an open step aside until a date, with a reason. It stops
//! nagging, the caseworker sees why, and it comes back on the date. A crisis step cannot wait.

use super::access::language_of;
use super::my_steps::current_view;
use super::my_steps::lock_my_step;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, issuing, plans};
use crate::domain::kinds::{EventKind, Priority, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::my_steps::CurrentStepsResponse;
use chrono::NaiveDate;

/// How far ahead a step can be put aside.
const SNOOZE_DAYS_MAX: u32 = 60;

/// What the resident sends.
#[derive(Debug, Clone)]
pub struct SnoozeStep {
    /// The step.
    pub step_id: String,
    /// The local day it comes back (tomorrow up to 60 days ahead).
    pub until: NaiveDate,
    /// Why, as its wire name (`too_much`, `waiting_for_someone`, …).
    pub reason: String,
    /// A short explanation, already checked.
    pub note: Option<String>,
}

/// The reply kept for a retry: 200 with the current steps.
pub fn keep(view: &CurrentStepsResponse) -> ApiResult<Reply> {
    Reply::ok(view)
}

/// Puts the resident's own open step back in the queue, held until `until`, in one write
/// transaction (with `retry`, at most once per key): its reminders stop, the timeline gets
/// `snoozed`, and the freed place goes to the next step. Another resident's step is 404; a
/// crisis step is 409 `crisis_step_cannot_wait`, a step that is not open 409 `step_not_open`,
/// a date out of range 422. Answers the current steps.
pub fn snooze_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: SnoozeStep,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<CurrentStepsResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let (plan, step) = lock_my_step(conn, actor, &input.step_id)?;
        if step.priority == Priority::P0.as_str() {
            return Err(ApiError::Conflict {
                code: "crisis_step_cannot_wait",
                detail: Msg::CrisisCannotWait,
            });
        }
        if step.status != StepStatus::Open.as_str() {
            return Err(ApiError::Conflict {
                code: "step_not_open",
                detail: Msg::SnoozeNeedsOpenStep,
            });
        }
        let (_, policy) = scheduler::policy_for(conn, rules, &actor.id)?;
        let today = crate::clock::now().with_timezone(&policy.tz).date_naive();
        if input.until <= today
            || input.until > today + chrono::Duration::days(i64::from(SNOOZE_DAYS_MAX))
        {
            return Err(ApiError::invalid(
                "until",
                Msg::UntilRange {
                    days: SNOOZE_DAYS_MAX,
                },
            ));
        }
        // Back to the queue, held until the date: the slot goes to a step that can move.
        let mut s = step.clone();
        s.status = StepStatus::Planned.as_str().into();
        s.issued_at = None;
        s.snoozed_until = Some(input.until);
        s.snooze_reason = Some(input.reason.clone());
        s.snooze_note = input.note.clone();
        let s = plans::update_step(conn, &s)?;
        scheduler::on_step_closed(conn, &s.id)?;
        let detail = serde_json::json!({"reason": input.reason, "until": input.until}).to_string();
        plans::insert_event(
            conn,
            &plan.id,
            Some(&s.id),
            EventKind::Snoozed,
            Some(&actor.id),
            Some("resident"),
            db::now(),
            Some(&detail),
        )?;
        scheduler::touch_activity(conn, rules, &plan.id)?;
        issuing::issue_ready_steps(conn, &plan, rules)?;
        let lang = language_of(conn, &actor.id)?;
        current_view(conn, lang, &plan, None)
    })
}
