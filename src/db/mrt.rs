//! Micro-randomised decision points (one row per reminder that reached its decision), for the
//! decision-level research export. Written by the dispatcher; never changed afterwards.

use super::schema::mrt_decisions;
use super::{DbConn, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// One decision point.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mrt_decisions)]
pub struct DecisionRow {
    pub notification_id: String,
    pub plan_id: String,
    pub kind: String,
    pub decided_at: NaiveDateTime,
    pub available: bool,
    pub unavailable_reason: Option<String>,
    pub probability: Option<f64>,
    pub send: Option<bool>,
}

/// Records a decision point once: a reminder that comes back to its decision (an instance that
/// lost its lease, a retry) keeps the first record.
pub fn record(conn: &mut DbConn, row: &DecisionRow) -> QueryResult<()> {
    // ON CONFLICT is not available through the MultiBackend: run it on the inner connection.
    on_backend!(conn, |c| diesel::insert_into(mrt_decisions::table)
        .values(row)
        .on_conflict(mrt_decisions::notification_id)
        .do_nothing()
        .execute(c))
    .map(|_| ())
}

/// Every decision point, in the order they were made.
pub fn list_all(conn: &mut DbConn) -> QueryResult<Vec<DecisionRow>> {
    mrt_decisions::table
        .select(DecisionRow::as_select())
        .order((
            mrt_decisions::decided_at.asc(),
            mrt_decisions::notification_id.asc(),
        ))
        .load(conn)
}

/// The decision points made at or after `since`, in the order they were made (the simulator
/// reads each hour's).
pub fn list_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<DecisionRow>> {
    mrt_decisions::table
        .select(DecisionRow::as_select())
        .filter(mrt_decisions::decided_at.ge(since))
        .order((
            mrt_decisions::decided_at.asc(),
            mrt_decisions::notification_id.asc(),
        ))
        .load(conn)
}
