//! Afterwards, a caseworker records whether an appointment took place or was missed.

use super::appointments::{AppointmentChanged, event, must_be_planned, staff_appointment};
use crate::auth::AuthUser;
use crate::db::appointments as adb;
use crate::db::{self, DbConn};
use crate::domain::kinds::AppointmentOutcome;
use crate::domain::kinds::{AppointmentStatus, AuditAction, EventKind};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};

/// Records the outcome of an appointment on a plan of the caller's team (else 404) in one
/// write transaction, once it has started (else 409 `appointment_not_started`) and while it is
/// planned (else 409 `appointment_not_planned`). Its reminders stop; `attended` counts as the
/// resident's activity. Audited and on the timeline.
pub fn record_appointment_outcome(
    conn: &mut DbConn,
    actor: &AuthUser,
    appointment_id: &str,
    outcome: AppointmentOutcome,
    rules: &ReminderRules,
) -> ApiResult<AppointmentChanged> {
    db::write_tx(conn, |conn| {
        let old = staff_appointment(conn, actor, appointment_id, AuditAction::Update, true)?;
        must_be_planned(&old)?;
        if db::utc(old.starts_at) > crate::clock::now() {
            return Err(ApiError::Conflict {
                code: "appointment_not_started",
                detail: Msg::AppointmentNotStarted,
            });
        }
        let mut a = old.clone();
        let (status, kind) = match outcome {
            AppointmentOutcome::Attended => {
                (AppointmentStatus::Attended, EventKind::AppointmentAttended)
            }
            AppointmentOutcome::Missed => (AppointmentStatus::Missed, EventKind::AppointmentMissed),
        };
        a.status = status.as_str().into();
        a.outcome_at = Some(db::now());
        let a = adb::update_appointment(conn, &a)?;
        scheduler::cancel_appointment_reminders(conn, &a.id)?;
        if outcome == AppointmentOutcome::Attended {
            // Coming to a conversation is activity: the ladder starts again.
            scheduler::touch_activity(conn, rules, &a.plan_id)?;
        }
        event(conn, &a, kind, actor)?;
        AppointmentChanged::of(conn, rules, a)
    })
}
