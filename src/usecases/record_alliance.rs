//! The monthly working-alliance question: "My caseworker and I work on this together" (1–5),
//! answered by the resident at most once a month.

use super::record_mood::insert_pulse;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{DbConn, plans};
use crate::error::{ApiError, ApiResult};
use chrono::{Datelike, NaiveDate};

/// What the resident sends.
#[derive(Debug, Clone)]
pub struct RecordAlliance {
    /// 1 to 5, already checked.
    pub score: i32,
}

/// `YYYY-MM` of a date: the period of an alliance answer.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The reply kept for a retry: 204.
pub fn keep(_: &()) -> ApiResult<Reply> {
    Ok(Reply::no_content())
}

/// Records this month's alliance answer for the resident's current plan, in one write
/// transaction (with `retry`, at most once per key). No current plan is 404, a second answer
/// this month 409 `already_answered`.
pub fn record_alliance(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: RecordAlliance,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<()>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let plan = plans::find_current_plan_of(conn, &actor.id)?.ok_or(ApiError::NotFound)?;
        insert_pulse(
            conn,
            &actor.id,
            &plan.id,
            None,
            "alliance",
            input.score,
            &month_of(crate::clock::now().date_naive()),
        )
    })
}
