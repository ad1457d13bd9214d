//! Templates, plans, steps and the plan timeline.

use super::schema::{plan_events, plans, steps, templates, users};
use super::{DbConn, new_id, now, on_backend};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A stored template version.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = templates)]
pub struct TemplateRow {
    pub id: String,
    pub key: String,
    pub version: i32,
    pub name: String,
    pub content: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A stored plan.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: String,
    pub resident_id: String,
    pub team_id: String,
    pub template_id: String,
    pub status: String,
    pub dose: i32,
    pub intake: String,
    pub lock_version: i32,
    pub created_by: Option<String>,
    pub started_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_activity_at: Option<NaiveDateTime>,
    pub next_check_at: Option<NaiveDateTime>,
    pub inactivity_stage: String,
    pub escalated_at: Option<NaiveDateTime>,
    pub at_risk_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub outflow_reason: Option<String>,
    pub arm: String,
    pub arm_randomised: bool,
}

/// A stored step.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = steps)]
pub struct StepRow {
    pub id: String,
    pub plan_id: String,
    pub item_key: Option<String>,
    pub category: String,
    pub category_order: i32,
    pub position: i32,
    pub title_nl: String,
    pub title_en: String,
    pub why_nl: String,
    pub why_en: String,
    pub description_nl: String,
    pub description_en: String,
    pub minutes: i32,
    pub owner_type: String,
    pub owner_user_id: Option<String>,
    pub priority: String,
    pub evidence: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub depends_on: String,
    pub intake_done: bool,
    pub due_on: Option<NaiveDate>,
    pub help_requested_at: Option<NaiveDateTime>,
    pub issued_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub completed_by: Option<String>,
    pub completion_note: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub intention_on: Option<NaiveDate>,
    pub intention_part: Option<String>,
    pub intention_time: Option<String>,
    pub snoozed_until: Option<NaiveDate>,
    pub snooze_reason: Option<String>,
    pub snooze_note: Option<String>,
    pub crisis_reported_at: Option<NaiveDateTime>,
    pub gates: String,
}

impl StepRow {
    /// Back to `planned`, as if never issued or done (a reopened step, a crisis reported again,
    /// a document rejected after the step was done): the dependency rules issue it again.
    pub fn back_to_planned(&mut self) {
        self.status = crate::domain::kinds::StepStatus::Planned.as_str().into();
        self.completed_at = None;
        self.completed_by = None;
        self.verified_at = None;
        self.verified_by = None;
        self.issued_at = None;
    }
}

impl StepRow {
    /// Exit criteria the step counts towards.
    pub fn gate_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.gates).unwrap_or_default()
    }

    /// Dependency step ids (stored as a JSON array).
    pub fn dependency_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.depends_on).unwrap_or_default()
    }
}

/// The columns of a step that progress and the exit criteria need: the hot read path loads
/// these for every step of a plan instead of whole rows (44 columns, six of them long texts).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps)]
pub struct StepSummary {
    pub category: String,
    pub category_order: i32,
    pub owner_type: String,
    pub status: String,
    pub intake_done: bool,
    pub completed_at: Option<NaiveDateTime>,
    pub gates: String,
}

impl From<&StepRow> for StepSummary {
    fn from(s: &StepRow) -> Self {
        Self {
            category: s.category.clone(),
            category_order: s.category_order,
            owner_type: s.owner_type.clone(),
            status: s.status.clone(),
            intake_done: s.intake_done,
            completed_at: s.completed_at,
            gates: s.gates.clone(),
        }
    }
}

/// The columns of a step that progress, the exit criteria and the dosing engine need, all
/// carried by the `steps_progress` index: a completion reads them once for every step of the
/// plan and derives progress before and after, and what opens next, from that one read.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps)]
pub struct StepOutline {
    pub id: String,
    #[diesel(embed)]
    pub summary: StepSummary,
    pub priority: String,
    pub position: i32,
    pub depends_on: String,
    pub snoozed_until: Option<NaiveDate>,
}

impl StepOutline {
    /// Carries a changed step (status, completion time, snooze) into a plan's outline.
    pub fn apply(outline: &mut [StepOutline], changed: &StepRow) {
        if let Some(o) = outline.iter_mut().find(|o| o.id == changed.id) {
            o.summary.status.clone_from(&changed.status);
            o.summary.completed_at = changed.completed_at;
            o.snoozed_until = changed.snoozed_until;
        }
    }
}

impl From<&StepRow> for StepOutline {
    fn from(s: &StepRow) -> Self {
        Self {
            id: s.id.clone(),
            summary: StepSummary::from(s),
            priority: s.priority.clone(),
            position: s.position,
            depends_on: s.depends_on.clone(),
            snoozed_until: s.snoozed_until,
        }
    }
}

/// A stored timeline entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_events)]
pub struct EventRow {
    pub id: String,
    pub plan_id: String,
    pub step_id: Option<String>,
    pub kind: String,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub detail: Option<String>,
}

pub fn find_template(conn: &mut DbConn, id: &str) -> QueryResult<Option<TemplateRow>> {
    templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_template_by_version(
    conn: &mut DbConn,
    key: &str,
    version: i32,
) -> QueryResult<Option<TemplateRow>> {
    templates::table
        .filter(templates::key.eq(key))
        .filter(templates::version.eq(version))
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_templates(conn: &mut DbConn) -> QueryResult<Vec<TemplateRow>> {
    templates::table
        .select(TemplateRow::as_select())
        .order((templates::key.asc(), templates::version.desc()))
        .load(conn)
}

pub fn insert_template(
    conn: &mut DbConn,
    key: &str,
    version: i32,
    name: &str,
    content: &str,
    created_by: Option<&str>,
) -> QueryResult<TemplateRow> {
    diesel::insert_into(templates::table)
        .values((
            templates::id.eq(new_id()),
            templates::key.eq(key),
            templates::version.eq(version),
            templates::name.eq(name),
            templates::content.eq(content),
            templates::created_by.eq(created_by),
            templates::created_at.eq(now()),
        ))
        .returning(templates::all_columns)
        .get_result(conn)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_plan(
    conn: &mut DbConn,
    id: &str,
    resident_id: &str,
    team_id: &str,
    template_id: &str,
    dose: i32,
    intake: &str,
    created_by: &str,
    started_on: NaiveDate,
) -> QueryResult<PlanRow> {
    let t = now();
    diesel::insert_into(plans::table)
        .values((
            plans::id.eq(id),
            plans::resident_id.eq(resident_id),
            plans::team_id.eq(team_id),
            plans::template_id.eq(template_id),
            plans::status.eq("active"),
            plans::dose.eq(dose),
            plans::intake.eq(intake),
            plans::lock_version.eq(0),
            plans::created_by.eq(created_by),
            plans::started_on.eq(started_on),
            plans::created_at.eq(t),
            plans::updated_at.eq(t),
            plans::inactivity_stage.eq("active"),
        ))
        .returning(plans::all_columns)
        .get_result(conn)
}

pub fn find_plan(conn: &mut DbConn, id: &str) -> QueryResult<Option<PlanRow>> {
    on_backend!(conn, |c| plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(c))
    .optional()
}

/// Takes the plan's write lock for the rest of the transaction: the first statement of every
/// change to a plan, so concurrent changes (two completions, a completion and an edit) queue
/// instead of both issuing steps. Returns false when the plan does not exist.
pub fn lock_plan(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = on_backend!(conn, |c| diesel::update(plans::table.find(id))
        .set(plans::lock_version.eq(plans::lock_version + 1))
        .execute(c))?;
    Ok(n == 1)
}

/// Takes the write lock of the plan a step belongs to, as [`lock_plan`] does, and returns that
/// plan: one statement instead of reading the step, its plan and then locking. None when there
/// is no such step.
pub fn lock_plan_of_step(conn: &mut DbConn, step_id: &str) -> QueryResult<Option<PlanRow>> {
    on_backend!(conn, |c| diesel::update(
        plans::table.filter(
            plans::id.nullable().eq(steps::table
                .filter(steps::id.eq(step_id))
                .select(steps::plan_id)
                .single_value()),
        ),
    )
    .set(plans::lock_version.eq(plans::lock_version + 1))
    .returning(PlanRow::as_returning())
    .get_result(c)
    .optional())
}

type StatusIs = diesel::dsl::Eq<plans::status, &'static str>;
type IsCurrent = diesel::dsl::Or<diesel::dsl::Or<StatusIs, StatusIs>, StatusIs>;

/// A plan that is not closed or dropped out. Three equalities rather than `eq_any`: a fixed SQL
/// text is prepared once per connection and cached; an `IN (…)` list is parsed on every call.
fn is_current() -> IsCurrent {
    plans::status
        .eq("active")
        .or(plans::status.eq("paused"))
        .or(plans::status.eq("stabilised"))
}

/// The resident's current plan: the newest one that is not closed or dropped out.
pub fn find_current_plan_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Option<PlanRow>> {
    plans::table
        .filter(plans::resident_id.eq(resident_id))
        .filter(is_current())
        .select(PlanRow::as_select())
        .order(plans::created_at.desc())
        .first(conn)
        .optional()
}

/// The resident's current plan, their language and the plan's open resident steps (in plan
/// order), in one round trip: the hot read path (`GET /v1/me/steps/current`). The open steps
/// come from a left join, so a plan without any still comes back (with none).
pub fn find_current_plan_with_open_steps(
    conn: &mut DbConn,
    resident_id: &str,
) -> QueryResult<Option<(PlanRow, String, Vec<StepRow>)>> {
    let rows: Vec<(PlanRow, String, Option<StepRow>)> = on_backend!(conn, |c| plans::table
        .inner_join(users::table.on(users::id.eq(plans::resident_id)))
        .left_join(
            steps::table.on(steps::plan_id
                .eq(plans::id)
                .and(steps::status.eq("open"))
                .and(steps::owner_type.eq("resident"))),
        )
        .filter(plans::resident_id.eq(resident_id))
        .filter(is_current())
        .select((
            PlanRow::as_select(),
            users::language,
            Option::<StepRow>::as_select(),
        ))
        .order(plans::created_at.desc())
        .load(c))?;
    // Rows of the newest current plan come first (a resident has one current plan; should a
    // second exist, the newest wins, as in `find_current_plan_of`).
    let mut rows = rows.into_iter();
    let Some((plan, lang, first)) = rows.next() else {
        return Ok(None);
    };
    let mut open: Vec<StepRow> = first.into_iter().collect();
    open.extend(
        rows.take_while(|(p, _, _)| p.id == plan.id)
            .filter_map(|(_, _, s)| s),
    );
    sort_in_plan_order(&mut open);
    Ok(Some((plan, lang, open)))
}

pub fn list_plans_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<PlanRow>> {
    plans::table
        .filter(plans::resident_id.eq(resident_id))
        .select(PlanRow::as_select())
        .order(plans::created_at.desc())
        .load(conn)
}

pub fn update_plan_settings(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    dose: i32,
) -> QueryResult<()> {
    diesel::update(plans::table.find(id))
        .set((
            plans::status.eq(status),
            plans::dose.eq(dose),
            plans::updated_at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records the evaluation arm of a plan.
pub fn update_plan_arm(
    conn: &mut DbConn,
    id: &str,
    arm: &str,
    randomised: bool,
) -> QueryResult<()> {
    diesel::update(plans::table.find(id))
        .set((plans::arm.eq(arm), plans::arm_randomised.eq(randomised)))
        .execute(conn)
        .map(|_| ())
}

/// Records when (and why) a trajectory ended; `None` while it runs.
pub fn update_plan_end(
    conn: &mut DbConn,
    id: &str,
    closed_at: Option<NaiveDateTime>,
    reason: Option<String>,
) -> QueryResult<()> {
    diesel::update(plans::table.find(id))
        .set((
            plans::closed_at.eq(closed_at),
            plans::outflow_reason.eq(reason),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_steps(conn: &mut DbConn, rows: &[StepRow]) -> QueryResult<()> {
    // One statement per row: SQLite limits bound parameters per statement, and plans are small.
    for row in rows {
        diesel::insert_into(steps::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_step(conn: &mut DbConn, id: &str) -> QueryResult<Option<StepRow>> {
    on_backend!(conn, |c| steps::table
        .find(id)
        .select(StepRow::as_select())
        .first(c))
    .optional()
}

pub fn list_steps(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<StepRow>> {
    steps::table
        .filter(steps::plan_id.eq(plan_id))
        .select(StepRow::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(conn)
}

/// Progress columns of every step of a plan (see [`StepSummary`]).
pub fn list_step_summaries(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<StepSummary>> {
    on_backend!(conn, |c| steps::table
        .filter(steps::plan_id.eq(plan_id))
        .select(StepSummary::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(c))
}

/// Progress and dosing columns of every step of a plan, in plan order (see [`StepOutline`]).
pub fn list_step_outlines(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<StepOutline>> {
    on_backend!(conn, |c| steps::table
        .filter(steps::plan_id.eq(plan_id))
        .select(StepOutline::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(c))
}

/// Opens a planned step (status, issue time, version) and returns the whole changed row.
pub fn open_step(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<StepRow> {
    on_backend!(conn, |c| diesel::update(steps::table.find(id))
        .set((
            steps::status.eq("open"),
            steps::issued_at.eq(at),
            steps::version.eq(steps::version + 1),
            steps::updated_at.eq(at),
        ))
        .returning(steps::all_columns)
        .get_result(c))
}

/// The resident's own open steps of a plan (usually one), in plan order. Sorted here rather
/// than in SQL: ordered by position the planner walks all of the plan's steps in the
/// `steps_progress` index; unordered it finds the one or two open ones in `steps_plan_status`.
pub fn list_open_resident_steps(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<StepRow>> {
    let mut open: Vec<StepRow> = on_backend!(conn, |c| steps::table
        .filter(steps::plan_id.eq(plan_id))
        .filter(steps::status.eq("open"))
        .filter(steps::owner_type.eq("resident"))
        .select(StepRow::as_select())
        .load(c))?;
    sort_in_plan_order(&mut open);
    Ok(open)
}

/// Plan order: position, then id (as the SQL lookups order them).
fn sort_in_plan_order(steps: &mut [StepRow]) {
    steps.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
}

/// Steps of a plan in one of `statuses`.
pub fn list_steps_with_status(
    conn: &mut DbConn,
    plan_id: &str,
    statuses: &[&str],
) -> QueryResult<Vec<StepRow>> {
    steps::table
        .filter(steps::plan_id.eq(plan_id))
        .filter(steps::status.eq_any(statuses))
        .select(StepRow::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(conn)
}

/// Steps assigned to a staff member or volunteer, in the given statuses.
pub fn list_assigned_steps(
    conn: &mut DbConn,
    user_id: &str,
    statuses: &[&str],
) -> QueryResult<Vec<StepRow>> {
    steps::table
        .filter(steps::owner_user_id.eq(user_id))
        .filter(steps::owner_type.ne("resident"))
        .filter(steps::status.eq_any(statuses))
        .select(StepRow::as_select())
        .order((steps::due_on.asc(), steps::position.asc()))
        .load(conn)
}

/// Records a completion: writes only the columns a completion changes, bumping the version,
/// and returns the whole row. [`update_step`] would bind and prepare all 40 columns, long texts
/// included, and diesel prepares every `UPDATE` anew.
pub fn mark_step_done(
    conn: &mut DbConn,
    id: &str,
    completed_at: NaiveDateTime,
    completed_by: &str,
    note: Option<&str>,
) -> QueryResult<StepRow> {
    on_backend!(conn, |c| diesel::update(steps::table.find(id))
        .set((
            steps::status.eq("done"),
            steps::completed_at.eq(completed_at),
            steps::completed_by.eq(completed_by),
            steps::completion_note.eq(note),
            steps::version.eq(steps::version + 1),
            steps::updated_at.eq(now()),
        ))
        .returning(steps::all_columns)
        .get_result(c))
}

/// Writes a whole step back (after a change), bumping its version.
pub fn update_step(conn: &mut DbConn, step: &StepRow) -> QueryResult<StepRow> {
    let mut row = step.clone();
    row.version += 1;
    row.updated_at = now();
    diesel::update(steps::table.find(&step.id))
        .set((
            steps::category.eq(&row.category),
            steps::category_order.eq(row.category_order),
            steps::position.eq(row.position),
            steps::title_nl.eq(&row.title_nl),
            steps::title_en.eq(&row.title_en),
            steps::why_nl.eq(&row.why_nl),
            steps::why_en.eq(&row.why_en),
            steps::description_nl.eq(&row.description_nl),
            steps::description_en.eq(&row.description_en),
            steps::minutes.eq(row.minutes),
            steps::owner_type.eq(&row.owner_type),
            steps::owner_user_id.eq(&row.owner_user_id),
            steps::priority.eq(&row.priority),
            steps::evidence.eq(&row.evidence),
            steps::status.eq(&row.status),
            steps::status_reason.eq(&row.status_reason),
            steps::depends_on.eq(&row.depends_on),
            steps::due_on.eq(row.due_on),
            steps::help_requested_at.eq(row.help_requested_at),
            steps::issued_at.eq(row.issued_at),
            steps::completed_at.eq(row.completed_at),
            steps::completed_by.eq(&row.completed_by),
            steps::completion_note.eq(&row.completion_note),
            steps::verified_at.eq(row.verified_at),
            steps::verified_by.eq(&row.verified_by),
            steps::version.eq(row.version),
            steps::updated_at.eq(row.updated_at),
            steps::intention_on.eq(row.intention_on),
            steps::intention_part.eq(&row.intention_part),
            steps::intention_time.eq(&row.intention_time),
            steps::snoozed_until.eq(row.snoozed_until),
            steps::snooze_reason.eq(&row.snooze_reason),
            steps::snooze_note.eq(&row.snooze_note),
            steps::crisis_reported_at.eq(row.crisis_reported_at),
            steps::gates.eq(&row.gates),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Appends one timeline entry.
#[allow(clippy::too_many_arguments)]
pub fn insert_event(
    conn: &mut DbConn,
    plan_id: &str,
    step_id: Option<&str>,
    kind: crate::domain::kinds::EventKind,
    actor_id: Option<&str>,
    actor_role: Option<&str>,
    occurred_at: NaiveDateTime,
    detail: Option<&str>,
) -> QueryResult<()> {
    on_backend!(conn, |c| diesel::insert_into(plan_events::table)
        .values((
            plan_events::id.eq(new_id()),
            plan_events::plan_id.eq(plan_id),
            plan_events::step_id.eq(step_id),
            plan_events::kind.eq(kind.as_str()),
            plan_events::actor_id.eq(actor_id),
            plan_events::actor_role.eq(actor_role),
            plan_events::occurred_at.eq(occurred_at),
            plan_events::recorded_at.eq(now()),
            plan_events::detail.eq(detail),
        ))
        .execute(c))
    .map(|_| ())
}

pub fn list_events(
    conn: &mut DbConn,
    plan_id: &str,
    after: Option<(NaiveDateTime, &str)>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut q = plan_events::table
        .filter(plan_events::plan_id.eq(plan_id.to_owned()))
        .select(EventRow::as_select())
        .order((plan_events::recorded_at.asc(), plan_events::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((t, id)) = after {
        q = q.filter(
            plan_events::recorded_at.gt(t).or(plan_events::recorded_at
                .eq(t)
                .and(plan_events::id.gt(id.to_owned()))),
        );
    }
    q.load(conn)
}

/// When event `id` of plan `plan_id` was recorded (the sort key of a page cursor).
pub fn find_event_time(
    conn: &mut DbConn,
    plan_id: &str,
    id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .filter(plan_events::id.eq(id))
        .select(plan_events::recorded_at)
        .first(conn)
        .optional()
}

/// A resident's own finished (done or verified) steps of all their plans, newest completion
/// first (then by id), after the step `after` (its completion time and id), at most `limit`.
pub fn list_done_steps_of(
    conn: &mut DbConn,
    resident_id: &str,
    after: Option<(NaiveDateTime, &str)>,
    limit: i64,
) -> QueryResult<Vec<StepRow>> {
    let mut q = steps::table
        .filter(
            steps::plan_id.eq_any(
                plans::table
                    .filter(plans::resident_id.eq(resident_id.to_owned()))
                    .select(plans::id),
            ),
        )
        .filter(steps::owner_type.eq("resident"))
        .filter(steps::status.eq_any(["done", "verified"]))
        .filter(steps::completed_at.is_not_null())
        .select(StepRow::as_select())
        .order((steps::completed_at.desc(), steps::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((t, id)) = after {
        q = q.filter(
            steps::completed_at
                .lt(t)
                .or(steps::completed_at.eq(t).and(steps::id.lt(id.to_owned()))),
        );
    }
    q.load(conn)
}
