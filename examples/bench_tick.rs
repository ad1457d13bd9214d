//! One scheduler tick at several population sizes (issue 7): `POPULATION` residents with an
//! active plan and one open step each, of which `DUE` have their inactivity check due (each
//! gets a nudge reminder). The tick's cost should follow `DUE`, not `POPULATION`.
//!
//! ```sh
//! bench_tick DATABASE_URL POPULATION [DUE]
//! ```
//!
//! Use an empty database per population (it is filled here). Prints the time of one
//! `scheduler::run_tick` with `DUE` plans due, and of a second tick with nothing due.

use anyhow::bail;
use diesel::prelude::*;
use stapvoorstap::config::Settings;
use stapvoorstap::db::plans::StepRow;
use stapvoorstap::db::schema::{notifications, plans, users as users_t};
use stapvoorstap::db::{self, DbConn, users};
use stapvoorstap::scheduler::{self, ReminderRules};
use std::time::Instant;

const CHUNK: usize = 500;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        bail!("usage: bench_tick DATABASE_URL POPULATION [DUE]");
    }
    let population: usize = args[2].parse()?;
    let due: usize = args.get(3).map_or(Ok(1_000), |v| v.parse())?;
    let settings = Settings::for_database(args[1].parse().map_err(|e| anyhow::anyhow!("{e}"))?);
    let pool = db::build_pool(&settings)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    stapvoorstap::api::templates::ensure_default_template(&mut conn)
        .map_err(|e| anyhow::anyhow!("default template: {e:?}"))?;
    let d = stapvoorstap::domain::template::default_template();
    let template_id =
        stapvoorstap::db::plans::find_template_by_version(&mut conn, &d.key, d.version)?
            .map(|t| t.id)
            .ok_or_else(|| anyhow::anyhow!("default template missing"))?;
    let rules = ReminderRules::from_settings(&settings);
    let started = Instant::now();
    let existing: i64 = users_t::table.count().get_result(&mut *conn)?;
    if existing == 0 {
        fill(&mut conn, population, due, &template_id)?;
    }
    // Fresh planner statistics after the bulk fill, as autovacuum would have them.
    if let DbConn::Pg(c) = &mut *conn {
        diesel::sql_query("VACUUM ANALYZE").execute(c)?;
    }
    println!(
        "tick: {population} plans, {due} due (filled in {:.1}s)",
        started.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let handled = scheduler::run_tick(&mut conn, &rules)?;
    let tick_ms = t.elapsed().as_secs_f64() * 1000.0;
    let reminders: i64 = notifications::table
        .filter(notifications::kind.eq("inactivity"))
        .count()
        .get_result(&mut *conn)?;
    let t = Instant::now();
    let again = scheduler::run_tick(&mut conn, &rules)?;
    let empty_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "TICK population={population} due={due} handled={handled} reminders={reminders} tick_ms={tick_ms:.1} per_due_ms={:.3} empty_tick_ms={empty_ms:.2} second_handled={again}",
        tick_ms / due.max(1) as f64
    );
    Ok(())
}

fn fill(conn: &mut DbConn, population: usize, due: usize, template_id: &str) -> anyhow::Result<()> {
    let team = users::insert_team(conn, "Tick team")?;
    let now = db::now();
    let mut i = 0;
    while i < population {
        let upto = (i + CHUNK).min(population);
        db::write_tx(conn, |conn| -> anyhow::Result<()> {
            for k in i..upto {
                let uid = db::new_id();
                let pid = db::new_id();
                let login = format!("tick{k:07}");
                users::insert_user(
                    conn,
                    &users::NewUser {
                        id: &uid,
                        role: "resident",
                        display_name: "Bewoner",
                        email: None,
                        login_name: Some(&login),
                        discipline: None,
                        team_id: Some(&team.id),
                        language: "nl",
                        password_hash: None,
                        failed_logins: 0,
                        created_by: None,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                // Spread the others' last activity over the past six days: not due yet.
                let stride = (population / due.max(1)).max(1);
                let is_due = k.is_multiple_of(stride) && k / stride < due;
                let last = if is_due {
                    now - chrono::Duration::days(8) - chrono::Duration::seconds(k as i64)
                } else {
                    now - chrono::Duration::seconds((k as i64 * 37) % (6 * 86_400))
                };
                let next_check = last + chrono::Duration::days(7);
                stapvoorstap::db::plans::insert_plan(
                    conn,
                    &pid,
                    &uid,
                    &team.id,
                    template_id,
                    1,
                    "{}",
                    &uid,
                    now.date(),
                )?;
                diesel::update(plans::table.find(&pid))
                    .set((
                        plans::last_activity_at.eq(last),
                        plans::next_check_at.eq(next_check),
                    ))
                    .execute(conn)?;
                insert_step(conn, &pid, now)?;
            }
            Ok(())
        })?;
        i = upto;
    }
    Ok(())
}

fn insert_step(conn: &mut DbConn, plan_id: &str, now: chrono::NaiveDateTime) -> anyhow::Result<()> {
    let row = StepRow {
        id: db::new_id(),
        plan_id: plan_id.to_owned(),
        item_key: Some("inkomen-overzicht".into()),
        category: "income".into(),
        category_order: 1,
        position: 1,
        title_nl: "Maak een overzicht van je inkomen".into(),
        title_en: "Make an overview of your income".into(),
        why_nl: String::new(),
        why_en: String::new(),
        description_nl: String::new(),
        description_en: String::new(),
        minutes: 15,
        owner_type: "resident".into(),
        owner_user_id: None,
        priority: "P2".into(),
        evidence: "none".into(),
        status: "open".into(),
        status_reason: None,
        depends_on: "[]".into(),
        intake_done: false,
        due_on: None,
        help_requested_at: None,
        issued_at: Some(now),
        completed_at: None,
        completed_by: None,
        completion_note: None,
        verified_at: None,
        verified_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
        intention_on: None,
        intention_part: None,
        intention_time: None,
        snoozed_until: None,
        snooze_reason: None,
        snooze_note: None,
        crisis_reported_at: None,
        gates: "[]".into(),
    };
    stapvoorstap::db::plans::insert_steps(conn, std::slice::from_ref(&row))?;
    Ok(())
}
