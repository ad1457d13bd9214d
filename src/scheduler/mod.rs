//! Reminder rules applied to stored plans: what goes into the outbox when steps open, close or
//! change, and the inactivity ladder run by the scheduler tick. Timing itself (quiet hours,
//! caps, DST) is the pure `domain::reminders`.

use crate::config::Settings;
use crate::db::notifications::{self, NewReminder};
use crate::db::plans::{PlanRow, StepRow};
use crate::db::schema::{plans, steps};
use crate::db::{DbConn, now, on_backend};
use crate::domain::kinds::{OwnerType, Priority, Role, StepStatus};
use crate::domain::reminders::{
    self, InactivityRules, InactivityStage, ReminderKind, ReminderPolicy,
};
use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

/// Reminder settings shared by every rule.
#[derive(Debug, Clone)]
pub struct ReminderRules {
    pub default_policy: ReminderPolicy,
    pub due_soon_before: Duration,
    pub inactivity: InactivityRules,
    /// Erase residents whose plans all ended longer ago than this.
    pub retention_after_close: Duration,
    /// Stored `Idempotency-Key` answers older than this are pruned (`IDEMPOTENCY_TTL`).
    pub idempotency_ttl: Duration,
    /// Staff e-mail (all off without `SMTP_HOST`).
    pub mail: MailRules,
    /// When appointment reminders come.
    pub appointments: crate::domain::appointments::AppointmentReminderRules,
}

/// When staff e-mail is written into the outbox.
#[derive(Debug, Clone, Default)]
pub struct MailRules {
    /// Local time (the service's zone) of the daily digest; `None`: no digest.
    pub digest_at: Option<chrono::NaiveTime>,
    /// E-mail the team's caseworkers when a crisis step opens.
    pub crisis: bool,
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

impl ReminderRules {
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            default_policy: ReminderPolicy {
                quiet_start: s.quiet_hours.0,
                quiet_end: s.quiet_hours.1,
                daily_cap: s.reminder_daily_cap,
                weekly_cap: s.reminder_weekly_cap,
                tz: s.timezone,
            },
            due_soon_before: dur(s.reminder_due_soon_before),
            inactivity: InactivityRules {
                nudge_after: dur(s.reminder_inactivity_after),
                escalate_after: dur(s.reminder_escalate_after),
                at_risk_after: dur(s.reminder_at_risk_after),
            },
            retention_after_close: dur(s.retention_after_close),
            idempotency_ttl: dur(s.idempotency_ttl),
            mail: MailRules {
                digest_at: (s.smtp_host.is_some() && s.digest_enabled).then_some(s.digest_time),
                crisis: s.smtp_host.is_some() && s.crisis_mail_enabled,
            },
            appointments: crate::domain::appointments::AppointmentReminderRules {
                day_before_hour: s.appointment_reminder_day_before_hour,
                before: dur(s.appointment_reminder_before),
            },
        }
    }
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// The user's policy: stored preferences or the defaults; `enabled` false turns reminders off.
pub fn policy_for(
    conn: &mut DbConn,
    rules: &ReminderRules,
    user_id: &str,
) -> QueryResult<(bool, ReminderPolicy)> {
    let Some(p) = notifications::find_preferences(conn, user_id)? else {
        return Ok((true, rules.default_policy.clone()));
    };
    let d = &rules.default_policy;
    Ok((
        p.enabled,
        ReminderPolicy {
            quiet_start: p.quiet_start.parse().unwrap_or(d.quiet_start),
            quiet_end: p.quiet_end.parse().unwrap_or(d.quiet_end),
            daily_cap: u32::try_from(p.daily_cap).unwrap_or(d.daily_cap),
            weekly_cap: u32::try_from(p.weekly_cap).unwrap_or(d.weekly_cap),
            tz: p.timezone.parse().unwrap_or(d.tz),
        },
    ))
}

/// Puts an appointment's reminders in the outbox (the evening before and a while before),
/// keyed by its version so a moved appointment gets fresh ones. Call
/// [`cancel_appointment_reminders`] first when it moved.
pub fn plan_appointment_reminders(
    conn: &mut DbConn,
    rules: &ReminderRules,
    appointment: &crate::db::appointments::AppointmentRow,
) -> QueryResult<()> {
    if appointment.status != crate::domain::kinds::AppointmentStatus::Planned.as_str() {
        return Ok(());
    }
    let (_, policy) = policy_for(conn, rules, &appointment.resident_id)?;
    let times = crate::domain::appointments::reminder_times(
        utc(appointment.starts_at),
        &rules.appointments,
        &policy,
        crate::clock::now(),
    );
    for (kind, at) in times {
        notifications::enqueue(
            conn,
            &NewReminder::about_plan(
                &appointment.resident_id,
                &appointment.plan_id,
                kind,
                appointment_dedupe_key(kind, &appointment.id, appointment.version),
                at.naive_utc(),
            ),
        )?;
    }
    Ok(())
}

fn appointment_dedupe_key(kind: ReminderKind, id: &str, version: i32) -> String {
    format!("{}:{id}:{version}", kind.as_str())
}

/// Cancels an appointment's reminders that have not gone out (it moved or was cancelled).
pub fn cancel_appointment_reminders(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    let mut n = 0;
    for kind in [
        ReminderKind::AppointmentDayBefore,
        ReminderKind::AppointmentSoon,
    ] {
        n += notifications::cancel_by_dedupe_prefix(conn, &format!("{}:{id}:", kind.as_str()))?;
    }
    Ok(n)
}

/// Active caseworkers of a team.
pub fn team_caseworkers(conn: &mut DbConn, team_id: &str) -> QueryResult<Vec<String>> {
    use crate::db::schema::{team_members, users as u};
    team_members::table
        .inner_join(u::table)
        .filter(team_members::team_id.eq(team_id))
        .filter(u::role.eq(Role::Caseworker.as_str()))
        .filter(u::disabled_at.is_null())
        .select(u::id)
        .load(conn)
}

fn due_reminders(
    conn: &mut DbConn,
    rules: &ReminderRules,
    plan: &PlanRow,
    step: &StepRow,
) -> QueryResult<()> {
    let Some(due_on) = step.due_on else {
        return Ok(());
    };
    let (_, policy) = policy_for(conn, rules, &plan.resident_id)?;
    let crisis = step.priority == Priority::P0.as_str();
    for (kind, at) in [
        (
            ReminderKind::DueSoon,
            reminders::due_soon_at(due_on, rules.due_soon_before, policy.tz),
        ),
        (
            ReminderKind::Overdue,
            reminders::overdue_at(due_on, policy.tz),
        ),
    ] {
        notifications::enqueue(
            conn,
            &NewReminder {
                user_id: plan.resident_id.clone(),
                plan_id: Some(plan.id.clone()),
                step_id: Some(step.id.clone()),
                kind: kind.as_str(),
                crisis,
                dedupe_key: format!("{}:{}:{due_on}", kind.as_str(), step.id),
                due_at: at.naive_utc(),
            },
        )?;
    }
    Ok(())
}

/// Steps were just issued: a "new step" reminder for the resident's own steps, due-date
/// reminders, and for a crisis step an alert to the team's caseworkers once it has been open
/// for one working day.
pub fn on_steps_opened(
    conn: &mut DbConn,
    rules: &ReminderRules,
    plan: &PlanRow,
    opened: &[StepRow],
) -> QueryResult<()> {
    let t = now();
    // Read once, and only when a crisis step opened: which crisis items every plan gets.
    let mut routine: Option<Vec<String>> = None;
    for step in opened {
        let crisis = step.priority == Priority::P0.as_str();
        if step.owner_type == OwnerType::Resident.as_str() {
            notifications::enqueue(
                conn,
                &NewReminder {
                    user_id: plan.resident_id.clone(),
                    plan_id: Some(plan.id.clone()),
                    step_id: Some(step.id.clone()),
                    kind: ReminderKind::NewStep.as_str(),
                    crisis,
                    dedupe_key: format!("new_step:{}:{}", step.id, step.version),
                    due_at: t,
                },
            )?;
            due_reminders(conn, rules, plan, step)?;
        }
        if crisis {
            // The team's caseworkers hear of it: a push a working day later if it is still
            // open, and (with mail on) one e-mail per plan, caseworker and day — several crisis
            // steps opening together (a new plan) are one message. A routine crisis check that
            // every plan starts with (`spoed.zorgverzekering`: "is your insurance still
            // running?") is no news: it sends no e-mail of its own (the worklist, the digest and
            // the push a working day later carry it); a threat found in the intake, a crisis
            // reported later and a crisis step a caseworker adds do.
            let at = reminders::add_working_days(utc(t), 1, rules.default_policy.tz).naive_utc();
            let day = utc(t).with_timezone(&rules.default_policy.tz).date_naive();
            for cw in team_caseworkers(conn, &plan.team_id)? {
                let to_caseworker = |kind: ReminderKind, dedupe_key: String, due_at| NewReminder {
                    user_id: cw.clone(),
                    plan_id: Some(plan.id.clone()),
                    step_id: Some(step.id.clone()),
                    kind: kind.as_str(),
                    crisis: true,
                    dedupe_key,
                    due_at,
                };
                if rules.mail.crisis && !is_routine_check(conn, plan, step, &mut routine)? {
                    notifications::enqueue(
                        conn,
                        &to_caseworker(
                            ReminderKind::StaffCrisisMail,
                            format!("crisis_mail:{}:{cw}:{day}", plan.id),
                            t,
                        ),
                    )?;
                }
                notifications::enqueue(
                    conn,
                    &to_caseworker(
                        ReminderKind::CaseworkerCrisis,
                        format!("crisis:{}:{}:{cw}", step.id, step.version),
                        at,
                    ),
                )?;
            }
        }
    }
    Ok(())
}

/// Whether a crisis step is a check every plan gets: a template item without intake conditions
/// and dependencies, never reported as a crisis. `routine` caches the plan template's keys.
fn is_routine_check(
    conn: &mut DbConn,
    plan: &PlanRow,
    step: &StepRow,
    routine: &mut Option<Vec<String>>,
) -> QueryResult<bool> {
    let Some(key) = step.item_key.as_deref() else {
        return Ok(false);
    };
    if step.crisis_reported_at.is_some() {
        return Ok(false);
    }
    if routine.is_none() {
        let keys = crate::db::plans::find_template(conn, &plan.template_id)?
            .and_then(|row| {
                serde_json::from_str::<crate::domain::template::Template>(&row.content).ok()
            })
            .map(|t| {
                t.items
                    .into_iter()
                    .filter(|i| i.conditions.is_empty() && i.depends_on.is_empty())
                    .map(|i| i.key)
                    .collect()
            })
            .unwrap_or_default();
        *routine = Some(keys);
    }
    Ok(routine.as_ref().is_some_and(|k| k.iter().any(|k| k == key)))
}

/// A step left `open` (done, skipped, cancelled): its pending reminders are no longer wanted.
pub fn on_step_closed(conn: &mut DbConn, step_id: &str) -> QueryResult<()> {
    notifications::cancel_for_step(conn, step_id).map(|_| ())
}

/// A step's due date changed: old due-date reminders go, new ones come (if it is open).
pub fn on_due_date_changed(
    conn: &mut DbConn,
    rules: &ReminderRules,
    plan: &PlanRow,
    step: &StepRow,
) -> QueryResult<()> {
    notifications::cancel_for_step_kinds(
        conn,
        &step.id,
        &[
            ReminderKind::DueSoon.as_str(),
            ReminderKind::Overdue.as_str(),
        ],
    )?;
    if step.status == StepStatus::Open.as_str() && step.owner_type == OwnerType::Resident.as_str() {
        due_reminders(conn, rules, plan, step)?;
    }
    Ok(())
}

/// Records resident activity on a plan: resets the inactivity ladder and drops a pending nudge.
pub fn touch_activity(conn: &mut DbConn, rules: &ReminderRules, plan_id: &str) -> QueryResult<()> {
    reset_inactivity(conn, rules, plan_id)?;
    notifications::cancel_for_plan_kinds(conn, plan_id, &[ReminderKind::Inactivity.as_str()])?;
    Ok(())
}

/// [`touch_activity`] for a plan read under its lock in this transaction. A nudge is only
/// queued by the tick in the transaction that moves the plan off `active` (`handle_plan`), so
/// a locked plan still `active` has none pending and the search for one is skipped: it scans
/// the plan's reminders (about 190 µs of a completion's 3.4 ms on SQLite, issue 7).
pub fn touch_activity_locked(
    conn: &mut DbConn,
    rules: &ReminderRules,
    plan: &PlanRow,
) -> QueryResult<()> {
    if plan.inactivity_stage != stage_str(InactivityStage::Active) {
        return touch_activity(conn, rules, &plan.id);
    }
    reset_inactivity(conn, rules, &plan.id)
}

fn reset_inactivity(conn: &mut DbConn, rules: &ReminderRules, plan_id: &str) -> QueryResult<()> {
    let t = now();
    on_backend!(conn, |c| diesel::update(plans::table.find(plan_id))
        .set((
            plans::last_activity_at.eq(t),
            plans::next_check_at.eq(t + rules.inactivity.nudge_after),
            plans::inactivity_stage.eq(stage_str(InactivityStage::Active)),
        ))
        .execute(c))?;
    Ok(())
}

fn stage_str(s: InactivityStage) -> &'static str {
    match s {
        InactivityStage::Active => "active",
        InactivityStage::Nudge => "nudge",
        InactivityStage::Escalated => "escalated",
        InactivityStage::AtRisk => "at_risk",
    }
}

fn parse_stage(s: &str) -> InactivityStage {
    match s {
        "nudge" => InactivityStage::Nudge,
        "escalated" => InactivityStage::Escalated,
        "at_risk" => InactivityStage::AtRisk,
        _ => InactivityStage::Active,
    }
}

/// One scheduler pass over the plans whose next inactivity check is due (an indexed range,
/// so the cost follows what is due, not how many plans exist). Returns how many it handled.
pub fn run_inactivity_tick(
    conn: &mut DbConn,
    rules: &ReminderRules,
    limit: i64,
) -> QueryResult<usize> {
    let t = now();
    let due: Vec<PlanRow> = plans::table
        .filter(plans::next_check_at.le(t))
        .select(PlanRow::as_select())
        .order(plans::next_check_at.asc())
        .limit(limit)
        .load(conn)?;
    for plan in &due {
        crate::db::write_tx(conn, |conn| handle_plan(conn, rules, plan, t))?;
    }
    Ok(due.len())
}

fn handle_plan(
    conn: &mut DbConn,
    rules: &ReminderRules,
    plan: &PlanRow,
    t: NaiveDateTime,
) -> QueryResult<()> {
    let last = plan.last_activity_at.unwrap_or(plan.created_at);
    let r = &rules.inactivity;
    if plan.status != "active" {
        // Paused or finished plans are not nagged; look again when they are active.
        return diesel::update(plans::table.find(&plan.id))
            .set(plans::next_check_at.eq(None::<NaiveDateTime>))
            .execute(conn)
            .map(|_| ());
    }
    let stage = reminders::inactivity_stage(r, utc(last), utc(t));
    let stored = parse_stage(&plan.inactivity_stage);
    let next_check = match stage {
        InactivityStage::Active => Some(last + r.nudge_after),
        InactivityStage::Nudge => Some(last + r.escalate_after),
        InactivityStage::Escalated => Some(last + r.at_risk_after),
        InactivityStage::AtRisk => None,
    };
    if stage > stored {
        match stage {
            InactivityStage::Nudge => {
                let has_open: bool = diesel::select(diesel::dsl::exists(
                    steps::table
                        .filter(steps::plan_id.eq(&plan.id))
                        .filter(steps::owner_type.eq("resident"))
                        .filter(steps::status.eq("open")),
                ))
                .get_result(conn)?;
                if has_open {
                    notifications::enqueue(
                        conn,
                        &NewReminder::about_plan(
                            &plan.resident_id,
                            &plan.id,
                            ReminderKind::Inactivity,
                            format!("inactivity:{}:{}", plan.id, last.and_utc().timestamp()),
                            t,
                        ),
                    )?;
                }
            }
            InactivityStage::Escalated => {
                diesel::update(plans::table.find(&plan.id))
                    .set(plans::escalated_at.eq(t))
                    .execute(conn)?;
                for cw in team_caseworkers(conn, &plan.team_id)? {
                    notifications::enqueue(
                        conn,
                        &NewReminder::about_plan(
                            &cw,
                            &plan.id,
                            ReminderKind::CaseworkerEscalation,
                            format!("escalation:{}:{}:{cw}", plan.id, last.and_utc().timestamp()),
                            t,
                        ),
                    )?;
                }
            }
            InactivityStage::AtRisk => {
                diesel::update(plans::table.find(&plan.id))
                    .set(plans::at_risk_at.eq(t))
                    .execute(conn)?;
                // At risk: the resident is no longer nudged; the caseworker takes it from here.
                notifications::cancel_for_plan_kinds(
                    conn,
                    &plan.id,
                    &[
                        ReminderKind::Inactivity.as_str(),
                        ReminderKind::DueSoon.as_str(),
                        ReminderKind::Overdue.as_str(),
                        ReminderKind::NewStep.as_str(),
                    ],
                )?;
            }
            InactivityStage::Active => {}
        }
    }
    diesel::update(plans::table.find(&plan.id))
        .set((
            plans::inactivity_stage.eq(stage_str(stage)),
            plans::next_check_at.eq(next_check),
        ))
        .execute(conn)?;
    Ok(())
}

/// Snoozed steps whose date has come go back into the queue, and their plan issues what it
/// can. Indexed on `snoozed_until`: the cost follows what is due.
pub fn run_snooze_wake(conn: &mut DbConn, rules: &ReminderRules, limit: i64) -> QueryResult<usize> {
    let today = crate::clock::now()
        .with_timezone(&rules.default_policy.tz)
        .date_naive();
    // Ordered by the indexed date: with a cached (generic) plan the database cannot see the
    // date, and without the order it may scan every step (measured in issue 7).
    let due: Vec<(String, String)> = steps::table
        .filter(steps::snoozed_until.le(today))
        .order(steps::snoozed_until.asc())
        .select((steps::id, steps::plan_id))
        .limit(limit)
        .load(conn)?;
    for (step_id, plan_id) in &due {
        crate::db::write_tx(conn, |conn| {
            crate::db::plans::lock_plan(conn, plan_id)?;
            diesel::update(steps::table.find(step_id))
                .set(steps::snoozed_until.eq(None::<chrono::NaiveDate>))
                .execute(conn)?;
            crate::db::plans::insert_event(
                conn,
                plan_id,
                Some(step_id),
                crate::domain::kinds::EventKind::SnoozeEnded,
                None,
                None,
                now(),
                None,
            )?;
            if let Some(plan) = crate::db::plans::find_plan(conn, plan_id)? {
                crate::db::issuing::issue_ready_steps(conn, &plan, rules)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(due.len())
}

/// Retention: erases residents whose plans all ended longer ago than the retention period,
/// exactly as an erasure on request does.
pub fn run_retention(conn: &mut DbConn, rules: &ReminderRules, limit: i64) -> QueryResult<usize> {
    let cutoff = now() - rules.retention_after_close;
    let expired = crate::db::erasure::find_expired_residents(conn, cutoff, limit)?;
    for id in &expired {
        crate::db::write_tx(conn, |conn| {
            let pseudonym = crate::db::erasure::erase_resident(conn, id)?;
            crate::db::audit::insert_audit(
                conn,
                &crate::db::audit::AuditEntry {
                    actor_id: None,
                    actor_role: "system",
                    resident_id: Some(&pseudonym),
                    action: "erase",
                    object_type: "resident",
                    object_id: Some(&pseudonym),
                    request_id: None,
                    detail: Some("retention period after the plan ended"),
                },
            )
        })?;
    }
    Ok(expired.len())
}

/// The daily digest: from the digest time on (local, the service's zone), each active
/// caseworker with an e-mail address gets one `staff_digest` row for the day. The row's dedupe
/// key (user and local date) is unique, so any number of instances and ticks write one row per
/// caseworker per day, and the dispatcher's leases send it once. Whether there is anything to
/// report is decided when it is sent. `now` is a parameter so tests set the clock.
pub fn run_digest_at(
    conn: &mut DbConn,
    rules: &ReminderRules,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::db::schema::{notifications as n, users as u};
    let Some(at) = rules.mail.digest_at else {
        return Ok(0);
    };
    let tz = rules.default_policy.tz;
    let local = now.with_timezone(&tz);
    if local.time() < at {
        return Ok(0);
    }
    let day = local.date_naive();
    let due = reminders::resolve_local(day.and_time(at), tz)
        .min(now)
        .naive_utc()
        .trunc_subsecs(6);
    let caseworkers: Vec<String> = u::table
        .filter(u::role.eq(Role::Caseworker.as_str()))
        .filter(u::disabled_at.is_null())
        .filter(u::erased_at.is_null())
        .filter(u::email.is_not_null())
        .select(u::id)
        .load(conn)?;
    let key = |cw: &str| format!("digest:{cw}:{day}");
    // Through the unique index on the dedupe key: a tick after the day's rows exist is cheap.
    let keys: Vec<String> = caseworkers.iter().map(|c| key(c)).collect();
    let done: Vec<String> = n::table
        .filter(n::dedupe_key.eq_any(&keys))
        .select(n::dedupe_key)
        .load(conn)?;
    let mut added = 0;
    for cw in caseworkers.iter().filter(|c| !done.contains(&key(c))) {
        let new = notifications::enqueue(
            conn,
            &NewReminder {
                user_id: cw.clone(),
                plan_id: None,
                step_id: None,
                kind: ReminderKind::StaffDigest.as_str(),
                crisis: false,
                dedupe_key: key(cw),
                due_at: due,
            },
        )?;
        added += usize::from(new);
    }
    Ok(added)
}

/// One scheduler pass: the inactivity ladder, snoozed steps coming back, retention, the
/// staff digest, and pruning of stored idempotent answers.
pub fn run_tick(conn: &mut DbConn, rules: &ReminderRules) -> QueryResult<usize> {
    crate::db::idempotency::prune(conn, now() - rules.idempotency_ttl)?;
    run_digest_at(conn, rules, crate::clock::now())?;
    let mut total = 0;
    loop {
        let n = run_inactivity_tick(conn, rules, 500)?
            + run_snooze_wake(conn, rules, 500)?
            + run_retention(conn, rules, 100)?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}
