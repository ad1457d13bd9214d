//! The request shapes of plans and steps that use cases take as they are: a new plan from a
//! template, a change to a step, who a step is given to, a text in two languages.

use crate::domain::kinds::{OwnerType, Priority, StepStatus};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who a step is given to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerRequest {
    /// `resident`, `staff` (a caseworker) or `volunteer`.
    #[serde(rename = "type")]
    pub owner_type: OwnerType,
    /// The caseworker or volunteer (required unless `resident`); must work in the plan's team.
    pub user_id: Option<Uuid>,
}

/// A new plan made from a template in the first conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlanRequest {
    /// Template version; default: the newest version of the default action list.
    pub template_id: Option<Uuid>,
    /// Intake answers: condition key → yes/no. Items whose conditions are all "no" (or not
    /// answered) start as not applicable (`skipped`, reason `n.v.t.`).
    #[serde(default)]
    pub intake: BTreeMap<String, bool>,
    /// Only these item keys (others are recorded as skipped, reason `not_selected`).
    pub items: Option<Vec<String>>,
    /// Owner per item key (default: the template's default owner role).
    #[serde(default)]
    pub owners: BTreeMap<String, OwnerRequest>,
    /// Due date per item key.
    #[serde(default, deserialize_with = "crate::wire::read::date_map")]
    pub due_dates: BTreeMap<String, NaiveDate>,
    /// How many of the resident's steps are open at once (1–5, default 1): at most `dose` ordinary (non-crisis) resident steps are open, plus every open crisis (`P0`) step; while crisis steps are open they take the ordinary steps' places first (at dose 1 with two crises open the resident sees those two).
    #[schema(minimum = 1, maximum = 5)]
    pub dose: Option<i32>,
    /// Item keys already done in the conversation itself (at most 200): those steps start as
    /// `done` (completed by you, note "in het gesprek", recorded on the timeline), so the
    /// resident's first issued step is the next one. Each must apply and be selected.
    #[serde(default)]
    pub done_in_conversation: Vec<String>,
}

/// Text in Dutch and English (English falls back to Dutch when absent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    /// Dutch text.
    pub nl: String,
    /// English text.
    pub en: Option<String>,
}

/// Changes to a step; absent fields stay as they are. Send the step's `ETag` as `If-Match`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStepRequest {
    /// New owner (e.g. hand a step the resident asked help with to a volunteer).
    pub owner: Option<OwnerRequest>,
    /// New due date; `null` removes it.
    #[serde(default, deserialize_with = "crate::wire::read::double_opt_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Option<Option<NaiveDate>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New position in the plan.
    pub position: Option<i32>,
    /// New title.
    pub title: Option<TextRequest>,
    /// New "why".
    pub why: Option<TextRequest>,
    /// New description (multi-line: may hold line breaks and tabs).
    pub description: Option<TextRequest>,
    /// `skipped` (not applicable) or `cancelled`; other changes of status have their own
    /// endpoints (complete, verify, reopen).
    pub status: Option<StepStatus>,
    /// Reason for a skip or cancel.
    pub reason: Option<String>,
}
