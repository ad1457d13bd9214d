//! Data protection: a resident's export of everything held about them, and erasure.

use crate::api::behaviour::SnoozeReason;
use crate::api::devices::Platform;
use crate::api::plans::OutflowReason;
use crate::auth::AuthUser;
use crate::db::schema::{notification_preferences, plan_events, pulses};
use crate::db::{self, notifications, plans, users};
use crate::domain::kinds::{
    EventKind, Language, OwnerType, PlanStatus, Priority, PulseKind, ReminderState, Role,
    StepStatus,
};
use crate::domain::reminders::ReminderKind;
use crate::domain::research::Arm;
use crate::domain::template::Localized;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use crate::usecases::erase_resident::EraseResident;
use crate::wire::steps::IntentionView;
use crate::wire::types::{parse_id, parse_known, parse_or};
use actix_web::{HttpResponse, delete, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Everything the service holds about a resident (AVG/GDPR right of access).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentExport {
    /// When this export was made.
    pub exported_at: DateTime<Utc>,
    /// The account.
    pub account: ExportAccount,
    /// Every plan, oldest first, with its steps and timeline.
    pub plans: Vec<ExportPlan>,
    /// Registered phones (the push tokens themselves are not included).
    pub devices: Vec<ExportDevice>,
    /// Reminder settings, if ever saved.
    pub notification_preferences: Option<ExportPreferences>,
    /// Reminders, planned and sent.
    pub reminders: Vec<ExportReminder>,
    /// Answers to the mood and working-alliance questions.
    pub mood_and_alliance_answers: Vec<ExportAnswer>,
}

/// The resident's account in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAccount {
    /// Account id.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
    /// Login name for the app.
    pub login_name: Option<String>,
    /// Preferred language.
    pub language: Language,
    /// The resident's team.
    pub team_id: Option<Uuid>,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Last sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A plan in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportPlan {
    /// Plan id.
    pub id: Uuid,
    /// Status.
    pub status: PlanStatus,
    /// How many steps were open at once.
    pub dose: i32,
    /// Start date.
    pub started_on: NaiveDate,
    /// Intake answers (condition key → yes/no).
    pub intake: BTreeMap<String, bool>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it ended.
    pub outflow_reason: Option<OutflowReason>,
    /// Evaluation arm.
    pub arm: Arm,
    /// Every step, in plan order.
    pub steps: Vec<ExportStep>,
    /// The timeline, oldest first.
    pub events: Vec<ExportEvent>,
    /// Documents sent for the plan's steps (metadata; download each at `download`).
    pub documents: Vec<ExportDocument>,
    /// Uploads in pieces that were started and not finished (the pieces received are kept,
    /// encrypted, until `expires_at`; then they are deleted).
    pub unfinished_uploads: Vec<ExportUpload>,
}

/// An unfinished resumable upload in the export: how far it got. No file name is ever kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportUpload {
    /// Upload id.
    pub id: Uuid,
    /// The step it is for.
    pub step_id: Uuid,
    /// The file's announced length in bytes.
    pub upload_length: i64,
    /// Bytes received so far.
    pub upload_offset: i64,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When the received pieces are deleted unless more arrive.
    pub expires_at: DateTime<Utc>,
    /// Where the resident goes on with it (tus `HEAD`/`PATCH`) or stops it (`DELETE`).
    #[schema(example = "/v1/me/uploads/0193a4b2-7c1e-7d3f-9a2b-5c6d7e8f9a0b")]
    pub resume: String,
}

/// A document in the export: what was sent and how it was reviewed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDocument {
    /// Document id.
    pub id: Uuid,
    /// The step it was sent for.
    pub step_id: Uuid,
    /// Type of the stored file (decided by its bytes).
    #[schema(example = "image/jpeg")]
    pub media_type: String,
    /// Size of the stored file in bytes.
    pub size_bytes: i64,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// Review state.
    pub review: crate::api::documents::ReviewState,
    /// Why it was not accepted, in plain words.
    pub review_reason: Option<String>,
    /// When it was reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Where the resident downloads it.
    #[schema(example = "/v1/me/documents/0193a4b2-7c1e-7d3f-9a2b-5c6d7e8f9a0b")]
    pub download: String,
}

/// A step in the export, with its texts in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStep {
    /// Step id.
    pub id: Uuid,
    /// Template item key; absent for custom steps.
    pub item_key: Option<String>,
    /// Category key.
    pub category: String,
    /// Title in Dutch and English.
    pub title: Localized,
    /// Who owns it.
    pub owner_type: OwnerType,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: StepStatus,
    /// Why it was skipped, cancelled or reopened.
    pub status_reason: Option<String>,
    /// Due date.
    pub due_on: Option<NaiveDate>,
    /// When it was opened.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it was done.
    pub completed_at: Option<DateTime<Utc>>,
    /// Note with the completion.
    pub completion_note: Option<String>,
    /// When a caseworker verified it.
    pub verified_at: Option<DateTime<Utc>>,
    /// When help was asked for.
    pub help_requested_at: Option<DateTime<Utc>>,
    /// The chosen moment for it, if any.
    pub intention: Option<IntentionView>,
    /// Snoozed until this date.
    pub snoozed_until: Option<NaiveDate>,
    /// Why it was snoozed.
    pub snooze_reason: Option<SnoozeReason>,
    /// The note with the snooze.
    pub snooze_note: Option<String>,
    /// When a crisis was reported for it.
    pub crisis_reported_at: Option<DateTime<Utc>>,
}

/// A timeline entry in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportEvent {
    /// What happened.
    pub kind: EventKind,
    /// The step it concerns.
    pub step_id: Option<Uuid>,
    /// The role of who did it (absent for the service itself).
    pub by: Option<Role>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A registered phone in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDevice {
    /// Device id.
    pub id: Uuid,
    /// Platform.
    pub platform: Platform,
    /// Locale.
    pub locale: Option<String>,
    /// App version.
    pub app_version: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was last seen.
    pub last_seen_at: DateTime<Utc>,
}

/// Reminder settings in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportPreferences {
    /// Whether reminders are on.
    pub enabled: bool,
    /// Quiet hours in local time, e.g. `21:00-08:00`.
    pub quiet_hours: String,
    /// At most this many reminders a day.
    pub daily_cap: i32,
    /// At most this many reminders a week.
    pub weekly_cap: i32,
    /// IANA time zone.
    pub timezone: String,
}

/// A reminder in the export.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportReminder {
    /// Reminder id.
    pub id: Uuid,
    /// What it is about.
    pub kind: ReminderKind,
    /// Where it stands.
    pub state: ReminderState,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// When it went out.
    pub sent_at: Option<DateTime<Utc>>,
}

/// An answer to the mood or working-alliance question.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAnswer {
    /// Which question.
    pub kind: PulseKind,
    /// The answer, 1–5.
    pub score: i32,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// Everything the service holds about me, as JSON (AVG/GDPR right of access).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "All your data", body = ResidentExport))
)]
#[get("/v1/me/export")]
pub async fn export_me(auth: AuthUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Resident])?;
    let data = db::run(&state.pool, move |conn| {
        let u = users::find_user(conn, &auth.id)?.ok_or(ApiError::NotFound)?;
        let mut plans_out = Vec::new();
        for p in plans::list_plans_of(conn, &u.id)? {
            let steps: Vec<ExportStep> = plans::list_steps(conn, &p.id)?
                .iter()
                .map(|s| ExportStep {
                    id: parse_id(&s.id),
                    item_key: s.item_key.clone(),
                    category: s.category.clone(),
                    title: Localized {
                        nl: s.title_nl.clone(),
                        en: s.title_en.clone(),
                    },
                    owner_type: parse_or(&s.owner_type, OwnerType::Resident),
                    priority: parse_or(&s.priority, Priority::P2),
                    status: parse_or(&s.status, StepStatus::Cancelled),
                    status_reason: s.status_reason.clone(),
                    due_on: s.due_on,
                    issued_at: s.issued_at.map(db::utc),
                    completed_at: s.completed_at.map(db::utc),
                    completion_note: s.completion_note.clone(),
                    verified_at: s.verified_at.map(db::utc),
                    help_requested_at: s.help_requested_at.map(db::utc),
                    intention: s.intention_on.map(|on| IntentionView {
                        on,
                        part_of_day: s.intention_part.as_deref().and_then(parse_known),
                        time: s.intention_time.clone(),
                    }),
                    snoozed_until: s.snoozed_until,
                    snooze_reason: s.snooze_reason.as_deref().and_then(parse_known),
                    snooze_note: s.snooze_note.clone(),
                    crisis_reported_at: s.crisis_reported_at.map(db::utc),
                })
                .collect();
            let events: Vec<ExportEvent> = plan_events::table
                .filter(plan_events::plan_id.eq(&p.id))
                .select((
                    plan_events::kind,
                    plan_events::step_id,
                    plan_events::actor_role,
                    plan_events::occurred_at,
                    plan_events::recorded_at,
                ))
                .order(plan_events::recorded_at.asc())
                .load::<(
                    String,
                    Option<String>,
                    Option<String>,
                    chrono::NaiveDateTime,
                    chrono::NaiveDateTime,
                )>(conn)?
                .into_iter()
                .map(|(kind, step, role, occ, rec)| ExportEvent {
                    kind: parse_or(&kind, EventKind::StepChanged),
                    step_id: step.as_deref().map(parse_id),
                    by: role.and_then(|r| r.parse().ok()),
                    occurred_at: db::utc(occ),
                    recorded_at: db::utc(rec),
                })
                .collect();
            // Documents: metadata, and where to download each (`GET /v1/me/documents/{id}`).
            let documents = db::documents::list_for_plan(conn, &p.id)?
                .into_iter()
                .map(|d| ExportDocument {
                    download: format!("/v1/me/documents/{}", d.id),
                    id: parse_id(&d.id),
                    step_id: parse_id(&d.step_id),
                    media_type: d.media_type,
                    size_bytes: d.size_bytes,
                    created_at: db::utc(d.created_at),
                    review: crate::api::documents::ReviewState::parse(&d.state),
                    review_reason: d.review_reason,
                    reviewed_at: d.reviewed_at.map(db::utc),
                })
                .collect();
            let unfinished_uploads = db::uploads::list_unfinished_for_plan(conn, &p.id)?
                .into_iter()
                .map(|u| ExportUpload {
                    resume: format!("/v1/me/uploads/{}", u.id),
                    id: parse_id(&u.id),
                    step_id: parse_id(&u.step_id),
                    upload_length: u.upload_length,
                    upload_offset: u.upload_offset,
                    created_at: db::utc(u.created_at),
                    expires_at: db::utc(u.expires_at),
                })
                .collect();
            plans_out.push(ExportPlan {
                id: parse_id(&p.id),
                status: parse_or(&p.status, PlanStatus::Closed),
                dose: p.dose,
                started_on: p.started_on,
                intake: serde_json::from_str(&p.intake).unwrap_or_default(),
                created_at: db::utc(p.created_at),
                closed_at: p.closed_at.map(db::utc),
                outflow_reason: p.outflow_reason.as_deref().and_then(parse_known),
                arm: Arm::parse(&p.arm),
                steps,
                events,
                documents,
                unfinished_uploads,
            });
        }
        let devices: Vec<ExportDevice> = notifications::list_devices(conn, &u.id)?
            .iter()
            .map(|d| ExportDevice {
                id: parse_id(&d.id),
                platform: parse_known(&d.platform).unwrap_or(Platform::Android),
                locale: d.locale.clone(),
                app_version: d.app_version.clone(),
                created_at: db::utc(d.created_at),
                last_seen_at: db::utc(d.last_seen_at),
            })
            .collect();
        let prefs = notification_preferences::table
            .find(&u.id)
            .select((
                notification_preferences::enabled,
                notification_preferences::quiet_start,
                notification_preferences::quiet_end,
                notification_preferences::daily_cap,
                notification_preferences::weekly_cap,
                notification_preferences::timezone,
            ))
            .first::<(bool, String, String, i32, i32, String)>(conn)
            .optional()?
            .map(
                |(enabled, qs, qe, daily_cap, weekly_cap, timezone)| ExportPreferences {
                    enabled,
                    quiet_hours: format!("{qs}-{qe}"),
                    daily_cap,
                    weekly_cap,
                    timezone,
                },
            );
        let reminders: Vec<ExportReminder> = notifications::list_for_user(conn, &u.id)?
            .iter()
            .map(|r| ExportReminder {
                id: parse_id(&r.id),
                kind: ReminderKind::parse(&r.kind).unwrap_or(ReminderKind::NewStep),
                state: parse_or(&r.state, ReminderState::Dead),
                due_at: db::utc(r.due_at),
                sent_at: r.sent_at.map(db::utc),
            })
            .collect();
        let answers: Vec<ExportAnswer> = pulses::table
            .filter(pulses::user_id.eq(&u.id))
            .select((pulses::kind, pulses::score, pulses::created_at))
            .load::<(String, i32, chrono::NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(kind, score, at)| ExportAnswer {
                kind: parse_or(&kind, PulseKind::Mood),
                score,
                at: db::utc(at),
            })
            .collect();
        Ok(ResidentExport {
            exported_at: crate::clock::now(),
            account: ExportAccount {
                id: parse_id(&u.id),
                display_name: u.display_name,
                login_name: u.login_name,
                language: parse_or(&u.language, Language::Nl),
                team_id: u.team_id.as_deref().map(parse_id),
                created_at: db::utc(u.created_at),
                last_login_at: u.last_login_at.map(db::utc),
            },
            plans: plans_out,
            devices,
            notification_preferences: prefs,
            reminders,
            mood_and_alliance_answers: answers,
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"stapvoorstap-export.json\"",
        ))
        .json(data))
}

/// Why personal data is erased (kept in the audit log).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// E.g. "verzoek van de inwoner (AVG art. 17)" (3–300 characters).
    pub reason: String,
}

/// Erase a resident's personal data (admin, or a caseworker of the resident's team). Name,
/// login, PIN, devices, notes, free text, pending reminders and sessions go in one
/// transaction; a pseudonymous skeleton (step keys, states, times) stays for research.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 204, description = "Erased"))
)]
#[delete("/v1/residents/{id}")]
pub async fn erase_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<EraseRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Admin, Role::Caseworker])?;
    let reason = crate::wire::validate::text("reason", &body.reason, 3, 300)?;
    let input = EraseResident {
        resident_id: path.into_inner().to_string(),
        reason,
    };
    db::run(&state.pool, move |conn| {
        crate::usecases::erase_resident::erase_resident(conn, &auth, input)
    })
    .await?;
    // The rows are gone with the commit; the blobs now (or from the retried queue).
    if let Err(e) = state.documents.sweep_deletions(&state.pool).await {
        tracing::warn!(error = %e, "document deletion sweep failed; retried later");
    }
    Ok(HttpResponse::NoContent().finish())
}
