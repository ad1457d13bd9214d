//! The dosing engine: which planned steps of a plan to open (issue) now.
//!
//! The resident sees at most `dose` ordinary (non-crisis) open steps at a time, so the action
//! list never becomes the "very large document" again, plus every open crisis (`P0`) step: a
//! crisis always opens, whatever the dose, and takes the ordinary steps' places first. Staff and
//! volunteer steps open as soon as they can. See DOMAIN.md, "Dosing rules".
//!
//! Everything here is pure: the caller loads the plan's steps, calls [`steps_to_open`], stores the
//! returned steps as `open` and records the events. Readiness ([`is_ready`]) is computed from the
//! step states every time and never stored, so it cannot drift.
//!
//! Step ids are assumed to be unique within a plan; if they are not, the first step with an id is
//! the one a dependency refers to.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::domain::kinds::{OwnerType, PlanStatus, Priority, StepStatus};

/// What the engine needs to know about one step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseStep {
    /// The step's id, unique within the plan.
    pub id: String,
    /// Who carries the step out; only resident steps are dosed.
    pub owner: OwnerType,
    /// Current life-cycle state; only `planned` steps can be opened.
    pub status: StepStatus,
    /// Urgency; `P0` (crisis) resident steps open regardless of the dose.
    pub priority: Priority,
    /// Template category order (custom steps use the category they were given).
    pub category_order: i32,
    /// Order within the plan.
    pub position: i32,
    /// Ids of other steps of the same plan that must be finished first.
    pub depends_on: Vec<String>,
    /// True while snoozed by the resident: never issued, except `P0` steps which are never held
    /// back.
    pub held: bool,
}

/// Status of each step by id, built once per call so readiness checks are not quadratic.
type StatusById<'a> = HashMap<&'a str, StepStatus>;

fn status_by_id(all: &[DoseStep]) -> StatusById<'_> {
    let mut map = HashMap::with_capacity(all.len());
    for step in all {
        // `or_insert` keeps the first step with an id, matching the linear search in `is_ready`.
        map.entry(step.id.as_str()).or_insert(step.status);
    }
    map
}

fn ready_in(step: &DoseStep, statuses: &StatusById<'_>) -> bool {
    step.status == StepStatus::Planned
        && step.depends_on.iter().all(|dep| {
            statuses
                .get(dep.as_str())
                .is_none_or(|status| status.releases_dependents())
        })
}

/// Whether `step` may be opened now: it is `planned` and every step it depends on is done,
/// verified, skipped or cancelled.
///
/// A dependency id that is not among `all` counts as satisfied: the step it named was removed
/// from the plan, and a missing step must not block the resident forever.
pub fn is_ready(step: &DoseStep, all: &[DoseStep]) -> bool {
    step.status == StepStatus::Planned
        && step.depends_on.iter().all(|dep| {
            all.iter()
                .find(|other| other.id == *dep)
                .is_none_or(|other| other.status.releases_dependents())
        })
}

/// The order in which ready resident steps are offered: priority (`P0` first), then template
/// category order, then position in the plan, then id so that the order is total.
pub fn compare_for_resident(a: &DoseStep, b: &DoseStep) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then(a.category_order.cmp(&b.category_order))
        .then(a.position.cmp(&b.position))
        .then_with(|| a.id.cmp(&b.id))
}

/// The ids of the steps to open now, given the plan's status, its dose and all its steps.
///
/// - Nothing opens unless the plan is `active`.
/// - Every ready staff or volunteer step opens.
/// - Every ready resident `P0` step opens, whatever the dose and even when held.
/// - Then ready, non-held resident steps open in [`compare_for_resident`] order while fewer than
///   `dose` resident steps are open (counting `P0` ones). A `dose` of 0 is treated as 1.
///
/// The result lists staff and volunteer steps first, then resident steps in the order chosen,
/// each group in [`compare_for_resident`] order, so it does not depend on the order of `steps`.
/// One pass suffices because opening a step never makes another step ready; calling again after
/// storing the result returns nothing.
pub fn steps_to_open(plan_status: PlanStatus, dose: u8, steps: &[DoseStep]) -> Vec<String> {
    if plan_status != PlanStatus::Active {
        return Vec::new();
    }
    let dose = usize::from(dose.max(1));
    let statuses = status_by_id(steps);

    let mut others = Vec::new();
    let mut crisis = Vec::new();
    let mut candidates = Vec::new();
    let mut open_resident = 0usize;
    for step in steps {
        if step.owner != OwnerType::Resident {
            if ready_in(step, &statuses) {
                others.push(step);
            }
        } else if step.status == StepStatus::Open {
            open_resident += 1;
        } else if ready_in(step, &statuses) {
            if step.priority == Priority::P0 {
                crisis.push(step);
            } else if !step.held {
                candidates.push(step);
            }
        }
    }
    others.sort_by(|a, b| compare_for_resident(a, b));
    crisis.sort_by(|a, b| compare_for_resident(a, b));
    candidates.sort_by(|a, b| compare_for_resident(a, b));

    // P0 steps count towards the dose: a crisis pushes ordinary steps out, it does not add to them.
    open_resident += crisis.len();
    let room = dose.saturating_sub(open_resident);

    others
        .into_iter()
        .chain(crisis)
        .chain(candidates.into_iter().take(room))
        .map(|step| step.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OwnerType::{Resident, Staff, Volunteer};
    use Priority::{P0, P1, P2};
    use StepStatus::{Cancelled, Done, Open, Planned, Skipped, Verified};

    fn step(id: &str, owner: OwnerType, status: StepStatus, priority: Priority) -> DoseStep {
        DoseStep {
            id: id.to_owned(),
            owner,
            status,
            priority,
            category_order: 0,
            position: 0,
            depends_on: Vec::new(),
            held: false,
        }
    }

    impl DoseStep {
        fn deps(mut self, ids: &[&str]) -> Self {
            self.depends_on = ids.iter().map(|id| (*id).to_owned()).collect();
            self
        }
        fn at(mut self, category_order: i32, position: i32) -> Self {
            self.category_order = category_order;
            self.position = position;
            self
        }
        fn held(mut self) -> Self {
            self.held = true;
            self
        }
    }

    struct Case {
        name: &'static str,
        plan: PlanStatus,
        dose: u8,
        steps: Vec<DoseStep>,
        expect: &'static [&'static str],
    }

    #[test]
    fn table() {
        use PlanStatus::{Active, Closed, Paused};
        let cases = vec![
            Case {
                name: "empty plan opens nothing",
                plan: Active,
                dose: 1,
                steps: vec![],
                expect: &[],
            },
            Case {
                name: "dose 1 opens the single best resident step",
                plan: Active,
                dose: 1,
                steps: vec![
                    step("b", Resident, Planned, P2).at(1, 0),
                    step("a", Resident, Planned, P2).at(2, 0),
                    step("c", Resident, Planned, P1).at(3, 0),
                ],
                expect: &["c"],
            },
            Case {
                name: "category order, then position, then id",
                plan: Active,
                dose: 3,
                steps: vec![
                    step("z", Resident, Planned, P2).at(1, 5),
                    step("y", Resident, Planned, P2).at(1, 2),
                    step("x", Resident, Planned, P2).at(1, 2),
                    step("w", Resident, Planned, P2).at(0, 9),
                ],
                expect: &["w", "x", "y"],
            },
            Case {
                name: "dose 0 is treated as 1",
                plan: Active,
                dose: 0,
                steps: vec![
                    step("a", Resident, Planned, P2),
                    step("b", Resident, Planned, P2),
                ],
                expect: &["a"],
            },
            Case {
                name: "an open resident step uses the dose",
                plan: Active,
                dose: 2,
                steps: vec![
                    step("a", Resident, Open, P2),
                    step("b", Resident, Planned, P2),
                    step("c", Resident, Planned, P2),
                ],
                expect: &["b"],
            },
            Case {
                name: "full dose opens no resident step",
                plan: Active,
                dose: 1,
                steps: vec![
                    step("a", Resident, Open, P2),
                    step("b", Resident, Planned, P1),
                ],
                expect: &[],
            },
            Case {
                name: "P0 opens beyond the dose and even when held",
                plan: Active,
                dose: 1,
                steps: vec![
                    step("a", Resident, Open, P2),
                    step("crisis", Resident, Planned, P0).held(),
                    step("b", Resident, Planned, P2),
                ],
                expect: &["crisis"],
            },
            Case {
                name: "P0 counts towards the dose",
                plan: Active,
                dose: 2,
                steps: vec![
                    step("crisis", Resident, Planned, P0),
                    step("a", Resident, Planned, P1),
                    step("b", Resident, Planned, P1),
                ],
                expect: &["crisis", "a"],
            },
            Case {
                name: "held steps are passed over",
                plan: Active,
                dose: 1,
                steps: vec![
                    step("a", Resident, Planned, P1).held(),
                    step("b", Resident, Planned, P2),
                ],
                expect: &["b"],
            },
            Case {
                name: "staff and volunteer steps open regardless of dose, listed first",
                plan: Active,
                dose: 1,
                steps: vec![
                    step("r", Resident, Planned, P2),
                    step("v", Volunteer, Planned, P2).held(),
                    step("s", Staff, Planned, P2),
                    step("busy", Staff, Open, P2),
                ],
                expect: &["s", "v", "r"],
            },
            Case {
                name: "an unfinished dependency blocks, a finished one releases",
                plan: Active,
                dose: 5,
                steps: vec![
                    step("open", Staff, Open, P2),
                    step("done", Resident, Done, P2),
                    step("verified", Resident, Verified, P2),
                    step("skipped", Staff, Skipped, P2),
                    step("cancelled", Staff, Cancelled, P2),
                    step("blocked", Resident, Planned, P0).deps(&["done", "open"]),
                    step("free", Resident, Planned, P2).deps(&[
                        "done",
                        "verified",
                        "skipped",
                        "cancelled",
                    ]),
                ],
                expect: &["free"],
            },
            Case {
                name: "a dependency on a removed step counts as satisfied",
                plan: Active,
                dose: 1,
                steps: vec![step("a", Resident, Planned, P2).deps(&["gone"])],
                expect: &["a"],
            },
            Case {
                name: "a paused plan opens nothing, not even P0 or staff steps",
                plan: Paused,
                dose: 5,
                steps: vec![
                    step("crisis", Resident, Planned, P0),
                    step("s", Staff, Planned, P2),
                ],
                expect: &[],
            },
            Case {
                name: "a closed plan opens nothing",
                plan: Closed,
                dose: 1,
                steps: vec![step("a", Resident, Planned, P2)],
                expect: &[],
            },
        ];
        for case in cases {
            assert_eq!(
                steps_to_open(case.plan, case.dose, &case.steps),
                case.expect,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn readiness_needs_planned_status() {
        let all = vec![step("a", Resident, Open, P2), step("b", Staff, Done, P2)];
        assert!(!is_ready(&all[0], &all));
        assert!(!is_ready(&all[1], &all));
        let own_dependency = step("c", Resident, Planned, P2).deps(&["c"]);
        assert!(!is_ready(
            &own_dependency,
            std::slice::from_ref(&own_dependency)
        ));
    }

    #[test]
    fn resident_order_is_priority_category_position_id() {
        let a = step("a", Resident, Planned, P2).at(0, 0);
        assert_eq!(
            compare_for_resident(&a, &step("b", Resident, Planned, P1).at(0, 0)),
            Ordering::Greater
        );
        assert_eq!(
            compare_for_resident(&a, &step("b", Resident, Planned, P2).at(1, 0)),
            Ordering::Less
        );
        assert_eq!(
            compare_for_resident(&a, &step("b", Resident, Planned, P2).at(0, -1)),
            Ordering::Greater
        );
        assert_eq!(compare_for_resident(&a, &a.clone()), Ordering::Equal);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;
        use proptest::sample::Index;

        fn owner() -> impl Strategy<Value = OwnerType> {
            prop_oneof![
                6 => Just(OwnerType::Resident),
                2 => Just(OwnerType::Staff),
                1 => Just(OwnerType::Volunteer),
            ]
        }

        // Mostly planned steps, so that plenty of steps are ready and the dose matters.
        fn status() -> impl Strategy<Value = StepStatus> {
            prop_oneof![
                6 => Just(StepStatus::Planned),
                2 => Just(StepStatus::Open),
                2 => Just(StepStatus::Done),
                1 => Just(StepStatus::Verified),
                1 => Just(StepStatus::Skipped),
                1 => Just(StepStatus::Cancelled),
            ]
        }

        fn plan_status() -> impl Strategy<Value = PlanStatus> {
            prop_oneof![
                6 => Just(PlanStatus::Active),
                1 => proptest::sample::select(PlanStatus::ALL),
            ]
        }

        /// A step before its dependencies are resolved: each `Index` picks an earlier step, and
        /// `missing` adds a dependency on a removed step.
        type RawStep = (
            OwnerType,
            StepStatus,
            Priority,
            i32,
            i32,
            Vec<Index>,
            bool,
            bool,
        );

        fn raw_step() -> impl Strategy<Value = RawStep> {
            (
                owner(),
                status(),
                proptest::sample::select(Priority::ALL),
                0..4i32,
                0..6i32,
                proptest::collection::vec(any::<Index>(), 0..4),
                proptest::bool::weighted(0.2),
                proptest::bool::weighted(0.05),
            )
        }

        /// A random plan whose dependencies only point to lower indices, so it is a DAG.
        fn plan() -> impl Strategy<Value = Vec<DoseStep>> {
            proptest::collection::vec(raw_step(), 0..=40).prop_map(|raw| {
                raw.into_iter()
                    .enumerate()
                    .map(
                        |(i, (owner, status, priority, cat, pos, deps, held, missing))| {
                            let mut depends_on: Vec<String> = if i == 0 {
                                Vec::new()
                            } else {
                                deps.iter().map(|d| format!("s{:02}", d.index(i))).collect()
                            };
                            if missing {
                                depends_on.push("removed".to_owned());
                            }
                            DoseStep {
                                id: format!("s{i:02}"),
                                owner,
                                status,
                                priority,
                                category_order: cat,
                                position: pos,
                                depends_on,
                                held,
                            }
                        },
                    )
                    .collect()
            })
        }

        fn apply(steps: &[DoseStep], opened: &[String]) -> Vec<DoseStep> {
            steps
                .iter()
                .cloned()
                .map(|mut s| {
                    if opened.contains(&s.id) {
                        s.status = StepStatus::Open;
                    }
                    s
                })
                .collect()
        }

        fn resident(s: &DoseStep) -> bool {
            s.owner == OwnerType::Resident
        }

        fn open_residents(steps: &[DoseStep]) -> usize {
            steps
                .iter()
                .filter(|s| resident(s) && s.status == StepStatus::Open)
                .count()
        }

        fn find<'a>(steps: &'a [DoseStep], id: &str) -> &'a DoseStep {
            steps
                .iter()
                .find(|s| s.id == id)
                .expect("opened id is in the plan")
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn opens_only_ready_unheld_steps_of_active_plans(
                steps in plan(), dose in 1u8..=5, ps in plan_status()
            ) {
                let opened = steps_to_open(ps, dose, &steps);
                if ps != PlanStatus::Active {
                    prop_assert!(opened.is_empty());
                }
                let mut unique = opened.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), opened.len(), "no id twice");
                for id in &opened {
                    let s = find(&steps, id);
                    prop_assert!(is_ready(s, &steps), "{} not ready", id);
                    prop_assert!(
                        !(resident(s) && s.held && s.priority != Priority::P0),
                        "{} is held", id
                    );
                }
            }

            #[test]
            fn resident_dose_is_respected_unless_surplus_is_p0(
                steps in plan(), dose in 1u8..=5
            ) {
                let opened = steps_to_open(PlanStatus::Active, dose, &steps);
                let after = apply(&steps, &opened);
                let ordinary_opened = opened.iter().any(|id| {
                    let s = find(&steps, id);
                    resident(s) && s.priority != Priority::P0
                });
                if ordinary_opened {
                    prop_assert!(open_residents(&after) <= usize::from(dose));
                }
            }

            #[test]
            fn applying_the_result_is_idempotent(
                steps in plan(), dose in 1u8..=5, ps in plan_status()
            ) {
                let opened = steps_to_open(ps, dose, &steps);
                let after = apply(&steps, &opened);
                prop_assert!(steps_to_open(ps, dose, &after).is_empty());
            }

            #[test]
            fn every_ready_staff_volunteer_and_p0_step_opens(
                steps in plan(), dose in 1u8..=5
            ) {
                let opened = steps_to_open(PlanStatus::Active, dose, &steps);
                for s in &steps {
                    let must = !resident(s) || s.priority == Priority::P0;
                    if must && is_ready(s, &steps) {
                        prop_assert!(opened.contains(&s.id), "{} not opened", s.id);
                    }
                }
            }

            #[test]
            fn the_dose_is_filled_when_possible(steps in plan(), dose in 1u8..=5) {
                let opened = steps_to_open(PlanStatus::Active, dose, &steps);
                let after = apply(&steps, &opened);
                if open_residents(&after) < usize::from(dose) {
                    for s in &after {
                        prop_assert!(
                            !(resident(s) && !s.held && is_ready(s, &after)),
                            "{} left waiting", s.id
                        );
                    }
                }
            }

            #[test]
            fn the_best_ready_steps_are_chosen(steps in plan(), dose in 1u8..=5) {
                let opened = steps_to_open(PlanStatus::Active, dose, &steps);
                let after = apply(&steps, &opened);
                let ordinary = |s: &&DoseStep| resident(s) && s.priority != Priority::P0;
                let chosen: Vec<&DoseStep> = opened
                    .iter()
                    .map(|id| find(&steps, id))
                    .filter(ordinary)
                    .collect();
                let left: Vec<&DoseStep> = after
                    .iter()
                    .filter(ordinary)
                    .filter(|s| !s.held && is_ready(s, &after))
                    .collect();
                for a in &chosen {
                    for b in &left {
                        prop_assert_ne!(
                            compare_for_resident(a, b),
                            std::cmp::Ordering::Greater,
                            "{} chosen over {}", a.id, b.id
                        );
                    }
                }
            }

            #[test]
            fn the_result_does_not_depend_on_input_order(
                steps in plan(), dose in 1u8..=5
            ) {
                let mut reversed = steps.clone();
                reversed.reverse();
                prop_assert_eq!(
                    steps_to_open(PlanStatus::Active, dose, &steps),
                    steps_to_open(PlanStatus::Active, dose, &reversed)
                );
            }

            #[test]
            fn ready_in_agrees_with_is_ready(steps in plan()) {
                let statuses = status_by_id(&steps);
                for s in &steps {
                    prop_assert_eq!(ready_in(s, &statuses), is_ready(s, &steps));
                }
            }
        }
    }
}
