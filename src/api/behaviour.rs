//! What the evidence says helps people under stress: "when will you do this?", snooze with a
//! reason, the crisis fast lane, and the mood and working-alliance pulse.

use crate::api::idempotency::{self, Idempotency};
use crate::api::my_steps::CurrentStepsResponse;
use crate::api::plans::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::schema::pulses;
use crate::db::{self, DbConn};
use crate::domain::kinds::Role;
pub use crate::domain::kinds::{CrisisKind, SnoozeReason};
use crate::domain::policy::CASEWORKERS;
use crate::domain::reminders::PartOfDay;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub use crate::usecases::record_alliance::month_of;
use crate::usecases::{
    self, record_alliance::RecordAlliance, record_mood::RecordMood, set_intention::SetIntention,
    snooze_step::SnoozeStep,
};
use crate::wire::steps::{MyStepResponse, StepResponse};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{Datelike, NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

const RESIDENT: &[Role] = &[Role::Resident];

/// "Wanneer doe je dit?": a day, and a part of the day or a time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntentionRequest {
    /// The day (today or within 60 days).
    #[serde(deserialize_with = "crate::wire::read::date")]
    pub on: NaiveDate,
    /// `morning` (09:00), `afternoon` (14:00) or `evening` (19:00).
    pub part_of_day: Option<PartOfDay>,
    /// Or an exact time, `HH:MM` (wins over `part_of_day`).
    #[schema(example = "10:30")]
    pub time: Option<String>,
}

/// Say when you will do a step; the reminder comes at that moment (within quiet hours and
/// caps). Saying it again moves the reminder.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "Saved", body = MyStepResponse),
        (status = 409, description = "The step is not open", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/me/steps/{id}/intention")]
pub async fn set_intention(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<IntentionRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let id = path.into_inner().to_string();
    let req = body.into_inner();
    let time = req
        .time
        .as_deref()
        .map(|t| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| ApiError::invalid("time", Msg::TimeFormat))
        })
        .transpose()?;
    let rules = state.rules.clone();
    let input = SetIntention {
        step_id: id,
        on: req.on,
        part_of_day: req.part_of_day,
        time,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::set_intention::set_intention(conn, &auth, input, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::set_intention::keep)
}

/// Forget when you would do a step (its reminder is cancelled).
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses((status = 200, description = "Cleared", body = MyStepResponse))
)]
#[delete("/v1/me/steps/{id}/intention")]
pub async fn clear_intention(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let id = path.into_inner().to_string();
    let outcome = db::run(&state.pool, move |conn| {
        usecases::set_intention::clear_intention(conn, &auth, &id, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::set_intention::keep)
}

/// "Niet nu": put a step aside until a date, with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnoozeRequest {
    /// Why.
    pub reason: SnoozeReason,
    /// With `other`: a short explanation (at most 140 characters).
    pub note: Option<String>,
    /// The step comes back on this day (tomorrow up to 60 days ahead).
    #[serde(deserialize_with = "crate::wire::read::date")]
    pub until: NaiveDate,
}

/// Put a step aside until a date. It stops nagging, the caseworker sees why, and it comes back
/// on the date. A crisis step cannot wait.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "Snoozed; your current steps now", body = CurrentStepsResponse),
        (status = 409, description = "A crisis step, or not open", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/snooze")]
pub async fn snooze_step(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<SnoozeRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let req = body.into_inner();
    let note = match (req.reason, req.note.as_deref()) {
        (SnoozeReason::Other, Some(n)) => Some(crate::wire::validate::text("note", n, 1, 140)?),
        (SnoozeReason::Other, None) => {
            return Err(ApiError::invalid("note", Msg::NoteNeeded));
        }
        (_, Some(n)) => Some(crate::wire::validate::text("note", n, 1, 140)?),
        (_, None) => None,
    };
    let reason = serde_json::to_value(req.reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let rules = state.rules.clone();
    let input = SnoozeStep {
        step_id: path.into_inner().to_string(),
        until: req.until,
        reason,
        note,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::snooze_step::snooze_step(conn, &auth, input, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::snooze_step::keep)
}

/// A crisis report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrisisRequest {
    /// What is happening.
    pub kind: CrisisKind,
}

/// Report a crisis (resident): the matching urgent step opens at once and your team is told.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The crisis step", body = MyStepResponse),
        (status = 404, description = "No current plan", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/crisis")]
pub async fn report_my_crisis(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<CrisisRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let kind = body.kind;
    let rules = state.rules.clone();
    let outcome = db::run(&state.pool, move |conn| {
        usecases::report_crisis::report_my_crisis(conn, &auth, kind, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::report_crisis::keep)
}

/// Report a crisis for a resident (caseworker of the team).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The crisis step", body = StepResponse))
)]
#[post("/v1/plans/{id}/crisis")]
pub async fn report_plan_crisis(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<CrisisRequest>,
) -> ApiResult<web::Json<StepResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let kind = body.kind;
    let rules = state.rules.clone();
    let reported = db::run(&state.pool, move |conn| {
        usecases::report_crisis::report_plan_crisis(conn, &auth, &id, kind, &rules)
    })
    .await?;
    Ok(web::Json(StepResponse::new(&reported.step, reported.lang)))
}

/// One tap: how is it going (1 = very bad … 5 = very good)?
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PulseRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: i32,
}

fn check_score(score: i32) -> Result<(), ApiError> {
    if (1..=5).contains(&score) {
        Ok(())
    } else {
        Err(ApiError::invalid("score", Msg::Between { min: 1, max: 5 }))
    }
}

/// "Hoe gaat het?" after completing a step: optional, once per step.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "A step you completed")),
    responses(
        (status = 204, description = "Thank you"),
        (status = 409, description = "Answered already, or the step is not done", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/mood")]
pub async fn post_mood(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<PulseRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    check_score(body.score)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let input = RecordMood {
        step_id: path.into_inner().to_string(),
        score: body.score,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::record_mood::record_mood(conn, &auth, input, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::record_mood::keep)
}

/// The monthly working-alliance question ("My caseworker and I work on this together", 1–5).
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Thank you"),
        (status = 409, description = "Answered this month already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The resident has no current plan (`not_found`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/alliance")]
pub async fn post_alliance(
    request: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<PulseRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    check_score(body.score)?;
    let idem = Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let input = RecordAlliance { score: body.score };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::record_alliance::record_alliance(conn, &auth, input, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::record_alliance::keep)
}

/// Whether the resident still has this month's alliance question to answer.
pub fn alliance_due(conn: &mut DbConn, user_id: &str) -> Result<bool, ApiError> {
    let answered: bool = diesel::select(diesel::dsl::exists(
        pulses::table
            .filter(pulses::user_id.eq(user_id))
            .filter(pulses::kind.eq("alliance"))
            .filter(pulses::period.eq(month_of(crate::clock::now().date_naive()))),
    ))
    .get_result(conn)?;
    Ok(!answered)
}

/// Average of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPoint {
    /// ISO week (`2026-W48`) for mood, month (`2026-11`) for the alliance question.
    pub period: String,
    /// Average score (1–5).
    pub average: f64,
    /// Number of answers.
    pub answers: u32,
}

/// Mood and alliance trends of a plan: averages per period, never single answers with times.
#[derive(Debug, Serialize, ToSchema)]
pub struct PulseTrendResponse {
    /// Mood after steps, per ISO week.
    pub mood: Vec<TrendPoint>,
    /// Working alliance, per month.
    pub alliance: Vec<TrendPoint>,
}

fn trend(points: Vec<(String, i32)>) -> Vec<TrendPoint> {
    let mut by: std::collections::BTreeMap<String, (i64, u32)> = std::collections::BTreeMap::new();
    for (period, score) in points {
        let e = by.entry(period).or_insert((0, 0));
        e.0 += i64::from(score);
        e.1 += 1;
    }
    by.into_iter()
        .map(|(period, (sum, n))| TrendPoint {
            period,
            average: (sum as f64 / f64::from(n) * 10.0).round() / 10.0,
            answers: n,
        })
        .collect()
}

/// The mood and working-alliance trend of a plan (caseworkers of the team).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "Trends", body = PulseTrendResponse))
)]
#[get("/v1/plans/{id}/pulse")]
pub async fn plan_pulse(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<PulseTrendResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let rows: Vec<(String, i32, String, chrono::NaiveDateTime)> =
        db::run(&state.pool, move |conn| {
            let plan = find_visible_plan(conn, &auth, &id)?;
            crate::api::audit::record(
                conn,
                &auth,
                &plan.resident_id,
                crate::domain::kinds::AuditAction::Read,
                crate::domain::kinds::AuditObject::Pulse,
                Some(&plan.id),
            )?;
            Ok(pulses::table
                .filter(pulses::plan_id.eq(&plan.id))
                .select((
                    pulses::kind,
                    pulses::score,
                    pulses::period,
                    pulses::created_at,
                ))
                .load(conn)?)
        })
        .await?;
    let mood = rows
        .iter()
        .filter(|r| r.0 == "mood")
        .map(|r| {
            let w = r.3.date().iso_week();
            (format!("{:04}-W{:02}", w.year(), w.week()), r.1)
        })
        .collect();
    let alliance = rows
        .iter()
        .filter(|r| r.0 == "alliance")
        .map(|r| (r.2.clone(), r.1))
        .collect();
    Ok(web::Json(PulseTrendResponse {
        mood: trend(mood),
        alliance: trend(alliance),
    }))
}
