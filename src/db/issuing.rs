//! Applies the dosing engine to a stored plan, inside the caller's transaction.

use super::plans::{self, PlanRow, StepOutline, StepRow};
use super::{DbConn, now};
use crate::domain::dosing::{DoseStep, steps_to_open};
use crate::domain::kinds::{OwnerType, PlanStatus, Priority, StepStatus};
use diesel::QueryResult;

fn parse<T: std::str::FromStr>(v: &str, fallback: T) -> T {
    v.parse().unwrap_or(fallback)
}

/// The engine's view of a stored step; a step snoozed past `today` is held back.
pub fn dose_step(s: &StepRow, today: chrono::NaiveDate) -> DoseStep {
    dose_row(&StepOutline::from(s), today)
}

/// [`dose_step`] from the dosing columns alone.
fn dose_row(s: &StepOutline, today: chrono::NaiveDate) -> DoseStep {
    DoseStep {
        owner: parse(&s.summary.owner_type, OwnerType::Resident),
        status: parse(&s.summary.status, StepStatus::Cancelled),
        priority: parse(&s.priority, Priority::P2),
        category_order: s.summary.category_order,
        position: s.position,
        depends_on: serde_json::from_str(&s.depends_on).unwrap_or_default(),
        held: s.snoozed_until.is_some_and(|d| d > today),
        id: s.id.clone(),
    }
}

/// Opens whatever the dosing rules allow now and records an `issued` event for each.
/// Callers hold the plan lock ([`plans::lock_plan`]) so two requests cannot both issue.
/// Reads only the dosing columns of the plan's steps, and whole rows only of those it opens.
pub fn issue_ready_steps(
    conn: &mut DbConn,
    plan: &PlanRow,
    rules: &crate::scheduler::ReminderRules,
) -> QueryResult<Vec<StepRow>> {
    let mut outline = plans::list_step_outlines(conn, &plan.id)?;
    issue_ready_steps_of(conn, plan, rules, &mut outline)
}

/// [`issue_ready_steps`] for a caller that has read the plan's [`StepOutline`]s already (in
/// plan order, current within its transaction): the steps it opens are updated in `outline`
/// too, so the caller can go on from there without reading them again.
pub fn issue_ready_steps_of(
    conn: &mut DbConn,
    plan: &PlanRow,
    rules: &crate::scheduler::ReminderRules,
    outline: &mut [StepOutline],
) -> QueryResult<Vec<StepRow>> {
    let today = crate::clock::now()
        .with_timezone(&rules.default_policy.tz)
        .date_naive();
    let view: Vec<DoseStep> = outline.iter().map(|s| dose_row(s, today)).collect();
    let status = parse(&plan.status, PlanStatus::Closed);
    // The full-list arm shows the whole list: every ready step opens, as on paper.
    let dose = if plan.arm == "full_list" {
        u8::MAX
    } else {
        u8::try_from(plan.dose.clamp(1, 5)).unwrap_or(1)
    };
    let to_open = steps_to_open(status, dose, &view);
    let t = now();
    let mut opened = Vec::new();
    for id in to_open {
        let s = plans::open_step(conn, &id, t)?;
        plans::insert_event(
            conn,
            &plan.id,
            Some(&s.id),
            crate::domain::kinds::EventKind::Issued,
            None,
            None,
            t,
            None,
        )?;
        StepOutline::apply(outline, &s);
        opened.push(s);
    }
    crate::scheduler::on_steps_opened(conn, rules, plan, &opened)?;
    Ok(opened)
}
