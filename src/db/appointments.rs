//! Stored appointments: insert, read, save a changed one (its version goes up), and the lists
//! of a plan, of a resident, of the teams on a worklist and for the research export.

use super::schema::appointments;
use super::{DbConn, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored appointment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = appointments, treat_none_as_null = true)]
pub struct AppointmentRow {
    pub id: String,
    pub plan_id: String,
    pub resident_id: String,
    pub team_id: String,
    pub starts_at: NaiveDateTime,
    pub duration_minutes: i32,
    pub kind: String,
    pub place: Option<String>,
    pub with_user_id: Option<String>,
    pub bring: Option<String>,
    /// JSON array of step ids of the same plan.
    pub step_ids: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub move_requested_at: Option<NaiveDateTime>,
    pub move_request_reason: Option<String>,
    pub moved_count: i32,
    pub outcome_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AppointmentRow {
    /// The linked step ids.
    pub fn step_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.step_ids).unwrap_or_default()
    }
}

pub fn insert_appointment(conn: &mut DbConn, row: &AppointmentRow) -> QueryResult<()> {
    diesel::insert_into(appointments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_appointment(conn: &mut DbConn, id: &str) -> QueryResult<Option<AppointmentRow>> {
    appointments::table
        .find(id)
        .select(AppointmentRow::as_select())
        .first(conn)
        .optional()
}

/// Saves a changed appointment with the next version; returns it as stored.
pub fn update_appointment(conn: &mut DbConn, row: &AppointmentRow) -> QueryResult<AppointmentRow> {
    let mut r = row.clone();
    r.version += 1;
    r.updated_at = now();
    diesel::update(appointments::table.find(&row.id))
        .set(&r)
        .execute(conn)?;
    Ok(r)
}

/// A plan's appointments, by start time then id.
pub fn list_for_plan(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::plan_id.eq(plan_id))
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(AppointmentRow::as_select())
        .load(conn)
}

/// All appointments of a resident (every plan), by start time.
pub fn list_for_resident(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::resident_id.eq(resident_id))
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(AppointmentRow::as_select())
        .load(conn)
}

/// Appointments of `plan_ids` that may be on a worklist: planned ones from `since` on (today's,
/// unconfirmed, move requests, and those past that wait for their outcome), and missed ones
/// recorded from `missed_since` on.
pub fn list_for_worklist(
    conn: &mut DbConn,
    plan_ids: &[String],
    missed_since: NaiveDateTime,
) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::plan_id.eq_any(plan_ids))
        .filter(
            appointments::status.eq("planned").or(appointments::status
                .eq("missed")
                .and(appointments::outcome_at.ge(missed_since))),
        )
        .select(AppointmentRow::as_select())
        .load(conn)
}

/// (plan id, status, moved count) of every appointment of `plan_ids`, for research counts.
pub fn list_outline_for_plans(
    conn: &mut DbConn,
    plan_ids: &[String],
) -> QueryResult<Vec<(String, String, i32)>> {
    appointments::table
        .filter(appointments::plan_id.eq_any(plan_ids))
        .select((
            appointments::plan_id,
            appointments::status,
            appointments::moved_count,
        ))
        .load(conn)
}
