//! What a resident receives about their phones and reminder preferences.

use crate::db::{self, notifications};
use crate::domain::kinds::Platform;
use crate::wire::types::{parse_id, parse_known};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A registered device (the token itself is never shown again).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceResponse {
    /// Device id (for `DELETE /v1/me/devices/{id}`).
    pub id: Uuid,
    /// Platform.
    pub platform: Platform,
    /// True for the device registered from the session making this request (this phone).
    pub this_session: bool,
    /// Locale.
    pub locale: Option<String>,
    /// App version.
    pub app_version: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it was last seen.
    pub last_seen_at: DateTime<Utc>,
}

impl DeviceResponse {
    pub(crate) fn from_row(d: notifications::DeviceRow, session: &str) -> Self {
        DeviceResponse {
            id: parse_id(&d.id),
            platform: parse_known(&d.platform).unwrap_or(Platform::Android),
            this_session: d.session_id.as_deref() == Some(session),
            locale: d.locale,
            app_version: d.app_version,
            created_at: db::utc(d.created_at),
            last_seen_at: db::utc(d.last_seen_at),
        }
    }
}

/// Reminder preferences.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Reminders on or off (crisis and account messages still come).
    pub enabled: bool,
    /// Quiet hours in local time, e.g. `21:00-08:00`.
    #[schema(example = "21:00-08:00")]
    pub quiet_hours: String,
    /// At most this many reminders a day (1–24).
    #[schema(minimum = 1, maximum = 24)]
    pub daily_cap: i32,
    /// At most this many reminders in 7 days (1–100).
    #[schema(minimum = 1, maximum = 100)]
    pub weekly_cap: i32,
    /// IANA time zone, e.g. `Europe/Amsterdam`.
    #[schema(example = "Europe/Amsterdam")]
    pub timezone: String,
}
