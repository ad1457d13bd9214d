//! Appointments between a resident and their team: a caseworker plans, moves, cancels and
//! afterwards records them; the resident sees what is coming, says "ik kom", asks to move one
//! and adds it to their phone's calendar. Every change is on the plan's timeline and (for
//! staff) in the audit log; reminders follow every change.

use crate::api::conditional;
use crate::api::idempotency::{self, Idempotency};
use crate::api::paging::{self, PageRequest};
use crate::api::plans::find_visible_plan;
use crate::auth::AuthUser;
use crate::db::appointments::{self as adb, AppointmentRow};
use crate::db::{self, users};
use crate::domain::appointments::{self as dom, CalendarEvent};
pub use crate::domain::kinds::AppointmentOutcome;
use crate::domain::kinds::{AppointmentKind, AuditAction, AuditObject, Role};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub use crate::usecases::appointment_view::next_appointment_of;
pub(crate) use crate::usecases::appointment_view::{
    first_name, my_context, my_view, resident_tz, team_name,
};
pub(crate) use crate::usecases::appointments::{etag, my_appointment, staff_appointment};
use crate::usecases::{
    self, ask_to_move_appointment::AskToMoveAppointment, cancel_appointment::CancelAppointment,
    move_appointment::MoveAppointment, plan_appointment::PlanAppointment,
};
use crate::wire::appointments::status_of;
pub use crate::wire::appointments::{
    AppointmentPage, AppointmentResponse, AppointmentStep, MyAppointmentPage, MyAppointmentResponse,
};
use crate::wire::types::parse_or;
use crate::wire::validate;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

const RESIDENT: &[Role] = &[Role::Resident];

fn double_opt<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A new appointment with the resident of a plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppointmentRequest {
    /// When it starts: RFC 3339 with an offset (years 0001–9999), in the future and at most
    /// two years ahead. Answers show it in the resident's time zone.
    #[schema(value_type = String, format = DateTime, example = "2026-12-10T10:30:00+01:00")]
    pub starts_at: String,
    /// Length in minutes (5–480).
    #[schema(minimum = 5, maximum = 480, example = 45)]
    pub duration_minutes: i32,
    /// How it takes place.
    pub kind: AppointmentKind,
    /// Where, or the phone number or video link to use (1–200 characters).
    #[schema(example = "Buurtteam Noord, Kaatstraat 12")]
    pub place: Option<String>,
    /// With whom: a caseworker or volunteer of the plan's team.
    pub with_user_id: Option<Uuid>,
    /// What to bring, in plain words (at most 500 characters; may hold line breaks).
    #[schema(example = "Je laatste loonstrook en de brief van de woningcorporatie")]
    pub bring: Option<String>,
    /// Steps of this plan the appointment is about (at most 20).
    #[serde(default)]
    pub step_ids: Vec<Uuid>,
}

/// Changes to an appointment; absent fields stay. A new `starts_at` moves it: the resident's
/// "ik kom" and move request are cleared and the reminders planned again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAppointmentRequest {
    /// New start (RFC 3339 with offset, in the future, at most two years ahead).
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-11T14:00:00+01:00")]
    pub starts_at: Option<String>,
    /// New length in minutes (5–480).
    #[schema(minimum = 5, maximum = 480)]
    pub duration_minutes: Option<i32>,
    /// New kind.
    pub kind: Option<AppointmentKind>,
    /// New place or phone number; `null` removes it.
    #[serde(default, deserialize_with = "double_opt")]
    #[schema(value_type = Option<String>)]
    pub place: Option<Option<String>>,
    /// New person; `null` removes it.
    #[serde(default, deserialize_with = "double_opt")]
    #[schema(value_type = Option<Uuid>)]
    pub with_user_id: Option<Option<Uuid>>,
    /// New "what to bring"; `null` removes it.
    #[serde(default, deserialize_with = "double_opt")]
    #[schema(value_type = Option<String>)]
    pub bring: Option<Option<String>>,
    /// New linked steps (replaces the list).
    pub step_ids: Option<Vec<Uuid>>,
    /// Why it changes (1–300 characters; staff only see it).
    #[schema(example = "De hulpverlener is ziek")]
    pub reason: String,
}

/// A reason, for a cancel or a move request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentReasonRequest {
    /// In a few words (1–300 characters).
    #[schema(example = "Ik moet die dag werken")]
    pub reason: String,
}

/// The outcome of an appointment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentOutcomeRequest {
    /// `attended` or `missed`.
    pub outcome: AppointmentOutcome,
}

/// Paging of an appointment list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AppointmentQuery {
    /// Items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` of the page before.
    pub cursor: Option<String>,
}

/// Parses an RFC 3339 start with offset: years 0001–9999, after `now`, within two years.
fn parse_start(field: &str, raw: &str, now: DateTime<Utc>) -> ApiResult<chrono::NaiveDateTime> {
    let t = DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or_else(|| ApiError::invalid(field, Msg::DateTimeFormat))?
        .with_timezone(&Utc);
    if t <= now {
        return Err(ApiError::invalid(field, Msg::TimeInPast));
    }
    if t > now + Duration::days(dom::MAX_DAYS_AHEAD) {
        return Err(ApiError::invalid(
            field,
            Msg::WithinDays {
                days: dom::MAX_DAYS_AHEAD as u32,
            },
        ));
    }
    // Whole seconds: calendars and entity tags need no more.
    Ok(t.naive_utc().with_nanosecond_zero())
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for chrono::NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

fn check_duration(field: &str, minutes: i32) -> ApiResult<i32> {
    if !(dom::MIN_DURATION..=dom::MAX_DURATION).contains(&minutes) {
        return Err(ApiError::invalid(
            field,
            Msg::Between {
                min: i64::from(dom::MIN_DURATION),
                max: i64::from(dom::MAX_DURATION),
            },
        ));
    }
    Ok(minutes)
}

fn check_place(raw: &str) -> ApiResult<String> {
    validate::text("place", raw, 1, 200)
}

fn check_bring(raw: &str) -> ApiResult<String> {
    validate::lines("bring", raw, 1, 500)
}

fn check_reason(raw: &str) -> ApiResult<String> {
    validate::text("reason", raw, 1, 300)
}

fn reply(a: &AppointmentRow, tz: Tz, status: actix_web::http::StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(a).to_string()))
        .json(AppointmentResponse::new(a, tz))
}

/// Plan an appointment with the plan's resident (caseworkers of the plan's team). The resident
/// gets a reminder the evening before and a short while before (quiet hours respected).
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = CreateAppointmentRequest,
    responses(
        (status = 201, description = "The planned appointment", body = AppointmentResponse, headers(
            ("ETag" = String, description = "The appointment's entity tag, for `If-Match`"),
        )),
        (status = 404, description = "No such plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/plans/{id}/appointments")]
pub async fn create_appointment(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<CreateAppointmentRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let plan_id = path.into_inner().to_string();
    let r = body.into_inner();
    let starts_at = parse_start("starts_at", &r.starts_at, crate::clock::now())?;
    let duration = check_duration("duration_minutes", r.duration_minutes)?;
    let place = r.place.as_deref().map(check_place).transpose()?;
    let bring = r.bring.as_deref().map(check_bring).transpose()?;
    let rules = state.rules.clone();
    let input = PlanAppointment {
        plan_id,
        starts_at,
        duration_minutes: duration,
        kind: r.kind,
        place,
        with_user_id: r.with_user_id,
        bring,
        step_ids: r.step_ids,
    };
    let planned = db::run(&state.pool, move |conn| {
        usecases::plan_appointment::plan_appointment(conn, &auth, input, &rules)
    })
    .await?;
    Ok(reply(
        &planned.appointment,
        planned.tz,
        actix_web::http::StatusCode::CREATED,
    ))
}

/// A plan's appointments (caseworkers of the plan's team), by start time, a page at a time.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), AppointmentQuery),
    responses(
        (status = 200, description = "A page of appointments", body = AppointmentPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/plans/{id}/appointments")]
pub async fn list_plan_appointments(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<AppointmentQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let plan_id = path.into_inner().to_string();
    let page = PageRequest::new("appointments", query.limit, query.cursor.as_deref())?;
    let rules = state.rules.clone();
    let body = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &plan_id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            AuditAction::List,
            AuditObject::Appointments,
            Some(&plan.id),
        )?;
        let tz = resident_tz(conn, &rules, &plan.resident_id)?;
        let rows = adb::list_for_plan(conn, &plan.id)?;
        let rows = after_cursor(rows, &page, |a| &a.id)?;
        let page = page.finish(rows, |a| &a.id);
        Ok(AppointmentPage::from(
            page.map(|a| AppointmentResponse::new(&a, tz)),
        ))
    })
    .await?;
    Ok(paging::reply(&req, &body, body.next.as_deref()))
}

/// Drops the items up to and including the cursor's (a short list sorted in memory: a plan
/// holds tens of appointments), keeping at most one page and one more.
fn after_cursor<T>(
    mut rows: Vec<T>,
    page: &PageRequest,
    id: impl Fn(&T) -> &str,
) -> ApiResult<Vec<T>> {
    if let Some(after) = &page.after {
        let at = rows
            .iter()
            .position(|r| id(r) == after)
            .ok_or_else(|| page.stale_cursor())?;
        rows.drain(..=at);
    }
    rows.truncate(usize::try_from(page.fetch()).unwrap_or(usize::MAX));
    Ok(rows)
}

/// One appointment (caseworkers of the plan's team), with its `ETag` for `If-Match`.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = AppointmentResponse, headers(
            ("ETag" = String, description = "The appointment's entity tag (e.g. `\"2\"`), for `If-Match`"),
        )),
        (status = 404, description = "No such appointment on a plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/appointments/{id}")]
pub async fn get_appointment(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let (a, tz) = db::run(&state.pool, move |conn| {
        let a = staff_appointment(conn, &auth, &id, AuditAction::Read, false)?;
        let tz = resident_tz(conn, &rules, &a.resident_id)?;
        Ok((a, tz))
    })
    .await?;
    Ok(reply(&a, tz, actix_web::http::StatusCode::OK))
}

/// Move or change an appointment, with a reason. Requires `If-Match` with its `ETag`. A new
/// start clears the resident's "ik kom" and move request, cancels the pending reminders and
/// plans new ones.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        ("If-Match" = String, Header, description = "The appointment's ETag exactly as sent, e.g. `\"2\"`, or `*`"),
    ),
    request_body = UpdateAppointmentRequest,
    responses(
        (status = 200, description = "The changed appointment", body = AppointmentResponse, headers(
            ("ETag" = String, description = "The appointment's new entity tag"),
        )),
        (status = 400, description = "If-Match is malformed (`malformed_if_match`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such appointment on a plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or recorded already (`appointment_not_planned`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The appointment changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/appointments/{id}")]
pub async fn update_appointment(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<UpdateAppointmentRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let if_match = conditional::if_match(&req)?.ok_or(ApiError::PreconditionRequired)?;
    let id = path.into_inner().to_string();
    let r = body.into_inner();
    let reason = check_reason(&r.reason)?;
    let starts_at = r
        .starts_at
        .as_deref()
        .map(|s| parse_start("starts_at", s, crate::clock::now()))
        .transpose()?;
    let duration = r
        .duration_minutes
        .map(|d| check_duration("duration_minutes", d))
        .transpose()?;
    let place = r
        .place
        .map(|p| p.as_deref().map(check_place).transpose())
        .transpose()?;
    let bring = r
        .bring
        .map(|b| b.as_deref().map(check_bring).transpose())
        .transpose()?;
    let rules = state.rules.clone();
    let input = MoveAppointment {
        appointment_id: id,
        if_match,
        reason,
        starts_at,
        duration_minutes: duration,
        kind: r.kind,
        place,
        with_user_id: r.with_user_id,
        bring,
        step_ids: r.step_ids,
    };
    let moved = db::run(&state.pool, move |conn| {
        usecases::move_appointment::move_appointment(conn, &auth, input, &rules)
    })
    .await?;
    Ok(reply(
        &moved.appointment,
        moved.tz,
        actix_web::http::StatusCode::OK,
    ))
}

/// Cancel an appointment, with a reason. Its pending reminders are cancelled. `If-Match` is
/// optional here; when sent, it must match.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        ("If-Match" = Option<String>, Header, description = "The appointment's ETag, to cancel only the version you saw"),
    ),
    request_body = AppointmentReasonRequest,
    responses(
        (status = 200, description = "The cancelled appointment", body = AppointmentResponse, headers(
            ("ETag" = String, description = "The appointment's new entity tag"),
        )),
        (status = 400, description = "If-Match is malformed (`malformed_if_match`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such appointment on a plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or recorded already (`appointment_not_planned`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The appointment changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/appointments/{id}/cancel")]
pub async fn cancel_appointment(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<AppointmentReasonRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let if_match = conditional::if_match(&req)?;
    let id = path.into_inner().to_string();
    let reason = check_reason(&body.into_inner().reason)?;
    let rules = state.rules.clone();
    let input = CancelAppointment {
        appointment_id: id,
        if_match,
        reason,
    };
    let cancelled = db::run(&state.pool, move |conn| {
        usecases::cancel_appointment::cancel_appointment(conn, &auth, input, &rules)
    })
    .await?;
    Ok(reply(
        &cancelled.appointment,
        cancelled.tz,
        actix_web::http::StatusCode::OK,
    ))
}

/// Record afterwards whether the appointment took place (`attended`, which counts as the
/// resident's activity on the inactivity ladder) or was missed (`missed`: on the worklist,
/// and no activity). Only once it has started.
#[utoipa::path(
    tag = "appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    request_body = AppointmentOutcomeRequest,
    responses(
        (status = 200, description = "The recorded appointment", body = AppointmentResponse, headers(
            ("ETag" = String, description = "The appointment's new entity tag"),
        )),
        (status = 404, description = "No such appointment on a plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or recorded already (`appointment_not_planned`), or not started yet (`appointment_not_started`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/appointments/{id}/outcome")]
pub async fn record_appointment_outcome(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<AppointmentOutcomeRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let outcome = body.into_inner().outcome;
    let rules = state.rules.clone();
    let recorded = db::run(&state.pool, move |conn| {
        usecases::record_appointment_outcome::record_appointment_outcome(
            conn, &auth, &id, outcome, &rules,
        )
    })
    .await?;
    Ok(reply(
        &recorded.appointment,
        recorded.tz,
        actix_web::http::StatusCode::OK,
    ))
}

// ---------------------------------------------------------------------------------------------
// The resident's side.

/// My appointments: those still to come first (soonest first), then cancelled and past ones
/// (newest first), a page at a time.
#[utoipa::path(
    tag = "my appointments",
    security(("bearer" = [])),
    params(AppointmentQuery),
    responses(
        (status = 200, description = "A page of your appointments", body = MyAppointmentPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/appointments")]
pub async fn my_appointments(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<AppointmentQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let page = PageRequest::new("my-appointments", query.limit, query.cursor.as_deref())?;
    let rules = state.rules.clone();
    let body = db::run(&state.pool, move |conn| {
        let ctx = my_context(conn, &rules, &auth)?;
        let now = crate::clock::now();
        let mut rows = adb::list_for_resident(conn, &auth.id)?;
        rows.sort_by_cached_key(|a| {
            dom::resident_order(
                status_of(a),
                db::utc(a.starts_at),
                a.duration_minutes,
                &a.id,
                now,
            )
        });
        let rows = after_cursor(rows, &page, |a| &a.id)?;
        let page = page.finish(rows, |a| &a.id);
        let mut items = Vec::with_capacity(page.items.len());
        for a in &page.items {
            items.push(my_view(conn, a, &ctx, now)?);
        }
        Ok(MyAppointmentPage {
            items,
            next: page.next,
        })
    })
    .await?;
    Ok(paging::reply(&req, &body, body.next.as_deref()))
}

/// One of my appointments.
#[utoipa::path(
    tag = "my appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = MyAppointmentResponse),
        (status = 404, description = "No such appointment of yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/appointments/{id}")]
pub async fn get_my_appointment(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let view = db::run(&state.pool, move |conn| {
        let a = my_appointment(conn, &auth, &id)?;
        let ctx = my_context(conn, &rules, &auth)?;
        my_view(conn, &a, &ctx, crate::clock::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// "Ik kom": I will be there. Safe to repeat (`Idempotency-Key` too); counts as activity.
#[utoipa::path(
    tag = "my appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Confirmed", body = MyAppointmentResponse),
        (status = 404, description = "No such appointment of yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or recorded (`appointment_not_planned`), or already started (`appointment_passed`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/appointments/{id}/confirm")]
pub async fn confirm_my_appointment(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&req, state.settings.idempotency_ttl)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let outcome = db::run(&state.pool, move |conn| {
        usecases::confirm_appointment::confirm_appointment(conn, &auth, &id, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::confirm_appointment::keep)
}

/// "Kan het op een ander moment?": ask to move an appointment, with a reason. Your caseworker
/// sees it on their worklist and plans a new time; until then the appointment stays.
#[utoipa::path(
    tag = "my appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    request_body = AppointmentReasonRequest,
    responses(
        (status = 200, description = "Asked", body = MyAppointmentResponse),
        (status = 404, description = "No such appointment of yours", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled or recorded (`appointment_not_planned`), or already started (`appointment_passed`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is missing or too long", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/appointments/{id}/move-request")]
pub async fn request_appointment_move(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<AppointmentReasonRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let reason = check_reason(&body.into_inner().reason)?;
    let idem = Idempotency::of(&req, state.settings.idempotency_ttl)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let input = AskToMoveAppointment {
        appointment_id: id,
        reason,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::ask_to_move_appointment::ask_to_move_appointment(
            conn,
            &auth,
            input,
            &rules,
            idem.retry(),
        )
    })
    .await?;
    idempotency::respond(outcome, usecases::ask_to_move_appointment::keep)
}

/// The appointment as a calendar file (RFC 5545, `text/calendar`) to add to your phone's
/// calendar. Times are in UTC, which every calendar shows in the phone's own time zone; a
/// moved appointment has a higher `SEQUENCE` and replaces the old entry.
#[utoipa::path(
    tag = "my appointments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The calendar file", body = Vec<u8>, content_type = "text/calendar", headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"afspraak.ics\"`"),
        )),
        (status = 404, description = "No such appointment of yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/appointments/{id}/calendar.ics")]
pub async fn my_appointment_calendar(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let id = path.into_inner().to_string();
    let rules = state.rules.clone();
    let ics = db::run(&state.pool, move |conn| {
        let a = my_appointment(conn, &auth, &id)?;
        let ctx = my_context(conn, &rules, &auth)?;
        let with = match &a.with_user_id {
            Some(u) => users::find_user(conn, u)?.map(|u| first_name(&u.display_name)),
            None => None,
        };
        let team = team_name(conn, &a.team_id)?;
        Ok(dom::calendar_ics(&CalendarEvent {
            id: &a.id,
            version: a.version,
            starts_at: db::utc(a.starts_at),
            duration_minutes: a.duration_minutes,
            kind: parse_or(&a.kind, AppointmentKind::Office),
            status: status_of(&a),
            place: a.place.as_deref(),
            with_first_name: with.as_deref(),
            bring: a.bring.as_deref(),
            team_name: &team,
            updated_at: db::utc(a.updated_at),
            language: ctx.lang,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"afspraak.ics\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(ics))
}
