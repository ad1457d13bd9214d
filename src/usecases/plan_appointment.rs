//! A caseworker plans an appointment with the resident of a plan; the resident is reminded
//! the evening before and a short while before.

use super::access::{find_visible_plan, record};
use super::appointments::{AppointmentChanged, check_steps, check_with, event};
use crate::auth::AuthUser;
use crate::db::appointments::{self as adb, AppointmentRow};
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{
    AppointmentKind, AppointmentStatus, AuditAction, AuditObject, EventKind,
};
use crate::error::ApiResult;
use crate::scheduler::{self, ReminderRules};
use chrono::NaiveDateTime;
use uuid::Uuid;

/// What the caseworker sends, its fields already checked for form.
#[derive(Debug, Clone)]
pub struct PlanAppointment {
    /// The plan.
    pub plan_id: String,
    /// When it starts (UTC, whole seconds, in the future and within two years).
    pub starts_at: NaiveDateTime,
    /// Length in minutes (5–480).
    pub duration_minutes: i32,
    /// How it takes place.
    pub kind: AppointmentKind,
    /// Where, or the phone number.
    pub place: Option<String>,
    /// With whom (checked here: staff of the plan's team).
    pub with_user_id: Option<Uuid>,
    /// What to bring.
    pub bring: Option<String>,
    /// Linked steps (checked here: steps of this plan).
    pub step_ids: Vec<Uuid>,
}

/// Plans an appointment on a plan of the caller's team (else 404) in one write transaction:
/// a person outside the team or a step of another plan is 422. The creation is audited and on
/// the timeline, and the resident's reminders are planned.
pub fn plan_appointment(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: PlanAppointment,
    rules: &ReminderRules,
) -> ApiResult<AppointmentChanged> {
    db::write_tx(conn, |conn| {
        let plan = find_visible_plan(conn, actor, &input.plan_id)?;
        plans::lock_plan(conn, &plan.id)?;
        let with = input
            .with_user_id
            .map(|u| check_with(conn, &plan.team_id, u))
            .transpose()?;
        let step_ids = check_steps(conn, &plan.id, &input.step_ids)?;
        let t = db::now();
        let a = AppointmentRow {
            id: db::new_id(),
            plan_id: plan.id.clone(),
            resident_id: plan.resident_id.clone(),
            team_id: plan.team_id.clone(),
            starts_at: input.starts_at,
            duration_minutes: input.duration_minutes,
            kind: input.kind.as_str().into(),
            place: input.place.clone(),
            with_user_id: with,
            bring: input.bring.clone(),
            step_ids,
            status: AppointmentStatus::Planned.as_str().into(),
            status_reason: None,
            confirmed_at: None,
            move_requested_at: None,
            move_request_reason: None,
            moved_count: 0,
            outcome_at: None,
            version: 1,
            created_by: actor.id.clone(),
            created_at: t,
            updated_at: t,
        };
        adb::insert_appointment(conn, &a)?;
        record(
            conn,
            actor,
            &plan.resident_id,
            AuditAction::Create,
            AuditObject::Appointment,
            Some(&a.id),
        )?;
        event(conn, &a, EventKind::AppointmentPlanned, actor)?;
        scheduler::plan_appointment_reminders(conn, rules, &a)?;
        AppointmentChanged::of(conn, rules, a)
    })
}
