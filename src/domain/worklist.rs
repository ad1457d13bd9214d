//! The caseworker's worklist: what kinds of things need a caseworker, how urgent each kind is,
//! and the clocks behind them (the Wgs crisis deadline, the inactivity ladder, the 90/120-day
//! time box). Pure: the caller passes the clock and the stored facts.

use crate::domain::gate::{self, TimeBox};
use crate::domain::kinds::AppointmentStatus;
use crate::domain::reminders::{self, InactivityRules, InactivityStage};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
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
    /// An appointment today (not yet recorded as attended or missed).
    #[serde(rename = "appointment_today")]
    AppointmentToday,
    /// An appointment in the next two days the resident has not confirmed ("ik kom").
    #[serde(rename = "appointment_unconfirmed")]
    AppointmentUnconfirmed,
    /// The resident asked to move an appointment.
    #[serde(rename = "appointment_move_requested")]
    AppointmentMoveRequested,
    /// The resident missed an appointment and has not been active since (14 days at most).
    #[serde(rename = "appointment_missed")]
    AppointmentMissed,
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
    Stabilisation120,
    AppointmentToday,
    AppointmentUnconfirmed,
    AppointmentMoveRequested,
    AppointmentMissed
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
            Self::AppointmentToday => "appointment_today",
            Self::AppointmentUnconfirmed => "appointment_unconfirmed",
            Self::AppointmentMoveRequested => "appointment_move_requested",
            Self::AppointmentMissed => "appointment_missed",
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
            Self::AppointmentToday => 2,
            Self::AppointmentMoveRequested => 3,
            Self::DocumentToReview => 4,
            Self::AppointmentMissed => 5,
            Self::Inactive21 => 6,
            Self::WaitingForStaff => 7,
            Self::Stabilisation120 => 8,
            Self::Inactive14 => 9,
            Self::AppointmentUnconfirmed => 10,
            Self::Snoozed => 11,
            Self::Stabilisation90 => 12,
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
            Self::AppointmentToday => "at",
            Self::AppointmentUnconfirmed => "au",
            Self::AppointmentMoveRequested => "am",
            Self::AppointmentMissed => "ax",
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

/// How far ahead an unconfirmed appointment comes on the worklist.
pub const UNCONFIRMED_WITHIN: Duration = Duration::days(2);
/// How long a missed appointment stays on the worklist when the resident stays silent.
pub const MISSED_FOR: Duration = Duration::days(14);

/// What a stored appointment asks of the caseworker now, with since when: a move request, a
/// meeting today, an unconfirmed one soon, or a recent miss with no activity after it. Each
/// appointment is on the list once, under its most urgent kind.
#[expect(clippy::too_many_arguments, reason = "plain facts of one appointment")]
pub fn appointment_item(
    status: AppointmentStatus,
    starts_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    confirmed: bool,
    move_requested_at: Option<DateTime<Utc>>,
    outcome_at: Option<DateTime<Utc>>,
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<(WorklistKind, DateTime<Utc>)> {
    match status {
        AppointmentStatus::Missed => {
            let at = outcome_at?;
            (now - at < MISSED_FOR && last_activity <= at)
                .then_some((WorklistKind::AppointmentMissed, at))
        }
        AppointmentStatus::Planned => {
            let today = now.with_timezone(&tz).date_naive();
            let day = starts_at.with_timezone(&tz).date_naive();
            if let Some(at) = move_requested_at
                && starts_at > now
            {
                Some((WorklistKind::AppointmentMoveRequested, at))
            } else if day == today {
                let midnight = reminders::resolve_local(today.and_time(NaiveTime::MIN), tz);
                Some((WorklistKind::AppointmentToday, midnight.max(created_at)))
            } else if !confirmed && starts_at > now && starts_at - now <= UNCONFIRMED_WITHIN {
                Some((
                    WorklistKind::AppointmentUnconfirmed,
                    (starts_at - UNCONFIRMED_WITHIN).max(created_at),
                ))
            } else {
                None
            }
        }
        AppointmentStatus::Cancelled | AppointmentStatus::Attended => None,
    }
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
    fn appointments_come_on_the_worklist_once_under_their_most_urgent_kind() {
        let now = at(2026, 12, 7, 9);
        let made = at(2026, 12, 1, 10);
        let item = |status, start, confirmed, moved: Option<DateTime<Utc>>, outcome, last| {
            appointment_item(
                status, start, made, confirmed, moved, outcome, last, now, TZ,
            )
            .map(|(k, _)| k)
        };
        let p = AppointmentStatus::Planned;
        // Today, even confirmed; tomorrow only when unconfirmed; later not at all.
        assert_eq!(
            item(p, at(2026, 12, 7, 14), true, None, None, made),
            Some(WorklistKind::AppointmentToday)
        );
        assert_eq!(
            item(p, at(2026, 12, 8, 14), false, None, None, made),
            Some(WorklistKind::AppointmentUnconfirmed)
        );
        assert_eq!(item(p, at(2026, 12, 8, 14), true, None, None, made), None);
        assert_eq!(item(p, at(2026, 12, 12, 14), false, None, None, made), None);
        // A move request wins over today.
        assert_eq!(
            item(
                p,
                at(2026, 12, 7, 14),
                false,
                Some(at(2026, 12, 6, 12)),
                None,
                made
            ),
            Some(WorklistKind::AppointmentMoveRequested)
        );
        // A miss stays until the resident is active again, and at most 14 days.
        let m = AppointmentStatus::Missed;
        let missed_at = at(2026, 12, 5, 12);
        assert_eq!(
            item(m, at(2026, 12, 5, 10), false, None, Some(missed_at), made),
            Some(WorklistKind::AppointmentMissed)
        );
        assert_eq!(
            item(
                m,
                at(2026, 12, 5, 10),
                false,
                None,
                Some(missed_at),
                at(2026, 12, 6, 8)
            ),
            None
        );
        assert_eq!(
            item(
                m,
                at(2026, 11, 5, 10),
                false,
                None,
                Some(at(2026, 11, 5, 12)),
                made
            ),
            None
        );
        assert_eq!(
            item(
                AppointmentStatus::Cancelled,
                at(2026, 12, 7, 14),
                false,
                None,
                None,
                made
            ),
            None
        );
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
                "appointment_today",
                "appointment_move_requested",
                "document_to_review",
                "appointment_missed",
                "inactive_21",
                "waiting_for_staff",
                "stabilisation_120",
                "inactive_14",
                "appointment_unconfirmed",
                "snoozed",
                "stabilisation_90"
            ]
        );
        for k in WorklistKind::ALL {
            assert_eq!(crate::wire::types::text_of(k), k.as_str());
            assert_eq!(WorklistKind::parse(k.as_str()), Some(*k));
        }
    }
}
