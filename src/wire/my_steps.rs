//! What the resident's step screens receive: the current steps, a completion's answer, the
//! progress view and the steps others do.

use crate::domain::kinds::{PlanStatus, StepStatus};
use crate::wire::steps::{MyStepResponse, ProgressResponse, StepResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The steps the resident should work on now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentStepsResponse {
    /// The current plan, if there is one.
    pub plan_id: Option<Uuid>,
    /// Its status.
    pub plan_status: Option<PlanStatus>,
    /// The open steps (usually one), most urgent first: at most the plan's `dose` ordinary
    /// steps plus every open crisis (`P0`, `urgent`) step, so during a crisis there can be
    /// more steps than the dose.
    pub steps: Vec<MyStepResponse>,
    /// How far you have come.
    pub progress: Option<ProgressResponse>,
    /// `full_list` when this plan shows every step at once (an evaluation arm).
    pub arm: Option<crate::domain::research::Arm>,
}

/// The answer to a completion: what was done and what comes next, in the same shapes as the
/// current-step view (`GET /v1/me/steps/current`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteStepResponse {
    /// The step just completed.
    pub completed: MyStepResponse,
    /// Steps that opened because of it (often the next one).
    pub next: Vec<MyStepResponse>,
    /// All your open steps now, most urgent first.
    pub current: Vec<MyStepResponse>,
    /// Progress after this step.
    pub progress: ProgressResponse,
}

/// A step someone else does for the resident.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneForYouResponse {
    /// What is being done.
    pub title: String,
    /// Category key.
    pub category: String,
    /// First name of the person doing it.
    #[schema(example = "Sanne")]
    pub owner_first_name: Option<String>,
    /// `open` (being done) or `done`/`verified`.
    pub status: StepStatus,
    /// Since when it is being done, or when it was done.
    pub since: Option<DateTime<Utc>>,
}

/// Progress and what others do for the resident.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgressResponse {
    /// Progress through the plan.
    pub progress: ProgressResponse,
    /// Steps others are doing (or did) for you.
    pub done_for_you: Vec<DoneForYouResponse>,
    /// This month's working-alliance question is still open (`POST /v1/me/alliance`).
    pub alliance_question_due: bool,
    /// Days since the plan started.
    pub days_in_stabilisation: i64,
}

/// A step on a volunteer's or caseworker's work list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedStepResponse {
    /// The step.
    pub step: StepResponse,
    /// First name of the resident it is for (the minimum a volunteer needs).
    pub resident_first_name: String,
}
