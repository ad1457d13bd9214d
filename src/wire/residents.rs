//! What caseworkers receive about the residents of their teams.

use crate::domain::kinds::Language;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A resident as caseworkers see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentResponse {
    /// Resident id.
    pub id: Uuid,
    /// Name.
    #[schema(example = "Fatima")]
    pub display_name: String,
    /// Login name for the app.
    #[schema(example = "fatima4821")]
    pub login_name: Option<String>,
    /// Language of texts.
    pub language: Language,
    /// Team.
    pub team_id: Uuid,
    /// Whether the resident has activated the app (chosen a PIN).
    pub activated: bool,
    /// Until when an unused activation code is valid, if there is one.
    pub activation_code_expires_at: Option<DateTime<Utc>>,
    /// Failed sign-ins since the last success.
    pub failed_logins: i32,
    /// Until when sign-in is locked, if it is.
    pub locked_until: Option<DateTime<Utc>>,
    /// Last sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// When the resident was registered.
    pub created_at: DateTime<Utc>,
    /// The current plan, if any.
    pub plan_id: Option<Uuid>,
    /// Inactivity on the current plan: `active`, `nudge` (a gentle reminder went out),
    /// `escalated` (on your worklist) or `at_risk` (dropout risk).
    pub inactivity_stage: Option<crate::domain::reminders::InactivityStage>,
    /// On the caseworker's worklist because of long inactivity.
    pub needs_attention: bool,
    /// Flagged as dropout risk.
    pub dropout_risk: bool,
    /// Last activity of the resident on the plan.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Days since the plan started.
    pub days_in_stabilisation: Option<i64>,
    /// Against the 90/120-day time box of the phase.
    pub time_box: Option<crate::domain::gate::TimeBox>,
    /// For a reported crisis that is still open: the Wgs deadline (three working days after
    /// the report) of the earliest one.
    pub crisis_deadline: Option<DateTime<Utc>>,
    /// Steps the resident put aside ("niet nu"); their reasons are on the plan.
    pub snoozed_steps: u32,
    /// Open steps the resident asked help with.
    pub help_requests: u32,
}

/// A fresh activation code. Show it to the resident once; it is stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationCodeResponse {
    /// The resident's login name.
    #[schema(example = "fatima4821")]
    pub login_name: String,
    /// One-time code for `POST /v1/auth/activate`.
    #[schema(example = "K7QM4XPA")]
    pub activation_code: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// A created resident with their first activation code.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentCreatedResponse {
    /// The resident.
    pub resident: ResidentResponse,
    /// How they sign in for the first time.
    pub activation: ActivationCodeResponse,
}
