//! The resident's dosed view (current steps, complete, ask for help, progress, history) and the
//! work list of volunteers and caseworkers.

use crate::api::idempotency::{self, Idempotency};
use crate::api::paging::{self, PageRequest};
use crate::api::plans::language_of;
use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow};
use crate::db::{self, DbConn, users};
use crate::domain::kinds::{Language, OwnerType, PlanStatus, Role, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::scheduler;
use crate::startup::AppState;
pub use crate::usecases::my_steps::{current_view, find_my_step, lock_my_step, sort_for_resident};
use crate::usecases::{self, complete_my_step::CompleteMyStep};
pub use crate::wire::my_steps::{
    AssignedStepResponse, CompleteStepResponse, CurrentStepsResponse, DoneForYouResponse,
    MyProgressResponse,
};
use crate::wire::steps::{MyStepResponse, StepResponse, pick, progress_of};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

const RESIDENT: &[Role] = &[Role::Resident];

fn resident_plan(conn: &mut DbConn, resident_id: &str) -> Result<Option<PlanRow>, ApiError> {
    Ok(plans::find_current_plan_of(conn, resident_id)?)
}

/// My current step(s) and a progress summary. The full list of planned steps is never sent:
/// one small step at a time is the point. Send the last `ETag` as `If-None-Match` to get a
/// bodiless 304 while nothing changed (it saves a phone's data).
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of an earlier answer; 304 when it still holds"),
    ),
    responses(
        (status = 200, description = "Current steps", body = CurrentStepsResponse, headers(
            ("ETag" = String, description = "Entity tag of this answer (a hash of its JSON), for `If-None-Match`"),
        )),
        (status = 304, description = "Not modified: the answer with the `ETag` sent in `If-None-Match` still holds (no body)", headers(
            ("ETag" = String, description = "The same entity tag"),
        )),
        (status = 400, description = "If-None-Match is malformed (`malformed_if_none_match`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/steps/current")]
pub async fn current_steps(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let rules = state.rules.clone();
    let r = db::run(&state.pool, move |conn| {
        let Some((plan, lang, open)) = plans::find_current_plan_with_open_steps(conn, &auth.id)?
        else {
            return Ok(CurrentStepsResponse {
                plan_id: None,
                plan_status: None,
                steps: Vec::new(),
                progress: None,
                arm: None,
            });
        };
        // Opening the app counts as activity. Written at most once an hour to keep reads
        // cheap, but at once when the plan was on the inactivity ladder.
        let stale = plan
            .last_activity_at
            .is_none_or(|t| db::now() - t > chrono::Duration::hours(1));
        if stale || plan.inactivity_stage != "active" {
            scheduler::touch_activity(conn, &rules, &plan.id)?;
        }
        current_view(
            conn,
            lang.parse().unwrap_or(Language::Nl),
            &plan,
            Some(open),
        )
    })
    .await?;
    crate::api::conditional::json_or_not_modified(&req, &r)
}

/// Optional note with a completion.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MyCompleteRequest {
    /// A short note for the caseworker (at most 500 characters; may hold line breaks and tabs).
    pub note: Option<String>,
    /// "I already did this": the day it really happened (up to 14 days back). The timeline
    /// keeps both this and when it was recorded; metrics use this one.
    #[serde(default, deserialize_with = "crate::wire::read::opt_date")]
    pub done_on: Option<chrono::NaiveDate>,
}

/// Mark my step as done; the answer carries the next step. Send an `Idempotency-Key` so a
/// retry on a bad connection returns the first answer instead of failing.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Step id"),
    ),
    request_body(content = Option<MyCompleteRequest>, description = "Optional note"),
    responses(
        (status = 200, description = "Done; here is what comes next", body = CompleteStepResponse),
        (status = 409, description = "The step is not open (done already?)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/complete")]
pub async fn complete_my_step(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: crate::api::OptionalJson<MyCompleteRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let idem = Idempotency::of(&req, state.settings.idempotency_ttl)?;
    let (note, done_on) = match body.0 {
        Some(b) => (b.note, b.done_on),
        None => (None, None),
    };
    let note = note
        .map(|n| crate::wire::validate::note("note", &n, 500))
        .transpose()?;
    let rules = state.rules.clone();
    let input = CompleteMyStep {
        step_id: path.into_inner().to_string(),
        note,
        done_on,
    };
    let outcome = db::run(&state.pool, move |conn| {
        usecases::complete_my_step::complete_my_step(conn, &auth, input, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::complete_my_step::keep)
}

/// "I need help with this step": the caseworker sees it and can hand it to a volunteer.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Step id")),
    responses(
        (status = 200, description = "Help asked for", body = MyStepResponse),
        (status = 409, description = "The step is not open", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/steps/{id}/help")]
pub async fn ask_help(
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
        usecases::ask_for_help::ask_for_help(conn, &auth, &id, &rules, idem.retry())
    })
    .await?;
    idempotency::respond(outcome, usecases::ask_for_help::keep)
}

fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// My progress: overall, per category, milestones, and what others do for me. Like the
/// current steps, it answers 304 to `If-None-Match` with its current `ETag`.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of an earlier answer; 304 when it still holds"),
    ),
    responses(
        (status = 200, description = "Progress", body = MyProgressResponse, headers(
            ("ETag" = String, description = "Entity tag of this answer (a hash of its JSON), for `If-None-Match`"),
        )),
        (status = 304, description = "Not modified: the answer with the `ETag` sent in `If-None-Match` still holds (no body)", headers(
            ("ETag" = String, description = "The same entity tag"),
        )),
        (status = 400, description = "If-None-Match is malformed (`malformed_if_none_match`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No current plan", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/progress")]
pub async fn my_progress(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let r = db::run(&state.pool, move |conn| {
        let plan = resident_plan(conn, &auth.id)?.ok_or(ApiError::NotFound)?;
        let lang = language_of(conn, &auth.id)?;
        let steps = plans::list_steps(conn, &plan.id)?;
        let mut others = Vec::new();
        for s in steps
            .iter()
            .filter(|s| s.owner_type != OwnerType::Resident.as_str())
        {
            let status: StepStatus = s.status.parse().unwrap_or(StepStatus::Cancelled);
            if !matches!(
                status,
                StepStatus::Open | StepStatus::Done | StepStatus::Verified
            ) {
                continue;
            }
            let owner = match &s.owner_user_id {
                Some(u) => users::find_user(conn, u)?.map(|u| first_name(&u.display_name)),
                None => None,
            };
            others.push(DoneForYouResponse {
                title: pick(lang, &s.title_nl, &s.title_en).to_owned(),
                category: s.category.clone(),
                owner_first_name: owner,
                status,
                since: s.completed_at.or(s.issued_at).map(db::utc),
            });
        }
        let days = (crate::clock::now().date_naive() - plan.started_on)
            .num_days()
            .max(0);
        Ok(MyProgressResponse {
            alliance_question_due: crate::api::behaviour::alliance_due(conn, &auth.id)?,
            days_in_stabilisation: days,
            progress: progress_of(&steps, lang),
            done_for_you: others,
        })
    })
    .await?;
    crate::api::conditional::json_or_not_modified(&req, &r)
}

/// Paging of the resident's finished steps.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DoneStepsQuery {
    /// Steps per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of the resident's finished steps, newest first.
    DoneStepPage,
    MyStepResponse
);

/// My finished steps, newest first, a page at a time.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    params(DoneStepsQuery),
    responses(
        (status = 200, description = "A page of done steps", body = DoneStepPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/steps/done")]
pub async fn done_steps(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<DoneStepsQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let page = PageRequest::new("done_steps", query.limit, query.cursor.as_deref())?;
    let r = db::run(&state.pool, move |conn| {
        let lang = language_of(conn, &auth.id)?;
        let after = match &page.after {
            None => None,
            Some(id) => {
                // The cursor's step must be one of this resident's finished steps.
                let step = plans::find_step(conn, id)?
                    .filter(|s| s.owner_type == OwnerType::Resident.as_str())
                    .and_then(|s| Some((s.completed_at?, s.plan_id, s.id)));
                let (t, plan_id, id) = step.ok_or_else(|| page.stale_cursor())?;
                let mine =
                    plans::find_plan(conn, &plan_id)?.is_some_and(|p| p.resident_id == auth.id);
                if !mine {
                    return Err(page.stale_cursor());
                }
                Some((t, id))
            }
        };
        let rows = plans::list_done_steps_of(
            conn,
            &auth.id,
            after.as_ref().map(|(t, id)| (*t, id.as_str())),
            page.fetch(),
        )?;
        Ok(DoneStepPage::from(
            page.finish(rows, |s| &s.id)
                .map(|s| MyStepResponse::new(&s, lang)),
        ))
    })
    .await?;
    Ok(paging::reply(&req, &r, r.next.as_deref()))
}

/// Steps assigned to me (volunteers and caseworkers): open and planned ones.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My work list", body = Vec<AssignedStepResponse>),
        (status = 400, description = "An unknown query parameter (`unknown_query_parameter`): this list takes none", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/me/assigned-steps")]
pub async fn assigned_steps(
    auth: AuthUser,
    state: web::Data<AppState>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<Vec<AssignedStepResponse>>> {
    auth.require(&[Role::Volunteer, Role::Caseworker])?;
    let r = db::run(&state.pool, move |conn| {
        let lang: Language = language_of(conn, &auth.id)?;
        let mut out = Vec::new();
        for s in plans::list_assigned_steps(conn, &auth.id, &["open", "planned"])? {
            let plan = plans::find_plan(conn, &s.plan_id)?.ok_or(ApiError::NotFound)?;
            if plan.status != PlanStatus::Active.as_str() {
                continue;
            }
            // A resident who was erased has left: there is nobody to do this for any more.
            let Some(resident) =
                users::find_user(conn, &plan.resident_id)?.filter(|u| u.erased_at.is_none())
            else {
                continue;
            };
            let name = first_name(&resident.display_name);
            crate::api::audit::record(
                conn,
                &auth,
                &plan.resident_id,
                crate::domain::kinds::AuditAction::List,
                crate::domain::kinds::AuditObject::Step,
                Some(&s.id),
            )?;
            out.push(AssignedStepResponse {
                step: StepResponse::new(&s, lang),
                resident_first_name: name,
            });
        }
        Ok(out)
    })
    .await?;
    Ok(web::Json(r))
}
