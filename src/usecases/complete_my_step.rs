//! A resident completes one of their own steps; the answer carries what comes next.

use super::access::language_of;
use super::my_steps::{lock_my_step, sort_for_resident};
use super::{Outcome, Reply, Retry, completion::complete, write};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::plans::{self, StepRow};
use crate::domain::kinds::OwnerType;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::my_steps::CompleteStepResponse;
use crate::wire::steps::{MyStepResponse, progress_of_summaries};
use chrono::NaiveDate;

/// How far back "I already did this" may go.
const DONE_ON_DAYS_BACK: i64 = 14;

/// What the resident sends.
#[derive(Debug, Clone, Default)]
pub struct CompleteMyStep {
    /// The step.
    pub step_id: String,
    /// A note for the caseworker, already checked for length and characters.
    pub note: Option<String>,
    /// "I already did this": the local day it happened (today down to 14 days back).
    pub done_on: Option<NaiveDate>,
}

/// The reply kept for a retry: 200 with the answer.
pub fn keep(response: &CompleteStepResponse) -> ApiResult<Reply> {
    Reply::ok(response)
}

/// Completes the resident's own open step in one write transaction (with `retry`, at most once
/// per key): records it, issues what becomes ready and answers with the next and current steps
/// and the progress. Another resident's step is 404; a step that is not open is 409
/// `step_not_open`; `done_on` out of range is 422. A refusal writes nothing.
pub fn complete_my_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: CompleteMyStep,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<CompleteStepResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        // Serialise all changes to this plan.
        let (plan, step) = lock_my_step(conn, actor, &input.step_id)?;
        let happened = match input.done_on {
            None => None,
            Some(day) => {
                let (_, policy) = scheduler::policy_for(conn, rules, &actor.id)?;
                let today = crate::clock::now().with_timezone(&policy.tz).date_naive();
                if day > today || day < today - chrono::Duration::days(DONE_ON_DAYS_BACK) {
                    return Err(ApiError::invalid("done_on", Msg::DoneOnRange));
                }
                // Noon local time of that day: the hour is not known, the day is.
                (day < today).then(|| {
                    crate::domain::reminders::intention_at(
                        day,
                        None,
                        chrono::NaiveTime::from_hms_opt(12, 0, 0),
                        policy.tz,
                    )
                    .naive_utc()
                })
            }
        };
        let (done, opened, after) =
            complete(conn, &plan, &step, actor, input.note, rules, happened)?;
        let lang = language_of(conn, &actor.id)?;
        let open = plans::list_open_resident_steps(conn, &plan.id)?;
        let view = |s: &StepRow| MyStepResponse::new(s, lang);
        Ok(CompleteStepResponse {
            completed: view(&done),
            next: opened
                .iter()
                .filter(|s| s.owner_type == OwnerType::Resident.as_str())
                .map(view)
                .collect(),
            current: sort_for_resident(open.iter().collect())
                .into_iter()
                .map(view)
                .collect(),
            progress: progress_of_summaries(&after, lang),
        })
    })
}
