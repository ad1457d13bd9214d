//! When reminders may be sent: quiet hours, daily and weekly caps, and the reference instants
//! (due soon, overdue, inactivity, implementation intentions) the scheduler derives them from.
//!
//! Everything here is pure: the caller passes the clock and the history of sent reminders.
//! Clock times such as "08:00" are read on the resident's own clock (the policy's time zone), so
//! they mean 08:00 local on both sides of a daylight-saving switch. A local time that does not
//! exist (the spring-forward gap) becomes the first instant after the gap; one that happens twice
//! (fall back) becomes the earlier of the two.

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Builds a clock time in a `const` item, so a typo fails the build instead of a request.
const fn clock(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(time) => time,
        None => panic!("invalid clock time in a constant"),
    }
}

/// Default start of quiet hours (local).
pub const DEFAULT_QUIET_START: NaiveTime = clock(21, 0);
/// Default end of quiet hours (local).
pub const DEFAULT_QUIET_END: NaiveTime = clock(8, 0);
/// Default number of capped reminders per local calendar day.
pub const DEFAULT_DAILY_CAP: u32 = 1;
/// Default number of capped reminders per rolling 7 × 24 hours.
pub const DEFAULT_WEEKLY_CAP: u32 = 3;
/// Default time zone of residents.
pub const DEFAULT_TZ: Tz = Tz::Europe__Amsterdam;

const MORNING: NaiveTime = clock(9, 0);
const AFTERNOON: NaiveTime = clock(14, 0);
const EVENING: NaiveTime = clock(19, 0);

/// Per-resident reminder policy (defaults: quiet 21:00–08:00 Europe/Amsterdam, 1 a day, 3 a week).
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderPolicy {
    /// Local time quiet hours start (inclusive).
    pub quiet_start: NaiveTime,
    /// Local time quiet hours end (exclusive); before `quiet_start` means the window wraps
    /// midnight, equal to `quiet_start` means no quiet hours.
    pub quiet_end: NaiveTime,
    /// Capped reminders per local calendar day; 0 is treated as 1 (reminders are never dropped).
    pub daily_cap: u32,
    /// Capped reminders per rolling 7 × 24 hours; 0 is treated as 1.
    pub weekly_cap: u32,
    /// The resident's time zone, for quiet hours and calendar days.
    pub tz: Tz,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        Self {
            quiet_start: DEFAULT_QUIET_START,
            quiet_end: DEFAULT_QUIET_END,
            daily_cap: DEFAULT_DAILY_CAP,
            weekly_cap: DEFAULT_WEEKLY_CAP,
            tz: DEFAULT_TZ,
        }
    }
}

/// Parses quiet hours written as `HH:MM-HH:MM` (e.g. `21:00-08:00`; an en dash is accepted too).
pub fn parse_quiet_hours(s: &str) -> Result<(NaiveTime, NaiveTime), String> {
    let (start, end) = s
        .split_once(['-', '\u{2013}'])
        .ok_or_else(|| format!("quiet hours {s:?}: expected HH:MM-HH:MM"))?;
    let parse = |part: &str| {
        NaiveTime::parse_from_str(part.trim(), "%H:%M").map_err(|e| {
            format!(
                "quiet hours {s:?}: {:?} is not a time HH:MM ({e})",
                part.trim()
            )
        })
    };
    Ok((parse(start)?, parse(end)?))
}

/// What a reminder is about; decides whether caps and quiet hours apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A new step was issued to the resident.
    NewStep,
    /// A step's due date is near.
    DueSoon,
    /// A step's due date has passed (sent once).
    Overdue,
    /// The resident has not been active for a while.
    Inactivity,
    /// The moment the resident said they would do the step.
    Intention,
    /// The resident reached a milestone.
    Milestone,
    /// A caseworker is told a resident needs attention (staff, not resident).
    CaseworkerEscalation,
    /// A caseworker is told a crisis (P0) step is still open (staff, not resident).
    CaseworkerCrisis,
    /// Account and security messages to the resident.
    Account,
    /// The caseworker has a question about a document the resident sent (it was rejected).
    DocumentQuestion,
    /// The daily e-mail to a caseworker: counts per worklist kind (staff, by e-mail).
    StaffDigest,
    /// An e-mail to a caseworker that a crisis opened in their team (staff, by e-mail).
    StaffCrisisMail,
    /// The resident has an appointment tomorrow (sent the evening before).
    AppointmentDayBefore,
    /// The resident has an appointment soon (a short while before).
    AppointmentSoon,
}

impl ReminderKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ReminderKind] = &[
        Self::NewStep,
        Self::DueSoon,
        Self::Overdue,
        Self::Inactivity,
        Self::Intention,
        Self::Milestone,
        Self::CaseworkerEscalation,
        Self::CaseworkerCrisis,
        Self::Account,
        Self::DocumentQuestion,
        Self::StaffDigest,
        Self::StaffCrisisMail,
        Self::AppointmentDayBefore,
        Self::AppointmentSoon,
    ];

    /// The stored and serialised spelling (`snake_case`, as serde).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewStep => "new_step",
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::Inactivity => "inactivity",
            Self::Intention => "intention",
            Self::Milestone => "milestone",
            Self::CaseworkerEscalation => "caseworker_escalation",
            Self::CaseworkerCrisis => "caseworker_crisis",
            Self::Account => "account",
            Self::DocumentQuestion => "document_question",
            Self::StaffDigest => "staff_digest",
            Self::StaffCrisisMail => "staff_crisis_mail",
            Self::AppointmentDayBefore => "appointment_day_before",
            Self::AppointmentSoon => "appointment_soon",
        }
    }

    /// The kind spelled `s` (as `as_str`), if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == s)
    }

    /// Whether this reminder counts against (and waits for) the daily and weekly caps.
    ///
    /// Crisis (P0) reminders and account messages never count against the caps; caseworker
    /// alerts go to staff and are not capped either.
    pub fn capped(self, crisis: bool) -> bool {
        match self {
            // The answer to something the resident sent waits for no cap.
            Self::CaseworkerEscalation
            | Self::CaseworkerCrisis
            | Self::Account
            | Self::DocumentQuestion
            | Self::StaffDigest
            | Self::StaffCrisisMail
            // Appointment reminders come on top of the step budget (they respect quiet hours).
            | Self::AppointmentDayBefore
            | Self::AppointmentSoon => false,
            Self::NewStep
            | Self::DueSoon
            | Self::Overdue
            | Self::Inactivity
            | Self::Intention
            | Self::Milestone => !crisis,
        }
    }

    /// Whether quiet hours apply: to everything sent to residents, crisis included (a crisis
    /// push at 3 a.m. helps nobody), but not to caseworker alerts.
    pub fn respects_quiet_hours(self) -> bool {
        !matches!(
            self,
            Self::CaseworkerEscalation
                | Self::CaseworkerCrisis
                | Self::StaffDigest
                | Self::StaffCrisisMail
        )
    }

    /// Whether this goes out by e-mail to staff (not by push).
    pub fn is_mail(self) -> bool {
        matches!(self, Self::StaffDigest | Self::StaffCrisisMail)
    }
}

/// Whether `t` falls in quiet hours for this policy (by the resident's local clock).
pub fn in_quiet_hours(policy: &ReminderPolicy, t: DateTime<Utc>) -> bool {
    let now = t.with_timezone(&policy.tz).time();
    let (start, end) = (policy.quiet_start, policy.quiet_end);
    if start <= end {
        // Also covers start == end: an empty window, i.e. no quiet hours.
        start <= now && now < end
    } else {
        now >= start || now < end
    }
}

/// The earliest instant >= `due` at which a reminder may be sent to this resident.
///
/// With `quiet`, the instant is outside quiet hours (local clock, DST-aware). With `capped`, the
/// `sent` reminders (times of capped reminders already sent, any order) in the same local
/// calendar day stay below the daily cap, and those in the 7 × 24 h up to and including the
/// instant stay below the weekly cap. Reminders are deferred, never dropped: quiet hours move to
/// the next quiet end; a full day moves to the start of the next local day (and so to quiet end
/// when the night is quiet); a full week moves to when the send that frees a slot leaves the
/// window. Each move re-checks everything, so the result is a fixed point.
pub fn earliest_send_time(
    policy: &ReminderPolicy,
    due: DateTime<Utc>,
    sent: &[DateTime<Utc>],
    capped: bool,
    quiet: bool,
) -> DateTime<Utc> {
    let tz = policy.tz;
    let daily_cap = usize::try_from(policy.daily_cap.max(1)).unwrap_or(usize::MAX);
    let weekly_cap = usize::try_from(policy.weekly_cap.max(1)).unwrap_or(usize::MAX);
    let week = Duration::days(7);
    let mut history: Vec<(DateTime<Utc>, NaiveDate)> =
        sent.iter().map(|&s| (s, local_date(s, tz))).collect();
    history.sort_unstable();

    // Every pass moves `t` strictly later: past a quiet stretch, a full local day (each holds a
    // send) or a send leaving the week (it never re-enters), so few passes are ever needed.
    let max_passes = 8 * sent.len() + 32;
    let mut t = due;
    for _ in 0..max_passes {
        if quiet && in_quiet_hours(policy, t) {
            t = next_clock_time(t, policy.quiet_end, tz);
            continue;
        }
        if capped {
            let today = local_date(t, tz);
            if history.iter().filter(|(_, day)| *day == today).count() >= daily_cap {
                t = start_of_next_day(t, tz);
                continue;
            }
            let week_start = shift(t, -week);
            let recent: Vec<DateTime<Utc>> = history
                .iter()
                .map(|&(s, _)| s)
                .filter(|&s| week_start < s && s <= t)
                .collect();
            // Once this send (and all older ones) left the window, the week is below the cap.
            if let Some(&freeing) = recent.iter().rev().nth(weekly_cap - 1) {
                t = shift(freeing, week);
                continue;
            }
        }
        return t;
    }
    t
}

/// The 09:00 local reference instant of a date (the first valid instant after it across DST).
pub fn local_morning(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    resolve_local(date.and_time(MORNING), tz)
}

/// When a "due soon" reminder is due: `before` ahead of the due date's local morning.
pub fn due_soon_at(due_on: NaiveDate, before: Duration, tz: Tz) -> DateTime<Utc> {
    shift(local_morning(due_on, tz), -before)
}

/// When the (single) "overdue" reminder is due: the local morning after the due date.
pub fn overdue_at(due_on: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next_day = due_on.checked_add_days(Days::new(1)).unwrap_or(due_on);
    local_morning(next_day, tz)
}

/// Adds `n` working days (Monday–Friday) in local time, keeping the local clock time.
///
/// `n == 0` returns `t` unchanged; from a weekend day, one working day is the next Monday.
pub fn add_working_days(t: DateTime<Utc>, n: u32, tz: Tz) -> DateTime<Utc> {
    if n == 0 {
        return t;
    }
    let local = t.with_timezone(&tz).naive_local();
    // Five working days after a weekday are exactly one week later: jump the whole weeks, then
    // walk the last one to five days.
    let weeks = u64::from((n - 1) / 5);
    let Some(mut date) = local.date().checked_add_days(Days::new(weeks * 7)) else {
        return DateTime::<Utc>::MAX_UTC;
    };
    let mut left = (n - 1) % 5 + 1;
    while left > 0 {
        let Some(next) = date.succ_opt() else {
            return DateTime::<Utc>::MAX_UTC;
        };
        date = next;
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    resolve_local(date.and_time(local.time()), tz)
}

/// Where one plan stands on the inactivity ladder.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InactivityStage {
    /// Recently active; nothing to do.
    Active,
    /// Inactive long enough for one gentle reminder to the resident.
    Nudge,
    /// Inactive long enough to appear on the caseworker's worklist.
    Escalated,
    /// Inactive long enough to count as at risk of dropping out.
    AtRisk,
}
crate::domain::kinds::all_values!(InactivityStage {
    Active,
    Nudge,
    Escalated,
    AtRisk
});

/// Thresholds of the inactivity ladder, measured from the last resident activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InactivityRules {
    /// From here the resident gets a nudge (default 7 days).
    pub nudge_after: Duration,
    /// From here the caseworker is told (default 14 days).
    pub escalate_after: Duration,
    /// From here the plan is at risk (default 21 days).
    pub at_risk_after: Duration,
}

impl Default for InactivityRules {
    fn default() -> Self {
        Self {
            nudge_after: Duration::days(7),
            escalate_after: Duration::days(14),
            at_risk_after: Duration::days(21),
        }
    }
}

/// The stage of a plan whose resident was last active at `last_activity`, as of `now`.
///
/// Each threshold is inclusive (exactly 7 days inactive is a nudge); a future `last_activity`
/// (clock skew) counts as active.
pub fn inactivity_stage(
    rules: &InactivityRules,
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InactivityStage {
    let idle = now.signed_duration_since(last_activity);
    if idle >= rules.at_risk_after {
        InactivityStage::AtRisk
    } else if idle >= rules.escalate_after {
        InactivityStage::Escalated
    } else if idle >= rules.nudge_after {
        InactivityStage::Nudge
    } else {
        InactivityStage::Active
    }
}

/// A part of the day a resident can pick for an implementation intention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    /// 09:00 local.
    Morning,
    /// 14:00 local.
    Afternoon,
    /// 19:00 local.
    Evening,
}
crate::domain::kinds::all_values!(PartOfDay {
    Morning,
    Afternoon,
    Evening
});

impl PartOfDay {
    /// The local clock time this part of day stands for.
    pub fn time(self) -> NaiveTime {
        match self {
            Self::Morning => MORNING,
            Self::Afternoon => AFTERNOON,
            Self::Evening => EVENING,
        }
    }
}

/// The instant of an implementation intention ("Wanneer doe je dit?") on a local date.
///
/// An explicit `time` wins over `part`; with neither, the morning is used. A time in the
/// spring-forward gap moves to the first valid instant after it; an ambiguous (fall-back) time
/// takes the earlier instant.
pub fn intention_at(
    date: NaiveDate,
    part: Option<PartOfDay>,
    time: Option<NaiveTime>,
    tz: Tz,
) -> DateTime<Utc> {
    let clock = time.or(part.map(PartOfDay::time)).unwrap_or(MORNING);
    resolve_local(date.and_time(clock), tz)
}

/// The resident's calendar date at `t`.
fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// `t + by`, saturating at the ends of the representable range instead of panicking.
fn shift(t: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    t.checked_add_signed(by)
        .unwrap_or(if by < Duration::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// The instant a local clock reading stands for: the earlier one when it happens twice, the
/// first instant after the gap when it does not happen at all.
pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => first_instant_after_gap(local, tz),
    }
}

/// The instant the clock jumps past `local`, a reading skipped by a spring-forward gap.
fn first_instant_after_gap(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let reads_past = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_some_and(|u| u.with_timezone(&tz).naive_local() > local)
    };
    // Offsets are under a day, so the jump lies within a day of `local` read as UTC; the clock
    // reading only rises there, so bisect (transitions fall on whole seconds).
    let centre = local.and_utc().timestamp();
    let (mut before, mut after) = (centre - 86_400, centre + 86_400);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if reads_past(mid) {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_else(|| local.and_utc())
}

/// The first instant strictly after `after` at which the local clock reaches `time`.
fn next_clock_time(after: DateTime<Utc>, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = local_date(after, tz);
    // Look from yesterday: a fall-back around midnight can show yesterday's date again.
    let first_day = today.pred_opt().unwrap_or(today);
    first_day
        .iter_days()
        .take(4)
        .flat_map(|date| {
            let local = date.and_time(time);
            match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => [Some(t.with_timezone(&Utc)), None],
                LocalResult::Ambiguous(a, b) => {
                    [Some(a.with_timezone(&Utc)), Some(b.with_timezone(&Utc))]
                }
                LocalResult::None => [Some(first_instant_after_gap(local, tz)), None],
            }
        })
        .flatten()
        .filter(|&t| t > after)
        .min()
        .unwrap_or_else(|| shift(after, Duration::days(1)))
}

/// The first instant of the local calendar day after the one `t` falls in.
fn start_of_next_day(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    match local_date(t, tz).succ_opt() {
        Some(date) => resolve_local(date.and_time(NaiveTime::MIN), tz),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AMS: Tz = Tz::Europe__Amsterdam;

    /// An instant: `"2026-03-29 06:00Z"` is UTC, `"2026-03-29 08:00"` an Amsterdam wall clock
    /// (which must be unambiguous).
    fn at(s: &str) -> DateTime<Utc> {
        let (text, is_utc) = match s.strip_suffix('Z') {
            Some(text) => (text, true),
            None => (s, false),
        };
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        if is_utc {
            naive.and_utc()
        } else {
            let local = AMS.from_local_datetime(&naive).single().unwrap();
            local.with_timezone(&Utc)
        }
    }

    fn all(times: &[&str]) -> Vec<DateTime<Utc>> {
        times.iter().map(|s| at(s)).collect()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn hm(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn quiet_window(start: &str, end: &str) -> ReminderPolicy {
        ReminderPolicy {
            quiet_start: hm(start),
            quiet_end: hm(end),
            ..ReminderPolicy::default()
        }
    }

    #[test]
    fn defaults_match_the_domain() {
        let p = ReminderPolicy::default();
        assert_eq!((p.quiet_start, p.quiet_end), (hm("21:00"), hm("08:00")));
        assert_eq!((p.daily_cap, p.weekly_cap, p.tz), (1, 3, AMS));
        let rules = InactivityRules::default();
        assert_eq!(rules.nudge_after, Duration::days(7));
        assert_eq!(rules.escalate_after, Duration::days(14));
        assert_eq!(rules.at_risk_after, Duration::days(21));
    }

    #[test]
    fn parses_quiet_hours() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("21:00-08:00",          Some(("21:00", "08:00"))),
            (" 22:30 - 7:15 ",       Some(("22:30", "07:15"))),
            ("21:00\u{2013}08:00",   Some(("21:00", "08:00"))),
            ("00:00-00:00",          Some(("00:00", "00:00"))),
            ("21:00",                None),
            ("25:00-08:00",          None),
            ("21:00-08",             None),
            ("evening-morning",      None),
            ("",                     None),
        ];
        for &(input, expected) in cases {
            let want = expected.map(|(s, e)| (hm(s), hm(e)));
            assert_eq!(parse_quiet_hours(input).ok(), want, "{input:?}");
        }
    }

    #[test]
    fn kind_spelling_matches_serde() {
        for &kind in ReminderKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ReminderKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReminderKind::parse("NewStep"), None);
        assert_eq!(ReminderKind::parse(""), None);
    }

    #[test]
    fn kinds_decide_caps_and_quiet_hours() {
        use ReminderKind::*;
        #[rustfmt::skip]
        let cases = [
            // kind                capped  capped in crisis  quiet hours
            (NewStep,              true,   false,            true),
            (DueSoon,              true,   false,            true),
            (Overdue,              true,   false,            true),
            (Inactivity,           true,   false,            true),
            (Intention,            true,   false,            true),
            (Milestone,            true,   false,            true),
            (CaseworkerEscalation, false,  false,            false),
            (CaseworkerCrisis,     false,  false,            false),
            (Account,              false,  false,            true),
            (DocumentQuestion,     false,  false,            true),
            (StaffDigest,          false,  false,            false),
            (StaffCrisisMail,      false,  false,            false),
            (AppointmentDayBefore, false,  false,            true),
            (AppointmentSoon,      false,  false,            true),
        ];
        assert_eq!(cases.len(), ReminderKind::ALL.len());
        for (kind, normal, crisis, quiet) in cases {
            assert_eq!(kind.capped(false), normal, "{kind:?}");
            assert_eq!(kind.capped(true), crisis, "{kind:?} in a crisis");
            assert_eq!(kind.respects_quiet_hours(), quiet, "{kind:?}");
        }
    }

    #[test]
    fn quiet_hours_by_the_local_clock() {
        #[rustfmt::skip]
        let cases = [
            ("2026-01-15 20:59",  false),
            ("2026-01-15 21:00",  true),
            ("2026-01-16 00:00",  true),
            ("2026-01-16 07:59",  true),
            ("2026-01-16 08:00",  false),
            // 06:30 UTC is 07:30 in winter time (quiet) but 08:30 in summer time (not quiet).
            ("2026-01-16 06:30Z", true),
            ("2026-07-16 06:30Z", false),
        ];
        for (t, quiet) in cases {
            assert_eq!(
                in_quiet_hours(&ReminderPolicy::default(), at(t)),
                quiet,
                "{t}"
            );
        }
        let none = quiet_window("08:00", "08:00");
        assert!(!in_quiet_hours(&none, at("2026-01-16 03:00")));
    }

    #[test]
    fn quiet_hours_defer_to_quiet_end() {
        // Default 21:00–08:00 window, no sends yet.
        #[rustfmt::skip]
        let cases = [
            // why                  due                  earliest
            ("just before",         "2026-01-15 20:59",  "2026-01-15 20:59"),
            ("start",               "2026-01-15 21:00",  "2026-01-16 08:00"),
            ("after midnight",      "2026-01-16 03:00",  "2026-01-16 08:00"),
            ("end",                 "2026-01-16 08:00",  "2026-01-16 08:00"),
            // Spring forward on 2026-03-29: 08:00 CEST is 06:00 UTC.
            ("eve of spring",       "2026-03-28 21:00Z", "2026-03-29 06:00Z"),
            ("just after the jump", "2026-03-29 01:00Z", "2026-03-29 06:00Z"),
            // Fall back on 2026-10-25: 08:00 CET is 07:00 UTC.
            ("eve of autumn",       "2026-10-24 20:00Z", "2026-10-25 07:00Z"),
            ("first 02:30 (CEST)",  "2026-10-25 00:30Z", "2026-10-25 07:00Z"),
            ("second 02:30 (CET)",  "2026-10-25 01:30Z", "2026-10-25 07:00Z"),
        ];
        for (why, due, expected) in cases {
            let got = earliest_send_time(&ReminderPolicy::default(), at(due), &[], true, true);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn quiet_window_inside_the_spring_forward_gap() {
        // 01:30–02:30 on 2026-03-29: the clock jumps from 02:00 CET to 03:00 CEST (01:00 UTC),
        // so quiet hours end at the jump rather than at a 02:30 that never happens.
        let p = quiet_window("01:30", "02:30");
        #[rustfmt::skip]
        let cases = [
            // why                  due                  earliest
            ("01:29 CET",           "2026-03-29 00:29Z", "2026-03-29 00:29Z"),
            ("01:45 CET",           "2026-03-29 00:45Z", "2026-03-29 01:00Z"),
            ("03:00 CEST",          "2026-03-29 01:00Z", "2026-03-29 01:00Z"),
            ("01:45 on a plain day", "2026-03-28 00:45Z", "2026-03-28 01:30Z"),
        ];
        for (why, due, expected) in cases {
            let got = earliest_send_time(&p, at(due), &[], false, true);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn daily_cap_uses_the_local_calendar_day() {
        // Cap 1 a day; one reminder already sent.
        #[rustfmt::skip]
        let cases = [
            // why
            //  sent                 due                 earliest
            ("second on the same day",
                "2026-01-15 09:00",  "2026-01-15 15:00", "2026-01-16 08:00"),
            ("23:30 UTC is the next day",
                "2026-01-14 23:30Z", "2026-01-15 10:00", "2026-01-16 08:00"),
            ("22:30 UTC is the day before",
                "2026-01-14 22:30Z", "2026-01-15 10:00", "2026-01-15 10:00"),
            ("into spring forward (CEST)",
                "2026-03-28 10:00",  "2026-03-28 12:00", "2026-03-29 06:00Z"),
            ("into fall back (CET)",
                "2026-10-24 10:00",  "2026-10-24 12:00", "2026-10-25 07:00Z"),
        ];
        for (why, sent, due, expected) in cases {
            let got =
                earliest_send_time(&ReminderPolicy::default(), at(due), &[at(sent)], true, true);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn weekly_cap_is_a_rolling_week() {
        // Cap 1 a day and 3 a week; 2026-01-12 is a Monday.
        #[rustfmt::skip]
        let cases = [
            (
                "a fourth waits until the oldest leaves the week",
                ["2026-01-14 10:00", "2026-01-12 10:00", "2026-01-13 10:00"],
                "2026-01-15 10:00",
                "2026-01-19 10:00",
            ),
            (
                "a send exactly 7 × 24 h ago no longer counts",
                ["2026-01-08 10:00", "2026-01-12 10:00", "2026-01-13 10:00"],
                "2026-01-15 10:00",
                "2026-01-15 10:00",
            ),
            (
                "the freed slot falls in quiet hours",
                ["2026-01-12 22:00", "2026-01-13 12:00", "2026-01-14 12:00"],
                "2026-01-15 12:00",
                "2026-01-20 08:00",
            ),
            (
                "7 × 24 h, not 7 calendar days, across spring forward",
                ["2026-03-23 10:00", "2026-03-24 10:00", "2026-03-25 10:00"],
                "2026-03-26 10:00",
                "2026-03-30 11:00",
            ),
        ];
        for (why, sent, due, expected) in cases {
            let got =
                earliest_send_time(&ReminderPolicy::default(), at(due), &all(&sent), true, true);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn flags_from_the_kind_decide_what_applies() {
        use ReminderKind::*;
        // Thursday 2026-01-15: today's and this week's reminders are all used up.
        let sent = all(&[
            "2026-01-12 10:00",
            "2026-01-13 10:00",
            "2026-01-14 10:00",
            "2026-01-15 09:00",
        ]);
        #[rustfmt::skip]
        let cases = [
            // why
            //  kind                  crisis due                 earliest
            ("capped waits",
                DueSoon,              false, "2026-01-15 15:00", "2026-01-20 10:00"),
            ("crisis skips caps",
                NewStep,              true,  "2026-01-15 15:00", "2026-01-15 15:00"),
            ("crisis keeps quiet",
                NewStep,              true,  "2026-01-15 22:00", "2026-01-16 08:00"),
            ("account skips caps",
                Account,              false, "2026-01-15 15:00", "2026-01-15 15:00"),
            ("account keeps quiet",
                Account,              false, "2026-01-16 03:00", "2026-01-16 08:00"),
            ("staff at night",
                CaseworkerCrisis,     false, "2026-01-16 03:00", "2026-01-16 03:00"),
            ("staff uncapped",
                CaseworkerEscalation, false, "2026-01-15 23:00", "2026-01-15 23:00"),
        ];
        for (why, kind, crisis, due, expected) in cases {
            let (capped, quiet) = (kind.capped(crisis), kind.respects_quiet_hours());
            let got = earliest_send_time(&ReminderPolicy::default(), at(due), &sent, capped, quiet);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn zero_caps_defer_instead_of_dropping() {
        let p = ReminderPolicy {
            daily_cap: 0,
            weekly_cap: 0,
            ..ReminderPolicy::default()
        };
        let due = at("2026-01-15 10:00");
        assert_eq!(earliest_send_time(&p, due, &[], true, true), due);
        let next = earliest_send_time(&p, due, &[due], true, true);
        // Clamped to 1 a week, the next slot is a week later.
        assert_eq!(next, at("2026-01-22 10:00"));
    }

    #[test]
    fn due_soon_and_overdue_use_the_local_morning() {
        let day = Duration::days(1);
        #[rustfmt::skip]
        let cases = [
            ("winter morning",    local_morning(date("2026-01-15"), AMS),    "2026-01-15 08:00Z"),
            ("summer morning",    local_morning(date("2026-07-15"), AMS),    "2026-07-15 07:00Z"),
            ("due after spring",  due_soon_at(date("2026-03-30"), day, AMS), "2026-03-29 07:00Z"),
            // 24 h before 09:00 CEST on the switch day is 08:00 CET the day before.
            ("due on spring day", due_soon_at(date("2026-03-29"), day, AMS), "2026-03-28 07:00Z"),
            ("due after autumn",  due_soon_at(date("2026-10-26"), day, AMS), "2026-10-25 08:00Z"),
            ("overdue, spring",   overdue_at(date("2026-03-28"), AMS),       "2026-03-29 07:00Z"),
            ("overdue, autumn",   overdue_at(date("2026-10-24"), AMS),       "2026-10-25 08:00Z"),
            ("overdue, plain day", overdue_at(date("2026-01-15"), AMS),       "2026-01-16 09:00"),
        ];
        for (why, got, expected) in cases {
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_keep_the_clock() {
        // 2026-01-16 is a Friday.
        #[rustfmt::skip]
        let cases = [
            // why            start                n   expected
            ("zero",          "2026-01-17 10:00",  0,  "2026-01-17 10:00"),
            ("Fri + 1",       "2026-01-16 10:00",  1,  "2026-01-19 10:00"),
            ("Thu + 2",       "2026-01-15 10:00",  2,  "2026-01-19 10:00"),
            ("Sat + 1",       "2026-01-17 10:00",  1,  "2026-01-19 10:00"),
            ("Sun + 1",       "2026-01-18 10:00",  1,  "2026-01-19 10:00"),
            ("Mon + 5",       "2026-01-12 10:00",  5,  "2026-01-19 10:00"),
            ("Sat + 6",       "2026-01-17 10:00",  6,  "2026-01-26 10:00"),
            ("Fri + 10",      "2026-01-16 10:00",  10, "2026-01-30 10:00"),
            // 10:00 local on both sides of the switch weekend, so the UTC hour changes.
            ("spring weekend", "2026-03-27 09:00Z", 1, "2026-03-30 08:00Z"),
            ("autumn weekend", "2026-10-23 08:00Z", 1, "2026-10-26 09:00Z"),
        ];
        for (why, start, n, expected) in cases {
            assert_eq!(add_working_days(at(start), n, AMS), at(expected), "{why}");
        }
    }

    #[test]
    fn inactivity_stages_start_at_their_threshold() {
        let rules = InactivityRules::default();
        let last = at("2026-01-01 12:00Z");
        let (day, second) = (Duration::days(1), Duration::seconds(1));
        #[rustfmt::skip]
        let cases = [
            (-day,                InactivityStage::Active),
            (Duration::zero(),    InactivityStage::Active),
            (day * 7 - second,    InactivityStage::Active),
            (day * 7,             InactivityStage::Nudge),
            (day * 14 - second,   InactivityStage::Nudge),
            (day * 14,            InactivityStage::Escalated),
            (day * 21 - second,   InactivityStage::Escalated),
            (day * 21,            InactivityStage::AtRisk),
            (day * 400,           InactivityStage::AtRisk),
        ];
        for (idle, stage) in cases {
            assert_eq!(inactivity_stage(&rules, last, last + idle), stage, "{idle}");
        }
    }

    #[test]
    fn intentions_resolve_on_the_local_clock() {
        use PartOfDay::*;
        #[rustfmt::skip]
        let cases = [
            // why             date          part             time           expected
            ("morning",        "2026-01-15", Some(Morning),   None,          "2026-01-15 08:00Z"),
            ("afternoon",      "2026-01-15", Some(Afternoon), None,          "2026-01-15 13:00Z"),
            ("evening",        "2026-01-15", Some(Evening),   None,          "2026-01-15 18:00Z"),
            ("summer evening", "2026-07-01", Some(Evening),   None,          "2026-07-01 17:00Z"),
            ("neither",        "2026-01-15", None,            None,          "2026-01-15 08:00Z"),
            ("time wins",      "2026-01-15", Some(Morning),   Some("20:15"), "2026-01-15 19:15Z"),
            // 02:30 never happens on 2026-03-29: the clock resumes at 03:00 CEST.
            ("in the gap",     "2026-03-29", None,            Some("02:30"), "2026-03-29 01:00Z"),
            // 02:30 happens twice on 2026-10-25: the earlier one is CEST.
            ("in the overlap", "2026-10-25", None,            Some("02:30"), "2026-10-25 00:30Z"),
        ];
        for (why, day, part, time, expected) in cases {
            let got = intention_at(date(day), part, time.map(hm), AMS);
            assert_eq!(got, at(expected), "{why}");
        }
    }

    #[test]
    fn enums_speak_snake_case() {
        let part = serde_json::to_string(&PartOfDay::Afternoon).unwrap();
        assert_eq!(part, "\"afternoon\"");
        let stage = serde_json::to_string(&InactivityStage::AtRisk).unwrap();
        assert_eq!(stage, "\"at_risk\"");
    }

    fn arb_tz() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(Tz::Europe__Amsterdam),
            Just(Tz::UTC),
            Just(Tz::America__New_York),
            // Half-hour DST steps make an awkward gap.
            Just(Tz::Australia__Lord_Howe),
        ]
    }

    fn arb_clock() -> impl Strategy<Value = NaiveTime> {
        // Half hours hit the DST edges (02:00, 02:30, 03:00) often; minutes cover the rest.
        prop_oneof![(0u32..48).prop_map(|h| h * 30), 0u32..1440]
            .prop_map(|m| NaiveTime::MIN + Duration::minutes(i64::from(m)))
    }

    fn arb_policy() -> impl Strategy<Value = ReminderPolicy> {
        (arb_clock(), arb_clock(), 0u32..4, 0u32..6, arb_tz()).prop_map(
            |(quiet_start, quiet_end, daily_cap, weekly_cap, tz)| ReminderPolicy {
                quiet_start,
                quiet_end,
                daily_cap,
                weekly_cap,
                tz,
            },
        )
    }

    fn arb_due() -> impl Strategy<Value = DateTime<Utc>> {
        let around = |centre: &str| {
            let c = at(centre);
            (-3 * 86_400i64..3 * 86_400).prop_map(move |s| c + Duration::seconds(s))
        };
        prop_oneof![
            around("2026-03-29 01:00Z"),
            around("2026-10-25 01:00Z"),
            (0i64..366 * 86_400).prop_map(|s| at("2026-01-01 00:00Z") + Duration::seconds(s)),
        ]
    }

    fn arb_case() -> impl Strategy<Value = (ReminderPolicy, DateTime<Utc>, Vec<DateTime<Utc>>)> {
        (arb_policy(), arb_due()).prop_flat_map(|(p, due)| {
            // Mostly earlier sends, some later ones, as when a due time already lies in the past.
            let sent = proptest::collection::vec(-10 * 86_400i64..2 * 86_400, 0..12).prop_map(
                move |offsets| {
                    offsets
                        .into_iter()
                        .map(|s| due + Duration::seconds(s))
                        .collect::<Vec<_>>()
                },
            );
            (Just(p), Just(due), sent)
        })
    }

    proptest! {
        #[test]
        fn earliest_send_time_is_sound(
            (p, due, sent) in arb_case(),
            capped in any::<bool>(),
            quiet in any::<bool>(),
        ) {
            let got = earliest_send_time(&p, due, &sent, capped, quiet);
            prop_assert!(got >= due);
            if quiet {
                prop_assert!(!in_quiet_hours(&p, got), "quiet at {}", got);
            }
            if capped {
                let day = got.with_timezone(&p.tz).date_naive();
                let same_day = sent
                    .iter()
                    .filter(|s| s.with_timezone(&p.tz).date_naive() == day)
                    .count();
                let same_week = sent
                    .iter()
                    .filter(|&&s| got - Duration::days(7) < s && s <= got)
                    .count();
                // A send at `got` makes one more; it must still fit.
                prop_assert!(same_day < p.daily_cap.max(1) as usize, "day full at {}", got);
                prop_assert!(same_week < p.weekly_cap.max(1) as usize, "week full at {}", got);
            }
            prop_assert_eq!(earliest_send_time(&p, got, &sent, capped, quiet), got);
        }

        #[test]
        fn local_times_resolve_at_or_just_after_the_request(
            tz in arb_tz(),
            day in 0u64..366,
            clock in arb_clock(),
        ) {
            let d = date("2026-01-01") + Days::new(day);
            let wanted = d.and_time(clock);
            let reading = intention_at(d, None, Some(clock), tz).with_timezone(&tz).naive_local();
            // Only a gap moves the reading, and never by more than the gap (an hour at most).
            prop_assert!(reading >= wanted);
            prop_assert!(reading - wanted <= Duration::hours(1));
        }
    }
}
