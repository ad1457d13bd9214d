//! "Wanneer doe je dit?": the resident says when they will do an open step (a day, and a part
//! of the day or a time); the reminder comes at that moment. Saying it again moves the
//! reminder; clearing it cancels the reminder.

use super::access::language_of;
use super::my_steps::lock_my_step;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::notifications::{self, NewReminder};
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{EventKind, Priority, StepStatus};
use crate::domain::reminders::{self, PartOfDay, ReminderKind};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::steps::MyStepResponse;
use chrono::{NaiveDate, NaiveTime};

/// How far ahead an intention can be set.
const INTENTION_DAYS_MAX: u32 = 60;

/// What the resident sends.
#[derive(Debug, Clone)]
pub struct SetIntention {
    /// The step.
    pub step_id: String,
    /// The local day (today up to 60 days ahead).
    pub on: NaiveDate,
    /// Morning, afternoon or evening.
    pub part_of_day: Option<PartOfDay>,
    /// Or an exact local time (wins over `part_of_day`), already parsed.
    pub time: Option<NaiveTime>,
}

/// The reply kept for a retry: 200 with the step.
pub fn keep(step: &MyStepResponse) -> ApiResult<Reply> {
    Reply::ok(step)
}

/// The local day and time zone of the user, by their reminder preferences.
fn local_today(
    rules: &ReminderRules,
    conn: &mut DbConn,
    user_id: &str,
) -> Result<(NaiveDate, chrono_tz::Tz), ApiError> {
    let (_, policy) = scheduler::policy_for(conn, rules, user_id)?;
    Ok((
        crate::clock::now().with_timezone(&policy.tz).date_naive(),
        policy.tz,
    ))
}

/// Sets when the resident will do their own open step, in one write transaction (with
/// `retry`, at most once per key): the step keeps the day and part or time, an earlier
/// intention reminder is cancelled and one is queued for the new moment, the timeline gets
/// `intention_set` and it counts as activity. Another resident's step is 404, a step that is
/// not open 409 `step_not_open`; a day out of range or a moment in the past is 422.
pub fn set_intention(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: SetIntention,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyStepResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let (plan, step) = lock_my_step(conn, actor, &input.step_id)?;
        if step.status != StepStatus::Open.as_str() {
            return Err(ApiError::Conflict {
                code: "step_not_open",
                detail: Msg::PlanNeedsOpenStep,
            });
        }
        let (today, tz) = local_today(rules, conn, &actor.id)?;
        if input.on < today
            || input.on > today + chrono::Duration::days(i64::from(INTENTION_DAYS_MAX))
        {
            return Err(ApiError::invalid(
                "on",
                Msg::WithinDays {
                    days: INTENTION_DAYS_MAX,
                },
            ));
        }
        let at = reminders::intention_at(input.on, input.part_of_day, input.time, tz);
        if at < crate::clock::now() - chrono::Duration::minutes(1) {
            return Err(ApiError::invalid("time", Msg::TimeInPast));
        }
        let mut s = step.clone();
        s.intention_on = Some(input.on);
        s.intention_part = input.part_of_day.map(|p| {
            serde_json::to_value(p)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        });
        s.intention_time = input.time.map(|t| t.format("%H:%M").to_string());
        let s = plans::update_step(conn, &s)?;
        notifications::cancel_for_step_kinds(conn, &s.id, &[ReminderKind::Intention.as_str()])?;
        notifications::enqueue(
            conn,
            &NewReminder {
                user_id: actor.id.clone(),
                plan_id: Some(plan.id.clone()),
                step_id: Some(s.id.clone()),
                kind: ReminderKind::Intention.as_str(),
                crisis: s.priority == Priority::P0.as_str(),
                dedupe_key: format!("intention:{}:{}", s.id, at.timestamp()),
                due_at: at.naive_utc(),
            },
        )?;
        plans::insert_event(
            conn,
            &plan.id,
            Some(&s.id),
            EventKind::IntentionSet,
            Some(&actor.id),
            Some("resident"),
            db::now(),
            None,
        )?;
        scheduler::touch_activity(conn, rules, &plan.id)?;
        Ok(MyStepResponse::new(&s, language_of(conn, &actor.id)?))
    })
}

/// Forgets when the resident would do their own step, in one write transaction (with `retry`,
/// at most once per key): the day, part and time are cleared and the intention reminder is
/// cancelled. Another resident's step is 404.
pub fn clear_intention(
    conn: &mut DbConn,
    actor: &AuthUser,
    step_id: &str,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyStepResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let (_, mut s) = lock_my_step(conn, actor, step_id)?;
        s.intention_on = None;
        s.intention_part = None;
        s.intention_time = None;
        let s = plans::update_step(conn, &s)?;
        notifications::cancel_for_step_kinds(conn, &s.id, &[ReminderKind::Intention.as_str()])?;
        Ok(MyStepResponse::new(&s, language_of(conn, &actor.id)?))
    })
}
