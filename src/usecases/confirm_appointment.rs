//! "Ik kom": the resident says they will be at an appointment.

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

/// The reply kept for a retry: 200 with the appointment.
pub fn keep(view: &MyAppointmentResponse) -> ApiResult<Reply> {
    Reply::ok(view)
}

/// Confirms the resident's own appointment in one write transaction (with `retry`, at most
/// once per key); confirming again changes nothing but still counts as activity. Another
/// resident's appointment is 404, a cancelled or recorded one 409 `appointment_not_planned`,
/// one that has started 409 `appointment_passed`.
pub fn confirm_appointment(
    conn: &mut DbConn,
    actor: &AuthUser,
    appointment_id: &str,
    rules: &ReminderRules,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<MyAppointmentResponse>> {
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        let a = lock_my_appointment(conn, actor, appointment_id)?;
        must_be_planned(&a)?;
        let now = crate::clock::now();
        must_be_ahead(&a, now)?;
        scheduler::touch_activity(conn, rules, &a.plan_id)?;
        let a = if a.confirmed_at.is_none() {
            let mut c = a.clone();
            c.confirmed_at = Some(db::now());
            let c = adb::update_appointment(conn, &c)?;
            event(conn, &c, EventKind::AppointmentConfirmed, actor)?;
            c
        } else {
            a
        };
        let ctx = my_context(conn, rules, actor)?;
        my_view(conn, &a, &ctx, now)
    })
}
