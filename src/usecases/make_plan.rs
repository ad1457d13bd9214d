//! A caseworker makes a plan for a resident of their team from an action-list template, in the
//! first conversation.

use super::access;
use super::access::{find_visible_resident, language_of};
use super::prepare_plan::{Prepared, load_plan_view, prepare_plan};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, issuing, plans, users};
use crate::domain::kinds::{AuditAction, AuditObject, EventKind, StepStatus};
use crate::domain::research::{ArmPolicy, assign_arm};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::plans::CreatePlanRequest;
use crate::wire::steps::PlanResponse;

/// What the caseworker asks for.
#[derive(Debug)]
pub struct MakePlan {
    /// The resident.
    pub resident_id: String,
    /// Open resident steps at once, already checked (1–5).
    pub dose: i32,
    /// Template, intake answers, chosen items, owners, due dates, steps done in the
    /// conversation.
    pub request: CreatePlanRequest,
}

/// Makes the plan in one write transaction: checks the resident is in the caller's team (else
/// 404) and has no current plan (409 `plan_exists`), writes the plan and its steps, draws the
/// evaluation arm, records the timeline and issues the first steps. The access is audited.
pub fn make_plan(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: MakePlan,
    rules: &ReminderRules,
) -> ApiResult<PlanResponse> {
    let MakePlan {
        resident_id,
        dose,
        request,
    } = input;
    db::write_tx(conn, |conn| {
        let resident = find_visible_resident(conn, actor, &resident_id)?;
        access::record(
            conn,
            actor,
            &resident.id,
            AuditAction::Create,
            AuditObject::Plan,
            None,
        )?;
        if plans::find_current_plan_of(conn, &resident.id)?.is_some() {
            return Err(ApiError::Conflict {
                code: "plan_exists",
                detail: Msg::PlanExists,
            });
        }
        let Prepared {
            template_row,
            team_id,
            plan_id,
            rows,
            ..
        } = prepare_plan(conn, actor, &resident, &request)?;
        let intake = serde_json::to_string(&request.intake).map_err(ApiError::internal)?;
        let today = crate::clock::now().date_naive();
        let plan = plans::insert_plan(
            conn,
            &plan_id,
            &resident.id,
            &team_id,
            &template_row.id,
            dose,
            &intake,
            &actor.id,
            today,
        )?;
        plans::insert_steps(conn, &rows)?;
        let t = db::now();
        // Evaluation arm from the team's policy; a random draw is recorded as such.
        let policy = users::find_teams(conn, std::slice::from_ref(&team_id))?
            .pop()
            .map(|t| ArmPolicy::parse(&t.arm_policy))
            .unwrap_or(ArmPolicy::Dosed);
        let (arm, randomised) = crate::clock::with_dice(|mut rng| assign_arm(policy, &mut rng));
        plans::update_plan_arm(conn, &plan.id, arm.as_str(), randomised)?;
        let arm_detail =
            serde_json::json!({"arm": arm.as_str(), "randomised": randomised}).to_string();
        let event = |conn: &mut DbConn, step: Option<&str>, kind, detail: Option<&str>| {
            plans::insert_event(
                conn,
                &plan.id,
                step,
                kind,
                Some(&actor.id),
                Some(actor.role.as_str()),
                t,
                detail,
            )
        };
        event(conn, None, EventKind::ArmAssigned, Some(&arm_detail))?;
        // Read again: the arm is part of the plan.
        let plan = plans::find_plan(conn, &plan.id)?.ok_or(ApiError::NotFound)?;
        event(conn, None, EventKind::PlanCreated, None)?;
        for row in rows
            .iter()
            .filter(|r| r.status == StepStatus::Done.as_str())
        {
            let detail = if row.intake_done {
                "{\"in_intake\":true}"
            } else {
                "{\"in_conversation\":true}"
            };
            event(conn, Some(&row.id), EventKind::Completed, Some(detail))?;
        }
        scheduler::touch_activity(conn, rules, &plan.id)?;
        issuing::issue_ready_steps(conn, &plan, rules)?;
        let lang = language_of(conn, &actor.id)?;
        load_plan_view(conn, &plan, lang)
    })
}
