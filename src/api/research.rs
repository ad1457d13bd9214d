//! Pseudonymised outcome data for the researchers of "wat werkt?": one row per plan, and
//! aggregates per arm and team with small groups suppressed. No names, no free text, no exact
//! dates. Definitions of every metric: docs/metrics.md.

use crate::api::paging::{self, Page, PageRequest};
use crate::api::plans::OutflowReason;
use crate::auth::AuthUser;
use crate::db::schema::{notifications, plan_events, pulses};
use crate::db::{self, DbConn, plans};
use crate::domain::gate;
use crate::domain::kinds::{Language, PlanStatus, Role, StepStatus};
use crate::domain::research::{self, Arm, MIN_GROUP};
use crate::error::ApiResult;
use crate::startup::AppState;
use crate::wire::types::{parse_known, parse_or, text_of};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

const RESEARCHERS: &[Role] = &[Role::Researcher];

/// One plan, pseudonymised.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResearchPlanRow {
    /// Stable pseudonym of the plan (keyed hash; the same in every export).
    pub plan: String,
    /// Pseudonym of the team.
    pub team: String,
    /// Evaluation arm.
    pub arm: Arm,
    /// Whether the arm was drawn at random.
    pub arm_randomised: bool,
    /// ISO week the plan started, e.g. `2026-W48`.
    pub start_week: String,
    /// Plan status now.
    pub status: PlanStatus,
    /// Outflow reason (GGM/DDAS terms), once ended.
    pub outflow_reason: Option<OutflowReason>,
    /// Days from start to the first change to `stabilised`.
    #[schema(minimum = 0, maximum = 36500)]
    pub days_to_stabilisation: Option<i64>,
    /// Days from start to `dropped_out`.
    #[schema(minimum = 0, maximum = 36500)]
    pub days_to_dropout: Option<i64>,
    /// Days from start to the end of observation: the first change to `stabilised`, else the
    /// end of the trajectory (`dropped_out`, `closed`), else today (the censoring time of a
    /// plan still under way).
    #[schema(minimum = 0, maximum = 36500)]
    pub days_observed: i64,
    /// Steps that apply (not skipped or cancelled).
    pub steps_total: u32,
    /// Of those, done or verified.
    pub steps_done: u32,
    /// Applicable steps owned by the resident / done.
    pub resident_steps_total: u32,
    pub resident_steps_done: u32,
    /// Applicable steps owned by staff / done.
    pub staff_steps_total: u32,
    pub staff_steps_done: u32,
    /// Applicable steps owned by volunteers / done.
    pub volunteer_steps_total: u32,
    pub volunteer_steps_done: u32,
    /// Median hours from issue to completion (steps done after issue, intake steps excluded).
    pub median_hours_issue_to_completion: Option<f64>,
    /// Reminders sent to the resident.
    pub reminders_sent: u32,
    /// Micro-randomised decision points, and how many of them withheld the reminder.
    pub mrt_decisions: u32,
    pub mrt_withheld: u32,
    /// Resident completions within 24 h after a reminder was sent.
    pub completions_within_24h_of_reminder: u32,
    /// Steps on which the resident asked for help.
    pub help_requests: u32,
    /// Days from start to each exit criterion met (E1–E8); absent when not met or not timed.
    pub days_to_criterion: BTreeMap<String, Option<i64>>,
    /// Mean mood after steps (1–5) and number of answers.
    pub mood_mean: Option<f64>,
    pub mood_answers: u32,
    /// Mean working-alliance score (1–5) and number of answers.
    pub alliance_mean: Option<f64>,
    pub alliance_answers: u32,
    /// Documents sent as evidence (a count only: researchers never see documents), and how
    /// many of them the caseworker accepted.
    pub documents: u32,
    pub documents_accepted: u32,
    /// Appointments planned with the resident (every one, whatever became of it).
    pub appointments_planned: u32,
    /// Of those, recorded as attended.
    pub appointments_attended: u32,
    /// Of those, recorded as missed.
    pub appointments_missed: u32,
    /// Of those, cancelled.
    pub appointments_cancelled: u32,
    /// Moves to another time (an appointment moved twice counts twice).
    pub appointments_moved: u32,
}

fn days(from: chrono::NaiveDate, to: NaiveDateTime) -> i64 {
    (to.date() - from).num_days().max(0)
}

fn mean(v: &[i32]) -> Option<f64> {
    (!v.is_empty())
        .then(|| (f64::from(v.iter().sum::<i32>()) / v.len() as f64 * 100.0).round() / 100.0)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds the research rows of every plan.
pub fn research_rows(
    conn: &mut DbConn,
    key: &[u8],
) -> Result<Vec<ResearchPlanRow>, crate::error::ApiError> {
    let all: Vec<plans::PlanRow> = crate::db::schema::plans::table
        .select(plans::PlanRow::as_select())
        .order(crate::db::schema::plans::created_at.asc())
        .load(conn)?;
    all.into_iter()
        .map(|p| research_row(conn, key, p))
        .collect()
}

/// One page of research rows in pseudonym order, after the row with pseudonym `after`.
/// The order is by pseudonym so that a cursor names only what the researcher sees anyway: a
/// plan id would carry its creation time (UUIDv7), which the rows keep to the week.
pub fn research_rows_page(
    conn: &mut DbConn,
    key: &[u8],
    page: &PageRequest,
) -> Result<Page<ResearchPlanRow>, crate::error::ApiError> {
    let ids: Vec<String> = crate::db::schema::plans::table
        .select(crate::db::schema::plans::id)
        .load(conn)?;
    let mut keyed: Vec<(String, String)> = ids
        .into_iter()
        .map(|id| (research::pseudonym(key, &id), id))
        .collect();
    keyed.sort();
    let start = match &page.after {
        None => 0,
        Some(after) => {
            keyed
                .binary_search_by(|(p, _)| p.as_str().cmp(after))
                .map_err(|_| page.stale_cursor())?
                + 1
        }
    };
    let fetch = usize::try_from(page.fetch()).unwrap_or(usize::MAX);
    let mut rows = Vec::new();
    for (_, id) in keyed.iter().skip(start).take(fetch) {
        let p = crate::db::schema::plans::table
            .find(id)
            .select(plans::PlanRow::as_select())
            .first(conn)?;
        rows.push(research_row(conn, key, p)?);
    }
    Ok(page.finish(rows, |r| &r.plan))
}

fn research_row(
    conn: &mut DbConn,
    key: &[u8],
    p: plans::PlanRow,
) -> Result<ResearchPlanRow, crate::error::ApiError> {
    {
        let doc_counts = crate::db::documents::plan_counts(conn, &p.id)?;
        let steps = plans::list_steps(conn, &p.id)?;
        let status = |s: &plans::StepRow| {
            s.status
                .parse::<StepStatus>()
                .unwrap_or(StepStatus::Cancelled)
        };
        let applies =
            |s: &plans::StepRow| !matches!(status(s), StepStatus::Skipped | StepStatus::Cancelled);
        let by_owner = |owner: &str| {
            let a: Vec<&plans::StepRow> = steps
                .iter()
                .filter(|s| s.owner_type == owner && applies(s))
                .collect();
            (
                count(a.len()),
                count(a.iter().filter(|s| status(s).is_completed()).count()),
            )
        };
        let (rt, rd) = by_owner("resident");
        let (st, sd) = by_owner("staff");
        let (vt, vd) = by_owner("volunteer");
        let mut hours: Vec<f64> = steps
            .iter()
            .filter(|s| !s.intake_done && status(s).is_completed())
            .filter_map(|s| Some((s.completed_at? - s.issued_at?).num_minutes() as f64 / 60.0))
            .filter(|h| *h >= 0.0)
            .collect();
        let sent: Vec<NaiveDateTime> = notifications::table
            .filter(notifications::plan_id.eq(&p.id))
            .filter(notifications::user_id.eq(&p.resident_id))
            // Reached the resident: a device accepted it (a retry to another may be pending).
            .filter(notifications::sent_at.is_not_null())
            // Step reminders only: appointment reminders are counted with the appointments.
            .filter(notifications::kind.ne_all([
                crate::domain::reminders::ReminderKind::AppointmentDayBefore.as_str(),
                crate::domain::reminders::ReminderKind::AppointmentSoon.as_str(),
            ]))
            .select(notifications::sent_at.assume_not_null())
            .load(conn)?;
        let mrt: Vec<bool> = notifications::table
            .filter(notifications::plan_id.eq(&p.id))
            .filter(notifications::mrt_send.is_not_null())
            .select(notifications::mrt_send.assume_not_null())
            .load(conn)?;
        let resident_completions: Vec<NaiveDateTime> = steps
            .iter()
            .filter(|s| s.owner_type == "resident" && !s.intake_done)
            .filter_map(|s| s.completed_at)
            .collect();
        let within = resident_completions
            .iter()
            .filter(|c| {
                sent.iter()
                    .any(|r| *r <= **c && **c - *r <= chrono::Duration::hours(24))
            })
            .count();
        let stabilised_at: Option<NaiveDateTime> = plan_events::table
            .filter(plan_events::plan_id.eq(&p.id))
            .filter(plan_events::kind.eq("plan_changed"))
            .filter(plan_events::detail.like("%\"stabilised\"%"))
            .select(plan_events::occurred_at)
            .order(plan_events::occurred_at.asc())
            .first(conn)
            .optional()?;
        let criteria = gate::evaluate(
            &steps
                .iter()
                .map(|s| gate::GateStep {
                    gates: s.gate_codes(),
                    status: status(s),
                    completed_at: s.completed_at,
                })
                .collect::<Vec<_>>(),
            Language::En,
        );
        let answers: Vec<(String, i32)> = pulses::table
            .filter(pulses::plan_id.eq(&p.id))
            .select((pulses::kind, pulses::score))
            .load(conn)?;
        let mood: Vec<i32> = answers
            .iter()
            .filter(|a| a.0 == "mood")
            .map(|a| a.1)
            .collect();
        let alliance: Vec<i32> = answers
            .iter()
            .filter(|a| a.0 == "alliance")
            .map(|a| a.1)
            .collect();
        let appointments = research::appointment_counts(
            &crate::db::appointments::list_outline_for_plans(conn, std::slice::from_ref(&p.id))?
                .into_iter()
                .map(|(_, status, moved)| {
                    (
                        parse_or(&status, crate::domain::kinds::AppointmentStatus::Cancelled),
                        moved,
                    )
                })
                .collect::<Vec<_>>(),
        );
        let w = p.started_on.iso_week();
        Ok(ResearchPlanRow {
            plan: research::pseudonym(key, &p.id),
            team: research::pseudonym(key, &p.team_id),
            arm: Arm::parse(&p.arm),
            arm_randomised: p.arm_randomised,
            start_week: format!("{:04}-W{:02}", w.year(), w.week()),
            status: parse_or(&p.status, PlanStatus::Active),
            outflow_reason: p.outflow_reason.as_deref().and_then(parse_known),
            days_to_stabilisation: stabilised_at.map(|t| days(p.started_on, t)),
            days_to_dropout: (p.status == "dropped_out")
                .then_some(p.closed_at)
                .flatten()
                .map(|t| days(p.started_on, t)),
            days_observed: days(
                p.started_on,
                stabilised_at.or(p.closed_at).unwrap_or_else(crate::db::now),
            ),
            steps_total: rt + st + vt,
            steps_done: rd + sd + vd,
            resident_steps_total: rt,
            resident_steps_done: rd,
            staff_steps_total: st,
            staff_steps_done: sd,
            volunteer_steps_total: vt,
            volunteer_steps_done: vd,
            median_hours_issue_to_completion: research::median(&mut hours)
                .map(|h| (h * 10.0).round() / 10.0),
            reminders_sent: count(sent.len()),
            mrt_decisions: count(mrt.len()),
            mrt_withheld: count(mrt.iter().filter(|s| !**s).count()),
            completions_within_24h_of_reminder: count(within),
            help_requests: count(
                steps
                    .iter()
                    .filter(|s| s.help_requested_at.is_some())
                    .count(),
            ),
            days_to_criterion: criteria
                .iter()
                .map(|c| {
                    (
                        c.code.to_owned(),
                        c.met_at.map(|t| days(p.started_on, t.naive_utc())),
                    )
                })
                .collect(),
            mood_mean: mean(&mood),
            mood_answers: count(mood.len()),
            alliance_mean: mean(&alliance),
            alliance_answers: count(alliance.len()),
            documents: doc_counts.0,
            documents_accepted: doc_counts.1,
            appointments_planned: appointments.planned,
            appointments_attended: appointments.attended,
            appointments_missed: appointments.missed,
            appointments_cancelled: appointments.cancelled,
            appointments_moved: appointments.moved,
        })
    }
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// CSV by hand: every value is a number, a boolean or a fixed code (no free text can reach
/// this export), so quoting is never needed and a CSV crate would add nothing.
fn to_csv(rows: &[ResearchPlanRow]) -> String {
    let mut out = String::from(
        "plan,team,arm,arm_randomised,start_week,status,outflow_reason,days_to_stabilisation,days_to_dropout,days_observed,\
steps_total,steps_done,resident_steps_total,resident_steps_done,staff_steps_total,staff_steps_done,\
volunteer_steps_total,volunteer_steps_done,median_hours_issue_to_completion,reminders_sent,mrt_decisions,mrt_withheld,\
completions_within_24h_of_reminder,help_requests,days_to_E1,days_to_E2,days_to_E3,days_to_E4,days_to_E5,\
days_to_E6,days_to_E7,days_to_E8,mood_mean,mood_answers,alliance_mean,alliance_answers,documents,documents_accepted,appointments_planned,appointments_attended,\
appointments_missed,appointments_cancelled,appointments_moved\n",
    );
    for r in rows {
        let crit: Vec<String> = gate::CRITERIA
            .iter()
            .map(|(c, _, _)| {
                r.days_to_criterion
                    .get(*c)
                    .cloned()
                    .flatten()
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.plan,
            r.team,
            r.arm.as_str(),
            r.arm_randomised,
            r.start_week,
            r.status,
            opt(&r.outflow_reason.map(|o| text_of(&o))),
            opt(&r.days_to_stabilisation),
            opt(&r.days_to_dropout),
            r.days_observed,
            r.steps_total,
            r.steps_done,
            r.resident_steps_total,
            r.resident_steps_done,
            r.staff_steps_total,
            r.staff_steps_done,
            r.volunteer_steps_total,
            r.volunteer_steps_done,
            opt(&r.median_hours_issue_to_completion),
            r.reminders_sent,
            r.mrt_decisions,
            r.mrt_withheld,
            r.completions_within_24h_of_reminder,
            r.help_requests,
            crit.join(","),
            opt(&r.mood_mean),
            r.mood_answers,
            opt(&r.alliance_mean),
            r.alliance_answers,
            r.documents,
            r.documents_accepted,
            r.appointments_planned,
            r.appointments_attended,
            r.appointments_missed,
            r.appointments_cancelled,
            r.appointments_moved,
        ));
    }
    out
}

/// Paging of the research rows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResearchQuery {
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next` cursor of the page before (in JSON, or from the CSV answer's `Link` header).
    pub cursor: Option<String>,
}

crate::page_type!(
    /// A page of research rows, in pseudonym order.
    ResearchPlanPage,
    ResearchPlanRow
);

/// One row per plan, pseudonymised (researchers), a page at a time in pseudonym order. JSON,
/// or CSV with `Accept: text/csv` (each page with its header line; the next page is in the
/// `Link` header).
#[utoipa::path(
    tag = "research",
    security(("bearer" = [])),
    params(ResearchQuery),
    responses(
        (status = 200, description = "A page of rows", content(
            (ResearchPlanPage = "application/json"),
            (String = "text/csv"),
        ), headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/research/plans")]
pub async fn research_plans(
    auth: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ResearchQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(RESEARCHERS)?;
    let page = PageRequest::new("research", query.limit, query.cursor.as_deref())?;
    let key = state.research_key.expose_secret().as_bytes().to_vec();
    let rows = db::run(&state.pool, move |conn| {
        research_rows_page(conn, &key, &page)
    })
    .await?;
    Ok(csv_or_json(&req, rows, to_csv, ResearchPlanPage::from))
}

/// A page of a research export: CSV with `Accept: text/csv` (the next page in the `Link`
/// header), else the JSON page.
pub(crate) fn csv_or_json<R, B: Serialize>(
    req: &HttpRequest,
    rows: Page<R>,
    csv: impl FnOnce(&[R]) -> String,
    json: impl FnOnce(Page<R>) -> B,
) -> HttpResponse {
    if wants_csv(req) {
        let mut res = HttpResponse::Ok();
        if let Some(next) = &rows.next {
            res.insert_header((header::LINK, paging::next_link(req, next)));
        }
        return res
            .content_type("text/csv; charset=utf-8")
            .body(csv(&rows.items));
    }
    let next = rows.next.clone();
    paging::reply(req, &json(rows), next.as_deref())
}

/// Aggregates of one arm in one team; groups under 5 plans are suppressed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResearchGroup {
    /// Evaluation arm.
    pub arm: Arm,
    /// Team pseudonym.
    pub team: String,
    /// Number of plans (absent when suppressed).
    pub plans: Option<u32>,
    /// True when the group is smaller than 5 and its figures are withheld.
    pub suppressed: bool,
    /// Share of plans that dropped out.
    pub dropout_rate: Option<f64>,
    /// Mean days to stabilisation among stabilised plans.
    pub mean_days_to_stabilisation: Option<f64>,
    /// Mean share of applicable steps done.
    pub mean_share_done: Option<f64>,
    /// Median of the plans' median hours from issue to completion.
    pub median_hours_issue_to_completion: Option<f64>,
    /// Resident completions within 24 h of a reminder, per reminder sent.
    pub completions_per_reminder: Option<f64>,
    /// Mean mood and alliance scores.
    pub mood_mean: Option<f64>,
    pub alliance_mean: Option<f64>,
}

/// The same figures per arm and team (researchers), small groups suppressed.
#[utoipa::path(
    tag = "research",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Groups", body = Vec<ResearchGroup>),
        (status = 400, description = "An unknown query parameter (`unknown_query_parameter`): this list takes none", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/v1/research/summary")]
pub async fn research_summary(
    auth: AuthUser,
    state: web::Data<AppState>,
    _query: web::Query<crate::api::NoQuery>,
) -> ApiResult<web::Json<Vec<ResearchGroup>>> {
    auth.require(RESEARCHERS)?;
    let key = state.research_key.expose_secret().as_bytes().to_vec();
    let rows = db::run(&state.pool, move |conn| research_rows(conn, &key)).await?;
    let mut groups: BTreeMap<(&'static str, String), Vec<ResearchPlanRow>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.arm.as_str(), r.team.clone()))
            .or_default()
            .push(r);
    }
    let avg = |v: Vec<f64>| {
        (!v.is_empty()).then(|| (v.iter().sum::<f64>() / v.len() as f64 * 100.0).round() / 100.0)
    };
    Ok(web::Json(
        groups
            .into_iter()
            .map(|((arm, team), rows)| {
                let arm = Arm::parse(arm);
                if rows.len() < MIN_GROUP {
                    return ResearchGroup {
                        arm,
                        team,
                        plans: None,
                        suppressed: true,
                        dropout_rate: None,
                        mean_days_to_stabilisation: None,
                        mean_share_done: None,
                        median_hours_issue_to_completion: None,
                        completions_per_reminder: None,
                        mood_mean: None,
                        alliance_mean: None,
                    };
                }
                let n = rows.len() as f64;
                let sent: u32 = rows.iter().map(|r| r.reminders_sent).sum();
                let within: u32 = rows
                    .iter()
                    .map(|r| r.completions_within_24h_of_reminder)
                    .sum();
                ResearchGroup {
                    arm,
                    team,
                    plans: Some(count(rows.len())),
                    suppressed: false,
                    dropout_rate: Some(
                        (rows
                            .iter()
                            .filter(|r| r.status == PlanStatus::DroppedOut)
                            .count() as f64
                            / n
                            * 100.0)
                            .round()
                            / 100.0,
                    ),
                    mean_days_to_stabilisation: avg(rows
                        .iter()
                        .filter_map(|r| r.days_to_stabilisation)
                        .map(|d| d as f64)
                        .collect()),
                    mean_share_done: avg(rows
                        .iter()
                        .filter(|r| r.steps_total > 0)
                        .map(|r| f64::from(r.steps_done) / f64::from(r.steps_total))
                        .collect()),
                    median_hours_issue_to_completion: research::median(
                        &mut rows
                            .iter()
                            .filter_map(|r| r.median_hours_issue_to_completion)
                            .collect::<Vec<_>>(),
                    ),
                    completions_per_reminder: (sent > 0)
                        .then(|| (f64::from(within) / f64::from(sent) * 100.0).round() / 100.0),
                    mood_mean: avg(rows.iter().filter_map(|r| r.mood_mean).collect()),
                    alliance_mean: avg(rows.iter().filter_map(|r| r.alliance_mean).collect()),
                }
            })
            .collect(),
    ))
}
