//! Evaluation arms and research metrics (pure): arm assignment, pseudonyms, medians and the
//! small-group suppression of aggregate figures.

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Appointment counts of one plan (see `docs/metrics.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppointmentCounts {
    pub planned: u32,
    pub attended: u32,
    pub missed: u32,
    pub cancelled: u32,
    pub moved: u32,
}

/// Counts appointments given as (status, times moved).
pub fn appointment_counts(
    rows: &[(crate::domain::kinds::AppointmentStatus, i32)],
) -> AppointmentCounts {
    use crate::domain::kinds::AppointmentStatus as S;
    let mut c = AppointmentCounts::default();
    for (status, moved) in rows {
        c.planned += 1;
        match status {
            S::Attended => c.attended += 1,
            S::Missed => c.missed += 1,
            S::Cancelled => c.cancelled += 1,
            S::Planned => {}
        }
        c.moved += u32::try_from(*moved).unwrap_or(0);
    }
    c
}

/// How a plan shows its steps to the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// One step at a time (the strengthened intervention).
    Dosed,
    /// All steps at once, like the original action list.
    FullList,
}
crate::domain::kinds::all_values!(Arm { Dosed, FullList });

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Dosed => "dosed",
            Arm::FullList => "full_list",
        }
    }

    pub fn parse(s: &str) -> Arm {
        if s == "full_list" {
            Arm::FullList
        } else {
            Arm::Dosed
        }
    }
}

/// A team's rule for new plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArmPolicy {
    Dosed,
    FullList,
    /// Each new plan gets an arm at random (50/50); the draw is recorded.
    Randomised,
}
crate::domain::kinds::all_values!(ArmPolicy {
    Dosed,
    FullList,
    Randomised
});

impl ArmPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ArmPolicy::Dosed => "dosed",
            ArmPolicy::FullList => "full_list",
            ArmPolicy::Randomised => "randomised",
        }
    }

    pub fn parse(s: &str) -> ArmPolicy {
        match s {
            "full_list" => ArmPolicy::FullList,
            "randomised" => ArmPolicy::Randomised,
            _ => ArmPolicy::Dosed,
        }
    }
}

/// The arm of a new plan, and whether it was drawn at random.
pub fn assign_arm(policy: ArmPolicy, rng: &mut impl Rng) -> (Arm, bool) {
    match policy {
        ArmPolicy::Dosed => (Arm::Dosed, false),
        ArmPolicy::FullList => (Arm::FullList, false),
        ArmPolicy::Randomised => (
            if rng.random_bool(0.5) {
                Arm::Dosed
            } else {
                Arm::FullList
            },
            true,
        ),
    }
}

/// A stable pseudonym for an id: a keyed hash, so it cannot be reversed or recomputed
/// without the key, and stays the same across exports.
pub fn pseudonym(key: &[u8], id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"stapvoorstap-research\0");
    h.update(key);
    h.update([0u8]);
    h.update(id.as_bytes());
    hex::encode(&h.finalize()[..12])
}

/// The median of some values (the mean of the two middle ones for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// Groups smaller than this are not shown in aggregates (re-identification risk).
pub const MIN_GROUP: usize = 5;

#[cfg(test)]
mod tests {
    #[test]
    fn appointment_counts_follow_the_definitions() {
        use crate::domain::kinds::AppointmentStatus as S;
        let c = appointment_counts(&[
            (S::Attended, 1),
            (S::Missed, 0),
            (S::Cancelled, 2),
            (S::Planned, 0),
        ]);
        assert_eq!(
            c,
            AppointmentCounts {
                planned: 4,
                attended: 1,
                missed: 1,
                cancelled: 1,
                moved: 3
            }
        );
    }

    use super::*;

    #[test]
    fn randomised_assignment_is_roughly_balanced_over_1000_plans() {
        let mut rng = rand::rng();
        let draws: Vec<(Arm, bool)> = (0..1000)
            .map(|_| assign_arm(ArmPolicy::Randomised, &mut rng))
            .collect();
        let dosed = draws.iter().filter(|d| d.0 == Arm::Dosed).count();
        // Binomial(1000, 0.5): 400..600 is more than six standard deviations wide.
        assert!((400..=600).contains(&dosed), "{dosed}");
        assert!(
            draws.iter().all(|d| d.1),
            "every draw is recorded as random"
        );
        assert_eq!(
            assign_arm(ArmPolicy::FullList, &mut rng),
            (Arm::FullList, false)
        );
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_short() {
        let a = pseudonym(b"key-1", "plan-1");
        assert_eq!(a, pseudonym(b"key-1", "plan-1"));
        assert_ne!(a, pseudonym(b"key-2", "plan-1"));
        assert_ne!(a, pseudonym(b"key-1", "plan-2"));
        assert_eq!(a.len(), 24);
        assert!(!a.contains("plan"));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
