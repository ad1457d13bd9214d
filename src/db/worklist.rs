//! What the worklist reads: the current plans of some teams, their open and snoozed steps,
//! documents waiting for review, and when steps were put aside.

use super::DbConn;
use super::plans::{PlanRow, StepRow};
use super::schema::{documents, plan_events, plans, steps, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A plan on a worklist with its resident's name.
#[derive(Debug, Clone)]
pub struct WorklistPlan {
    pub plan: PlanRow,
    pub resident_name: String,
}

/// The not-yet-ended plans (`active`, `paused`) of residents in `team_ids`.
pub fn list_current_plans_of_teams(
    conn: &mut DbConn,
    team_ids: &[String],
) -> QueryResult<Vec<WorklistPlan>> {
    let rows: Vec<(PlanRow, String)> = plans::table
        .inner_join(users::table.on(users::id.eq(plans::resident_id)))
        .filter(plans::team_id.eq_any(team_ids))
        .filter(plans::status.eq_any(["active", "paused"]))
        .filter(users::erased_at.is_null())
        .filter(users::role.eq("resident"))
        // The resident's own team: a plan never shows up for a team the resident left.
        .filter(users::team_id.eq(plans::team_id.nullable()))
        .select((PlanRow::as_select(), users::display_name))
        .order(plans::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(plan, resident_name)| WorklistPlan {
            plan,
            resident_name,
        })
        .collect())
}

/// Steps of `plan_ids` that may be on a worklist: open ones and snoozed ones.
pub fn list_open_or_snoozed_steps(
    conn: &mut DbConn,
    plan_ids: &[String],
) -> QueryResult<Vec<StepRow>> {
    steps::table
        .filter(steps::plan_id.eq_any(plan_ids))
        .filter(
            steps::status
                .eq("open")
                .or(steps::snoozed_until.is_not_null()),
        )
        .select(StepRow::as_select())
        .load(conn)
}

/// Documents waiting for review in `plan_ids`: (id, plan id, step id, sent at).
pub fn list_pending_documents(
    conn: &mut DbConn,
    plan_ids: &[String],
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    documents::table
        .filter(documents::plan_id.eq_any(plan_ids))
        .filter(documents::state.eq("pending"))
        .select((
            documents::id,
            documents::plan_id,
            documents::step_id,
            documents::created_at,
        ))
        .load(conn)
}

/// When each of `step_ids` was last put aside: (step id, time) of its `snoozed` events.
pub fn list_snooze_times(
    conn: &mut DbConn,
    step_ids: &[String],
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    let rows: Vec<(Option<String>, NaiveDateTime)> = plan_events::table
        .filter(plan_events::step_id.eq_any(step_ids))
        .filter(plan_events::kind.eq("snoozed"))
        .select((plan_events::step_id, plan_events::occurred_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, t)| s.map(|s| (s, t)))
        .collect())
}
