//! The signed-in user changes their reminder preferences: on or off, quiet hours, caps, time
//! zone.

use super::access::account_exists;
use super::{Outcome, Reply, Retry, write};
use crate::auth::AuthUser;
use crate::db::{self, DbConn, notifications};
use crate::error::ApiResult;
use crate::wire::devices::PreferencesBody;
use chrono::NaiveTime;

/// What the user sends, already checked.
#[derive(Debug, Clone)]
pub struct SetPreferences {
    /// Reminders on or off.
    pub enabled: bool,
    /// Start of the quiet hours, local time.
    pub quiet_start: NaiveTime,
    /// End of the quiet hours, local time.
    pub quiet_end: NaiveTime,
    /// Reminders a day (1–24).
    pub daily_cap: i32,
    /// Reminders in 7 days (1–100).
    pub weekly_cap: i32,
    /// The time zone.
    pub tz: chrono_tz::Tz,
}

/// The reply kept for a retry: 200 with the preferences as saved.
pub fn keep(saved: &PreferencesBody) -> ApiResult<Reply> {
    Reply::ok(saved)
}

/// Saves the caller's preferences in one write transaction (with `retry`, at most once per
/// key), replacing what was there. A caller whose account is gone or disabled is 401.
pub fn set_preferences(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: SetPreferences,
    retry: Option<&Retry>,
) -> ApiResult<Outcome<PreferencesBody>> {
    let row = notifications::PreferencesRow {
        user_id: actor.id.clone(),
        enabled: input.enabled,
        quiet_start: input.quiet_start.format("%H:%M").to_string(),
        quiet_end: input.quiet_end.format("%H:%M").to_string(),
        daily_cap: input.daily_cap,
        weekly_cap: input.weekly_cap,
        timezone: input.tz.name().to_owned(),
        updated_at: db::now(),
    };
    let retry = retry.map(|r| (r, actor.id.as_str()));
    write(conn, retry, keep, |conn| {
        account_exists(conn, &row.user_id)?;
        notifications::save_preferences(conn, &row)?;
        Ok(PreferencesBody {
            enabled: row.enabled,
            quiet_hours: format!("{}-{}", row.quiet_start, row.quiet_end),
            daily_cap: row.daily_cap,
            weekly_cap: row.weekly_cap,
            timezone: row.timezone.clone(),
        })
    })
}
