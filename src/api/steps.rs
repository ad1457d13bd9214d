//! Step work by staff: edit with optimistic concurrency, complete, verify, reopen.

use crate::api::conditional::{self, EntityTag};
use crate::api::plans::{OwnerRequest, TextRequest, find_visible_plan, language_of, resolve_owner};
use crate::api::steps_view::StepResponse;
use crate::api::validate;
use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow, StepRow, StepSummary};
use crate::db::{self, DbConn, issuing};
use crate::domain::kinds::{EventKind, Priority, Role, StepStatus};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Changes to a step; absent fields stay as they are. Send the step's `ETag` as `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStepRequest {
    /// New owner (e.g. hand a step the resident asked help with to a volunteer).
    pub owner: Option<OwnerRequest>,
    /// New due date; `null` removes it.
    #[serde(default, deserialize_with = "crate::api::wire::double_opt_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New position in the plan.
    pub position: Option<i32>,
    /// New title.
    pub title: Option<TextRequest>,
    /// New "why".
    pub why: Option<TextRequest>,
    /// New description (multi-line: may hold line breaks and tabs).
    pub description: Option<TextRequest>,
    /// `skipped` (not applicable) or `cancelled`; other changes of status have their own
    /// endpoints (complete, verify, reopen).
    pub status: Option<StepStatus>,
    /// Reason for a skip or cancel.
    pub reason: Option<String>,
}

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

/// Loads a step and its plan for a caseworker of the plan's team (else 404), records the
/// access in the audit log, takes the plan lock, and re-reads the step under that lock.
pub fn lock_step_for_caseworker(
    conn: &mut DbConn,
    auth: &AuthUser,
    step_id: &str,
    action: crate::domain::kinds::AuditAction,
) -> Result<(PlanRow, StepRow), ApiError> {
    let step = plans::find_step(conn, step_id)?.ok_or(ApiError::NotFound)?;
    let plan = find_visible_plan(conn, auth, &step.plan_id)?;
    crate::api::audit::record(
        conn,
        auth,
        &plan.resident_id,
        action,
        crate::domain::kinds::AuditObject::Step,
        Some(&step.id),
    )?;
    plans::lock_plan(conn, &plan.id)?;
    let step = plans::find_step(conn, &step.id)?.ok_or(ApiError::NotFound)?;
    Ok((plan, step))
}

/// Records a completion and issues what becomes ready. Returns the completed step, the newly
/// opened ones and the plan's progress columns afterwards (for the answer).
pub fn complete(
    conn: &mut DbConn,
    plan: &PlanRow,
    step: &StepRow,
    auth: &AuthUser,
    note: Option<String>,
    rules: &ReminderRules,
    happened_at: Option<chrono::NaiveDateTime>,
) -> Result<(StepRow, Vec<StepRow>, Vec<StepSummary>), ApiError> {
    if step.status != StepStatus::Open.as_str() {
        return Err(ApiError::Conflict {
            code: "step_not_open",
            detail: Msg::StepNotOpen,
        });
    }
    // One read of the plan's step outlines serves progress before and after (for new
    // milestones) and the dosing; the two changes below are carried into it as they happen.
    let mut outline = plans::list_step_outlines(conn, &plan.id)?;
    let summaries =
        |o: &[plans::StepOutline]| o.iter().map(|s| s.summary.clone()).collect::<Vec<_>>();
    let before = milestone_keys(&summaries(&outline));
    let t = happened_at.unwrap_or_else(db::now);
    let s = plans::mark_step_done(conn, &step.id, t, &auth.id, note.as_deref())?;
    plans::StepOutline::apply(&mut outline, &s);
    plans::insert_event(
        conn,
        &plan.id,
        Some(&s.id),
        crate::domain::kinds::EventKind::Completed,
        Some(&auth.id),
        Some(auth.role.as_str()),
        t,
        None,
    )?;
    scheduler::on_step_closed(conn, &s.id)?;
    if auth.role == Role::Resident {
        // The resident's plan was read under its lock (`lock_my_step`).
        scheduler::touch_activity_locked(conn, rules, plan)?;
    }
    let opened = issuing::issue_ready_steps_of(conn, plan, rules, &mut outline)?;
    // A milestone reached (first step, a category, half-way, a criterion): a friendly push,
    // which the dispatcher keeps within the resident's caps.
    let after = summaries(&outline);
    for key in milestone_keys(&after).difference(&before) {
        crate::db::notifications::enqueue(
            conn,
            &crate::db::notifications::NewReminder {
                user_id: plan.resident_id.clone(),
                plan_id: Some(plan.id.clone()),
                step_id: None,
                kind: crate::domain::reminders::ReminderKind::Milestone.as_str(),
                crisis: false,
                dedupe_key: format!("milestone:{}:{key}", plan.id),
                due_at: db::now(),
            },
        )?;
    }
    Ok((s, opened, after))
}

/// Milestones and met exit criteria of a plan's steps, as comparable keys.
fn milestone_keys(steps: &[StepSummary]) -> std::collections::BTreeSet<String> {
    let p =
        crate::api::steps_view::progress_of_summaries(steps, crate::domain::kinds::Language::Nl);
    let mut keys: std::collections::BTreeSet<String> = p
        .milestones
        .iter()
        .map(|m| format!("{:?}:{}", m.kind, m.category.as_deref().unwrap_or("")))
        .collect();
    keys.extend(
        p.criteria
            .iter()
            .filter(|c| c.met && c.steps_total > 0)
            .map(|c| c.code.to_owned()),
    );
    keys
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
    let id = path.into_inner().to_string();
    let r = body.into_inner();
    if let Some(s) = r.status
        && !matches!(s, StepStatus::Skipped | StepStatus::Cancelled)
    {
        return Err(ApiError::invalid("status", Msg::StatusSkipOrCancel));
    }
    let reason = r
        .reason
        .as_deref()
        .map(|x| validate::text("reason", x, 1, 300))
        .transpose()?;
    let rules = state.rules.clone();
    let (step, lang) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let (plan, step) = lock_step_for_caseworker(
                conn,
                &auth,
                &id,
                crate::domain::kinds::AuditAction::Update,
            )?;
            if !if_match.matches_strong(&etag(&step)) {
                return Err(ApiError::PreconditionFailed);
            }
            let mut s = step.clone();
            if let Some(o) = &r.owner {
                let (t, u) = resolve_owner(conn, &plan.team_id, o, "owner")?;
                s.owner_type = t.as_str().into();
                s.owner_user_id = u;
            }
            if let Some(d) = r.due_on {
                s.due_on = d;
            }
            if let Some(p) = r.priority {
                s.priority = p.as_str().into();
            }
            if let Some(p) = r.position {
                s.position = p;
            }
            for (field, value, target_nl, target_en, max) in [
                ("title", &r.title, &mut s.title_nl, &mut s.title_en, 80),
                ("why", &r.why, &mut s.why_nl, &mut s.why_en, 300),
                (
                    "description",
                    &r.description,
                    &mut s.description_nl,
                    &mut s.description_en,
                    1000,
                ),
            ] {
                if let Some(t) = value {
                    *target_nl = validate::text_of(field, &format!("{field}.nl"), &t.nl, 1, max)?;
                    *target_en = match &t.en {
                        Some(en) => validate::text_of(field, &format!("{field}.en"), en, 1, max)?,
                        None => target_nl.clone(),
                    };
                }
            }
            let mut kind = EventKind::StepChanged;
            if let Some(st) = r.status {
                if StepStatus::from(&step).is_completed() {
                    return Err(ApiError::Conflict {
                        code: "step_completed",
                        detail: Msg::StepCompleted,
                    });
                }
                s.status = st.as_str().into();
                s.status_reason = reason.clone();
                kind = match st {
                    StepStatus::Skipped => EventKind::Skipped,
                    StepStatus::Cancelled => EventKind::Cancelled,
                    // Refused above: only a skip or a cancel changes the status here.
                    _ => EventKind::StepChanged,
                };
            }
            let s = plans::update_step(conn, &s)?;
            if r.status.is_some() {
                scheduler::on_step_closed(conn, &s.id)?;
            } else if s.due_on != step.due_on || s.owner_type != step.owner_type {
                // A new date, or a step handed over: due-date reminders follow the change.
                scheduler::on_due_date_changed(conn, &rules, &plan, &s)?;
            }
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                kind,
                Some(&auth.id),
                Some(auth.role.as_str()),
                db::now(),
                None,
            )?;
            issuing::issue_ready_steps(conn, &plan, &rules)?;
            let s = plans::find_step(conn, &s.id)?.ok_or(ApiError::NotFound)?;
            Ok((s, language_of(conn, &auth.id)?))
        })
    })
    .await?;
    Ok(step_reply(&step, lang))
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
    let id = path.into_inner().to_string();
    let note = body
        .0
        .and_then(|b| b.note)
        .map(|n| validate::note("note", &n, 500))
        .transpose()?;
    let rules = state.rules.clone();
    let answer = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            idem.run(conn, &auth.id, |conn| {
                let step = plans::find_step(conn, &id)?.ok_or(ApiError::NotFound)?;
                let plan = if auth.role == Role::Volunteer {
                    // Volunteers only see steps assigned to them.
                    if step.owner_user_id.as_deref() != Some(auth.id.as_str()) {
                        return Err(ApiError::NotFound);
                    }
                    plans::find_plan(conn, &step.plan_id)?.ok_or(ApiError::NotFound)?
                } else {
                    find_visible_plan(conn, &auth, &step.plan_id)?
                };
                plans::lock_plan(conn, &plan.id)?;
                let step = plans::find_step(conn, &step.id)?.ok_or(ApiError::NotFound)?;
                crate::api::audit::record(
                    conn,
                    &auth,
                    &plan.resident_id,
                    crate::domain::kinds::AuditAction::Complete,
                    crate::domain::kinds::AuditObject::Step,
                    Some(&step.id),
                )?;
                let (done, _, _) = complete(conn, &plan, &step, &auth, note, &rules, None)?;
                let lang = language_of(conn, &auth.id)?;
                Ok(
                    crate::api::idempotency::Answer::ok(&StepResponse::new(&done, lang))?
                        .with_etag(etag(&done).to_string()),
                )
            })
        })
    })
    .await?;
    Ok(answer.into_response())
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
    let (step, lang) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let (plan, step) = lock_step_for_caseworker(
                conn,
                &auth,
                &id,
                crate::domain::kinds::AuditAction::Verify,
            )?;
            if step.status != StepStatus::Done.as_str() {
                return Err(ApiError::Conflict {
                    code: "step_not_done",
                    detail: Msg::VerifyNeedsDone,
                });
            }
            let t = db::now();
            let mut s = step.clone();
            s.status = StepStatus::Verified.as_str().into();
            s.verified_at = Some(t);
            s.verified_by = Some(auth.id.clone());
            let s = plans::update_step(conn, &s)?;
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                crate::domain::kinds::EventKind::Verified,
                Some(&auth.id),
                Some(auth.role.as_str()),
                t,
                None,
            )?;
            Ok((s, language_of(conn, &auth.id)?))
        })
    })
    .await?;
    Ok(step_reply(&step, lang))
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
    let (step, lang) = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let (plan, step) = lock_step_for_caseworker(
                conn,
                &auth,
                &id,
                crate::domain::kinds::AuditAction::Reopen,
            )?;
            if matches!(
                StepStatus::from(&step),
                StepStatus::Planned | StepStatus::Open
            ) {
                return Err(ApiError::Conflict {
                    code: "step_not_finished",
                    detail: Msg::ReopenNeedsFinished,
                });
            }
            let mut s = step.clone();
            s.status = StepStatus::Planned.as_str().into();
            s.status_reason = Some(reason.clone());
            s.completed_at = None;
            s.completed_by = None;
            s.verified_at = None;
            s.verified_by = None;
            s.issued_at = None;
            let s = plans::update_step(conn, &s)?;
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                crate::domain::kinds::EventKind::Reopened,
                Some(&auth.id),
                Some(auth.role.as_str()),
                db::now(),
                None,
            )?;
            issuing::issue_ready_steps(conn, &plan, &rules)?;
            let s = plans::find_step(conn, &s.id)?.ok_or(ApiError::NotFound)?;
            Ok((s, language_of(conn, &auth.id)?))
        })
    })
    .await?;
    Ok(step_reply(&step, lang))
}
