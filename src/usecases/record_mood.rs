//! "Hoe gaat het?": after completing a step the resident may say how it went (1–5), once per
//! step.

use super::my_steps::find_my_step;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::schema::pulses;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use diesel::prelude::*;

/// What the resident sends.
#[derive(Debug, Clone)]
pub struct RecordMood {
    /// A step they completed.
    pub step_id: String,
    /// 1 (very bad) to 5 (very good), already checked.
    pub score: i32,
}

/// The reply kept for a retry: 204.
pub fn keep(_: &()) -> ApiResult<Reply> {
    Ok(Reply::no_content())
}

/// Records the resident's mood after one of their own done (or verified) steps, in one write
/// transaction (with `retry`, at most once per key). Another resident's step is 404, a step
/// that is not done 409 `step_not_done`, a second answer for the step 409 `already_answered`.
pub fn record_mood(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: RecordMood,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<()>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let (plan, step) = find_my_step(conn, actor, &input.step_id)?;
        if !matches!(step.status.as_str(), "done" | "verified") {
            return Err(ApiError::Conflict {
                code: "step_not_done",
                detail: Msg::FeedbackNeedsDone,
            });
        }
        insert_pulse(
            conn,
            &actor.id,
            &plan.id,
            Some(&step.id),
            "mood",
            input.score,
            &step.id,
        )
    })
}

/// Stores one pulse answer of a user; one of each kind per period (409 `already_answered`).
pub(super) fn insert_pulse(
    conn: &mut DbConn,
    user_id: &str,
    plan_id: &str,
    step_id: Option<&str>,
    kind: &str,
    score: i32,
    period: &str,
) -> Result<(), ApiError> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        pulses::table
            .filter(pulses::user_id.eq(user_id))
            .filter(pulses::kind.eq(kind))
            .filter(pulses::period.eq(period)),
    ))
    .get_result(conn)?;
    if exists {
        return Err(ApiError::Conflict {
            code: "already_answered",
            detail: Msg::AlreadyAnswered,
        });
    }
    diesel::insert_into(pulses::table)
        .values((
            pulses::id.eq(db::new_id()),
            pulses::user_id.eq(user_id),
            pulses::plan_id.eq(plan_id),
            pulses::step_id.eq(step_id),
            pulses::kind.eq(kind),
            pulses::score.eq(score),
            pulses::period.eq(period),
            pulses::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(())
}
