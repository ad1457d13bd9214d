//! What staff and residents receive about appointments, times in the resident's time zone.

use crate::db::{self, appointments::AppointmentRow};
use crate::domain::kinds::{AppointmentKind, AppointmentStatus};
use crate::wire::types::{parse_id, parse_or};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An appointment as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentResponse {
    /// Appointment id.
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// The resident.
    pub resident_id: Uuid,
    /// Start, in the resident's time zone (RFC 3339 with offset).
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T10:30:00+01:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// End (start plus length), in the resident's time zone.
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T11:15:00+01:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Length in minutes.
    #[schema(example = 45)]
    pub duration_minutes: i32,
    /// How it takes place.
    pub kind: AppointmentKind,
    /// Where, or the phone number.
    pub place: Option<String>,
    /// With whom (staff of the team).
    pub with_user_id: Option<Uuid>,
    /// What to bring.
    pub bring: Option<String>,
    /// Linked steps of the plan.
    pub step_ids: Vec<Uuid>,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// Why it was cancelled or last changed.
    pub status_reason: Option<String>,
    /// When the resident said "ik kom" (cleared when it moves).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When the resident asked to move it (cleared when it moves).
    pub move_requested_at: Option<DateTime<Utc>>,
    /// The resident's reason for moving it.
    pub move_request_reason: Option<String>,
    /// How often it moved to another time.
    pub moved_count: i32,
    /// When `attended` or `missed` was recorded.
    pub outcome_at: Option<DateTime<Utc>>,
    /// Who planned it.
    pub created_by: Uuid,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A linked step as the resident sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentStep {
    /// Step id.
    pub id: Uuid,
    /// Its title in the resident's language.
    #[schema(example = "Foto van je laatste loonstrook")]
    pub title: String,
}

/// An appointment as the resident sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAppointmentResponse {
    /// Appointment id.
    pub id: Uuid,
    /// Start, in the resident's time zone.
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T10:30:00+01:00")]
    pub starts_at: DateTime<FixedOffset>,
    /// End, in the resident's time zone.
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T11:15:00+01:00")]
    pub ends_at: DateTime<FixedOffset>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// How it takes place.
    pub kind: AppointmentKind,
    /// Where, or the phone number.
    pub place: Option<String>,
    /// The first name of the person you meet.
    #[schema(example = "Sanne")]
    pub with_first_name: Option<String>,
    /// What to bring.
    pub bring: Option<String>,
    /// The steps it is about.
    pub steps: Vec<AppointmentStep>,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// Still to come (planned and not ended).
    pub upcoming: bool,
    /// You said "ik kom".
    pub confirmed: bool,
    /// You asked to move it; your caseworker will get back to you.
    pub move_requested: bool,
    /// The team's name.
    #[schema(example = "Buurtteam Noord")]
    pub team_name: String,
}

crate::page_type!(
    /// A page of appointments (staff).
    AppointmentPage,
    AppointmentResponse
);
crate::page_type!(
    /// A page of your appointments: those still to come first (soonest first), then the rest
    /// (newest first).
    MyAppointmentPage,
    MyAppointmentResponse
);

pub fn status_of(a: &AppointmentRow) -> AppointmentStatus {
    parse_or(&a.status, AppointmentStatus::Cancelled)
}

pub fn local(t: chrono::NaiveDateTime, tz: Tz) -> DateTime<FixedOffset> {
    db::utc(t).with_timezone(&tz).fixed_offset()
}

pub fn ends(a: &AppointmentRow) -> chrono::NaiveDateTime {
    a.starts_at + Duration::minutes(i64::from(a.duration_minutes))
}

impl AppointmentResponse {
    pub fn new(a: &AppointmentRow, tz: Tz) -> Self {
        Self {
            id: parse_id(&a.id),
            plan_id: parse_id(&a.plan_id),
            resident_id: parse_id(&a.resident_id),
            starts_at: local(a.starts_at, tz),
            ends_at: local(ends(a), tz),
            duration_minutes: a.duration_minutes,
            kind: parse_or(&a.kind, AppointmentKind::Office),
            place: a.place.clone(),
            with_user_id: a.with_user_id.as_deref().map(parse_id),
            bring: a.bring.clone(),
            step_ids: a.step_ids().iter().map(|s| parse_id(s)).collect(),
            status: status_of(a),
            status_reason: a.status_reason.clone(),
            confirmed_at: a.confirmed_at.map(db::utc),
            move_requested_at: a.move_requested_at.map(db::utc),
            move_request_reason: a.move_request_reason.clone(),
            moved_count: a.moved_count,
            outcome_at: a.outcome_at.map(db::utc),
            created_by: parse_id(&a.created_by),
            created_at: db::utc(a.created_at),
            updated_at: db::utc(a.updated_at),
        }
    }
}
