//! The resident's view of their appointments: in their time zone and language, with the first
//! name of whom they meet and the steps it is about.

use super::access::language_of;
use crate::auth::AuthUser;
use crate::db::appointments::{self as adb, AppointmentRow};
use crate::db::{self, DbConn, plans, users};
use crate::domain::kinds::{AppointmentKind, AppointmentStatus, Language};
use crate::error::ApiResult;
use crate::scheduler::{self, ReminderRules};
use crate::wire::appointments::{AppointmentStep, MyAppointmentResponse, ends, local, status_of};
use crate::wire::types::{parse_id, parse_or};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The resident's time zone (their reminder preferences, else the service's default).
pub fn resident_tz(conn: &mut DbConn, rules: &ReminderRules, resident_id: &str) -> ApiResult<Tz> {
    Ok(scheduler::policy_for(conn, rules, resident_id)?.1.tz)
}

/// The resident's time zone and language, for showing their appointments.
pub struct MyContext {
    pub tz: Tz,
    pub lang: Language,
}

pub fn my_context(
    conn: &mut DbConn,
    rules: &ReminderRules,
    auth: &AuthUser,
) -> ApiResult<MyContext> {
    Ok(MyContext {
        tz: resident_tz(conn, rules, &auth.id)?,
        lang: language_of(conn, &auth.id)?,
    })
}

pub fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned()
}

pub fn team_name(conn: &mut DbConn, team_id: &str) -> ApiResult<String> {
    Ok(users::find_teams(conn, &[team_id.to_owned()])?
        .pop()
        .map(|t| t.name)
        .unwrap_or_default())
}

pub fn my_view(
    conn: &mut DbConn,
    a: &AppointmentRow,
    ctx: &MyContext,
    now: DateTime<Utc>,
) -> ApiResult<MyAppointmentResponse> {
    let with_first_name = match &a.with_user_id {
        Some(u) => users::find_user(conn, u)?.map(|u| first_name(&u.display_name)),
        None => None,
    };
    let mut steps = Vec::new();
    for id in a.step_ids() {
        if let Some(s) = plans::find_step(conn, &id)? {
            steps.push(AppointmentStep {
                id: parse_id(&s.id),
                title: match ctx.lang {
                    Language::Nl => s.title_nl,
                    Language::En => s.title_en,
                },
            });
        }
    }
    let status = status_of(a);
    Ok(MyAppointmentResponse {
        id: parse_id(&a.id),
        starts_at: local(a.starts_at, ctx.tz),
        ends_at: local(ends(a), ctx.tz),
        duration_minutes: a.duration_minutes,
        kind: parse_or(&a.kind, AppointmentKind::Office),
        place: a.place.clone(),
        with_first_name,
        bring: a.bring.clone(),
        steps,
        status,
        upcoming: status == AppointmentStatus::Planned && db::utc(ends(a)) > now,
        confirmed: a.confirmed_at.is_some(),
        move_requested: a.move_requested_at.is_some(),
        team_name: team_name(conn, &a.team_id)?,
    })
}

/// The resident's next appointment still to come, if any (for the home screen and the road).
pub fn next_appointment_of(
    conn: &mut DbConn,
    rules: &ReminderRules,
    auth: &AuthUser,
) -> ApiResult<Option<MyAppointmentResponse>> {
    let now = crate::clock::now();
    let next = adb::list_for_resident(conn, &auth.id)?
        .into_iter()
        .filter(|a| status_of(a) == AppointmentStatus::Planned && db::utc(ends(a)) > now)
        .min_by_key(|a| (a.starts_at, a.id.clone()));
    match next {
        Some(a) => {
            let ctx = my_context(conn, rules, auth)?;
            Ok(Some(my_view(conn, &a, &ctx, now)?))
        }
        None => Ok(None),
    }
}
