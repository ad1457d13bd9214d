//! Appointments between a resident and their team: bounds, when the reminders come, the order
//! a resident sees them in, and the RFC 5545 calendar file. Pure: the caller passes the clock.

use crate::domain::kinds::{AppointmentKind, AppointmentStatus, Language};
use crate::domain::reminders::{self, ReminderKind, ReminderPolicy};
use chrono::{DateTime, Days, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

/// The shortest appointment, in minutes.
pub const MIN_DURATION: i32 = 5;
/// The longest appointment, in minutes (a full working day).
pub const MAX_DURATION: i32 = 480;
/// How far ahead an appointment may be planned, in days.
pub const MAX_DAYS_AHEAD: i64 = 730;

/// When the reminders of an appointment come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentReminderRules {
    /// Local hour of the reminder the day before (0–23).
    pub day_before_hour: u32,
    /// How long before the start the short reminder comes; zero: none.
    pub before: Duration,
}

impl Default for AppointmentReminderRules {
    fn default() -> Self {
        Self {
            day_before_hour: 18,
            before: Duration::hours(2),
        }
    }
}

/// The reminders of an appointment starting at `starts_at`, planned at `now` for a resident
/// with `policy` (quiet hours and time zone): (kind, due instant). A reminder is left out when
/// its moment has passed, when quiet hours would push it to or past the start, or (the day
/// before) when quiet hours would push it into the day itself, where "tomorrow" is wrong.
pub fn reminder_times(
    starts_at: DateTime<Utc>,
    rules: &AppointmentReminderRules,
    policy: &ReminderPolicy,
    now: DateTime<Utc>,
) -> Vec<(ReminderKind, DateTime<Utc>)> {
    let tz = policy.tz;
    let mut out = Vec::new();
    let day = starts_at.with_timezone(&tz).date_naive();
    if let (Some(eve), Some(hour)) = (
        day.checked_sub_days(Days::new(1)),
        NaiveTime::from_hms_opt(rules.day_before_hour.min(23), 0, 0),
    ) {
        let at = reminders::resolve_local(eve.and_time(hour), tz);
        let send = reminders::earliest_send_time(policy, at, &[], false, true);
        if at > now && send < starts_at && send.with_timezone(&tz).date_naive() == eve {
            out.push((ReminderKind::AppointmentDayBefore, at));
        }
    }
    if rules.before > Duration::zero() {
        let at = starts_at - rules.before;
        let send = reminders::earliest_send_time(policy, at, &[], false, true);
        if at > now && send < starts_at {
            out.push((ReminderKind::AppointmentSoon, at));
        }
    }
    out
}

/// The order a resident reads their appointments in: those still to come (planned, not ended)
/// soonest first, then all others newest first; ties by id.
pub fn resident_order(
    status: AppointmentStatus,
    starts_at: DateTime<Utc>,
    duration_minutes: i32,
    id: &str,
    now: DateTime<Utc>,
) -> (u8, i64, String) {
    let ends = starts_at + Duration::minutes(i64::from(duration_minutes));
    if status == AppointmentStatus::Planned && ends > now {
        (0, starts_at.timestamp(), id.to_owned())
    } else {
        (1, -starts_at.timestamp(), id.to_owned())
    }
}

/// What the calendar file says about one appointment.
#[derive(Debug, Clone)]
pub struct CalendarEvent<'a> {
    pub id: &'a str,
    pub version: i32,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub kind: AppointmentKind,
    pub status: AppointmentStatus,
    pub place: Option<&'a str>,
    pub with_first_name: Option<&'a str>,
    pub bring: Option<&'a str>,
    pub team_name: &'a str,
    pub updated_at: DateTime<Utc>,
    pub language: Language,
}

/// The title of an appointment in a calendar, by kind.
pub fn calendar_title(kind: AppointmentKind, team: &str, lang: Language) -> String {
    let nl = lang == Language::Nl;
    let what = match (kind, nl) {
        (AppointmentKind::Office, true) => "Afspraak",
        (AppointmentKind::Office, false) => "Appointment",
        (AppointmentKind::Phone, true) => "Telefoonafspraak",
        (AppointmentKind::Phone, false) => "Phone appointment",
        (AppointmentKind::Video, true) => "Videogesprek",
        (AppointmentKind::Video, false) => "Video call",
        (AppointmentKind::HomeVisit, true) => "Huisbezoek",
        (AppointmentKind::HomeVisit, false) => "Home visit",
    };
    if team.is_empty() {
        what.to_owned()
    } else {
        format!("{what} — {team}")
    }
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// An RFC 5545 calendar with one event. Times are UTC (`…Z`), which every calendar shows in
/// the phone's own zone, so no VTIMEZONE is needed; `SEQUENCE` is the appointment's version,
/// so a moved appointment replaces the old entry when imported again.
pub fn calendar_ics(e: &CalendarEvent<'_>) -> String {
    let nl = e.language == Language::Nl;
    let ends_at = e.starts_at + Duration::minutes(i64::from(e.duration_minutes));
    let mut description = Vec::new();
    if let Some(who) = e.with_first_name.filter(|w| !w.is_empty()) {
        description.push(if nl {
            format!("Met: {who}")
        } else {
            format!("With: {who}")
        });
    }
    if let Some(bring) = e.bring.filter(|b| !b.is_empty()) {
        description.push(if nl {
            format!("Neem mee: {bring}")
        } else {
            format!("Bring: {bring}")
        });
    }
    let status = match e.status {
        AppointmentStatus::Cancelled => "CANCELLED",
        _ => "CONFIRMED",
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Stap voor Stap//Afspraken//NL".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@stapvoorstap", e.id),
        format!("DTSTAMP:{}", stamp(e.updated_at)),
        format!("SEQUENCE:{}", e.version.max(0)),
        format!("DTSTART:{}", stamp(e.starts_at)),
        format!("DTEND:{}", stamp(ends_at)),
        format!(
            "SUMMARY:{}",
            escape(&calendar_title(e.kind, e.team_name, e.language))
        ),
    ];
    if let Some(place) = e.place.filter(|p| !p.is_empty()) {
        lines.push(format!("LOCATION:{}", escape(place)));
    }
    if !description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(&description.join("\n"))));
    }
    lines.push(format!("STATUS:{status}"));
    if e.status != AppointmentStatus::Cancelled {
        // The phone's own alarm an hour before, on top of the service's reminders.
        lines.extend([
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            "TRIGGER:-PT1H".to_owned(),
            format!(
                "DESCRIPTION:{}",
                if nl { "Afspraak" } else { "Appointment" }
            ),
            "END:VALARM".to_owned(),
        ]);
    }
    lines.extend(["END:VEVENT".to_owned(), "END:VCALENDAR".to_owned()]);
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

/// Whether `tz`'s local date of `t` is `today`'s local date.
pub fn is_on_local_day(t: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> bool {
    t.with_timezone(&tz).date_naive() == now.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const TZ: Tz = chrono_tz::Europe::Amsterdam;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        TZ.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reminders_come_the_evening_before_and_a_while_before() {
        let p = ReminderPolicy::default();
        let r = AppointmentReminderRules::default();
        let start = at(2026, 12, 10, 10, 30);
        let got = reminder_times(start, &r, &p, at(2026, 12, 1, 12, 0));
        assert_eq!(
            got,
            vec![
                (ReminderKind::AppointmentDayBefore, at(2026, 12, 9, 18, 0)),
                (ReminderKind::AppointmentSoon, at(2026, 12, 10, 8, 30)),
            ]
        );
    }

    #[test]
    fn reminders_in_the_past_or_pushed_past_the_start_are_left_out() {
        let p = ReminderPolicy::default();
        let r = AppointmentReminderRules::default();
        // At 08:15 the soon reminder would be 06:15, quiet until 08:00: still before the start.
        let start = at(2026, 12, 10, 8, 15);
        let got = reminder_times(start, &r, &p, at(2026, 12, 1, 12, 0));
        assert_eq!(got.len(), 2);
        // At 07:30, quiet hours push it past the start: no soon reminder.
        let start = at(2026, 12, 10, 7, 30);
        let got = reminder_times(start, &r, &p, at(2026, 12, 1, 12, 0));
        assert_eq!(
            got,
            vec![(ReminderKind::AppointmentDayBefore, at(2026, 12, 9, 18, 0))]
        );
        // Planned at 19:00 for tomorrow 10:00: the evening reminder has passed.
        let start = at(2026, 12, 10, 10, 0);
        let got = reminder_times(start, &r, &p, at(2026, 12, 9, 19, 0));
        assert_eq!(
            got,
            vec![(ReminderKind::AppointmentSoon, at(2026, 12, 10, 8, 0))]
        );
        // A day-before hour inside quiet hours would say "tomorrow" on the day itself.
        let late = AppointmentReminderRules {
            day_before_hour: 22,
            before: Duration::zero(),
        };
        assert!(reminder_times(start, &late, &p, at(2026, 12, 1, 12, 0)).is_empty());
    }

    #[test]
    fn the_day_before_follows_the_local_clock_across_dst() {
        let p = ReminderPolicy::default();
        let r = AppointmentReminderRules::default();
        // Summer time ends on Sunday 25 October 2026: Monday's reminder is Sunday 18:00 CET.
        let start = at(2026, 10, 26, 9, 0);
        let got = reminder_times(start, &r, &p, at(2026, 10, 1, 12, 0));
        assert_eq!(
            got[0].1,
            Utc.with_ymd_and_hms(2026, 10, 25, 17, 0, 0).unwrap()
        );
    }

    #[test]
    fn residents_see_what_is_coming_first() {
        let now = at(2026, 12, 5, 12, 0);
        let mut list = [
            ("a", AppointmentStatus::Attended, at(2026, 12, 1, 10, 0)),
            ("b", AppointmentStatus::Planned, at(2026, 12, 20, 10, 0)),
            ("c", AppointmentStatus::Planned, at(2026, 12, 8, 10, 0)),
            ("d", AppointmentStatus::Cancelled, at(2026, 12, 9, 10, 0)),
            ("e", AppointmentStatus::Missed, at(2026, 12, 3, 10, 0)),
        ];
        list.sort_by_key(|(id, s, t)| resident_order(*s, *t, 30, id, now));
        let ids: Vec<&str> = list.iter().map(|x| x.0).collect();
        assert_eq!(ids, ["c", "b", "d", "e", "a"]);
    }

    #[test]
    fn the_calendar_file_escapes_folds_and_uses_utc() {
        let long = "Loonstrook, huurcontract; en de brief van de energie\\maatschappij die vorige week kwam";
        let e = CalendarEvent {
            id: "0193b2e4-0000-7000-8000-000000000000",
            version: 3,
            starts_at: at(2026, 7, 1, 10, 0),
            duration_minutes: 45,
            kind: AppointmentKind::Office,
            status: AppointmentStatus::Planned,
            place: Some("Stadskantoor, balie 3"),
            with_first_name: Some("Sanne"),
            bring: Some(long),
            team_name: "Buurtteam Noord",
            updated_at: at(2026, 6, 1, 9, 0),
            language: Language::Nl,
        };
        let ics = calendar_ics(&e);
        assert!(ics.contains("DTSTART:20260701T080000Z\r\n"), "{ics}");
        assert!(ics.contains("DTEND:20260701T084500Z\r\n"));
        assert!(ics.contains("LOCATION:Stadskantoor\\, balie 3\r\n"));
        assert!(ics.contains("SEQUENCE:3\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("huurcontract\\; en de brief van de energie\\\\maatschappij"));
    }
}
