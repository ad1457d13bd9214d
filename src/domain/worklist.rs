//! The caseworker's worklist: what kinds of things need a caseworker, how urgent each kind is,
//! and the clocks behind them (the Wgs crisis deadline, the inactivity ladder, the 90/120-day
//! time box). Pure: the caller passes the clock and the stored facts.

use crate::domain::gate::{self, TimeBox};
use crate::domain::reminders::{self, InactivityRules, InactivityStage};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a worklist item asks of the caseworker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum WorklistKind {
    /// An open crisis (`P0`) step, against its Wgs deadline of three working days.
    #[serde(rename = "crisis")]
    Crisis,
    /// The resident asked for help with an open step.
    #[serde(rename = "help_requested")]
    HelpRequested,
    /// No activity for 14 days (the caseworker is told).
    #[serde(rename = "inactive_14")]
    Inactive14,
    /// No activity for 21 days (dropout risk).
    #[serde(rename = "inactive_21")]
    Inactive21,
    /// An open step owned by a caseworker or volunteer of the team.
    #[serde(rename = "waiting_for_staff")]
    WaitingForStaff,
    /// The resident put a step aside ("niet nu") with a reason.
    #[serde(rename = "snoozed")]
    Snoozed,
    /// A document the resident sent waits for review.
    #[serde(rename = "document_to_review")]
    DocumentToReview,
    /// The plan is past 90 days in stabilisation.
    #[serde(rename = "stabilisation_90")]
    Stabilisation90,
    /// The plan is past 120 days in stabilisation.
    #[serde(rename = "stabilisation_120")]
    Stabilisation120,
}
crate::domain::kinds::all_values!(WorklistKind {
    Crisis,
    HelpRequested,
    Inactive14,
    Inactive21,
    WaitingForStaff,
    Snoozed,
    DocumentToReview,
    Stabilisation90,
    Stabilisation120
});

impl WorklistKind {
    /// The serialised spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crisis => "crisis",
            Self::HelpRequested => "help_requested",
            Self::Inactive14 => "inactive_14",
            Self::Inactive21 => "inactive_21",
            Self::WaitingForStaff => "waiting_for_staff",
            Self::Snoozed => "snoozed",
            Self::DocumentToReview => "document_to_review",
            Self::Stabilisation90 => "stabilisation_90",
            Self::Stabilisation120 => "stabilisation_120",
        }
    }

    /// The kind spelled `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Urgency rank: lower comes first on the worklist.
    pub fn rank(self) -> u8 {
        match self {
            Self::Crisis => 0,
            Self::HelpRequested => 1,
            Self::DocumentToReview => 2,
            Self::Inactive21 => 3,
            Self::WaitingForStaff => 4,
            Self::Stabilisation120 => 5,
            Self::Inactive14 => 6,
            Self::Snoozed => 7,
            Self::Stabilisation90 => 8,
        }
    }

    /// A short prefix for item ids (the cursor names an item by it and its object id).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::Crisis => "c",
            Self::HelpRequested => "h",
            Self::Inactive14 => "i14",
            Self::Inactive21 => "i21",
            Self::WaitingForStaff => "w",
            Self::Snoozed => "s",
            Self::DocumentToReview => "d",
            Self::Stabilisation90 => "s90",
            Self::Stabilisation120 => "s120",
        }
    }
}

/// Working days a crisis may wait for the first action (Wgs: three working days).
pub const CRISIS_WORKING_DAYS: u32 = 3;

/// The Wgs deadline of a crisis that opened (or was reported) at `since`: three working days
/// (Monday–Friday, local clock) later.
pub fn crisis_deadline(since: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    reminders::add_working_days(since, CRISIS_WORKING_DAYS, tz)
}

/// A plan's inactivity item: 21 days (at risk) or 14 days (escalated) without activity, with
/// when it reached that stage. `None` below 14 days.
pub fn inactivity(
    rules: &InactivityRules,
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(WorklistKind, DateTime<Utc>)> {
    match reminders::inactivity_stage(rules, last_activity, now) {
        InactivityStage::AtRisk => Some((
            WorklistKind::Inactive21,
            last_activity + rules.at_risk_after,
        )),
        InactivityStage::Escalated => Some((
            WorklistKind::Inactive14,
            last_activity + rules.escalate_after,
        )),
        InactivityStage::Active | InactivityStage::Nudge => None,
    }
}

/// Whole days without activity.
pub fn idle_days(last_activity: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    now.signed_duration_since(last_activity).num_days().max(0)
}

/// Days in stabilisation on `today` (local) for a plan that started on `started_on`.
pub fn days_in_stabilisation(started_on: NaiveDate, today: NaiveDate) -> i64 {
    (today - started_on).num_days().max(0)
}

/// A plan's time-box item: past 120 or 90 days, with the local midnight it crossed the line.
pub fn time_box(
    started_on: NaiveDate,
    today: NaiveDate,
    tz: Tz,
) -> Option<(WorklistKind, DateTime<Utc>)> {
    let (kind, after) = match gate::time_box(days_in_stabilisation(started_on, today)) {
        TimeBox::Over120 => (WorklistKind::Stabilisation120, 121),
        TimeBox::Over90 => (WorklistKind::Stabilisation90, 91),
        TimeBox::OnTrack => return None,
    };
    let day = started_on + chrono::Days::new(after);
    Some((
        kind,
        reminders::resolve_local(day.and_time(NaiveTime::MIN), tz),
    ))
}

/// The worklist order: by kind's urgency; crises by their deadline; then the oldest first;
/// ties by item id (stable for the cursor).
pub fn sort_key(
    kind: WorklistKind,
    since: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    id: &str,
) -> (u8, DateTime<Utc>, DateTime<Utc>, String) {
    (kind.rank(), due_at.unwrap_or(since), since, id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const TZ: Tz = chrono_tz::Europe::Amsterdam;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        TZ.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_crisis_deadline_counts_working_days_only() {
        // Tuesday 1 December 2026, 10:00 → Friday 4 December 10:00.
        assert_eq!(
            crisis_deadline(at(2026, 12, 1, 10), TZ),
            at(2026, 12, 4, 10)
        );
        // Thursday → Tuesday: the weekend does not count.
        assert_eq!(
            crisis_deadline(at(2026, 12, 3, 10), TZ),
            at(2026, 12, 8, 10)
        );
        // Saturday → the third working day is Wednesday.
        assert_eq!(
            crisis_deadline(at(2026, 12, 5, 10), TZ),
            at(2026, 12, 9, 10)
        );
    }

    #[test]
    fn inactivity_follows_the_ladder() {
        let rules = InactivityRules {
            nudge_after: Duration::days(7),
            escalate_after: Duration::days(14),
            at_risk_after: Duration::days(21),
        };
        let last = at(2026, 11, 1, 12);
        assert_eq!(inactivity(&rules, last, last + Duration::days(13)), None);
        assert_eq!(
            inactivity(&rules, last, last + Duration::days(14)),
            Some((WorklistKind::Inactive14, last + Duration::days(14)))
        );
        assert_eq!(
            inactivity(&rules, last, last + Duration::days(30)),
            Some((WorklistKind::Inactive21, last + Duration::days(21)))
        );
        assert_eq!(idle_days(last, last + Duration::hours(14 * 24 + 5)), 14);
    }

    #[test]
    fn the_time_box_flags_past_90_and_120_days() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(time_box(start, start + chrono::Days::new(90), TZ), None);
        let (kind, since) = time_box(start, start + chrono::Days::new(91), TZ).unwrap();
        assert_eq!(kind, WorklistKind::Stabilisation90);
        assert_eq!(since, at(2026, 4, 2, 0));
        let (kind, _) = time_box(start, start + chrono::Days::new(121), TZ).unwrap();
        assert_eq!(kind, WorklistKind::Stabilisation120);
    }

    #[test]
    fn kinds_sort_by_urgency_as_the_contract_says() {
        let mut kinds = WorklistKind::ALL.to_vec();
        kinds.sort_by_key(|k| k.rank());
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "crisis",
                "help_requested",
                "document_to_review",
                "inactive_21",
                "waiting_for_staff",
                "stabilisation_120",
                "inactive_14",
                "snoozed",
                "stabilisation_90"
            ]
        );
        for k in WorklistKind::ALL {
            assert_eq!(crate::api::types::text_of(k), k.as_str());
            assert_eq!(WorklistKind::parse(k.as_str()), Some(*k));
        }
    }
}
