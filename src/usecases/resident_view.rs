//! A resident as caseworkers see them: the account, the activation state and the current
//! plan's signals (inactivity, crisis deadline, snoozes, help requests).

use crate::db::{self, DbConn, tokens, users};
use crate::domain::kinds::Language;
use crate::error::ApiError;
use crate::wire::residents::ResidentResponse;
use crate::wire::types::{parse_id, parse_or};

/// The view of one resident.
pub fn resident_response(
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
            .and_then(|p| crate::wire::types::parse_known(&p.inactivity_stage)),
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
