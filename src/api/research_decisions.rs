//! The decision-level export of the micro-randomised trial (researchers): one row per
//! decision point of a reminder to a resident — the unit of the standard analysis of an MRT
//! (weighted and centred least squares of the proximal outcome on the draw). Pseudonymised like
//! the plan rows: no names, no ids, no calendar dates (days since the plan started and the local
//! hour only). Definitions: docs/metrics.md, "Decision points".

use crate::api::paging::{Page, PageRequest};
use crate::api::research::{ResearchQuery, csv_or_json};
use crate::auth::AuthUser;
use crate::db::schema::{plan_events, steps};
use crate::db::{self, DbConn, mrt, plans};
use crate::domain::kinds::Role;
use crate::domain::reminders::ReminderKind;
use crate::domain::research::{self, Arm};
use crate::error::ApiResult;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use secrecy::ExposeSecret;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Why a resident was not available for randomisation at a decision point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum UnavailableReason {
    /// The resident turned reminders off.
    #[serde(rename = "reminders_off")]
    RemindersOff,
    /// The plan is at risk (the inactivity ladder's last rung): the caseworker takes over.
    #[serde(rename = "plan_at_risk")]
    PlanAtRisk,
    /// A crisis reminder: never withheld, so never randomised.
    #[serde(rename = "crisis")]
    Crisis,
    /// No device to reach the resident on.
    #[serde(rename = "no_device")]
    NoDevice,
}
crate::domain::kinds::all_values!(UnavailableReason {
    RemindersOff,
    PlanAtRisk,
    Crisis,
    NoDevice
});

impl UnavailableReason {
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The serialised spelling (as the dispatcher stores it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemindersOff => "reminders_off",
            Self::PlanAtRisk => "plan_at_risk",
            Self::Crisis => "crisis",
            Self::NoDevice => "no_device",
        }
    }
}

/// One decision point, pseudonymised.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResearchDecisionRow {
    /// Stable pseudonym of the decision point (keyed hash).
    #[schema(max_length = 24, pattern = "^[0-9a-f]{24}$")]
    pub decision: String,
    /// Pseudonym of the plan (the same as in `GET /v1/research/plans`).
    #[schema(max_length = 24, pattern = "^[0-9a-f]{24}$")]
    pub plan: String,
    /// The plan's evaluation arm.
    pub arm: Arm,
    /// Whole days from the plan's start to the decision (0 on the first day).
    #[schema(minimum = 0)]
    pub day: i64,
    /// Hour of the day of the decision, local time of the resident (0–23).
    #[schema(minimum = 0, maximum = 23)]
    pub hour: u32,
    /// What the reminder was about.
    pub kind: ReminderKind,
    /// Whether the resident was available for randomisation.
    pub available: bool,
    /// Why not, when not available.
    pub unavailable_reason: Option<UnavailableReason>,
    /// The probability of sending (available points only).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub probability: Option<f64>,
    /// The draw: `true` sent, `false` withheld (available points only).
    pub sent: Option<bool>,
    /// A step of the resident's own completed within 4 hours after the decision; `null` while
    /// those 4 hours have not passed.
    pub completed_within_4h: Option<bool>,
    /// The same within 24 hours.
    pub completed_within_24h: Option<bool>,
    /// Any activity of the resident in the app (a completion, help asked, a step put aside, a
    /// moment chosen, a mood or a document…) within 24 hours; `null` while they have not passed.
    pub active_within_24h: Option<bool>,
}

crate::page_type!(
    /// A page of decision points, in pseudonym order.
    ResearchDecisionPage,
    ResearchDecisionRow
);

/// What one plan contributes to its decision rows' outcomes.
struct PlanFacts {
    pseudonym: String,
    arm: Arm,
    started_on: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    completions: Vec<NaiveDateTime>,
    activity: Vec<NaiveDateTime>,
}

fn facts(
    conn: &mut DbConn,
    key: &[u8],
    rules: &crate::scheduler::ReminderRules,
    plan_id: &str,
) -> Result<PlanFacts, crate::error::ApiError> {
    let plan = plans::find_plan(conn, plan_id)?.ok_or(crate::error::ApiError::NotFound)?;
    let (_, policy) = crate::scheduler::policy_for(conn, rules, &plan.resident_id)?;
    let completions: Vec<NaiveDateTime> = steps::table
        .filter(steps::plan_id.eq(plan_id))
        .filter(steps::owner_type.eq("resident"))
        .filter(steps::intake_done.eq(false))
        .filter(steps::completed_at.is_not_null())
        .select(steps::completed_at.assume_not_null())
        .load(conn)?;
    let mut activity: Vec<NaiveDateTime> = plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .filter(plan_events::actor_role.eq("resident"))
        .select(plan_events::occurred_at)
        .load(conn)?;
    activity.extend(completions.iter().copied());
    Ok(PlanFacts {
        pseudonym: research::pseudonym(key, plan_id),
        arm: Arm::parse(&plan.arm),
        started_on: plan.started_on,
        tz: policy.tz,
        completions,
        activity,
    })
}

/// Whether any of `times` falls in `(t, t + window]`; `None` while the window is still open.
fn within(
    times: &[NaiveDateTime],
    t: NaiveDateTime,
    window: Duration,
    now: NaiveDateTime,
) -> Option<bool> {
    let end = t + window;
    if now < end {
        return None;
    }
    Some(times.iter().any(|c| *c > t && *c <= end))
}

fn decision_pseudonym(key: &[u8], id: &str) -> String {
    research::pseudonym(key, &format!("decision:{id}"))
}

/// One page of decision rows in pseudonym order (a cursor names nothing but a pseudonym).
pub fn decision_rows_page(
    conn: &mut DbConn,
    key: &[u8],
    rules: &crate::scheduler::ReminderRules,
    page: &PageRequest,
) -> Result<Page<ResearchDecisionRow>, crate::error::ApiError> {
    let all = mrt::list_all(conn)?;
    let mut keyed: Vec<(String, &mrt::DecisionRow)> = all
        .iter()
        .map(|d| (decision_pseudonym(key, &d.notification_id), d))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
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
    let now = db::now();
    let mut plans_seen: HashMap<String, PlanFacts> = HashMap::new();
    let mut rows = Vec::new();
    for (pseudonym, d) in keyed.iter().skip(start).take(fetch) {
        if !plans_seen.contains_key(&d.plan_id) {
            let f = facts(conn, key, rules, &d.plan_id)?;
            plans_seen.insert(d.plan_id.clone(), f);
        }
        let f = &plans_seen[&d.plan_id];
        let t = d.decided_at;
        let local = t.and_utc().with_timezone(&f.tz);
        rows.push(ResearchDecisionRow {
            decision: pseudonym.clone(),
            plan: f.pseudonym.clone(),
            arm: f.arm,
            day: (local.date_naive() - f.started_on).num_days().max(0),
            hour: local.hour(),
            kind: ReminderKind::parse(&d.kind).unwrap_or(ReminderKind::NewStep),
            available: d.available,
            unavailable_reason: d
                .unavailable_reason
                .as_deref()
                .and_then(UnavailableReason::parse),
            probability: d.probability,
            sent: d.send,
            completed_within_4h: within(&f.completions, t, Duration::hours(4), now),
            completed_within_24h: within(&f.completions, t, Duration::hours(24), now),
            active_within_24h: within(&f.activity, t, Duration::hours(24), now),
        });
    }
    Ok(page.finish(rows, |r| &r.decision))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// CSV by hand, as the plan rows: only numbers, booleans and fixed codes, never free text.
fn to_csv(rows: &[ResearchDecisionRow]) -> String {
    let mut out = String::from(
        "decision,plan,arm,day,hour,kind,available,unavailable_reason,probability,sent,\
completed_within_4h,completed_within_24h,active_within_24h\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.decision,
            r.plan,
            r.arm.as_str(),
            r.day,
            r.hour,
            r.kind.as_str(),
            r.available,
            opt(&r.unavailable_reason.map(UnavailableReason::as_str)),
            opt(&r.probability),
            opt(&r.sent),
            opt(&r.completed_within_4h),
            opt(&r.completed_within_24h),
            opt(&r.active_within_24h),
        ));
    }
    out
}

/// One row per micro-randomised decision point (researchers), a page at a time in pseudonym
/// order: whether the resident was available, the probability, the draw and the proximal
/// outcomes. JSON, or CSV with `Accept: text/csv` (the next page in the `Link` header).
#[utoipa::path(
    tag = "research",
    security(("bearer" = [])),
    params(ResearchQuery),
    responses(
        (status = 200, description = "A page of decision points", content(
            (ResearchDecisionPage = "application/json"),
            (String = "text/csv"),
        ), headers(
            ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"),
        )),
        (status = 400, description = "An unknown query parameter or an invalid cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of bounds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/research/decisions")]
pub async fn research_decisions(
    auth: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ResearchQuery>,
) -> ApiResult<HttpResponse> {
    auth.require(&[Role::Researcher])?;
    let page = PageRequest::new("decisions", query.limit, query.cursor.as_deref())?;
    let key = state.research_key.expose_secret().as_bytes().to_vec();
    let rules = state.rules.clone();
    let rows = db::run(&state.pool, move |conn| {
        decision_rows_page(conn, &key, &rules, &page)
    })
    .await?;
    Ok(csv_or_json(&req, rows, to_csv, ResearchDecisionPage::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_window_counts_only_after_the_decision_and_once_it_has_passed() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let later = t + Duration::days(2);
        let h = |n| t + Duration::hours(n);
        assert_eq!(within(&[h(3)], t, Duration::hours(4), later), Some(true));
        assert_eq!(within(&[h(5)], t, Duration::hours(4), later), Some(false));
        assert_eq!(
            within(&[h(-1)], t, Duration::hours(4), later),
            Some(false),
            "before"
        );
        assert_eq!(
            within(&[t], t, Duration::hours(4), later),
            Some(false),
            "at the same instant"
        );
        assert_eq!(
            within(&[h(1)], t, Duration::hours(24), h(2)),
            None,
            "still open"
        );
    }

    #[test]
    fn reasons_round_trip() {
        for r in UnavailableReason::ALL {
            assert_eq!(UnavailableReason::parse(r.as_str()), Some(*r));
        }
    }
}
