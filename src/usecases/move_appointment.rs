//! A caseworker moves or changes an appointment, with a reason: a new start clears the
//! resident's "ik kom" and move request and plans the reminders again.

use super::appointments::{AppointmentChanged, check_steps, check_with, event, lock_planned};
use crate::auth::AuthUser;
use crate::db::appointments as adb;
use crate::db::{self, DbConn};
use crate::domain::kinds::{AppointmentKind, EventKind};
use crate::error::ApiResult;
use crate::scheduler::{self, ReminderRules};
use crate::wire::entity_tag::Condition;
use chrono::NaiveDateTime;
use uuid::Uuid;

/// What the caseworker sends, its fields already checked for form; absent fields stay.
#[derive(Debug, Clone)]
pub struct MoveAppointment {
    /// The appointment.
    pub appointment_id: String,
    /// The version the caller last saw (`If-Match`); another one is refused (412).
    pub if_match: Condition,
    /// Why it changes.
    pub reason: String,
    /// New start (UTC, whole seconds, in the future and within two years).
    pub starts_at: Option<NaiveDateTime>,
    /// New length in minutes.
    pub duration_minutes: Option<i32>,
    /// New kind.
    pub kind: Option<AppointmentKind>,
    /// New place; `Some(None)` removes it.
    pub place: Option<Option<String>>,
    /// New person (checked here: staff of the team); `Some(None)` removes it.
    pub with_user_id: Option<Option<Uuid>>,
    /// New "what to bring"; `Some(None)` removes it.
    pub bring: Option<Option<String>>,
    /// New linked steps (checked here: steps of this plan).
    pub step_ids: Option<Vec<Uuid>>,
}

/// Changes an appointment on a plan of the caller's team (else 404) in one write transaction:
/// a stale version is 412, a cancelled or recorded one 409 `appointment_not_planned`. A new
/// start counts as a move: its reminders are planned again. Audited and on the timeline.
pub fn move_appointment(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: MoveAppointment,
    rules: &ReminderRules,
) -> ApiResult<AppointmentChanged> {
    db::write_tx(conn, |conn| {
        let old = lock_planned(conn, actor, &input.appointment_id, Some(&input.if_match))?;
        let mut a = old.clone();
        if let Some(t) = input.starts_at {
            a.starts_at = t;
        }
        if let Some(d) = input.duration_minutes {
            a.duration_minutes = d;
        }
        if let Some(k) = input.kind {
            a.kind = k.as_str().into();
        }
        if let Some(p) = &input.place {
            a.place = p.clone();
        }
        if let Some(b) = &input.bring {
            a.bring = b.clone();
        }
        if let Some(w) = input.with_user_id {
            a.with_user_id = w.map(|u| check_with(conn, &a.team_id, u)).transpose()?;
        }
        if let Some(s) = &input.step_ids {
            a.step_ids = check_steps(conn, &a.plan_id, s)?;
        }
        a.status_reason = Some(input.reason.clone());
        let moved = a.starts_at != old.starts_at;
        if moved {
            a.moved_count += 1;
            a.confirmed_at = None;
            a.move_requested_at = None;
            a.move_request_reason = None;
        }
        let a = adb::update_appointment(conn, &a)?;
        if moved {
            scheduler::cancel_appointment_reminders(conn, &a.id)?;
            scheduler::plan_appointment_reminders(conn, rules, &a)?;
        }
        let kind = if moved {
            EventKind::AppointmentMoved
        } else {
            EventKind::AppointmentChanged
        };
        event(conn, &a, kind, actor)?;
        AppointmentChanged::of(conn, rules, a)
    })
}
