//! Step work by staff: edit with optimistic concurrency, complete, verify, reopen.

use crate::api::conditional::{self, EntityTag};
use crate::api::plans::{find_visible_plan, language_of};
use crate::auth::AuthUser;
use crate::db;
use crate::db::plans::{self, StepRow};
use crate::domain::kinds::{Role, StepStatus};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub use crate::usecases::staff_steps::lock_step_for_caseworker;
use crate::usecases::{self, change_step::ChangeStep, complete_step::CompleteStep};
use crate::wire::steps::StepResponse;
use crate::wire::validate;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::wire::plans::UpdateStepRequest;

/// A completion, with an optional short note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// A short note (at most 500 characters; may hold line breaks and tabs).
    pub note: Option<String>,
}

/// Why a step is reopened.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    /// The reason, shown on the timeline (at most 300 characters).
    pub reason: String,
}

/// A step's entity tag: its version as a strong tag, `"3"`.
pub fn etag(step: &StepRow) -> EntityTag {
    EntityTag::of_version(step.version)
}

fn step_reply(step: &StepRow, lang: crate::domain::kinds::Language) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(step).to_string()))
        .json(StepResponse::new(step, lang))
}

/// One step as staff see it (caseworkers of the plan's team), with its `ETag` for `If-Match`.
#[utoipa::path(
    tag = "steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "The step", body = StepResponse, headers(
            ("ETag" = String, description = "The step's entity tag (e.g. `\"3\"`), to send as `If-Match` when changing it"),
        )),
        (status = 404, description = "No such step on a plan of your teams", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/steps/{id}")]
pub async fn get_step(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let (step, lang) = db::run(&state.pool, move |conn| {
        let step = plans::find_step(conn, &id)?.ok_or(ApiError::NotFound)?;
        let plan = find_visible_plan(conn, &auth, &step.plan_id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Step,
            Some(&step.id),
        )?;
        Ok((step, language_of(conn, &auth.id)?))
    })
    .await?;
    Ok(step_reply(&step, lang))
}

/// Edit a step. Requires `If-Match` with the step's current `ETag` (RFC 9110: `*` or a list
/// of quoted tags; weak tags never match). A stale tag answers 412, a malformed header 400.
#[utoipa::path(
    tag = "steps",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Step id"),
        ("If-Match" = String, Header, description = "The step's ETag exactly as sent, e.g. `\"3\"` (quotes included), or `*`"),
    ),
    responses(
        (status = 200, description = "The changed step", body = StepResponse, headers(
            ("ETag" = String, description = "The step's new entity tag"),
        )),
        (status = 400, description = "If-Match is malformed (`malformed_if_match`), e.g. unquoted", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The step changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/steps/{id}")]
pub async fn update_step(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<UpdateStepRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let if_match = conditional::if_match(&req)?.ok_or(ApiError::PreconditionRequired)?;
    if let Some(s) = body.status
        && !matches!(s, StepStatus::Skipped | StepStatus::Cancelled)
    {
        return Err(ApiError::invalid("status", Msg::StatusSkipOrCancel));
    }
    let reason = body
        .reason
        .as_deref()
        .map(|x| validate::text("reason", x, 1, 300))
        .transpose()?;
    let rules = state.rules.clone();
    let input = ChangeStep {
        step_id: path.into_inner().to_string(),
        if_match,
        request: body.into_inner(),
        reason,
    };
    let changed = db::run(&state.pool, move |conn| {
        usecases::change_step::change_step(conn, &auth, input, &rules)
    })
    .await?;
    Ok(step_reply(&changed.step, changed.lang))
}

impl From<&StepRow> for StepStatus {
    fn from(s: &StepRow) -> Self {
        s.status.parse().unwrap_or(StepStatus::Cancelled)
    }
}

/// Complete a step owned by staff or a volunteer: its owner, or a caseworker of the team.
#[utoipa::path(
    tag = "steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    request_body(content = Option<CompleteRequest>, description = "Optional note"),
    responses(
        (status = 200, description = "The completed step", body = StepResponse),
        (status = 409, description = "The step is not open", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/steps/{id}/complete")]
pub async fn complete_step(
    request: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::OptionalJson<CompleteRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Caseworker, Role::Volunteer])?;
    let idem = crate::api::idempotency::Idempotency::of(&request, state.settings.idempotency_ttl)?;
    let note = body
        .0
        .and_then(|b| b.note)
        .map(|n| validate::note("note", &n, 500))
        .transpose()?;
    let rules = state.rules.clone();
    let input = CompleteStep {
        step_id: path.into_inner().to_string(),
        note,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::complete_step::complete_step(conn, &auth, input, &rules, idem.retry())
    })
    .await?;
    crate::api::idempotency::respond(outcome, usecases::complete_step::keep)
}

/// Verify a completed step (caseworker): the proof was checked.
#[utoipa::path(
    tag = "steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "The verified step", body = StepResponse),
        (status = 409, description = "The step is not done", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/steps/{id}/verify")]
pub async fn verify_step(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let verified = db::run(&state.pool, move |conn| {
        usecases::verify_step::verify_step(conn, &auth, &id)
    })
    .await?;
    Ok(step_reply(&verified.step, verified.lang))
}

/// Reopen a done, verified, skipped or cancelled step with a reason (caseworker). It goes back
/// to `planned` and is issued again when the dosing rules allow.
#[utoipa::path(
    tag = "steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "The reopened step", body = StepResponse),
        (status = 409, description = "The step is not finished", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/steps/{id}/reopen")]
pub async fn reopen_step(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<ReopenRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let reason = validate::text("reason", &body.reason, 1, 300)?;
    let rules = state.rules.clone();
    let reopened = db::run(&state.pool, move |conn| {
        usecases::reopen_step::reopen_step(conn, &auth, &id, reason, &rules)
    })
    .await?;
    Ok(step_reply(&reopened.step, reopened.lang))
}
