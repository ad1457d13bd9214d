//! Reminder dispatch against a local fake FCM server (issue 7): the time to drain a burst of due
//! reminders through the real `Dispatcher` (claims with leases, caps and quiet-hours checks,
//! one FCM v1 request per device), and the resulting sustained reminders per second.
//!
//! ```sh
//! bench_dispatch DATABASE_URL FCM_SERVICE_ACCOUNT_FILE FCM_BASE_URL [REMINDERS] [CONCURRENCY]
//! ```
//!
//! Use a database of its own (it deletes every reminder in it before the burst). The first run
//! creates `REMINDERS` residents with one device each; every run then enqueues one due reminder
//! per resident and drives `Dispatcher::run_until_idle` until none is left pending.

use anyhow::{Context, bail};
use chrono::Timelike;
use diesel::prelude::*;
use stapvoorstap::config::Settings;
use stapvoorstap::db::schema::{notifications, users as users_t};
use stapvoorstap::db::{self, DbConn, notifications as notif, users};
use stapvoorstap::push::dispatcher::{Dispatcher, Sender};
use stapvoorstap::push::fcm::{FcmClient, ServiceAccount};
use stapvoorstap::scheduler::ReminderRules;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        bail!("usage: bench_dispatch DATABASE_URL SA_FILE FCM_BASE_URL [REMINDERS] [CONCURRENCY]");
    }
    let n: usize = args.get(4).map_or(Ok(10_000), |v| v.parse())?;
    let concurrency: u32 = args.get(5).map_or(Ok(64), |v| v.parse())?;
    let mut settings = Settings::for_database(args[1].parse().map_err(|e| anyhow::anyhow!("{e}"))?);
    // Quiet hours: one minute, twelve hours from now, so the run never meets them.
    let now_local = chrono::Utc::now().with_timezone(&settings.timezone).time();
    let start = chrono::NaiveTime::from_hms_opt((now_local.hour() + 12) % 24, 0, 0)
        .context("quiet hours")?;
    settings.quiet_hours = (start, start + chrono::Duration::minutes(1));
    settings.db_pool_size = 10;
    let pool = db::build_pool(&settings)?;
    let rules = ReminderRules::from_settings(&settings);
    let base = args[3].clone();
    let setup = {
        let pool = pool.clone();
        actix_web::web::block(move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            prepare(&mut conn, n)
        })
    };
    let prepared = setup.await??;
    println!("dispatch: {prepared} reminders due for {n} residents with one device each");

    let account = ServiceAccount::from_file(std::path::Path::new(&args[2]))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(64)
        .build()?;
    let client = FcmClient::new(account, &base, http).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stats_before = fake_stats(&base).await?;
    let dispatcher = Dispatcher::new(
        pool.clone(),
        Sender::Fcm(Arc::new(client)),
        rules,
        format!("bench-{}", std::process::id()),
        Duration::from_secs(60),
        settings.dispatch_batch,
        settings.dispatch_max_attempts,
        concurrency,
        None,
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);
    let mut first_batch = None;
    let mut claimed = 0usize;
    // Bounded: stops when nothing is pending or after two minutes.
    while Instant::now() < deadline {
        let k = dispatcher.run_until_idle().await?;
        if first_batch.is_none() && k > 0 {
            first_batch = Some(started.elapsed());
        }
        claimed += k;
        let pool = pool.clone();
        let left = actix_web::web::block(move || -> anyhow::Result<i64> {
            let mut conn = pool.get()?;
            Ok(notifications::table
                .filter(notifications::state.eq_any(["pending", "failed"]))
                .count()
                .get_result(&mut *conn)?)
        })
        .await??;
        if left == 0 {
            break;
        }
        if k == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let elapsed = started.elapsed();
    let stats_after = fake_stats(&base).await?;
    let pool2 = pool.clone();
    let by_state = actix_web::web::block(move || -> anyhow::Result<Vec<(String, i64)>> {
        let mut conn = pool2.get()?;
        Ok(notifications::table
            .group_by(notifications::state)
            .select((notifications::state, diesel::dsl::count_star()))
            .load(&mut *conn)?)
    })
    .await??;
    let sent = by_state
        .iter()
        .find(|(s, _)| s == "sent")
        .map_or(0, |(_, c)| *c);
    let sends = stats_after.0 - stats_before.0;
    let fetches = stats_after.1 - stats_before.1;
    println!("dispatch states: {by_state:?}; claimed {claimed}");
    println!(
        "DISPATCH reminders={n} sent={sent} drain_s={:.2} rate_per_s={:.0} fcm_sends={sends} token_fetches={fetches} concurrency={concurrency}",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// `(sends, token_fetches)` as counted by the fake FCM server.
async fn fake_stats(base: &str) -> anyhow::Result<(i64, i64)> {
    let v: serde_json::Value = reqwest::get(format!("{base}/stats")).await?.json().await?;
    Ok((
        v["sends"].as_i64().unwrap_or(0),
        v["token_fetches"].as_i64().unwrap_or(0),
    ))
}

/// Residents with a device (once), then a clean outbox with one due reminder per resident.
fn prepare(conn: &mut DbConn, n: usize) -> anyhow::Result<usize> {
    let existing: Vec<String> = users_t::table
        .filter(users_t::login_name.like("disp%"))
        .select(users_t::id)
        .load(conn)?;
    let ids = if existing.len() >= n {
        existing
    } else {
        let mut ids = existing;
        db::write_tx(conn, |conn| -> anyhow::Result<()> {
            let team = users::insert_team(conn, &format!("Dispatch {}", db::new_id()))?;
            for i in ids.len()..n {
                let t = db::now();
                let id = db::new_id();
                let login = format!("disp{i:06}");
                users::insert_user(
                    conn,
                    &users::NewUser {
                        id: &id,
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
                        created_at: t,
                        updated_at: t,
                    },
                )?;
                notif::upsert_device(
                    conn,
                    &id,
                    "bench-session",
                    &format!("fcm-token-{i:06}"),
                    "android",
                    Some("nl"),
                    None,
                )?;
                ids.push(id);
            }
            Ok(())
        })?;
        ids
    };
    db::write_tx(conn, |conn| -> anyhow::Result<usize> {
        diesel::delete(notifications::table).execute(conn)?;
        let due = db::now() - chrono::Duration::seconds(1);
        let mut k = 0;
        for (i, id) in ids.iter().take(n).enumerate() {
            let added = notif::enqueue(
                conn,
                &notif::NewReminder {
                    user_id: id.clone(),
                    plan_id: None,
                    step_id: None,
                    kind: "inactivity",
                    crisis: false,
                    dedupe_key: format!("bench:{}:{i}", db::new_id()),
                    due_at: due,
                },
            )?;
            k += usize::from(added);
        }
        Ok(k)
    })
}
