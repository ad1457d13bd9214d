//! Plans (caseworkers of the resident's team): make one from a template in the first
//! conversation, read it whole, change dose or status, add custom steps, read the timeline.

use crate::api::paging::{self, PageRequest};
use crate::api::residents::find_visible_resident;
use crate::auth::AuthUser;
use crate::db::plans::{self, StepRow};
use crate::db::{self, issuing};
pub use crate::domain::kinds::OutflowReason;
use crate::domain::kinds::{
    EventKind, Evidence, Language, OwnerRole, OwnerType, PlanStatus, Priority, Role,
};
use crate::domain::policy::CASEWORKERS;
use crate::domain::template::Localized;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::startup::AppState;
pub use crate::usecases::access::resolve_owner;
pub use crate::usecases::access::{find_visible_plan, language_of};
use crate::usecases::make_plan::{self, MakePlan};
pub(crate) use crate::usecases::prepare_plan::{load_plan_view, prepare_plan};
use crate::usecases::{self, add_step::AddStep, update_plan::UpdatePlan};
pub use crate::wire::plans::{CreatePlanRequest, OwnerRequest, TextRequest};
use crate::wire::steps::PlanResponse;
use crate::wire::types::{parse_id, parse_or};
use crate::wire::validate;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Changes to a plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlanRequest {
    /// New dose (1–5): at most `dose` ordinary (non-crisis) resident steps are open, plus every open crisis (`P0`) step; while crisis steps are open they take the ordinary steps' places first (at dose 1 with two crises open the resident sees those two).
    #[schema(minimum = 1, maximum = 5)]
    pub dose: Option<i32>,
    /// New status. A paused, stabilised, dropped-out or closed plan issues nothing.
    pub status: Option<PlanStatus>,
    /// Why the trajectory ended (with `closed` or `dropped_out`).
    pub outflow_reason: Option<OutflowReason>,
}

/// A custom step added to a plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStepRequest {
    /// Category key of the plan's template.
    #[schema(example = "papieren")]
    pub category: String,
    /// Title: one small action.
    pub title: TextRequest,
    /// Why it matters.
    pub why: Option<TextRequest>,
    /// How to do it (multi-line: may hold line breaks and tabs).
    pub description: Option<TextRequest>,
    /// Estimated minutes (1–480, default 15).
    pub minutes: Option<i32>,
    /// Owner (default: the resident).
    pub owner: Option<OwnerRequest>,
    /// Priority (default P2).
    pub priority: Option<Priority>,
    /// Expected proof (default none).
    pub evidence: Option<Evidence>,
    /// Steps of this plan that must be done first.
    #[serde(default)]
    pub depends_on: Vec<Uuid>,
    /// Due date.
    #[serde(default, deserialize_with = "crate::wire::read::opt_date")]
    pub due_on: Option<NaiveDate>,
}

/// Paging of the timeline.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of a plan's timeline, oldest first.
    EventPage,
    EventResponse
);

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    /// Event id.
    pub id: Uuid,
    /// The step it concerns.
    pub step_id: Option<Uuid>,
    /// What happened.
    pub kind: EventKind,
    /// Who did it (absent for the service itself).
    pub actor_id: Option<Uuid>,
    /// Their role.
    pub actor_role: Option<Role>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// How a step of a previewed plan would start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreviewState {
    /// In the plan, to be issued in turn.
    Planned,
    /// Its intake condition is not met (n.v.t.).
    NotApplicable,
    /// Left out by `items`.
    NotSelected,
    /// Done in the conversation (`done_in_conversation`, or done by the conversation itself).
    DoneInConversation,
}
crate::domain::kinds::all_values!(PreviewState {
    Planned,
    NotApplicable,
    NotSelected,
    DoneInConversation
});

/// One step of a previewed plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewStepResponse {
    /// The template item.
    #[schema(example = "start.digid")]
    pub item_key: String,
    /// Title in your language.
    pub title: String,
    /// Category key.
    #[schema(example = "start")]
    pub category: String,
    /// Urgency.
    pub priority: Priority,
    /// Who does it, as a template role (`professional` for a caseworker's step).
    pub owner_role: OwnerRole,
    /// Who it would belong to.
    pub owner_type: OwnerType,
    /// The caseworker or volunteer it would belong to.
    pub owner_id: Option<Uuid>,
    /// How it would start.
    pub state: PreviewState,
    /// Due date.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<NaiveDate>,
    /// Whether it would be issued at once when the plan is made (in the dosed arm).
    pub opens_at_start: bool,
}

/// What `POST /v1/residents/{id}/plans` would make of the same request.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanPreviewResponse {
    /// Template version used.
    pub template_id: Uuid,
    /// The dose.
    pub dose: i32,
    /// Every item of the template, in the template's order.
    pub steps: Vec<PreviewStepResponse>,
}

fn preview_of(
    template_row: &plans::TemplateRow,
    template: &crate::domain::template::Template,
    rows: &[StepRow],
    dose: i32,
    lang: Language,
    tz: chrono_tz::Tz,
) -> PlanPreviewResponse {
    let today = crate::clock::now().with_timezone(&tz).date_naive();
    let view: Vec<crate::domain::dosing::DoseStep> =
        rows.iter().map(|r| issuing::dose_step(r, today)).collect();
    let opening = crate::domain::dosing::steps_to_open(
        PlanStatus::Active,
        u8::try_from(dose).unwrap_or(1),
        &view,
    );
    let steps = rows
        .iter()
        .map(|r| {
            let key = r.item_key.clone().unwrap_or_default();
            let owner_type = parse_or(&r.owner_type, OwnerType::Resident);
            let template_role = template.item(&key).map(|i| i.owner);
            let owner_role = match (owner_type, template_role) {
                (OwnerType::Resident, Some(OwnerRole::Volunteer)) => OwnerRole::Volunteer,
                (OwnerType::Resident, _) => OwnerRole::Resident,
                (OwnerType::Staff, Some(OwnerRole::Together)) => OwnerRole::Together,
                (OwnerType::Staff, _) => OwnerRole::Professional,
                (OwnerType::Volunteer, _) => OwnerRole::Volunteer,
            };
            let state = match (r.status.as_str(), r.status_reason.as_deref()) {
                ("skipped", Some("not_selected")) => PreviewState::NotSelected,
                ("skipped", _) => PreviewState::NotApplicable,
                ("done", _) => PreviewState::DoneInConversation,
                _ => PreviewState::Planned,
            };
            PreviewStepResponse {
                item_key: key,
                title: match lang {
                    Language::Nl => r.title_nl.clone(),
                    Language::En => r.title_en.clone(),
                },
                category: r.category.clone(),
                priority: parse_or(&r.priority, Priority::P2),
                owner_role,
                owner_type,
                owner_id: r.owner_user_id.as_deref().map(parse_id),
                state,
                due_on: r.due_on,
                opens_at_start: opening.contains(&r.id),
            }
        })
        .collect();
    PlanPreviewResponse {
        template_id: parse_id(&template_row.id),
        dose,
        steps,
    }
}

/// Preview a plan (caseworkers of the resident's team): the same body and the same rules as
/// `POST /v1/residents/{id}/plans`, but nothing is written. Shows which steps apply, which
/// are n.v.t., not selected or done in the conversation, and which would open first.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses(
        (status = 200, description = "The plan as it would be made", body = PlanPreviewResponse),
    )
)]
#[post("/v1/residents/{id}/plans/preview")]
pub async fn preview_plan(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<CreatePlanRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let resident_id = path.into_inner().to_string();
    let req = body.into_inner();
    let dose = check_dose(req.dose.unwrap_or(1))?;
    let tz = state.rules.default_policy.tz;
    let view = db::run(&state.pool, move |conn| {
        let resident = find_visible_resident(conn, &auth, &resident_id)?;
        let p = prepare_plan(conn, &auth, &resident, &req)?;
        let lang = language_of(conn, &auth.id)?;
        Ok(preview_of(
            &p.template_row,
            &p.template,
            &p.rows,
            dose,
            lang,
            tz,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn check_dose(dose: i32) -> Result<i32, ApiError> {
    if (1..=5).contains(&dose) {
        Ok(dose)
    } else {
        Err(ApiError::invalid("dose", Msg::Between { min: 1, max: 5 }))
    }
}

/// Make a plan for a resident from an action-list template.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses(
        (status = 201, description = "The new plan, with its first steps issued", body = PlanResponse),
        (status = 409, description = "The resident has a current plan", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/residents/{id}/plans")]
pub async fn create_plan(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<CreatePlanRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let resident_id = path.into_inner().to_string();
    let req = body.into_inner();
    let dose = check_dose(req.dose.unwrap_or(1))?;
    let rules = state.rules.clone();
    let input = MakePlan {
        resident_id,
        dose,
        request: req,
    };
    let view = db::run(&state.pool, move |conn| {
        make_plan::make_plan(conn, &auth, input, &rules)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A whole plan with every step (caseworkers of the resident's team). The plan's `ETag` is in
/// the header and in `etag`; each step carries its own `etag` for `PATCH /v1/steps/{id}`.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses(
        (status = 200, description = "The plan", body = PlanResponse, headers(
            ("ETag" = String, description = "The plan's entity tag (e.g. `\"12\"`), for `If-Match` on `PATCH /v1/plans/{id}`"),
        )),
        (status = 404, description = "No such plan in your teams", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/plans/{id}")]
pub async fn get_plan(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let view = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Plan,
            Some(&plan.id),
        )?;
        let lang = language_of(conn, &auth.id)?;
        load_plan_view(conn, &plan, lang)
    })
    .await?;
    Ok(plan_reply(view))
}

/// A plan answer with its `ETag` header.
fn plan_reply(view: PlanResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, view.etag.clone()))
        .json(view)
}

/// Change a plan's dose or status. Raising the dose or re-activating issues steps at once.
/// With `If-Match` (the plan's `ETag`), the change is made only when the plan is unchanged.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Plan id"),
        ("If-Match" = Option<String>, Header, description = "Optional: the plan's ETag exactly as sent, e.g. `\"12\"`, or `*`"),
    ),
    responses(
        (status = 200, description = "The changed plan", body = PlanResponse, headers(
            ("ETag" = String, description = "The plan's new entity tag"),
        )),
        (status = 400, description = "If-Match is malformed (`malformed_if_match`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The plan changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/plans/{id}")]
pub async fn update_plan(
    http: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<UpdatePlanRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let if_match = crate::api::conditional::if_match(&http)?;
    let id = path.into_inner().to_string();
    let req = body.into_inner();
    if let Some(d) = req.dose {
        check_dose(d)?;
    }
    let rules = state.rules.clone();
    let input = UpdatePlan {
        plan_id: id,
        if_match,
        dose: req.dose,
        status: req.status,
        outflow_reason: req.outflow_reason.map(|r| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
    };
    let view = db::run(&state.pool, move |conn| {
        usecases::update_plan::update_plan(conn, &auth, input, &rules)
    })
    .await?;
    Ok(plan_reply(view))
}

fn localized(
    field: &str,
    t: Option<TextRequest>,
    fallback: &str,
    max: usize,
) -> Result<Localized, ApiError> {
    match t {
        None => Ok(Localized {
            nl: fallback.to_owned(),
            en: fallback.to_owned(),
        }),
        Some(t) => {
            let nl = validate::text_of(field, &format!("{field}.nl"), &t.nl, 1, max)?;
            let en = match t.en {
                Some(en) => validate::text_of(field, &format!("{field}.en"), &en, 1, max)?,
                None => nl.clone(),
            };
            Ok(Localized { nl, en })
        }
    }
}

/// Add a custom step to a plan.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 201, description = "The plan with the new step", body = PlanResponse))
)]
#[post("/v1/plans/{id}/steps")]
pub async fn add_step(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::Json<CreateStepRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let req = body.into_inner();
    if req.depends_on.len() > crate::domain::template::MAX_ITEMS {
        return Err(ApiError::invalid(
            "depends_on",
            crate::i18n::Msg::ListTooLong {
                max: crate::domain::template::MAX_ITEMS,
            },
        ));
    }
    let title = localized("title", Some(req.title), "", 80)?;
    let why = localized("why", req.why, "", 300)?;
    let description = localized("description", req.description, "", 1000)?;
    let minutes = req.minutes.unwrap_or(15);
    if !(1..=480).contains(&minutes) {
        return Err(ApiError::invalid(
            "minutes",
            Msg::Between { min: 1, max: 480 },
        ));
    }
    let rules = state.rules.clone();
    let input = AddStep {
        plan_id: id,
        category: req.category,
        title,
        why,
        description,
        minutes,
        owner: req.owner,
        priority: req.priority,
        evidence: req.evidence,
        depends_on: req.depends_on,
        due_on: req.due_on,
    };
    let view = db::run(&state.pool, move |conn| {
        usecases::add_step::add_step(conn, &auth, input, &rules)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The plan's timeline: who did what, when (oldest first, in the order recorded), a page at a
/// time.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), EventQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/plans/{id}/events")]
pub async fn list_events(
    req: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<EventQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let page = PageRequest::new("events", query.limit, query.cursor.as_deref())?;
    let events = db::run(&state.pool, move |conn| {
        let plan = find_visible_plan(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &plan.resident_id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Events,
            Some(&plan.id),
        )?;
        let after = match &page.after {
            None => None,
            Some(e) => Some((
                plans::find_event_time(conn, &plan.id, e)?.ok_or_else(|| page.stale_cursor())?,
                e.as_str(),
            )),
        };
        let rows = plans::list_events(conn, &plan.id, after, page.fetch())?;
        Ok(page.finish(rows, |e| &e.id))
    })
    .await?;
    let body = EventPage::from(events.map(|e| EventResponse {
        id: parse_id(&e.id),
        step_id: e.step_id.as_deref().map(parse_id),
        kind: parse_or(&e.kind, EventKind::StepChanged),
        actor_id: e.actor_id.as_deref().map(parse_id),
        actor_role: e.actor_role.as_deref().and_then(|r| r.parse().ok()),
        occurred_at: db::utc(e.occurred_at),
        recorded_at: db::utc(e.recorded_at),
    }));
    Ok(paging::reply(&req, &body, body.next.as_deref()))
}
