//! A crisis is reported (eviction, disconnection, health insurance, garnishment): the matching
//! urgent step opens at once, the Wgs clock starts and the team is alerted. By the resident
//! themselves, or by a caseworker of their team.

use super::access;
use super::access::{find_visible_plan, language_of};
use super::{Outcome, Reply, Retry, StepChanged, write};
use crate::auth::AuthUser;
use crate::db::notifications::{self, NewReminder};
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn, issuing};
use crate::domain::kinds::CrisisKind;
use crate::domain::kinds::{AuditAction, AuditObject, EventKind, Priority};
use crate::domain::reminders::ReminderKind;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::steps::MyStepResponse;

/// The reply kept for a retry: 200 with the crisis step.
pub fn keep(step: &MyStepResponse) -> ApiResult<Reply> {
    Reply::ok(step)
}

/// The resident reports a crisis on their current plan (none: 404), in one write transaction
/// (with `retry`, at most once per key). A plan without the matching step is 409
/// `no_crisis_step`. Counts as activity. Answers the crisis step.
pub fn report_my_crisis(
    conn: &mut DbConn,
    actor: &AuthUser,
    kind: CrisisKind,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyStepResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let plan = plans::find_current_plan_of(conn, &actor.id)?.ok_or(ApiError::NotFound)?;
        let step = open_crisis_step(conn, rules, actor, &plan, kind)?;
        scheduler::touch_activity(conn, rules, &plan.id)?;
        Ok(MyStepResponse::new(&step, language_of(conn, &actor.id)?))
    })
}

/// A caseworker of the plan's team (else 404) reports a crisis for the resident, in one write
/// transaction; the access is audited.
pub fn report_plan_crisis(
    conn: &mut DbConn,
    actor: &AuthUser,
    plan_id: &str,
    kind: CrisisKind,
    rules: &ReminderRules,
) -> ApiResult<StepChanged> {
    db::write_tx(conn, |conn| {
        let plan = find_visible_plan(conn, actor, plan_id)?;
        access::record(
            conn,
            actor,
            &plan.resident_id,
            AuditAction::Update,
            AuditObject::Crisis,
            Some(&plan.id),
        )?;
        let step = open_crisis_step(conn, rules, actor, &plan, kind)?;
        Ok(StepChanged {
            lang: language_of(conn, &actor.id)?,
            step,
        })
    })
}

/// Opens (or re-opens) the crisis step as `P0`, starts the Wgs clock and alerts the team.
fn open_crisis_step(
    conn: &mut DbConn,
    rules: &ReminderRules,
    actor: &AuthUser,
    plan: &PlanRow,
    kind: CrisisKind,
) -> Result<StepRow, ApiError> {
    plans::lock_plan(conn, &plan.id)?;
    let key = kind.item_key();
    let steps = plans::list_steps(conn, &plan.id)?;
    let t = db::now();
    let step = match steps.iter().find(|s| s.item_key.as_deref() == Some(key)) {
        Some(existing) => {
            let mut s = existing.clone();
            if !matches!(s.status.as_str(), "open") {
                // Not applicable before, or done earlier: a new crisis makes it live again.
                s.back_to_planned();
            }
            s.priority = Priority::P0.as_str().into();
            s.status_reason = Some("crisis_reported".into());
            s.snoozed_until = None;
            s.crisis_reported_at = Some(t);
            // A crisis does not wait for other steps.
            s.depends_on = "[]".into();
            plans::update_step(conn, &s)?
        }
        None => {
            return Err(ApiError::Conflict {
                code: "no_crisis_step",
                detail: Msg::NoCrisisStep,
            });
        }
    };
    let detail = serde_json::json!({"kind": kind}).to_string();
    plans::insert_event(
        conn,
        &plan.id,
        Some(&step.id),
        EventKind::CrisisReported,
        Some(&actor.id),
        Some(actor.role.as_str()),
        t,
        Some(&detail),
    )?;
    issuing::issue_ready_steps(conn, plan, rules)?;
    // The team hears at once, not after a working day.
    for cw in scheduler::team_caseworkers(conn, &plan.team_id)? {
        notifications::enqueue(
            conn,
            &NewReminder {
                user_id: cw.clone(),
                plan_id: Some(plan.id.clone()),
                step_id: Some(step.id.clone()),
                kind: ReminderKind::CaseworkerCrisis.as_str(),
                crisis: true,
                dedupe_key: format!(
                    "crisis_report:{}:{}:{cw}",
                    step.id,
                    t.and_utc().timestamp_micros()
                ),
                due_at: t,
            },
        )?;
    }
    plans::find_step(conn, &step.id)?.ok_or(ApiError::NotFound)
}
