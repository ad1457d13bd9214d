//! A caseworker adds a custom step to a plan, in one of its template's categories.

use super::access::{language_of, lock_visible_plan};
use crate::auth::AuthUser;
use crate::db::plans::{self, StepRow};
use crate::db::{self, DbConn, issuing};
use crate::domain::kinds::{
    AuditAction, AuditObject, EventKind, Evidence, OwnerType, Priority, StepStatus,
};
use crate::domain::template::Localized;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::ReminderRules;
use crate::usecases::access::resolve_owner;
use crate::usecases::prepare_plan::load_plan_view;
use crate::usecases::templates::parse_stored;
use crate::wire::plans::OwnerRequest;
use crate::wire::steps::PlanResponse;
use chrono::NaiveDate;
use uuid::Uuid;

/// What the caseworker sends, its texts already checked.
#[derive(Debug, Clone)]
pub struct AddStep {
    /// The plan.
    pub plan_id: String,
    /// A category key of the plan's template (checked here).
    pub category: String,
    /// Title.
    pub title: Localized,
    /// Why it matters.
    pub why: Localized,
    /// How to do it.
    pub description: Localized,
    /// Estimated minutes (1–480).
    pub minutes: i32,
    /// Owner (default: the resident); checked here against the plan's team.
    pub owner: Option<OwnerRequest>,
    /// Priority (default P2).
    pub priority: Option<Priority>,
    /// Expected proof (default none).
    pub evidence: Option<Evidence>,
    /// Steps of this plan that must be done first (checked here).
    pub depends_on: Vec<Uuid>,
    /// Due date.
    pub due_on: Option<NaiveDate>,
}

/// Adds a step at the end of a plan of the caller's team (else 404) in one write transaction:
/// an unknown category, a dependency outside the plan or an owner outside the team is 422.
/// Audited and on the timeline; issued at once when the dosing rules allow. Answers the whole
/// plan.
pub fn add_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: AddStep,
    rules: &ReminderRules,
) -> ApiResult<PlanResponse> {
    db::write_tx(conn, |conn| {
        let plan = lock_visible_plan(
            conn,
            actor,
            &input.plan_id,
            AuditAction::Create,
            AuditObject::Step,
        )?;
        let template = parse_stored(
            &plans::find_template(conn, &plan.template_id)?.ok_or(ApiError::NotFound)?,
        )?;
        let category_order = template
            .category_order(&input.category)
            .ok_or_else(|| ApiError::invalid("category", Msg::NotATemplateCategory))?;
        let existing = plans::list_steps(conn, &plan.id)?;
        let mut deps = Vec::new();
        for d in &input.depends_on {
            let d = d.to_string();
            if !existing.iter().any(|s| s.id == d) {
                return Err(ApiError::invalid("depends_on", Msg::DependsOnThisPlan));
            }
            deps.push(d);
        }
        let (owner_type, owner_user_id) = match &input.owner {
            Some(o) => resolve_owner(conn, &plan.team_id, o, "owner")?,
            None => (OwnerType::Resident, None),
        };
        let now = db::now();
        let row = StepRow {
            id: db::new_id(),
            plan_id: plan.id.clone(),
            item_key: None,
            category: input.category.clone(),
            category_order,
            position: existing.iter().map(|s| s.position).max().unwrap_or(0) + 1,
            title_nl: input.title.nl.clone(),
            title_en: input.title.en.clone(),
            why_nl: input.why.nl.clone(),
            why_en: input.why.en.clone(),
            description_nl: input.description.nl.clone(),
            description_en: input.description.en.clone(),
            minutes: input.minutes,
            owner_type: owner_type.as_str().into(),
            owner_user_id,
            priority: input.priority.unwrap_or(Priority::P2).as_str().into(),
            evidence: input.evidence.unwrap_or(Evidence::None).as_str().into(),
            status: StepStatus::Planned.as_str().into(),
            status_reason: None,
            depends_on: serde_json::to_string(&deps).map_err(ApiError::internal)?,
            intake_done: false,
            due_on: input.due_on,
            help_requested_at: None,
            issued_at: None,
            completed_at: None,
            completed_by: None,
            completion_note: None,
            verified_at: None,
            verified_by: None,
            version: 1,
            created_at: now,
            updated_at: now,
            intention_on: None,
            intention_part: None,
            intention_time: None,
            snoozed_until: None,
            snooze_reason: None,
            snooze_note: None,
            crisis_reported_at: None,
            gates: "[]".into(),
        };
        plans::insert_steps(conn, std::slice::from_ref(&row))?;
        plans::insert_event(
            conn,
            &plan.id,
            Some(&row.id),
            EventKind::StepAdded,
            Some(&actor.id),
            Some(actor.role.as_str()),
            now,
            None,
        )?;
        issuing::issue_ready_steps(conn, &plan, rules)?;
        let lang = language_of(conn, &actor.id)?;
        load_plan_view(conn, &plan, lang)
    })
}
