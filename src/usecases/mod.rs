//! Use cases: one module per thing a user does (complete a step, make a plan, …).
//!
//! A use case owns its write transaction: checks, reads, writes, reminder hooks and audit run
//! inside one [`write`] call, top to bottom, and the optional [`Retry`] of an
//! `Idempotency-Key` shares that same transaction (SQLite's write transactions do not nest).
//! Nothing here knows HTTP: a use case takes a connection, the actor, plain input and the rules,
//! and returns a plain output, so it is tested without a server. `api/` extracts the request,
//! checks the role, calls the use case on the blocking pool and maps its [`Outcome`] to a
//! response.

pub mod accept_document;
pub mod access;
pub mod add_step;
pub mod appointment_view;
pub mod appointments;
pub mod ask_for_help;
pub mod ask_to_move_appointment;
pub mod cancel_appointment;
pub mod change_password;
pub mod change_step;
pub mod complete_my_step;
pub mod complete_step;
pub mod completion;
pub mod confirm_appointment;
pub mod create_resident;
pub mod create_team;
pub mod create_user;
pub mod delete_document;
pub mod documents;
pub mod erase_resident;
pub mod issue_activation_code;
pub mod make_plan;
pub mod move_appointment;
pub mod my_steps;
pub mod plan_appointment;
pub mod prepare_plan;
pub mod record_alliance;
pub mod record_appointment_outcome;
pub mod record_document;
pub mod record_mood;
pub mod register_device;
pub mod reject_document;
pub mod remove_device;
pub mod reopen_step;
pub mod report_crisis;
pub mod resident_view;
pub mod retry;
pub mod sessions;
pub mod set_intention;
pub mod set_preferences;
pub mod snooze_step;
pub mod staff_steps;
pub mod start_upload;
pub mod templates;
pub mod unlock_resident;
pub mod unlock_user;
pub mod update_me;
pub mod update_plan;
pub mod update_team;
pub mod update_user;
pub mod upload_parts;
pub mod verify_step;

pub use retry::{Reply, Retry};

use crate::db::{self, DbConn};
use crate::domain::kinds::Language;
use crate::error::ApiResult;

/// A step as a use case left it, and the caller's language for showing it.
#[derive(Debug)]
pub struct StepChanged {
    pub step: crate::db::plans::StepRow,
    pub lang: Language,
}

impl StepChanged {
    /// After a staff change to a step: the event on the plan's timeline, the steps it made
    /// ready issued, and the step as it now is.
    pub(crate) fn after(
        conn: &mut crate::db::DbConn,
        plan: &crate::db::plans::PlanRow,
        step_id: &str,
        kind: crate::domain::kinds::EventKind,
        actor: &crate::auth::AuthUser,
        rules: &crate::scheduler::ReminderRules,
    ) -> crate::error::ApiResult<Self> {
        use crate::db::{self, issuing, plans};
        plans::insert_event(
            conn,
            &plan.id,
            Some(step_id),
            kind,
            Some(&actor.id),
            Some(actor.role.as_str()),
            db::now(),
            None,
        )?;
        issuing::issue_ready_steps(conn, plan, rules)?;
        let step = plans::find_step(conn, step_id)?.ok_or(crate::error::ApiError::NotFound)?;
        Ok(StepChanged {
            lang: access::language_of(conn, &actor.id)?,
            step,
        })
    }
}

/// What a writing use case did.
#[derive(Debug)]
pub enum Outcome<T> {
    /// It ran now; here is its result.
    Done(T),
    /// Its retry key was used before: the stored reply of that first run (nothing was written).
    Replayed(Reply),
}

impl<T> Outcome<T> {
    /// The reply to send: the stored one, or `keep` of a new result.
    pub fn reply(self, keep: impl FnOnce(&T) -> ApiResult<Reply>) -> ApiResult<Reply> {
        match self {
            Outcome::Done(value) => keep(&value),
            Outcome::Replayed(reply) => Ok(reply),
        }
    }
}

/// Runs `f` as one write transaction (`db::write_tx`). With a `retry`, the key is claimed and
/// the reply (`keep` of the result) stored in that same transaction, and a key used before
/// answers [`Outcome::Replayed`] without running `f`. An error rolls everything back, the claim
/// included, so a retry runs the write again.
pub fn write<T, F>(
    conn: &mut DbConn,
    retry: Option<(&Retry, &str)>,
    keep: fn(&T) -> ApiResult<Reply>,
    f: F,
) -> ApiResult<Outcome<T>>
where
    F: FnOnce(&mut DbConn) -> ApiResult<T>,
{
    db::write_tx(conn, |conn| {
        let Some((retry, user_id)) = retry else {
            return f(conn).map(Outcome::Done);
        };
        let mut done = None;
        let reply = retry.run(conn, user_id, |conn| {
            let value = f(conn)?;
            let reply = keep(&value)?;
            done = Some(value);
            Ok(reply)
        })?;
        Ok(match done {
            Some(value) => Outcome::Done(value),
            None => Outcome::Replayed(reply),
        })
    })
}

#[cfg(test)]
mod tests;
