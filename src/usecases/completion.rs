//! Recording a completion: the core every way of completing a step shares (the resident's own
//! step, a staff member's, a document that completes its step).

use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow, StepRow, StepSummary};
use crate::db::{self, DbConn, issuing};
use crate::domain::kinds::{Role, StepStatus};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};

/// Records a completion and issues what becomes ready. Returns the completed step, the newly
/// opened ones and the plan's progress columns afterwards (for the answer).
pub fn complete(
    conn: &mut DbConn,
    plan: &PlanRow,
    step: &StepRow,
    auth: &AuthUser,
    note: Option<String>,
    rules: &ReminderRules,
    happened_at: Option<chrono::NaiveDateTime>,
) -> Result<(StepRow, Vec<StepRow>, Vec<StepSummary>), ApiError> {
    if step.status != StepStatus::Open.as_str() {
        return Err(ApiError::Conflict {
            code: "step_not_open",
            detail: Msg::StepNotOpen,
        });
    }
    // One read of the plan's step outlines serves progress before and after (for new
    // milestones) and the dosing; the two changes below are carried into it as they happen.
    let mut outline = plans::list_step_outlines(conn, &plan.id)?;
    let summaries =
        |o: &[plans::StepOutline]| o.iter().map(|s| s.summary.clone()).collect::<Vec<_>>();
    let before = milestone_keys(&summaries(&outline));
    let t = happened_at.unwrap_or_else(db::now);
    let s = plans::mark_step_done(conn, &step.id, t, &auth.id, note.as_deref())?;
    plans::StepOutline::apply(&mut outline, &s);
    plans::insert_event(
        conn,
        &plan.id,
        Some(&s.id),
        crate::domain::kinds::EventKind::Completed,
        Some(&auth.id),
        Some(auth.role.as_str()),
        t,
        None,
    )?;
    scheduler::on_step_closed(conn, &s.id)?;
    if auth.role == Role::Resident {
        // The resident's plan was read under its lock (`lock_my_step`).
        scheduler::touch_activity_locked(conn, rules, plan)?;
    }
    let opened = issuing::issue_ready_steps_of(conn, plan, rules, &mut outline)?;
    // A milestone reached (first step, a category, half-way, a criterion): a friendly push,
    // which the dispatcher keeps within the resident's caps.
    let after = summaries(&outline);
    for key in milestone_keys(&after).difference(&before) {
        crate::db::notifications::enqueue(
            conn,
            &crate::db::notifications::NewReminder::about_plan(
                &plan.resident_id,
                &plan.id,
                crate::domain::reminders::ReminderKind::Milestone,
                format!("milestone:{}:{key}", plan.id),
                db::now(),
            ),
        )?;
    }
    Ok((s, opened, after))
}

/// Milestones and met exit criteria of a plan's steps, as comparable keys.
fn milestone_keys(steps: &[StepSummary]) -> std::collections::BTreeSet<String> {
    let p = crate::wire::steps::progress_of_summaries(steps, crate::domain::kinds::Language::Nl);
    let mut keys: std::collections::BTreeSet<String> = p
        .milestones
        .iter()
        .map(|m| format!("{:?}:{}", m.kind, m.category.as_deref().unwrap_or("")))
        .collect();
    keys.extend(
        p.criteria
            .iter()
            .filter(|c| c.met && c.steps_total > 0)
            .map(|c| c.code.to_owned()),
    );
    keys
}
