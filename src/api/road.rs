//! "Wat gebeurt er hierna?": the resident's road as a whole. The phases (stabilisation, then
//! the debt arrangement), where they are, the exit criteria still open, how long this phase
//! usually takes (from the template), their next appointment and their people.

use crate::api::appointments::{self as appts, MyAppointmentResponse};
use crate::api::plans::language_of;
use crate::auth::AuthUser;
use crate::db::{self, plans, users};
use crate::domain::gate;
use crate::domain::kinds::{Language, OwnerType, Role, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

const RESIDENT: &[Role] = &[Role::Resident];

/// A phase of a debt-help track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoadPhaseKey {
    /// Income and costs in order, no new debts, a complete overview (this service).
    Stabilisation,
    /// Agreements with every creditor, by the debt-arrangement organisation.
    DebtArrangement,
}
crate::domain::kinds::all_values!(RoadPhaseKey {
    Stabilisation,
    DebtArrangement
});

/// Where a phase stands for you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoadPhaseState {
    /// Behind you.
    Done,
    /// Where you are now.
    Current,
    /// Still to come.
    Next,
}
crate::domain::kinds::all_values!(RoadPhaseState {
    Done,
    Current,
    Next
});

/// One phase, in plain words.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadPhase {
    /// Which phase.
    pub key: RoadPhaseKey,
    /// Its name in your language.
    #[schema(example = "Rust en overzicht")]
    pub name: String,
    /// What happens in it.
    pub description: String,
    /// Where it stands.
    pub state: RoadPhaseState,
}

/// An exit criterion still open.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadCriterion {
    /// `E1` … `E8`.
    #[schema(example = "E6")]
    pub code: String,
    /// In your language.
    #[schema(example = "Compleet schuldenoverzicht")]
    pub name: String,
    /// Steps towards it that are done.
    pub steps_done: u32,
    /// Steps towards it.
    pub steps_total: u32,
}

/// Who a contact is for you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoadContactRole {
    /// Your caseworker (hulpverlener).
    Caseworker,
    /// A volunteer who helps you with steps.
    Volunteer,
}
crate::domain::kinds::all_values!(RoadContactRole {
    Caseworker,
    Volunteer
});

/// One of your people (first name only).
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadContact {
    /// Caseworker or volunteer.
    pub role: RoadContactRole,
    /// First name.
    #[schema(example = "Sanne")]
    pub first_name: String,
}

/// How to reach your team, as the team set it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadTeam {
    /// The team's name.
    #[schema(example = "Buurtteam Noord")]
    pub name: String,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// When they can be reached.
    pub hours: Option<String>,
}

/// What happens next: the road, where you are, what is still open and who helps you.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoadResponse {
    /// The phases in order.
    pub phases: Vec<RoadPhase>,
    /// Days since your plan started.
    pub days_in_phase: i64,
    /// How many weeks this phase usually takes (from the action list).
    #[schema(example = 13)]
    pub usual_weeks: u32,
    /// Every exit criterion is met: ready for the debt arrangement.
    pub ready_for_next_phase: bool,
    /// Criteria met, of `criteria_total`.
    pub criteria_met: u32,
    /// Number of criteria.
    pub criteria_total: u32,
    /// The criteria still open.
    pub open_criteria: Vec<RoadCriterion>,
    /// Your next appointment, if one is planned.
    pub next_appointment: Option<MyAppointmentResponse>,
    /// Your caseworker and volunteers (first names).
    pub contacts: Vec<RoadContact>,
    /// How to reach your team.
    pub team: RoadTeam,
}

fn phase(key: RoadPhaseKey, state: RoadPhaseState, lang: Language) -> RoadPhase {
    let nl = lang == Language::Nl;
    let (name, description) = match (key, nl) {
        (RoadPhaseKey::Stabilisation, true) => (
            "Rust en overzicht",
            "Samen zetten we je geld op een rij: je inkomen, je vaste lasten en je schulden. Er komen geen nieuwe schulden bij.",
        ),
        (RoadPhaseKey::Stabilisation, false) => (
            "Calm and overview",
            "Together we put your money in order: your income, your fixed costs and your debts. No new debts are added.",
        ),
        (RoadPhaseKey::DebtArrangement, true) => (
            "Schuldregeling",
            "Daarna maakt de schuldhulp afspraken met al je schuldeisers. Jij betaalt dan wat je kunt missen.",
        ),
        (RoadPhaseKey::DebtArrangement, false) => (
            "Debt arrangement",
            "Then debt help makes agreements with all your creditors. You pay what you can spare.",
        ),
    };
    RoadPhase {
        key,
        name: name.to_owned(),
        description: description.to_owned(),
        state,
    }
}

fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// What happens next ("Wat gebeurt er hierna?"): the phases and where you are, the exit
/// criteria still open, how long this phase usually takes, your next appointment, your
/// caseworker and volunteers (first names) and how to reach your team.
#[utoipa::path(
    tag = "my steps",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your road", body = RoadResponse),
        (status = 404, description = "No current plan", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/road")]
pub async fn my_road(auth: AuthUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    auth.require(RESIDENT)?;
    let rules = state.rules.clone();
    let body = db::run(&state.pool, move |conn| {
        let plan = plans::find_current_plan_of(conn, &auth.id)?.ok_or(ApiError::NotFound)?;
        let lang = language_of(conn, &auth.id)?;
        let template = match plans::find_template(conn, &plan.template_id)? {
            Some(row) => Some(crate::api::templates::parse_stored(&row)?),
            None => None,
        };
        let steps = plans::list_steps(conn, &plan.id)?;
        let status = |s: &plans::StepRow| {
            s.status
                .parse::<StepStatus>()
                .unwrap_or(StepStatus::Cancelled)
        };
        let criteria = gate::evaluate(
            &steps
                .iter()
                .map(|s| gate::GateStep {
                    gates: s.gate_codes(),
                    status: status(s),
                    completed_at: s.completed_at,
                })
                .collect::<Vec<_>>(),
            lang,
        );
        let met = criteria.iter().filter(|c| c.met).count();
        let ready = met == criteria.len();
        let tz = scheduler_tz(conn, &rules, &auth.id)?;
        let today = crate::clock::now().with_timezone(&tz).date_naive();

        // People: the caseworker who made the plan (while still active in the team), then
        // volunteers with steps on it; first names only.
        let mut contacts = Vec::new();
        if let Some(cw) = &plan.created_by
            && let Some(u) = users::find_user(conn, cw)?
            && u.role == Role::Caseworker.as_str()
            && u.disabled_at.is_none()
        {
            contacts.push(RoadContact {
                role: RoadContactRole::Caseworker,
                first_name: first_name(&u.display_name),
            });
        }
        let mut volunteers: Vec<&str> = steps
            .iter()
            .filter(|s| s.owner_type == OwnerType::Volunteer.as_str())
            .filter_map(|s| s.owner_user_id.as_deref())
            .collect();
        volunteers.sort_unstable();
        volunteers.dedup();
        for v in volunteers {
            if let Some(u) = users::find_user(conn, v)?.filter(|u| u.disabled_at.is_none()) {
                contacts.push(RoadContact {
                    role: RoadContactRole::Volunteer,
                    first_name: first_name(&u.display_name),
                });
            }
        }
        let team = users::find_teams(conn, std::slice::from_ref(&plan.team_id))?.pop();
        let next_appointment = appts::next_appointment_of(conn, &rules, &auth)?;
        Ok(RoadResponse {
            phases: vec![
                phase(RoadPhaseKey::Stabilisation, RoadPhaseState::Current, lang),
                phase(RoadPhaseKey::DebtArrangement, RoadPhaseState::Next, lang),
            ],
            days_in_phase: (today - plan.started_on).num_days().max(0),
            usual_weeks: template
                .map(|t| t.usual_weeks)
                .unwrap_or(crate::domain::template::DEFAULT_USUAL_WEEKS),
            ready_for_next_phase: ready,
            criteria_met: u32::try_from(met).unwrap_or(0),
            criteria_total: u32::try_from(criteria.len()).unwrap_or(0),
            open_criteria: criteria
                .iter()
                .filter(|c| !c.met)
                .map(|c| RoadCriterion {
                    code: c.code.to_owned(),
                    name: c.name.to_owned(),
                    steps_done: c.steps_done,
                    steps_total: c.steps_total,
                })
                .collect(),
            next_appointment,
            contacts,
            team: RoadTeam {
                name: team.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
                phone: team.as_ref().and_then(|t| t.contact_phone.clone()),
                email: team.as_ref().and_then(|t| t.contact_email.clone()),
                hours: team.and_then(|t| t.contact_hours),
            },
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

fn scheduler_tz(
    conn: &mut crate::db::DbConn,
    rules: &crate::scheduler::ReminderRules,
    user_id: &str,
) -> ApiResult<chrono_tz::Tz> {
    Ok(crate::scheduler::policy_for(conn, rules, user_id)?.1.tz)
}
