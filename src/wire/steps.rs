//! How steps, plans and progress are shown: staff see everything, residents a dosed view.

use crate::db::plans::{PlanRow, StepRow, StepSummary};
use crate::db::utc;
use crate::domain::gate;
use crate::domain::kinds::{Evidence, Language, OwnerType, PlanStatus, Priority, StepStatus};
use crate::domain::progress::{self, CategoryProgress, Milestone, ProgressStep};
use crate::wire::types::{parse_id, parse_known};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

fn parse<T: std::str::FromStr>(v: &str, fallback: T) -> T {
    v.parse().unwrap_or(fallback)
}

/// Picks the text in the reader's language.
pub fn pick<'a>(lang: Language, nl: &'a str, en: &'a str) -> &'a str {
    match lang {
        Language::Nl => nl,
        Language::En => en,
    }
}

/// A step as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepResponse {
    /// Step id.
    pub id: Uuid,
    /// Plan id.
    pub plan_id: Uuid,
    /// Template item key; absent for custom steps.
    #[schema(example = "pap.bank")]
    pub item_key: Option<String>,
    /// Category key.
    #[schema(example = "papieren")]
    pub category: String,
    /// Order within the plan.
    pub position: i32,
    /// Title in the reader's language.
    pub title: String,
    /// Why this step matters.
    pub why: String,
    /// Short how-to.
    pub description: String,
    /// Estimated minutes.
    pub minutes: i32,
    /// Who owns the step.
    pub owner_type: OwnerType,
    /// The staff member or volunteer who owns it (for `staff`/`volunteer`).
    pub owner_user_id: Option<Uuid>,
    /// Priority.
    pub priority: Priority,
    /// Expected proof.
    pub evidence: Evidence,
    /// Status.
    pub status: StepStatus,
    /// Why it is skipped, cancelled or reopened (e.g. `n.v.t.`).
    pub status_reason: Option<String>,
    /// Steps that must be done first.
    pub depends_on: Vec<Uuid>,
    /// Due date (local date).
    pub due_on: Option<NaiveDate>,
    /// When the resident asked for help with it.
    pub help_requested_at: Option<DateTime<Utc>>,
    /// When it was issued (opened).
    pub issued_at: Option<DateTime<Utc>>,
    /// When it was done.
    pub completed_at: Option<DateTime<Utc>>,
    /// Completion note.
    pub completion_note: Option<String>,
    /// When a caseworker verified it.
    pub verified_at: Option<DateTime<Utc>>,
    /// Version number; `etag` is the form `If-Match` takes.
    pub version: i32,
    /// The step's entity tag, exactly as `If-Match` takes it (quotes included) and as the
    /// `ETag` header of a single step read carries it.
    #[schema(example = "\"3\"")]
    pub etag: String,
    /// Snoozed by the resident until this date ("niet nu").
    pub snoozed_until: Option<NaiveDate>,
    /// Why it was snoozed.
    pub snooze_reason: Option<crate::domain::kinds::SnoozeReason>,
    /// The resident's short note with `other`.
    pub snooze_note: Option<String>,
    /// The resident's own moment for the step ("Wanneer doe je dit?").
    pub intention: Option<IntentionView>,
    /// When a crisis was reported for this step (the Wgs three-working-day clock runs from it).
    pub crisis_reported_at: Option<DateTime<Utc>>,
    /// Exit criteria (E1–E8) this step counts towards.
    pub gates: Vec<String>,
}

/// When the resident plans to do a step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntentionView {
    /// The day.
    pub on: NaiveDate,
    /// The part of the day, when no exact time was given.
    pub part_of_day: Option<crate::domain::reminders::PartOfDay>,
    /// Or an exact time, `HH:MM`.
    pub time: Option<String>,
}

fn intention_of(s: &StepRow) -> Option<IntentionView> {
    s.intention_on.map(|on| IntentionView {
        on,
        part_of_day: s.intention_part.as_deref().and_then(parse_known),
        time: s.intention_time.clone(),
    })
}

impl StepResponse {
    pub fn new(s: &StepRow, lang: Language) -> Self {
        Self {
            id: parse_id(&s.id),
            plan_id: parse_id(&s.plan_id),
            item_key: s.item_key.clone(),
            category: s.category.clone(),
            position: s.position,
            title: pick(lang, &s.title_nl, &s.title_en).to_owned(),
            why: pick(lang, &s.why_nl, &s.why_en).to_owned(),
            description: pick(lang, &s.description_nl, &s.description_en).to_owned(),
            minutes: s.minutes,
            owner_type: parse(&s.owner_type, OwnerType::Resident),
            owner_user_id: s.owner_user_id.as_deref().map(parse_id),
            priority: parse(&s.priority, Priority::P2),
            evidence: parse(&s.evidence, Evidence::None),
            status: parse(&s.status, StepStatus::Cancelled),
            status_reason: s.status_reason.clone(),
            depends_on: s.dependency_ids().iter().map(|d| parse_id(d)).collect(),
            due_on: s.due_on,
            help_requested_at: s.help_requested_at.map(utc),
            issued_at: s.issued_at.map(utc),
            completed_at: s.completed_at.map(utc),
            completion_note: s.completion_note.clone(),
            verified_at: s.verified_at.map(utc),
            version: s.version,
            etag: crate::wire::entity_tag::EntityTag::of_version(s.version).to_string(),
            snoozed_until: s.snoozed_until,
            snooze_reason: s.snooze_reason.as_deref().and_then(parse_known),
            snooze_note: s.snooze_note.clone(),
            intention: intention_of(s),
            crisis_reported_at: s.crisis_reported_at.map(utc),
            gates: s.gate_codes(),
        }
    }
}

/// A step as the resident sees it: one achievable thing to do.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyStepResponse {
    /// Step id.
    pub id: Uuid,
    /// Category key.
    #[schema(example = "papieren")]
    pub category: String,
    /// What to do.
    #[schema(example = "Download bankafschriften van 3 maanden")]
    pub title: String,
    /// Why it helps.
    pub why: String,
    /// How to do it.
    pub description: String,
    /// About how many minutes it takes.
    pub minutes: i32,
    /// Due date, if there is one.
    pub due_on: Option<NaiveDate>,
    /// What to keep as proof.
    pub evidence: Evidence,
    /// True for a crisis step that comes before everything else.
    pub urgent: bool,
    /// Status (`open` for current steps, `done`/`verified` in the history).
    pub status: StepStatus,
    /// Whether help was asked for.
    pub help_requested: bool,
    /// When it was given to you.
    pub issued_at: Option<DateTime<Utc>>,
    /// When you did it.
    pub completed_at: Option<DateTime<Utc>>,
    /// When you plan to do it.
    pub intention: Option<IntentionView>,
}

impl MyStepResponse {
    pub fn new(s: &StepRow, lang: Language) -> Self {
        Self {
            id: parse_id(&s.id),
            category: s.category.clone(),
            title: pick(lang, &s.title_nl, &s.title_en).to_owned(),
            why: pick(lang, &s.why_nl, &s.why_en).to_owned(),
            description: pick(lang, &s.description_nl, &s.description_en).to_owned(),
            minutes: s.minutes,
            due_on: s.due_on,
            evidence: parse(&s.evidence, Evidence::None),
            urgent: s.priority == Priority::P0.as_str(),
            status: parse(&s.status, StepStatus::Open),
            help_requested: s.help_requested_at.is_some(),
            issued_at: s.issued_at.map(utc),
            completed_at: s.completed_at.map(utc),
            intention: intention_of(s),
        }
    }
}

/// Progress through a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressResponse {
    /// Steps done (including those done in the first conversation).
    pub done: u32,
    /// Steps that apply (not skipped or cancelled).
    pub total: u32,
    /// Of those, the resident's own steps done.
    pub resident_done: u32,
    /// The resident's own steps that apply.
    pub resident_total: u32,
    /// Whole percent done.
    pub percent: u8,
    /// Per category, in category order.
    pub categories: Vec<CategoryProgress>,
    /// Milestones reached.
    pub milestones: Vec<MilestoneResponse>,
    /// The exit criteria E1–E8 towards the debt arrangement.
    pub criteria: Vec<gate::Criterion>,
    /// Every criterion met: ready for the debt arrangement.
    pub ready_for_arrangement: bool,
}

/// A milestone reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneResponse {
    /// Kind: `first_step`, `category_done`, `half_way`, `all_done`.
    pub kind: progress::MilestoneKind,
    /// For `category_done`: the category.
    pub category: Option<String>,
    /// When it was reached, if known.
    pub reached_at: Option<DateTime<Utc>>,
}

impl From<Milestone> for MilestoneResponse {
    fn from(m: Milestone) -> Self {
        Self {
            kind: m.kind,
            category: m.category,
            reached_at: m.reached_at.map(utc),
        }
    }
}

/// Computes progress over a plan's steps.
pub fn progress_of(steps: &[StepRow], lang: Language) -> ProgressResponse {
    let summaries: Vec<StepSummary> = steps.iter().map(StepSummary::from).collect();
    progress_of_summaries(&summaries, lang)
}

/// Progress from the progress columns alone (see [`StepSummary`]).
pub fn progress_of_summaries(steps: &[StepSummary], lang: Language) -> ProgressResponse {
    let view: Vec<ProgressStep> = steps
        .iter()
        .map(|s| ProgressStep {
            category: s.category.clone(),
            category_order: s.category_order,
            owner: parse(&s.owner_type, OwnerType::Resident),
            status: parse(&s.status, StepStatus::Cancelled),
            intake_done: s.intake_done,
            completed_at: s.completed_at,
        })
        .collect();
    let p = progress::compute(&view);
    let criteria = gate::evaluate(
        &steps
            .iter()
            .map(|s| gate::GateStep {
                gates: serde_json::from_str(&s.gates).unwrap_or_default(),
                status: parse(&s.status, StepStatus::Cancelled),
                completed_at: s.completed_at,
            })
            .collect::<Vec<_>>(),
        lang,
    );
    ProgressResponse {
        ready_for_arrangement: gate::ready_for_arrangement(&criteria),
        criteria,
        done: p.done,
        total: p.total,
        resident_done: p.resident_done,
        resident_total: p.resident_total,
        percent: p.percent,
        categories: p.categories,
        milestones: p
            .milestones
            .into_iter()
            .map(MilestoneResponse::from)
            .collect(),
    }
}

/// A whole plan as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanResponse {
    /// Plan id.
    pub id: Uuid,
    /// The resident.
    pub resident_id: Uuid,
    /// The resident's team.
    pub team_id: Uuid,
    /// Template version the plan was made from.
    pub template_id: Uuid,
    /// Status.
    pub status: PlanStatus,
    /// How many of the resident's steps are open at once (1–5): at most `dose` ordinary (non-crisis) resident steps are open, plus every open crisis (`P0`) step; while crisis steps are open they take the ordinary steps' places first (at dose 1 with two crises open the resident sees those two).
    pub dose: i32,
    /// Evaluation arm: `dosed` or `full_list`.
    pub arm: crate::domain::research::Arm,
    /// Whether the arm was drawn at random.
    pub arm_randomised: bool,
    /// Why the trajectory ended, once it has.
    pub outflow_reason: Option<crate::domain::kinds::OutflowReason>,
    /// Intake answers (condition key → yes/no).
    pub intake: std::collections::BTreeMap<String, bool>,
    /// Start date.
    pub started_on: NaiveDate,
    /// Days since the start.
    pub days_in_stabilisation: i64,
    /// Against the 90/120-day time box.
    pub time_box: gate::TimeBox,
    /// Progress.
    pub progress: ProgressResponse,
    /// Every step, in plan order.
    pub steps: Vec<StepResponse>,
    /// When the plan was made.
    pub created_at: DateTime<Utc>,
    /// The plan's entity tag, exactly as `If-Match` on `PATCH /v1/plans/{id}` takes it; it
    /// changes with every change to the plan or one of its steps.
    #[schema(example = "\"12\"")]
    pub etag: String,
}

/// A plan's entity tag: its change counter as a strong tag.
pub fn plan_etag(plan: &PlanRow) -> crate::wire::entity_tag::EntityTag {
    crate::wire::entity_tag::EntityTag::of_version(plan.lock_version)
}

impl PlanResponse {
    pub fn new(plan: &PlanRow, steps: &[StepRow], lang: Language) -> Self {
        let today = crate::clock::now().date_naive();
        let days = (today - plan.started_on).num_days().max(0);
        Self {
            id: parse_id(&plan.id),
            resident_id: parse_id(&plan.resident_id),
            team_id: parse_id(&plan.team_id),
            template_id: parse_id(&plan.template_id),
            status: parse(&plan.status, PlanStatus::Closed),
            dose: plan.dose,
            arm: crate::domain::research::Arm::parse(&plan.arm),
            arm_randomised: plan.arm_randomised,
            outflow_reason: plan.outflow_reason.as_deref().and_then(parse_known),
            intake: serde_json::from_str(&plan.intake).unwrap_or_default(),
            started_on: plan.started_on,
            days_in_stabilisation: days,
            time_box: gate::time_box(days),
            progress: progress_of(steps, lang),
            steps: steps.iter().map(|s| StepResponse::new(s, lang)).collect(),
            created_at: utc(plan.created_at),
            etag: plan_etag(plan).to_string(),
        }
    }
}
