//! The stabilisation gate: exit criteria E1–E8 (DOMAIN.md) computed from step states, the
//! "ready for the debt arrangement" milestone, and the 90/120-day time box. Pure.

use crate::domain::kinds::{Language, StepStatus};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The exit criteria, in order, with their plain-language names.
pub const CRITERIA: [(&str, &str, &str); 8] = [
    ("E1", "Geen crisis meer open", "No open crisis"),
    (
        "E2",
        "Vaste lasten 2 tot 3 maanden op tijd betaald",
        "Fixed costs paid on time for 2–3 months",
    ),
    ("E3", "Geen nieuwe schulden", "No new debts"),
    ("E4", "Inkomen zo hoog als het kan", "Income maximised"),
    (
        "E5",
        "Beslag gecontroleerd",
        "Garnishment checked against protected income",
    ),
    ("E6", "Compleet schuldenoverzicht", "Complete debt overview"),
    ("E7", "Papieren compleet", "Documents complete"),
    ("E8", "Plan van aanpak getekend", "Plan signed"),
];

/// What the gate needs of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct GateStep {
    pub gates: Vec<String>,
    pub status: StepStatus,
    pub completed_at: Option<NaiveDateTime>,
}

/// One exit criterion's state.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Criterion {
    /// `E1` … `E8`.
    #[schema(example = "E1")]
    pub code: &'static str,
    /// Its name in the reader's language.
    pub name: &'static str,
    /// Whether it is met: every applicable step counting towards it is done (a criterion with
    /// no applicable steps is met as not applicable).
    pub met: bool,
    /// Steps counting towards it that apply.
    pub steps_total: u32,
    /// Of those, done.
    pub steps_done: u32,
    /// When it was met (the last of its steps), if known.
    pub met_at: Option<DateTime<Utc>>,
}

/// Evaluates E1–E8 over a plan's steps.
pub fn evaluate(steps: &[GateStep], lang: Language) -> Vec<Criterion> {
    CRITERIA
        .iter()
        .map(|(code, nl, en)| {
            let applicable: Vec<&GateStep> = steps
                .iter()
                .filter(|s| s.gates.iter().any(|g| g == code))
                .filter(|s| !matches!(s.status, StepStatus::Skipped | StepStatus::Cancelled))
                .collect();
            let done: Vec<&&GateStep> = applicable
                .iter()
                .filter(|s| s.status.is_completed())
                .collect();
            let met = done.len() == applicable.len();
            Criterion {
                code,
                name: if lang == Language::Nl { nl } else { en },
                met,
                steps_total: u32::try_from(applicable.len()).unwrap_or(u32::MAX),
                steps_done: u32::try_from(done.len()).unwrap_or(u32::MAX),
                met_at: if met {
                    done.iter()
                        .filter_map(|s| s.completed_at)
                        .max()
                        .map(|t| t.and_utc())
                } else {
                    None
                },
            }
        })
        .collect()
}

/// Ready for the debt arrangement: every criterion met.
pub fn ready_for_arrangement(criteria: &[Criterion]) -> bool {
    criteria.iter().all(|c| c.met)
}

/// Where a plan stands against the 3–4 month time box of the phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeBox {
    /// Up to 90 days.
    OnTrack,
    /// Past 90 days (the GKB's three months).
    Over90,
    /// Past 120 days (the NVVK's four months).
    Over120,
}
crate::domain::kinds::all_values!(TimeBox {
    OnTrack,
    Over90,
    Over120
});

pub fn time_box(days_in_stabilisation: i64) -> TimeBox {
    match days_in_stabilisation {
        d if d > 120 => TimeBox::Over120,
        d if d > 90 => TimeBox::Over90,
        _ => TimeBox::OnTrack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(gates: &[&str], status: StepStatus, day: Option<u32>) -> GateStep {
        GateStep {
            gates: gates.iter().map(|g| g.to_string()).collect(),
            status,
            completed_at: day.map(|d| {
                chrono::NaiveDate::from_ymd_opt(2026, 11, d)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap()
            }),
        }
    }

    #[test]
    fn criteria_follow_step_states() {
        let steps = vec![
            step(&["E1"], StepStatus::Done, Some(2)),
            step(&["E1"], StepStatus::Skipped, None),
            step(&["E7"], StepStatus::Verified, Some(5)),
            step(&["E7"], StepStatus::Open, None),
            step(&["E6", "E7"], StepStatus::Done, Some(9)),
        ];
        let c = evaluate(&steps, Language::En);
        let by = |code: &str| c.iter().find(|x| x.code == code).unwrap().clone();
        assert!(by("E1").met, "the skipped (n.v.t.) step does not count");
        assert_eq!(by("E1").met_at.unwrap().format("%d").to_string(), "02");
        assert!(!by("E7").met);
        assert_eq!((by("E7").steps_done, by("E7").steps_total), (2, 3));
        assert!(by("E6").met);
        assert!(
            by("E3").met && by("E3").steps_total == 0 && by("E3").met_at.is_none(),
            "no steps: not applicable, met"
        );
        assert!(!ready_for_arrangement(&c));
        let all_done: Vec<GateStep> = steps
            .iter()
            .map(|s| GateStep {
                status: StepStatus::Done,
                ..s.clone()
            })
            .collect();
        assert!(ready_for_arrangement(&evaluate(&all_done, Language::Nl)));
        assert_eq!(by("E1").name, "No open crisis");
    }

    #[test]
    fn time_box_flags() {
        assert_eq!(time_box(0), TimeBox::OnTrack);
        assert_eq!(time_box(90), TimeBox::OnTrack);
        assert_eq!(time_box(91), TimeBox::Over90);
        assert_eq!(time_box(120), TimeBox::Over90);
        assert_eq!(time_box(121), TimeBox::Over120);
    }
}
