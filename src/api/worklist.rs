//! The caseworker's worklist: the caseload of the caller's teams sorted by what needs them
//! now, with a count per kind (for filter chips) and cursor paging.

use crate::api::paging::{self, PageRequest};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, users, worklist as wdb};
use crate::domain::kinds::{Language, OwnerType, Priority, StepStatus};
use crate::domain::policy::CASEWORKERS;
use crate::domain::worklist::{self as wl, WorklistKind};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::ReminderRules;
use crate::startup::AppState;
use crate::wire::types::parse_id;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Filters and paging of the worklist.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// Only items of these kinds (comma-separated, e.g. `crisis,help_requested`).
    #[param(value_type = Option<Vec<WorklistKind>>, style = Form, explode = false)]
    pub kind: Option<String>,
    /// Only this team (one of your own; another team's id gives an empty list).
    pub team_id: Option<Uuid>,
    /// Items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// How many items there are of each kind (for the caller's teams and `team_id`, whatever
/// `kind` and the page).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WorklistCounts {
    /// Open crisis steps.
    pub crisis: u32,
    /// Help requests.
    pub help_requested: u32,
    /// Plans 14 days without activity.
    pub inactive_14: u32,
    /// Plans 21 days without activity.
    pub inactive_21: u32,
    /// Open steps of staff or volunteers.
    pub waiting_for_staff: u32,
    /// Steps put aside by the resident.
    pub snoozed: u32,
    /// Documents waiting for review.
    pub document_to_review: u32,
    /// Plans past 90 days in stabilisation.
    pub stabilisation_90: u32,
    /// Plans past 120 days in stabilisation.
    pub stabilisation_120: u32,
    /// Appointments today.
    pub appointment_today: u32,
    /// Appointments in the next two days not yet confirmed.
    pub appointment_unconfirmed: u32,
    /// Requests to move an appointment.
    pub appointment_move_requested: u32,
    /// Missed appointments with no activity since.
    pub appointment_missed: u32,
}

impl WorklistCounts {
    fn add(&mut self, kind: WorklistKind) {
        let n = match kind {
            WorklistKind::Crisis => &mut self.crisis,
            WorklistKind::HelpRequested => &mut self.help_requested,
            WorklistKind::Inactive14 => &mut self.inactive_14,
            WorklistKind::Inactive21 => &mut self.inactive_21,
            WorklistKind::WaitingForStaff => &mut self.waiting_for_staff,
            WorklistKind::Snoozed => &mut self.snoozed,
            WorklistKind::DocumentToReview => &mut self.document_to_review,
            WorklistKind::Stabilisation90 => &mut self.stabilisation_90,
            WorklistKind::Stabilisation120 => &mut self.stabilisation_120,
            WorklistKind::AppointmentToday => &mut self.appointment_today,
            WorklistKind::AppointmentUnconfirmed => &mut self.appointment_unconfirmed,
            WorklistKind::AppointmentMoveRequested => &mut self.appointment_move_requested,
            WorklistKind::AppointmentMissed => &mut self.appointment_missed,
        };
        *n += 1;
    }

    /// Every item counted.
    pub fn total(&self) -> u32 {
        self.crisis
            + self.help_requested
            + self.inactive_14
            + self.inactive_21
            + self.waiting_for_staff
            + self.snoozed
            + self.document_to_review
            + self.stabilisation_90
            + self.stabilisation_120
            + self.appointment_today
            + self.appointment_unconfirmed
            + self.appointment_move_requested
            + self.appointment_missed
    }

    /// (kind, count) in worklist order.
    pub fn by_kind(&self) -> Vec<(WorklistKind, u32)> {
        let mut kinds = WorklistKind::ALL.to_vec();
        kinds.sort_by_key(|k| k.rank());
        kinds
            .into_iter()
            .map(|k| {
                let n = match k {
                    WorklistKind::Crisis => self.crisis,
                    WorklistKind::HelpRequested => self.help_requested,
                    WorklistKind::Inactive14 => self.inactive_14,
                    WorklistKind::Inactive21 => self.inactive_21,
                    WorklistKind::WaitingForStaff => self.waiting_for_staff,
                    WorklistKind::Snoozed => self.snoozed,
                    WorklistKind::DocumentToReview => self.document_to_review,
                    WorklistKind::Stabilisation90 => self.stabilisation_90,
                    WorklistKind::Stabilisation120 => self.stabilisation_120,
                    WorklistKind::AppointmentToday => self.appointment_today,
                    WorklistKind::AppointmentUnconfirmed => self.appointment_unconfirmed,
                    WorklistKind::AppointmentMoveRequested => self.appointment_move_requested,
                    WorklistKind::AppointmentMissed => self.appointment_missed,
                };
                (k, n)
            })
            .collect()
    }
}

/// One thing that needs a caseworker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorklistItem {
    /// Opaque, stable id of this item (kind and object); unique on the worklist.
    #[schema(example = "c_0193b2e4-0000-7000-8000-000000000000")]
    pub id: String,
    /// What it asks of you.
    pub kind: WorklistKind,
    /// The resident.
    pub resident_id: Uuid,
    /// The resident's name as registered.
    #[schema(example = "Fatima Yilmaz")]
    pub resident_name: String,
    /// The resident's plan.
    pub plan_id: Uuid,
    /// The step it is about (crisis, help, waiting, snoozed, document).
    pub step_id: Option<Uuid>,
    /// That step's title in your language.
    pub step_title: Option<String>,
    /// The document to review (`document_to_review`).
    pub document_id: Option<Uuid>,
    /// The plan's team.
    pub team_id: Uuid,
    /// When this became a thing to do.
    pub since: DateTime<Utc>,
    /// Crisis: the Wgs deadline, three working days (Monday–Friday, Europe/Amsterdam) after
    /// the crisis step opened or was reported.
    pub due_at: Option<DateTime<Utc>>,
    /// Whether `due_at` has passed.
    pub overdue: bool,
    /// `snoozed`: the reason key (`SnoozeReason`); otherwise `null`.
    #[schema(example = "waiting_for_post")]
    pub reason: Option<String>,
    /// `snoozed`: the day the step comes back.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-10")]
    pub until: Option<NaiveDate>,
    /// `inactive_*`: whole days without activity; `stabilisation_*`: days in the phase.
    pub days: Option<i64>,
    /// The step's owner type (`waiting_for_staff`: who it waits for).
    pub owner_type: Option<OwnerType>,
    /// The staff member or volunteer the step waits for (`waiting_for_staff`).
    pub owner_id: Option<Uuid>,
    /// The appointment it is about (`appointment_*`).
    pub appointment_id: Option<Uuid>,
    /// That appointment's start.
    pub starts_at: Option<DateTime<Utc>>,
    /// `appointment_move_requested`: the resident's reason, in their words.
    #[schema(example = "Ik moet die dag werken")]
    pub move_request_reason: Option<String>,
}

/// The worklist: counts per kind and a page of items, most urgent first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistResponse {
    /// Items per kind of your teams (after `team_id`, before `kind` and paging).
    pub counts: WorklistCounts,
    /// This page's items: crisis (by deadline), help_requested, appointment_today,
    /// appointment_move_requested, document_to_review, appointment_missed, inactive_21,
    /// waiting_for_staff, stabilisation_120, inactive_14, appointment_unconfirmed, snoozed,
    /// stabilisation_90; within a kind the oldest first.
    pub items: Vec<WorklistItem>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    #[schema(example = "d29ya2xpc3Q6Y18wMTkzYjJlNA")]
    pub next_cursor: Option<String>,
}

fn step_title(s: &crate::db::plans::StepRow, lang: Language) -> String {
    match lang {
        Language::Nl => s.title_nl.clone(),
        Language::En => s.title_en.clone(),
    }
}

/// Every worklist item of `team_ids` at `now`, sorted. One code path for the endpoint and the
/// e-mail digest.
pub fn build_worklist(
    conn: &mut DbConn,
    rules: &ReminderRules,
    team_ids: &[String],
    now: DateTime<Utc>,
    lang: Language,
) -> Result<Vec<WorklistItem>, ApiError> {
    let tz = rules.default_policy.tz;
    let today = now.with_timezone(&tz).date_naive();
    let plans = wdb::list_current_plans_of_teams(conn, team_ids)?;
    let plan_ids: Vec<String> = plans.iter().map(|p| p.plan.id.clone()).collect();
    let by_id: HashMap<&str, &wdb::WorklistPlan> =
        plans.iter().map(|p| (p.plan.id.as_str(), p)).collect();
    let steps = wdb::list_open_or_snoozed_steps(conn, &plan_ids)?;
    let docs = wdb::list_pending_documents(conn, &plan_ids)?;
    let snoozed_ids: Vec<String> = steps
        .iter()
        .filter(|s| s.snoozed_until.is_some())
        .map(|s| s.id.clone())
        .collect();
    let mut snoozed_at: HashMap<String, chrono::NaiveDateTime> = HashMap::new();
    for (id, t) in wdb::list_snooze_times(conn, &snoozed_ids)? {
        let e = snoozed_at.entry(id).or_insert(t);
        *e = (*e).max(t);
    }
    let step_by_id: HashMap<&str, &crate::db::plans::StepRow> =
        steps.iter().map(|s| (s.id.as_str(), s)).collect();

    let mut items = Vec::new();
    let item = |kind: WorklistKind, p: &wdb::WorklistPlan, object: &str, since| WorklistItem {
        id: format!("{}_{object}", kind.id_prefix()),
        kind,
        resident_id: parse_id(&p.plan.resident_id),
        resident_name: p.resident_name.clone(),
        plan_id: parse_id(&p.plan.id),
        step_id: None,
        step_title: None,
        document_id: None,
        team_id: parse_id(&p.plan.team_id),
        since,
        due_at: None,
        overdue: false,
        reason: None,
        until: None,
        days: None,
        owner_type: None,
        owner_id: None,
        appointment_id: None,
        starts_at: None,
        move_request_reason: None,
    };

    for s in &steps {
        let Some(p) = by_id.get(s.plan_id.as_str()) else {
            continue;
        };
        let open = s.status == StepStatus::Open.as_str();
        let issued = s.issued_at.unwrap_or(s.updated_at);
        // Each step is on the list once, under its most urgent kind.
        let (kind, since) = if open && s.priority == Priority::P0.as_str() {
            (WorklistKind::Crisis, s.crisis_reported_at.unwrap_or(issued))
        } else if open && let Some(t) = s.help_requested_at {
            (WorklistKind::HelpRequested, t)
        } else if let Some(_until) = s.snoozed_until {
            let t = snoozed_at.get(&s.id).copied().unwrap_or(s.updated_at);
            (WorklistKind::Snoozed, t)
        } else if open && s.owner_type != OwnerType::Resident.as_str() {
            (WorklistKind::WaitingForStaff, issued)
        } else {
            continue;
        };
        let mut it = item(kind, p, &s.id, db::utc(since));
        it.step_id = Some(parse_id(&s.id));
        it.step_title = Some(step_title(s, lang));
        match kind {
            WorklistKind::Crisis => {
                let due = wl::crisis_deadline(db::utc(since), tz);
                it.due_at = Some(due);
                it.overdue = now > due;
            }
            WorklistKind::Snoozed => {
                it.reason = s.snooze_reason.clone();
                it.until = s.snoozed_until;
            }
            WorklistKind::WaitingForStaff => {
                it.owner_type = crate::wire::types::parse_known(&s.owner_type);
                it.owner_id = s.owner_user_id.as_deref().map(parse_id);
            }
            _ => {}
        }
        items.push(it);
    }

    for (doc_id, plan_id, step_id, created_at) in &docs {
        let Some(p) = by_id.get(plan_id.as_str()) else {
            continue;
        };
        let mut it = item(
            WorklistKind::DocumentToReview,
            p,
            doc_id,
            db::utc(*created_at),
        );
        it.document_id = Some(parse_id(doc_id));
        it.step_id = Some(parse_id(step_id));
        it.step_title = step_by_id
            .get(step_id.as_str())
            .map(|s| step_title(s, lang));
        if it.step_title.is_none()
            && let Some(s) = crate::db::plans::find_step(conn, step_id)?
        {
            it.step_title = Some(step_title(&s, lang));
        }
        items.push(it);
    }

    for p in plans.iter().filter(|p| p.plan.status == "active") {
        let last = db::utc(p.plan.last_activity_at.unwrap_or(p.plan.created_at));
        if let Some((kind, since)) = wl::inactivity(&rules.inactivity, last, now) {
            let mut it = item(kind, p, &p.plan.id, since);
            it.days = Some(wl::idle_days(last, now));
            items.push(it);
        }
        if let Some((kind, since)) = wl::time_box(p.plan.started_on, today, tz) {
            let mut it = item(kind, p, &p.plan.id, since);
            it.days = Some(wl::days_in_stabilisation(p.plan.started_on, today));
            items.push(it);
        }
    }

    let missed_since = (now - wl::MISSED_FOR).naive_utc();
    for a in crate::db::appointments::list_for_worklist(conn, &plan_ids, missed_since)? {
        let Some(p) = by_id.get(a.plan_id.as_str()) else {
            continue;
        };
        let last = db::utc(p.plan.last_activity_at.unwrap_or(p.plan.created_at));
        let status = crate::wire::types::parse_or(
            &a.status,
            crate::domain::kinds::AppointmentStatus::Cancelled,
        );
        let Some((kind, since)) = wl::appointment_item(
            status,
            db::utc(a.starts_at),
            db::utc(a.created_at),
            a.confirmed_at.is_some(),
            a.move_requested_at.map(db::utc),
            a.outcome_at.map(db::utc),
            last,
            now,
            tz,
        ) else {
            continue;
        };
        let mut it = item(kind, p, &a.id, since);
        it.appointment_id = Some(parse_id(&a.id));
        it.starts_at = Some(db::utc(a.starts_at));
        if kind == WorklistKind::AppointmentMoveRequested {
            it.move_request_reason = a.move_request_reason.clone();
        }
        items.push(it);
    }

    items.sort_by_cached_key(|i| wl::sort_key(i.kind, i.since, i.due_at, &i.id));
    Ok(items)
}

/// Counts per kind of a built worklist.
pub fn count(items: &[WorklistItem]) -> WorklistCounts {
    let mut c = WorklistCounts::default();
    for i in items {
        c.add(i.kind);
    }
    c
}

fn parse_kinds(raw: Option<&str>) -> Result<Option<HashSet<WorklistKind>>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let mut kinds = HashSet::new();
    for part in raw.split(',') {
        let k = WorklistKind::parse(part.trim()).ok_or_else(|| {
            ApiError::BadRequest(Msg::InvalidQuery {
                reason: format!("kind: unknown value `{}`", part.trim()),
            })
        })?;
        kinds.insert(k);
    }
    Ok(Some(kinds))
}

/// What needs you now (caseworkers): the residents of your teams with an open crisis (against
/// its Wgs deadline), a help request, an appointment today, a request to move one, a document
/// to review, a missed appointment, 21 or 14 days without activity, a step waiting for staff,
/// an appointment soon not yet confirmed, a step put aside, or past 90 or 120 days in
/// stabilisation. Most
/// urgent first; `counts` has every kind for filter chips. Never another team's residents.
#[utoipa::path(
    tag = "residents",
    security(("bearer" = [])),
    params(WorklistQuery),
    responses(
        (status = 200, description = "Counts and a page of items", body = WorklistResponse, headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or kind, or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only caseworkers have a worklist", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/worklist")]
pub async fn get_worklist(
    req: HttpRequest,
    auth: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<WorklistQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(CASEWORKERS)?;
    let kinds = parse_kinds(query.kind.as_deref())?;
    let filter = query.team_id.map(|t| t.to_string());
    let page = PageRequest::new("worklist", query.limit, query.cursor.as_deref())?;
    let rules = state.rules.clone();
    let body = db::run(&state.pool, move |conn| {
        let mut teams = users::find_team_ids_of(conn, &auth.id)?;
        if let Some(f) = filter {
            teams.retain(|t| *t == f);
        }
        let lang = crate::api::plans::language_of(conn, &auth.id)?;
        let all = build_worklist(conn, &rules, &teams, crate::clock::now(), lang)?;
        let counts = count(&all);
        let mut items: Vec<WorklistItem> = all
            .into_iter()
            .filter(|i| kinds.as_ref().is_none_or(|k| k.contains(&i.kind)))
            .collect();
        if let Some(after) = &page.after {
            let at = items
                .iter()
                .position(|i| &i.id == after)
                .ok_or_else(|| page.stale_cursor())?;
            items.drain(..=at);
        }
        let items = items
            .into_iter()
            .take(usize::try_from(page.fetch()).unwrap_or(usize::MAX))
            .collect();
        let page = page.finish(items, |i: &WorklistItem| &i.id);
        let mut seen = BTreeSet::new();
        for i in &page.items {
            let resident = i.resident_id.to_string();
            if seen.insert(resident.clone()) {
                crate::api::audit::record(
                    conn,
                    &auth,
                    &resident,
                    crate::domain::kinds::AuditAction::List,
                    crate::domain::kinds::AuditObject::Resident,
                    Some(&resident),
                )?;
            }
        }
        Ok(WorklistResponse {
            counts,
            items: page.items,
            next_cursor: page.next,
        })
    })
    .await?;
    Ok(paging::reply(&req, &body, body.next_cursor.as_deref()))
}
