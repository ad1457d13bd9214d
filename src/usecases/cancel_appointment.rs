//! A caseworker cancels an appointment, with a reason; its pending reminders go too.

use super::appointments::{AppointmentChanged, event, lock_planned};
use crate::auth::AuthUser;
use crate::db::appointments as adb;
use crate::db::{self, DbConn};
use crate::domain::kinds::{AppointmentStatus, EventKind};
use crate::error::ApiResult;
use crate::scheduler::{self, ReminderRules};
use crate::wire::entity_tag::Condition;

/// What the caseworker sends.
#[derive(Debug, Clone)]
pub struct CancelAppointment {
    /// The appointment.
    pub appointment_id: String,
    /// The version the caller saw (`If-Match`, optional); when sent, another one is 412.
    pub if_match: Option<Condition>,
    /// Why, already checked.
    pub reason: String,
}

/// Cancels an appointment on a plan of the caller's team (else 404) in one write transaction:
/// a stale version is 412, one cancelled or recorded already 409 `appointment_not_planned`.
/// Audited and on the timeline.
pub fn cancel_appointment(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: CancelAppointment,
    rules: &ReminderRules,
) -> ApiResult<AppointmentChanged> {
    db::write_tx(conn, |conn| {
        let old = lock_planned(conn, actor, &input.appointment_id, input.if_match.as_ref())?;
        let mut a = old.clone();
        a.status = AppointmentStatus::Cancelled.as_str().into();
        a.status_reason = Some(input.reason.clone());
        let a = adb::update_appointment(conn, &a)?;
        scheduler::cancel_appointment_reminders(conn, &a.id)?;
        event(conn, &a, EventKind::AppointmentCancelled, actor)?;
        AppointmentChanged::of(conn, rules, a)
    })
}
