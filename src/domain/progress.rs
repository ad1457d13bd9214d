//! Progress and milestones of a plan, derived from its steps.
//!
//! Progress uses the goal-gradient and endowed-progress effects (DOMAIN.md, "Goal gradient /
//! endowed progress"): steps already completed in the first conversation count as done, so the
//! bar never starts empty, and milestones mark the way (first own step, a finished category,
//! half-way, all done).
//!
//! A step's status is the truth: done and verified steps are completed, skipped and cancelled
//! steps do not count at all. `intake_done` only decides whether a completion is the resident's
//! *first step* since the intake.
//!
//! Times: a completed step without `completed_at` (for example one ticked off at intake) is taken
//! to have happened before every completion with a time. A milestone whose moment therefore
//! cannot be known gets `reached_at: None`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::kinds::{OwnerType, StepStatus};

/// What progress needs to know about one step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressStep {
    /// Key of the step's category.
    pub category: String,
    /// Order of the category in the template; categories are listed in this order.
    pub category_order: i32,
    /// Who carries the step out.
    pub owner: OwnerType,
    /// Current life-cycle state.
    pub status: StepStatus,
    /// Completed in the first conversation (honest endowed progress); not a "first step".
    pub intake_done: bool,
    /// When the step was done or verified (event time), if known.
    pub completed_at: Option<NaiveDateTime>,
}

/// Progress within one category.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryProgress {
    /// Category key.
    pub category: String,
    /// Completed (done or verified) steps in the category.
    pub done: u32,
    /// Steps in the category that count, i.e. not skipped or cancelled.
    pub total: u32,
}

/// The kinds of milestone a plan can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// The first step completed after the intake.
    FirstStep,
    /// Every counting step of one category is completed.
    CategoryDone,
    /// At least half of the counting steps are completed.
    HalfWay,
    /// Every counting step is completed.
    AllDone,
}
crate::domain::kinds::all_values!(MilestoneKind {
    FirstStep,
    CategoryDone,
    HalfWay,
    AllDone
});

/// A milestone the plan has reached.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Milestone {
    /// Which milestone.
    pub kind: MilestoneKind,
    /// The category key, for `category_done` only.
    pub category: Option<String>,
    /// When it was reached; `None` when the completion times do not tell.
    pub reached_at: Option<NaiveDateTime>,
}

/// Progress of a whole plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Completed (done or verified) steps, intake steps included.
    pub done: u32,
    /// Steps that count, i.e. not skipped or cancelled.
    pub total: u32,
    /// Completed steps owned by the resident.
    pub resident_done: u32,
    /// Counting steps owned by the resident.
    pub resident_total: u32,
    /// `done * 100 / total` rounded down; 0 for an empty plan.
    pub percent: u8,
    /// Per category with at least one counting step, in category order.
    pub categories: Vec<CategoryProgress>,
    /// Reached milestones: first step, finished categories (in category order), half-way, all
    /// done.
    pub milestones: Vec<Milestone>,
}

fn counts(status: StepStatus) -> bool {
    !matches!(status, StepStatus::Skipped | StepStatus::Cancelled)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Completion times of `steps` in time order, with the number of completions without a time.
fn timeline<'a>(steps: impl Iterator<Item = &'a ProgressStep>) -> (usize, Vec<NaiveDateTime>) {
    let mut untimed = 0;
    let mut times = Vec::new();
    for step in steps.filter(|s| s.status.is_completed()) {
        match step.completed_at {
            Some(at) => times.push(at),
            None => untimed += 1,
        }
    }
    times.sort_unstable();
    (untimed, times)
}

/// The moment of the `nth` (1-based) completion, if the times tell it.
fn nth_completion(untimed: usize, times: &[NaiveDateTime], nth: usize) -> Option<NaiveDateTime> {
    // Untimed completions come first, so the nth is only known once past them.
    nth.checked_sub(untimed + 1)
        .and_then(|i| times.get(i).copied())
}

/// Computes progress and milestones from a plan's steps.
pub fn compute(steps: &[ProgressStep]) -> Progress {
    let counting: Vec<&ProgressStep> = steps.iter().filter(|s| counts(s.status)).collect();
    let done = to_u32(counting.iter().filter(|s| s.status.is_completed()).count());
    let total = to_u32(counting.len());
    let resident: Vec<&&ProgressStep> = counting
        .iter()
        .filter(|s| s.owner == OwnerType::Resident)
        .collect();
    let resident_done = to_u32(resident.iter().filter(|s| s.status.is_completed()).count());
    let resident_total = to_u32(resident.len());
    let percent = if total == 0 {
        0
    } else {
        u8::try_from(u64::from(done) * 100 / u64::from(total)).unwrap_or(100)
    };

    // Group by key; a category's place is its lowest order, in case custom steps disagree.
    let mut groups: HashMap<&str, (i32, Vec<&ProgressStep>)> = HashMap::new();
    for step in &counting {
        let group = groups
            .entry(step.category.as_str())
            .or_insert((step.category_order, Vec::new()));
        group.0 = group.0.min(step.category_order);
        group.1.push(step);
    }
    let mut groups: Vec<(&str, i32, Vec<&ProgressStep>)> = groups
        .into_iter()
        .map(|(key, (order, members))| (key, order, members))
        .collect();
    groups.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)));

    let mut categories = Vec::with_capacity(groups.len());
    let mut finished = Vec::new();
    for (key, _, members) in &groups {
        let cat_done = to_u32(members.iter().filter(|s| s.status.is_completed()).count());
        let cat_total = to_u32(members.len());
        categories.push(CategoryProgress {
            category: (*key).to_owned(),
            done: cat_done,
            total: cat_total,
        });
        if cat_done == cat_total {
            let (_, times) = timeline(members.iter().copied());
            finished.push(Milestone {
                kind: MilestoneKind::CategoryDone,
                category: Some((*key).to_owned()),
                reached_at: times.last().copied(),
            });
        }
    }

    let mut milestones = Vec::new();
    let (own_untimed, own_times) = timeline(counting.iter().copied().filter(|s| !s.intake_done));
    if own_untimed + own_times.len() > 0 {
        milestones.push(Milestone {
            kind: MilestoneKind::FirstStep,
            category: None,
            reached_at: nth_completion(own_untimed, &own_times, 1),
        });
    }
    milestones.extend(finished);
    let (untimed, times) = timeline(counting.iter().copied());
    if total > 0 && u64::from(done) * 2 >= u64::from(total) {
        // The completion that crossed half-way is the ceil(total / 2)-th one in time.
        let half = usize::try_from(total.div_ceil(2)).unwrap_or(usize::MAX);
        milestones.push(Milestone {
            kind: MilestoneKind::HalfWay,
            category: None,
            reached_at: nth_completion(untimed, &times, half),
        });
    }
    if total > 0 && done == total {
        milestones.push(Milestone {
            kind: MilestoneKind::AllDone,
            category: None,
            reached_at: times.last().copied(),
        });
    }

    Progress {
        done,
        total,
        resident_done,
        resident_total,
        percent,
        categories,
        milestones,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OwnerType::{Resident, Staff};
    use StepStatus::{Cancelled, Done, Open, Planned, Skipped, Verified};

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 3, day)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("valid test date")
    }

    fn step(category: &str, order: i32, owner: OwnerType, status: StepStatus) -> ProgressStep {
        ProgressStep {
            category: category.to_owned(),
            category_order: order,
            owner,
            status,
            intake_done: false,
            completed_at: None,
        }
    }

    impl ProgressStep {
        fn on(mut self, day: u32) -> Self {
            self.completed_at = Some(at(day));
            self
        }
        fn intake(mut self) -> Self {
            self.intake_done = true;
            self
        }
    }

    fn kinds(p: &Progress) -> Vec<MilestoneKind> {
        p.milestones.iter().map(|m| m.kind).collect()
    }

    fn milestone(p: &Progress, kind: MilestoneKind) -> Option<&Milestone> {
        p.milestones.iter().find(|m| m.kind == kind)
    }

    #[test]
    fn empty_plan() {
        let p = compute(&[]);
        assert_eq!((p.done, p.total, p.percent), (0, 0, 0));
        assert!(p.categories.is_empty());
        assert!(p.milestones.is_empty());
    }

    #[test]
    fn intake_steps_count_as_done_but_are_no_first_step() {
        let steps = [
            step("start", 0, Staff, Done).intake(),
            step("start", 0, Resident, Verified).intake(),
            step("income", 1, Resident, Open),
            step("income", 1, Resident, Planned),
            step("income", 1, Staff, Planned),
        ];
        let p = compute(&steps);
        assert_eq!((p.done, p.total, p.percent), (2, 5, 40));
        assert_eq!((p.resident_done, p.resident_total), (1, 3));
        assert_eq!(
            kinds(&p),
            [MilestoneKind::CategoryDone],
            "start is finished, but nothing done since intake"
        );
        assert_eq!(p.milestones[0].reached_at, None, "intake times unknown");
    }

    #[test]
    fn skipped_and_cancelled_are_excluded() {
        let steps = [
            step("a", 0, Resident, Done).on(1),
            step("a", 0, Resident, Skipped),
            step("a", 0, Staff, Cancelled),
            step("b", 1, Resident, Planned),
            step("c", 2, Resident, Skipped),
        ];
        let p = compute(&steps);
        assert_eq!((p.done, p.total, p.percent), (1, 2, 50));
        assert_eq!((p.resident_done, p.resident_total), (1, 2));
        assert_eq!(
            p.categories,
            [
                CategoryProgress {
                    category: "a".into(),
                    done: 1,
                    total: 1
                },
                CategoryProgress {
                    category: "b".into(),
                    done: 0,
                    total: 1
                },
            ],
            "c has nothing that counts"
        );
    }

    #[test]
    fn categories_follow_category_order_and_finish_at_their_last_completion() {
        let steps = [
            step("debts", 3, Resident, Planned),
            step("income", 1, Resident, Done).on(5),
            step("income", 1, Staff, Verified).on(2),
            step("costs", 2, Resident, Done).on(4),
        ];
        let p = compute(&steps);
        let keys: Vec<&str> = p.categories.iter().map(|c| c.category.as_str()).collect();
        assert_eq!(keys, ["income", "costs", "debts"]);
        let done: Vec<(Option<&str>, Option<NaiveDateTime>)> = p
            .milestones
            .iter()
            .filter(|m| m.kind == MilestoneKind::CategoryDone)
            .map(|m| (m.category.as_deref(), m.reached_at))
            .collect();
        assert_eq!(
            done,
            [(Some("income"), Some(at(5))), (Some("costs"), Some(at(4)))]
        );
        assert_eq!(p.percent, 75);
    }

    #[test]
    fn first_step_is_the_earliest_completion_after_intake() {
        let steps = [
            step("a", 0, Resident, Done).intake().on(1),
            step("a", 0, Resident, Done).on(9),
            step("b", 1, Staff, Verified).on(6),
            step("b", 1, Resident, Open),
        ];
        let first = compute(&steps);
        let first = milestone(&first, MilestoneKind::FirstStep).map(|m| m.reached_at);
        assert_eq!(first, Some(Some(at(6))));
    }

    #[test]
    fn half_way_is_reached_by_the_crossing_completion() {
        // Five counting steps: the third completion in time crosses half-way.
        let steps = [
            step("a", 0, Resident, Done).on(7),
            step("a", 0, Resident, Done).on(3),
            step("a", 0, Resident, Done).on(5),
            step("a", 0, Resident, Done).on(9),
            step("a", 0, Resident, Planned),
            step("a", 0, Resident, Skipped),
        ];
        let p = compute(&steps);
        assert_eq!(p.percent, 80);
        let half = milestone(&p, MilestoneKind::HalfWay).map(|m| m.reached_at);
        assert_eq!(half, Some(Some(at(7))));
        assert!(milestone(&p, MilestoneKind::AllDone).is_none());
    }

    #[test]
    fn half_way_on_an_even_total_and_untimed_intake_steps() {
        // Four steps, two from intake without times: the second completion is one of those.
        let mut steps = vec![
            step("a", 0, Staff, Done).intake(),
            step("a", 0, Staff, Done).intake(),
            step("b", 1, Resident, Planned),
            step("b", 1, Resident, Planned),
        ];
        let p = compute(&steps);
        let half = milestone(&p, MilestoneKind::HalfWay).map(|m| m.reached_at);
        assert_eq!(half, Some(None), "reached at intake, moment unknown");

        // One step less than half: no milestone.
        steps[1].status = Planned;
        assert!(milestone(&compute(&steps), MilestoneKind::HalfWay).is_none());

        // With timed completions after the intake the crossing moment is known.
        steps[1] = step("a", 0, Staff, Done).intake();
        steps.push(step("b", 1, Resident, Done).on(4));
        steps.push(step("b", 1, Resident, Done).on(2));
        let p = compute(&steps);
        let half = milestone(&p, MilestoneKind::HalfWay).map(|m| m.reached_at);
        assert_eq!(half, Some(Some(at(2))), "third of six, after two untimed");
    }

    #[test]
    fn all_done_lists_every_milestone_in_order() {
        let steps = [
            step("a", 0, Staff, Done).intake(),
            step("b", 1, Resident, Done).on(2),
            step("b", 1, Resident, Verified).on(8),
            step("b", 1, Resident, Cancelled),
        ];
        let p = compute(&steps);
        assert_eq!((p.done, p.total, p.percent), (3, 3, 100));
        assert_eq!(
            kinds(&p),
            [
                MilestoneKind::FirstStep,
                MilestoneKind::CategoryDone,
                MilestoneKind::CategoryDone,
                MilestoneKind::HalfWay,
                MilestoneKind::AllDone,
            ]
        );
        let times: Vec<Option<NaiveDateTime>> = p.milestones.iter().map(|m| m.reached_at).collect();
        assert_eq!(
            times,
            [Some(at(2)), None, Some(at(8)), Some(at(2)), Some(at(8))]
        );
    }

    #[test]
    fn percent_rounds_down() {
        let steps = [
            step("a", 0, Resident, Done).on(1),
            step("a", 0, Resident, Planned),
            step("a", 0, Resident, Planned),
        ];
        assert_eq!(compute(&steps).percent, 33);
    }

    #[test]
    fn milestones_serialise_in_snake_case() {
        let m = Milestone {
            kind: MilestoneKind::CategoryDone,
            category: Some("income".into()),
            reached_at: Some(at(1)),
        };
        assert_eq!(
            serde_json::to_value(&m).expect("serialises"),
            serde_json::json!({
                "kind": "category_done",
                "category": "income",
                "reached_at": "2025-03-01T10:00:00"
            })
        );
    }
}
