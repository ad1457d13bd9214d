//! Response types shared by several resources.

use crate::db::users::{TeamRow, UserRow};
use crate::db::utc;
use crate::domain::kinds::{Language, Role};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A team (buurtteam).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamResponse {
    /// Team id.
    pub id: Uuid,
    /// Team name.
    #[schema(example = "Buurtteam Overvecht")]
    pub name: String,
    /// When the team was created.
    pub created_at: DateTime<Utc>,
    /// How new plans get their evaluation arm: `dosed`, `full_list` or `randomised`.
    pub arm_policy: crate::domain::research::ArmPolicy,
    /// Micro-randomised reminders: probability a resident reminder is sent (absent: always).
    pub reminder_send_probability: Option<f64>,
    /// How residents reach the team by phone (shown in "what happens next").
    #[schema(example = "030 123 45 67")]
    pub contact_phone: Option<String>,
    /// The team's e-mail address for residents.
    #[schema(example = "noord@buurtteam.example")]
    pub contact_email: Option<String>,
    /// When the team can be reached, in plain words.
    #[schema(example = "Maandag tot en met vrijdag, 9:00 tot 17:00")]
    pub contact_hours: Option<String>,
}

impl From<TeamRow> for TeamResponse {
    fn from(t: TeamRow) -> Self {
        Self {
            id: parse_id(&t.id),
            name: t.name,
            created_at: utc(t.created_at),
            arm_policy: crate::domain::research::ArmPolicy::parse(&t.arm_policy),
            reminder_send_probability: t.reminder_send_probability,
            contact_phone: t.contact_phone,
            contact_email: t.contact_email,
            contact_hours: t.contact_hours,
        }
    }
}

/// A staff account (caseworker, volunteer, admin or researcher).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// User id.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Name shown to colleagues (and, first name only, to residents).
    #[schema(example = "Sanne de Vries")]
    pub display_name: String,
    /// Sign-in email address.
    #[schema(example = "sanne@buurtteam.example")]
    pub email: Option<String>,
    /// For caseworkers: their discipline.
    pub discipline: Option<crate::domain::kinds::Discipline>,
    /// Teams the user belongs to.
    pub team_ids: Vec<Uuid>,
    /// Preferred language.
    pub language: Language,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Failed sign-ins since the last success.
    pub failed_logins: i32,
    /// Until when sign-in is locked, if it is.
    pub locked_until: Option<DateTime<Utc>>,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl UserResponse {
    pub fn from_row(u: UserRow, team_ids: Vec<String>) -> Self {
        Self {
            id: parse_id(&u.id),
            role: parse_or(&u.role, Role::Volunteer),
            display_name: u.display_name,
            email: u.email,
            discipline: u.discipline.as_deref().and_then(parse_known),
            team_ids: team_ids.iter().map(|t| parse_id(t)).collect(),
            language: parse_or(&u.language, Language::Nl),
            disabled: u.disabled_at.is_some(),
            failed_logins: u.failed_logins,
            locked_until: u.locked_until.filter(|t| *t > crate::db::now()).map(utc),
            last_login_at: u.last_login_at.map(utc),
            created_at: utc(u.created_at),
        }
    }
}

/// Parses a stored id; stored ids are always UUIDs, so a failure means a corrupt row.
pub fn parse_id(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap_or_else(|_| {
        tracing::error!("stored id is not a UUID");
        Uuid::nil()
    })
}

/// Parses a stored enum text, falling back (and logging) on a corrupt value.
pub fn parse_or<T: std::str::FromStr>(value: &str, fallback: T) -> T {
    value.parse().unwrap_or_else(|_| {
        tracing::error!(value, "stored value is not a known variant");
        fallback
    })
}

/// Reads a stored text as one of an enum's values by its serde spelling (for enums without
/// `FromStr`); `None`, logged, for a value the enum does not know (a corrupt row).
pub fn parse_known<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    use serde::de::IntoDeserializer;
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        value.into_deserializer();
    T::deserialize(de)
        .map_err(|_| tracing::error!(value, "stored value is not a known variant"))
        .ok()
}

/// The serde spelling of a unit enum value (e.g. for CSV or a stored column).
pub fn text_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeResponse {
    /// User id.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Name.
    #[schema(example = "Fatima")]
    pub display_name: String,
    /// Preferred language of texts.
    pub language: Language,
    /// Staff: sign-in email.
    pub email: Option<String>,
    /// Residents: login name.
    pub login_name: Option<String>,
    /// Caseworkers: `generalist` or `specialist`.
    pub discipline: Option<crate::domain::kinds::Discipline>,
    /// Teams (staff: memberships; residents: their own team).
    pub teams: Vec<TeamResponse>,
}
