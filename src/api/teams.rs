//! Teams (buurtteams): admins create and list them; staff see their own.

use crate::auth::AuthUser;
use crate::db::{self, users};
use crate::domain::kinds::Role;
use crate::domain::policy::ADMINS;
use crate::error::{ApiError, ApiResult};
use crate::wire::types::TeamResponse;
use crate::wire::validate;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::startup::AppState;
use crate::usecases::{self, update_team::UpdateTeam};

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// Team name, unique (1–100 characters).
    #[schema(example = "Buurtteam Overvecht")]
    pub name: String,
}

/// Create a team (admin).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = TeamResponse),
        (status = 409, description = "A team with this name exists", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/teams")]
pub async fn create_team(
    auth: AuthUser,
    state: web::Data<AppState>,
    body: crate::api::Json<CreateTeamRequest>,
) -> ApiResult<HttpResponse> {
    auth.require(ADMINS)?;
    let name = validate::text("name", &body.name, 1, 100)?;
    let team = db::run(&state.pool, move |conn| {
        usecases::create_team::create_team(conn, &auth, &name)
    })
    .await?;
    Ok(HttpResponse::Created().json(TeamResponse::from(team)))
}

/// List teams: all of them for admins, their own for other staff.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Teams", body = Vec<TeamResponse>),
        (status = 400, description = "An unknown query parameter (`unknown_query_parameter`): this list takes none", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/teams")]
pub async fn list_teams(
    auth: AuthUser,
    state: web::Data<AppState>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<Vec<TeamResponse>>> {
    auth.require(&[Role::Admin, Role::Caseworker, Role::Volunteer])?;
    let teams = db::run(&state.pool, move |conn| {
        Ok(if auth.role == Role::Admin {
            users::list_teams(conn)?
        } else {
            let ids = users::find_team_ids_of(conn, &auth.id)?;
            users::find_teams(conn, &ids)?
        })
    })
    .await?;
    Ok(web::Json(
        teams.into_iter().map(TeamResponse::from).collect(),
    ))
}

/// Someone a step can be handed to: an active caseworker or volunteer of the team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberResponse {
    /// User id (the `user_id` of a step's owner).
    pub id: Uuid,
    /// Name.
    #[schema(example = "Sanne de Vries")]
    pub display_name: String,
    /// `caseworker` (owner type `staff`) or `volunteer` (owner type `volunteer`).
    pub role: Role,
    /// For caseworkers: `generalist` or `specialist`.
    #[schema(example = "generalist")]
    pub discipline: Option<String>,
}

/// The active caseworkers and volunteers of a team, by name: whom a step can be handed to.
/// Caseworkers see their own teams (another team answers 404), admins every team.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 200, description = "Members", body = Vec<TeamMemberResponse>),
        (status = 400, description = "An unknown query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a caseworker or admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team among yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/teams/{id}/members")]
pub async fn list_team_members(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<Vec<TeamMemberResponse>>> {
    auth.require(&[Role::Admin, Role::Caseworker])?;
    let team_id = path.into_inner().to_string();
    let members = db::run(&state.pool, move |conn| {
        let visible = if auth.role == Role::Admin {
            !users::find_teams(conn, std::slice::from_ref(&team_id))?.is_empty()
        } else {
            users::find_team_ids_of(conn, &auth.id)?.contains(&team_id)
        };
        if !visible {
            return Err(ApiError::NotFound);
        }
        Ok(users::list_team_members(conn, &team_id)?)
    })
    .await?;
    Ok(web::Json(
        members
            .into_iter()
            .map(|u| TeamMemberResponse {
                id: crate::wire::types::parse_id(&u.id),
                display_name: u.display_name,
                role: u.role.parse().unwrap_or(Role::Volunteer),
                discipline: u.discipline,
            })
            .collect(),
    ))
}

/// Team settings (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamRequest {
    /// New name.
    pub name: Option<String>,
    /// How new plans get their evaluation arm. Existing plans keep theirs.
    pub arm_policy: Option<crate::domain::research::ArmPolicy>,
    /// Micro-randomised reminders: the probability (0–1) that a reminder to a resident is sent
    /// at its decision point (decision and probability are logged); `null` turns it off.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1.0)]
    pub reminder_send_probability: Option<Option<f64>>,
    /// Phone number residents may call (1–40 characters); `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
    /// E-mail address residents may write to; `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    /// When the team can be reached, in plain words (1–200 characters); `null` removes it.
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_hours: Option<Option<String>>,
}

/// Change a team's name, evaluation-arm policy or how residents reach it (admin).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamResponse))
)]
#[patch("/v1/teams/{id}")]
pub async fn update_team(
    auth: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<uuid::Uuid>,
    body: crate::api::Json<UpdateTeamRequest>,
) -> ApiResult<web::Json<TeamResponse>> {
    auth.require(ADMINS)?;
    let id = path.into_inner().to_string();
    let req = body.into_inner();
    let name = req
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 1, 100))
        .transpose()?;
    if let Some(Some(p)) = req.reminder_send_probability
        && !(0.0..=1.0).contains(&p)
    {
        return Err(crate::error::ApiError::invalid(
            "reminder_send_probability",
            crate::i18n::Msg::ProbabilityRange,
        ));
    }
    let check = |field: &str, v: Option<Option<String>>, max: usize| {
        v.map(|o| o.map(|t| validate::text(field, &t, 1, max)).transpose())
            .transpose()
    };
    let phone = check("contact_phone", req.contact_phone, 40)?;
    let email = req
        .contact_email
        .map(|o| o.map(|e| validate::email("contact_email", &e)).transpose())
        .transpose()?;
    let hours = check("contact_hours", req.contact_hours, 200)?;
    let input = UpdateTeam {
        team_id: id,
        name,
        arm_policy: req.arm_policy,
        reminder_send_probability: req.reminder_send_probability,
        contact_phone: phone,
        contact_email: email,
        contact_hours: hours,
    };
    let team = db::run(&state.pool, move |conn| {
        usecases::update_team::update_team(conn, &auth, input)
    })
    .await?;
    Ok(web::Json(TeamResponse::from(team)))
}
