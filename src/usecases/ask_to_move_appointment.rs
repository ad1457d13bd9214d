//! "Kan het op een ander moment?": the resident asks to move an appointment, with a reason;
//! the caseworker sees it on their worklist and plans a new time.

use super::appointment_view::{my_context, my_view};
use super::appointments::{event, lock_my_appointment, must_be_ahead, must_be_planned};
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::appointments as adb;
use crate::db::{self, DbConn};
use crate::domain::kinds::EventKind;
use crate::error::ApiResult;
use crate::scheduler::{self, ReminderRules};
use crate::wire::appointments::MyAppointmentResponse;

/// What the resident sends.
#[derive(Debug, Clone)]
pub struct AskToMoveAppointment {
    /// The appointment.
    pub appointment_id: String,
    /// Why, already checked.
    pub reason: String,
}

/// The reply kept for a retry: 200 with the appointment.
pub fn keep(view: &MyAppointmentResponse) -> ApiResult<Reply> {
    Reply::ok(view)
}

/// Records the resident's request to move their own appointment in one write transaction
/// (with `retry`, at most once per key); the "ik kom" no longer holds. Another resident's
/// appointment is 404, a cancelled or recorded one 409 `appointment_not_planned`, one that has
/// started 409 `appointment_passed`. Counts as activity.
pub fn ask_to_move_appointment(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: AskToMoveAppointment,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyAppointmentResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let a = lock_my_appointment(conn, actor, &input.appointment_id)?;
        must_be_planned(&a)?;
        let now = crate::clock::now();
        must_be_ahead(&a, now)?;
        scheduler::touch_activity(conn, rules, &a.plan_id)?;
        let mut m = a.clone();
        m.move_requested_at = Some(db::now());
        m.move_request_reason = Some(input.reason.clone());
        // Asking to move is not coming: the "ik kom" no longer holds.
        m.confirmed_at = None;
        let m = adb::update_appointment(conn, &m)?;
        event(conn, &m, EventKind::AppointmentMoveRequested, actor)?;
        let ctx = my_context(conn, rules, actor)?;
        my_view(conn, &m, &ctx, now)
    })
}
