//! An admin changes a team: its name, how new plans get their evaluation arm, the reminder
//! send probability, and how residents reach it.

use crate::auth::AuthUser;
use crate::db::schema::teams;
use crate::db::users::{self, TeamRow};
use crate::db::{self, DbConn};
use crate::domain::research::ArmPolicy;
use crate::error::{ApiError, ApiResult};
use diesel::prelude::*;

/// The changes, already checked; absent fields stay as they are, `Some(None)` removes a value.
#[derive(Debug, Clone, Default)]
pub struct UpdateTeam {
    /// The team.
    pub team_id: String,
    /// A new name.
    pub name: Option<String>,
    /// How new plans get their arm.
    pub arm_policy: Option<ArmPolicy>,
    /// The probability (0–1) that a reminder is sent at its decision point; `None` turns it off.
    pub reminder_send_probability: Option<Option<f64>>,
    /// Phone number for residents.
    pub contact_phone: Option<Option<String>>,
    /// E-mail address for residents.
    pub contact_email: Option<Option<String>>,
    /// When the team can be reached.
    pub contact_hours: Option<Option<String>>,
}

/// Changes the team in one write transaction and answers it as it now is; an unknown team is
/// 404. The caller's role (admin) is checked by the caller.
pub fn update_team(conn: &mut DbConn, _actor: &AuthUser, input: UpdateTeam) -> ApiResult<TeamRow> {
    let id = input.team_id;
    db::write_tx(conn, |conn| {
        let existing = users::find_teams(conn, std::slice::from_ref(&id))?;
        if existing.is_empty() {
            return Err(ApiError::NotFound);
        }
        if let Some(n) = &input.name {
            diesel::update(teams::table.find(&id))
                .set(teams::name.eq(n))
                .execute(conn)?;
        }
        if let Some(p) = input.arm_policy {
            diesel::update(teams::table.find(&id))
                .set(teams::arm_policy.eq(p.as_str()))
                .execute(conn)?;
        }
        if let Some(p) = input.reminder_send_probability {
            diesel::update(teams::table.find(&id))
                .set(teams::reminder_send_probability.eq(p))
                .execute(conn)?;
        }
        if let Some(v) = &input.contact_phone {
            diesel::update(teams::table.find(&id))
                .set(teams::contact_phone.eq(v))
                .execute(conn)?;
        }
        if let Some(v) = &input.contact_email {
            diesel::update(teams::table.find(&id))
                .set(teams::contact_email.eq(v))
                .execute(conn)?;
        }
        if let Some(v) = &input.contact_hours {
            diesel::update(teams::table.find(&id))
                .set(teams::contact_hours.eq(v))
                .execute(conn)?;
        }
        users::find_teams(conn, std::slice::from_ref(&id))?
            .pop()
            .ok_or(ApiError::NotFound)
    })
}
