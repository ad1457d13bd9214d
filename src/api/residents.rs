//! Residents (caseworkers of the resident's team): create with an activation code, list the
//! caseload, show one, issue a new code, clear a sign-in lock.

use crate::api::paging::{self, PageRequest};
use crate::api::types::{parse_id, parse_or};
use crate::api::validate;
use crate::auth::AuthUser;
use crate::db::{self, DbConn, tokens, users};
use crate::domain::kinds::{Language, Role};
use crate::domain::policy::CASEWORKERS;
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
pub use crate::usecases::access::find_visible_resident;
use crate::usecases::{self, create_resident::CreateResident, issue_activation_code::CodeRules};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A new resident, registered in the first conversation (driegesprek).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResidentRequest {
    /// How the resident wants to be addressed (first name is enough).
    #[schema(example = "Fatima")]
    pub display_name: String,
    /// Language of the texts the resident reads (default `nl`).
    pub language: Option<Language>,
    /// The resident's team; must be one of the caseworker's own teams.
    pub team_id: Uuid,
}

/// A resident as caseworkers see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentResponse {
    /// Resident id.
    pub id: Uuid,
    /// Name.
    #[schema(example = "Fatima")]
    pub display_name: String,
    /// Login name for the app.
    #[schema(example = "fatima4821")]
    pub login_name: Option<String>,
    /// Language of texts.
    pub language: Language,
    /// Team.
    pub team_id: Uuid,
    /// Whether the resident has activated the app (chosen a PIN).
    pub activated: bool,
    /// Until when an unused activation code is valid, if there is one.
    pub activation_code_expires_at: Option<DateTime<Utc>>,
    /// Failed sign-ins since the last success.
    pub failed_logins: i32,
    /// Until when sign-in is locked, if it is.
    pub locked_until: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// When the resident was registered.
    pub created_at: DateTime<Utc>,
    /// The current plan, if any.
    pub plan_id: Option<Uuid>,
    /// Inactivity on the current plan: `active`, `nudge` (a gentle reminder went out),
    /// `escalated` (on your worklist) or `at_risk` (dropout risk).
    pub inactivity_stage: Option<crate::domain::reminders::InactivityStage>,
    /// On the caseworker's worklist because of long inactivity.
    pub needs_attention: bool,
    /// Flagged as dropout risk.
    pub dropout_risk: bool,
    /// Last activity of the resident on the plan.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Days since the plan started.
    pub days_in_stabilisation: Option<i64>,
    /// Against the 90/120-day time box of the phase.
    pub time_box: Option<crate::domain::gate::TimeBox>,
    /// For a reported crisis that is still open: the Wgs deadline (three working days after
    /// the report) of the earliest one.
    pub crisis_deadline: Option<DateTime<Utc>>,
    /// Steps the resident put aside ("niet nu"); their reasons are on the plan.
    pub snoozed_steps: u32,
    /// Open steps the resident asked help with.
    pub help_requests: u32,
}

/// A fresh activation code. Show it to the resident once; it is stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationCodeResponse {
    /// The resident's login name.
    #[schema(example = "fatima4821")]
    pub login_name: String,
    /// One-time code for `POST /v1/auth/activate`.
    #[schema(example = "K7QM4XPA")]
    pub activation_code: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// A created resident with their first activation code.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentCreatedResponse {
    /// The resident.
    pub resident: ResidentResponse,
    /// How they sign in for the first time.
    pub activation: ActivationCodeResponse,
}

/// Filter for the caseload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// Only residents of this team (one of your own).
    pub team_id: Option<Uuid>,
    /// Residents per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before.
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of the caseload, by name.
    ResidentPage,
    ResidentResponse
);

pub(crate) fn resident_response(
    conn: &mut DbConn,
    u: users::UserRow,
) -> Result<ResidentResponse, ApiError> {
    let pending = tokens::find_pending_activation_expiry(conn, &u.id)?;
    let plan = crate::db::plans::find_current_plan_of(conn, &u.id)?;
    let steps = match &plan {
        Some(p) => crate::db::plans::list_steps(conn, &p.id)?,
        None => Vec::new(),
    };
    let tz = chrono_tz::Europe::Amsterdam;
    let crisis_deadline = steps
        .iter()
        .filter(|s| s.status == "open" && s.priority == "P0")
        .filter_map(|s| s.crisis_reported_at)
        .min()
        .map(|t| crate::domain::reminders::add_working_days(db::utc(t), 3, tz));
    let days = plan.as_ref().map(|p| {
        (crate::clock::now().date_naive() - p.started_on)
            .num_days()
            .max(0)
    });
    let now = db::now();
    Ok(ResidentResponse {
        id: parse_id(&u.id),
        display_name: u.display_name,
        login_name: u.login_name,
        language: parse_or(&u.language, Language::Nl),
        team_id: parse_id(u.team_id.as_deref().unwrap_or_default()),
        activated: u.password_hash.is_some(),
        activation_code_expires_at: pending.map(db::utc),
        failed_logins: u.failed_logins,
        locked_until: u.locked_until.filter(|t| *t > now).map(db::utc),
        last_login_at: u.last_login_at.map(db::utc),
        created_at: db::utc(u.created_at),
        plan_id: plan.as_ref().map(|p| parse_id(&p.id)),
        inactivity_stage: plan
            .as_ref()
            .and_then(|p| crate::api::types::parse_known(&p.inactivity_stage)),
        needs_attention: plan
            .as_ref()
            .is_some_and(|p| matches!(p.inactivity_stage.as_str(), "escalated" | "at_risk")),
        dropout_risk: plan
            .as_ref()
            .is_some_and(|p| p.inactivity_stage == "at_risk"),
        last_activity_at: plan.as_ref().and_then(|p| p.last_activity_at).map(db::utc),
        days_in_stabilisation: days,
        time_box: days.map(crate::domain::gate::time_box),
        crisis_deadline,
        snoozed_steps: u32::try_from(steps.iter().filter(|s| s.snoozed_until.is_some()).count())
            .unwrap_or(0),
        help_requests: u32::try_from(
            steps
                .iter()
                .filter(|s| s.status == "open" && s.help_requested_at.is_some())
                .count(),
        )
        .unwrap_or(0),
    })
}

/// Register a resident and get their one-time activation code.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    responses((status = 201, description = "Created; hand the activation code to the resident", body = ResidentCreatedResponse))
)]
#[post("/v1/residents")]
pub async fn create_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<CreateResidentRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let req = body.into_inner();
    let display_name = validate::text("display_name", &req.display_name, 1, 80)?;
    let team_id = req.team_id.to_string();
    let language = req.language.unwrap_or(Language::Nl);
    let input = CreateResident {
        display_name,
        language,
        team_id,
    };
    let st = state.clone();
    let created = db::run(&state.pool, move |conn| {
        let codes = CodeRules {
            key: &st.code_key,
            ttl: st.settings.activation_code_ttl,
        };
        usecases::create_resident::create_resident(conn, &auth, input, codes)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caseload: residents of the caseworker's own teams, by name, a page at a time.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(ResidentQuery),
    responses(
        (status = 200, description = "A page of residents", body = ResidentPage, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/residents")]
pub async fn list_residents(
    req: actix_web::HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ResidentQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let filter = query.team_id.map(|t| t.to_string());
    let page = PageRequest::new("residents", query.limit, query.cursor.as_deref())?;
    let list = db::run(&state.pool, move |conn| {
        let mut teams = users::find_team_ids_of(conn, &auth.id)?;
        if let Some(f) = filter {
            teams.retain(|t| *t == f);
        }
        // The cursor's resident must still be on this caseload; its name is the sort key.
        let last = match &page.after {
            None => None,
            Some(id) => Some(
                users::find_user(conn, id)?
                    .filter(|u| {
                        u.role == Role::Resident.as_str()
                            && u.team_id.as_ref().is_some_and(|t| teams.contains(t))
                    })
                    .ok_or_else(|| page.stale_cursor())?,
            ),
        };
        let after = last
            .as_ref()
            .map(|u| (u.display_name.as_str(), u.id.as_str()));
        let rows = users::list_residents_of_teams(conn, &teams, after, page.fetch())?;
        let rows = page.finish(rows, |u| &u.id);
        let mut items = Vec::with_capacity(rows.items.len());
        for u in rows.items {
            crate::api::audit::record(
                conn,
                &auth,
                &u.id,
                crate::domain::kinds::AuditAction::List,
                crate::domain::kinds::AuditObject::Resident,
                Some(&u.id),
            )?;
            items.push(resident_response(conn, u)?);
        }
        Ok(ResidentPage {
            items,
            next: rows.next,
        })
    })
    .await?;
    Ok(paging::reply(&req, &list, list.next.as_deref()))
}

/// One resident of the caseworker's teams.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 200, description = "The resident", body = ResidentResponse))
)]
#[get("/v1/residents/{id}")]
pub async fn get_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<ResidentResponse>> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let r = db::run(&state.pool, move |conn| {
        let row = find_visible_resident(conn, &auth, &id)?;
        crate::api::audit::record(
            conn,
            &auth,
            &row.id,
            crate::domain::kinds::AuditAction::Read,
            crate::domain::kinds::AuditObject::Resident,
            Some(&row.id),
        )?;
        resident_response(conn, row)
    })
    .await?;
    Ok(web::Json(r))
}

/// A new activation code: the old one stops working, the lock is cleared and existing sessions
/// end. This is also how a forgotten PIN is reset.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 201, description = "A new code", body = ActivationCodeResponse))
)]
#[post("/v1/residents/{id}/activation-code")]
pub async fn new_activation_code_for(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    let st = state.clone();
    let code = db::run(&state.pool, move |conn| {
        let codes = CodeRules {
            key: &st.code_key,
            ttl: st.settings.activation_code_ttl,
        };
        usecases::issue_activation_code::issue_activation_code(conn, &auth, &id, codes)
    })
    .await?;
    Ok(HttpResponse::Created().json(code))
}

/// Clear a resident's sign-in lock.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Resident id")),
    responses((status = 204, description = "Unlocked"))
)]
#[post("/v1/residents/{id}/unlock")]
pub async fn unlock_resident(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let id = path.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        usecases::unlock_resident::unlock_resident(conn, &auth, &id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
