//! A caseworker changes a plan's dose or status: a higher dose or a plan active again issues
//! steps at once; the end of a trajectory starts the retention clock.

use super::access::{language_of, lock_visible_plan};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, issuing, plans};
use crate::domain::kinds::{AuditAction, AuditObject, EventKind, PlanStatus};
use crate::error::{ApiError, ApiResult};
use crate::scheduler::{self, ReminderRules};
use crate::usecases::prepare_plan::load_plan_view;
use crate::wire::entity_tag::{Condition, EntityTag};
use crate::wire::steps::PlanResponse;

/// What the caseworker sends, already checked for form; absent fields stay.
#[derive(Debug, Clone)]
pub struct UpdatePlan {
    /// The plan.
    pub plan_id: String,
    /// The version the caller saw (`If-Match`, optional); when sent, another one is 412.
    pub if_match: Option<Condition>,
    /// New dose (1–5).
    pub dose: Option<i32>,
    /// New status.
    pub status: Option<PlanStatus>,
    /// Why the trajectory ended, as its wire name (`debt_arrangement`, …).
    pub outflow_reason: Option<String>,
}

/// Changes a plan of the caller's team (else 404) in one write transaction: a stale version
/// is 412. Audited and on the timeline; a plan active again starts the inactivity ladder
/// afresh, and whatever became ready is issued. Answers the whole plan.
pub fn update_plan(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: UpdatePlan,
    rules: &ReminderRules,
) -> ApiResult<PlanResponse> {
    db::write_tx(conn, |conn| {
        let plan = lock_visible_plan(
            conn,
            actor,
            &input.plan_id,
            AuditAction::Update,
            AuditObject::Plan,
        )?;
        if let Some(cond) = &input.if_match {
            // Under the lock, which moved the counter by one: compare the state before it.
            let locked = plans::find_plan(conn, &plan.id)?.ok_or(ApiError::NotFound)?;
            let before = EntityTag::of_version(locked.lock_version - 1);
            if !cond.matches_strong(&before) {
                return Err(ApiError::PreconditionFailed);
            }
        }
        let status = input
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or(plan.status.clone());
        let dose = input.dose.unwrap_or(plan.dose);
        plans::update_plan_settings(conn, &plan.id, &status, dose)?;
        // The end of a trajectory starts the retention clock; reopening stops it.
        let ended = matches!(status.as_str(), "closed" | "dropped_out");
        plans::update_plan_end(
            conn,
            &plan.id,
            ended.then(|| plan.closed_at.unwrap_or_else(db::now)),
            input.outflow_reason.clone().or(plan.outflow_reason.clone()),
        )?;
        let detail = serde_json::json!({"status": status, "dose": dose}).to_string();
        plans::insert_event(
            conn,
            &plan.id,
            None,
            EventKind::PlanChanged,
            Some(&actor.id),
            Some(actor.role.as_str()),
            db::now(),
            Some(&detail),
        )?;
        if input.status == Some(PlanStatus::Active) && plan.status != PlanStatus::Active.as_str() {
            // Back to active: the inactivity ladder starts afresh.
            scheduler::touch_activity(conn, rules, &plan.id)?;
        }
        let plan = plans::find_plan(conn, &plan.id)?.ok_or(ApiError::NotFound)?;
        issuing::issue_ready_steps(conn, &plan, rules)?;
        let lang = language_of(conn, &actor.id)?;
        load_plan_view(conn, &plan, lang)
    })
}
