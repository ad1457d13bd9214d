//! The reminder dispatcher: claims due outbox rows with a lease, checks each against the
//! resident's preferences (quiet hours, caps, still wanted?), sends it to every device of the
//! recipient with bounded concurrency, and records the outcome following FCM's retry policy.

use crate::db::notifications::{self, DeviceRow, NotificationRow, Outcome};
use crate::db::plans;
use crate::db::{self, DbPool, users};
use crate::domain::kinds::{Language, StepStatus};
use crate::domain::reminders::{self, ReminderKind};
use crate::push::fcm::{Disposition, FcmClient, FcmError, Message};
use crate::scheduler::{self, ReminderRules};
use chrono::{DateTime, Utc};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Where pushes go: FCM, or the log when no credentials are configured.
#[derive(Clone)]
pub enum Sender {
    Fcm(Arc<FcmClient>),
    Log,
}

/// Counters and latency of the dispatcher.
#[derive(Clone)]
pub struct PushMetrics {
    outcomes: IntCounterVec,
    latency: HistogramVec,
}

impl PushMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let outcomes = IntCounterVec::new(
            Opts::new(
                "reminders_total",
                "Reminders handled by kind and outcome (sent, failed, dead, deferred, cancelled)",
            ),
            &["kind", "outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "fcm_request_duration_seconds",
                "Latency of FCM send requests",
            )
            .buckets(vec![0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["result"],
        )?;
        registry.register(Box::new(outcomes.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self { outcomes, latency })
    }
}

/// Fixed, friendly texts per kind: never a step title, amount, creditor or name.
pub fn texts(kind: ReminderKind, lang: Language) -> (&'static str, &'static str) {
    use ReminderKind::*;
    let nl = matches!(lang, Language::Nl);
    let body = match (kind, nl) {
        (NewStep, true) => "Je volgende stap staat klaar.",
        (NewStep, false) => "Your next step is ready.",
        (DueSoon, true) => "Denk je aan je stap? De datum komt eraan.",
        (DueSoon, false) => "A step's date is coming up.",
        (Overdue, true) => "Je stap staat nog open. Lukt het niet? Vraag gerust hulp.",
        (Overdue, false) => "Your step is still open. Need a hand? Just ask.",
        (Inactivity, true) => "We denken aan je. Je volgende stap staat klaar.",
        (Inactivity, false) => "Thinking of you. Your next step is ready.",
        (Intention, true) => "Je wilde nu een stap doen. Succes!",
        (Intention, false) => "You planned to do a step now. Good luck!",
        (Milestone, true) => "Goed bezig! Je hebt weer een stap gezet.",
        (Milestone, false) => "Well done! Another step taken.",
        (CaseworkerEscalation, true) => "Een inwoner is al even niet actief. Kijk op je werklijst.",
        (CaseworkerEscalation, false) => {
            "A resident has been inactive for a while. See your worklist."
        }
        (CaseworkerCrisis, true) => "Er staat een spoedstap open. Kijk op je werklijst.",
        (CaseworkerCrisis, false) => "An urgent step is open. See your worklist.",
        (Account, true) => "Er is iets veranderd aan je account.",
        (Account, false) => "Something changed in your account.",
        (DocumentQuestion, true) => "Er is een vraag over je stap.",
        (DocumentQuestion, false) => "There is a question about your step.",
    };
    ("Stap voor Stap", body)
}

/// How long a reminder stays deliverable to an offline phone.
const TTL_SECS: u64 = 2 * 24 * 3600;

/// What the dispatcher needs to know to decide about one reminder.
struct Context {
    language: Language,
    user_active: bool,
    enabled: bool,
    policy: reminders::ReminderPolicy,
    devices: Vec<DeviceRow>,
    step_open: Option<bool>,
    plan_at_risk: bool,
    sent: Vec<DateTime<Utc>>,
    /// Micro-randomisation: the team's probability that a reminder decision point sends.
    send_probability: Option<f64>,
}

/// Before sending: cancel, defer, or go.
#[derive(Debug, PartialEq)]
enum Decision {
    Cancel(&'static str),
    Defer(DateTime<Utc>),
    Send,
}

fn decide(
    row: &NotificationRow,
    kind: ReminderKind,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Decision {
    let to_staff = matches!(
        kind,
        ReminderKind::CaseworkerEscalation | ReminderKind::CaseworkerCrisis
    );
    if !ctx.user_active {
        return Decision::Cancel("recipient_gone");
    }
    if ctx.step_open == Some(false) {
        return Decision::Cancel("step_no_longer_open");
    }
    if !to_staff && !row.crisis && !ctx.enabled {
        return Decision::Cancel("reminders_off");
    }
    if !to_staff && !row.crisis && ctx.plan_at_risk {
        return Decision::Cancel("plan_at_risk");
    }
    let at = reminders::earliest_send_time(
        &ctx.policy,
        now,
        &ctx.sent,
        kind.capped(row.crisis),
        kind.respects_quiet_hours(),
    );
    if at > now + chrono::Duration::seconds(1) {
        return Decision::Defer(at);
    }
    Decision::Send
}

/// Exponential backoff with jitter: 30 s doubling per attempt, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    let base = 30u64.saturating_mul(1 << exp).min(3600);
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::from_secs_f64(base as f64 * jitter)
}

/// Claims and sends reminders.
#[derive(Clone)]
pub struct Dispatcher {
    pool: DbPool,
    sender: Sender,
    rules: ReminderRules,
    owner: String,
    lease: Duration,
    batch: i64,
    max_attempts: i32,
    permits: Arc<Semaphore>,
    metrics: Option<PushMetrics>,
}

impl Dispatcher {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pool: DbPool,
        sender: Sender,
        rules: ReminderRules,
        owner: String,
        lease: Duration,
        batch: u32,
        max_attempts: u32,
        concurrency: u32,
        metrics: Option<PushMetrics>,
    ) -> Self {
        Self {
            pool,
            sender,
            rules,
            owner,
            lease,
            batch: i64::from(batch),
            max_attempts: i32::try_from(max_attempts).unwrap_or(8),
            permits: Arc::new(Semaphore::new(concurrency as usize)),
            metrics,
        }
    }

    /// This instance's lease-owner id.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Claims one batch of due reminders (without sending them).
    pub async fn claim(&self) -> anyhow::Result<Vec<NotificationRow>> {
        let pool = self.pool.clone();
        let owner = self.owner.clone();
        let lease = chrono::Duration::from_std(self.lease)?;
        let batch = self.batch;
        let rows = actix_web::web::block(move || -> anyhow::Result<Vec<NotificationRow>> {
            let mut conn = pool.get()?;
            let at = db::now();
            Ok(db::write_tx(&mut conn, |c| {
                notifications::claim_due(c, &owner, at, at + lease, batch)
            })?)
        })
        .await??;
        Ok(rows)
    }

    /// Claims a batch and handles it; returns how many reminders were claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let rows = self.claim().await?;
        let n = rows.len();
        self.handle(rows).await;
        Ok(n)
    }

    /// Handles claimed rows: one task per recipient (so caps see earlier sends in the same
    /// batch), sends across recipients in parallel up to the concurrency limit.
    pub async fn handle(&self, rows: Vec<NotificationRow>) {
        let mut by_user: BTreeMap<String, Vec<NotificationRow>> = BTreeMap::new();
        for r in rows {
            by_user.entry(r.user_id.clone()).or_default().push(r);
        }
        let tasks = by_user.into_values().map(|group| {
            let this = self.clone();
            async move {
                for row in group {
                    if let Err(e) = this.handle_one(&row).await {
                        tracing::warn!(reminder = %row.id, error = %e, "reminder could not be handled; the lease will expire and it is retried");
                    }
                }
            }
        });
        futures_util::future::join_all(tasks).await;
    }

    /// Handles everything due now, batch after batch.
    pub async fn run_until_idle(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_once().await?;
            total += n;
            if (n as i64) < self.batch {
                return Ok(total);
            }
        }
    }

    async fn context(&self, row: &NotificationRow) -> anyhow::Result<Context> {
        let pool = self.pool.clone();
        let rules = self.rules.clone();
        let row = row.clone();
        actix_web::web::block(move || -> anyhow::Result<Context> {
            let mut conn = pool.get()?;
            let user = users::find_user(&mut conn, &row.user_id)?;
            let (enabled, policy) = scheduler::policy_for(&mut conn, &rules, &row.user_id)?;
            let devices = notifications::list_devices(&mut conn, &row.user_id)?;
            let step_open = match &row.step_id {
                Some(id) => Some(
                    plans::find_step(&mut conn, id)?
                        .is_some_and(|s| s.status == StepStatus::Open.as_str()),
                ),
                None => None,
            };
            let plan = match &row.plan_id {
                Some(id) => plans::find_plan(&mut conn, id)?,
                None => None,
            };
            let plan_at_risk = plan
                .as_ref()
                .is_some_and(|p| p.at_risk_at.is_some() && p.inactivity_stage == "at_risk");
            let send_probability = match &plan {
                Some(p) => users::find_teams(&mut conn, std::slice::from_ref(&p.team_id))?
                    .pop()
                    .and_then(|t| t.reminder_send_probability),
                None => None,
            };
            let since = db::now() - chrono::Duration::days(8);
            let uncapped = [
                ReminderKind::Account.as_str(),
                ReminderKind::DocumentQuestion.as_str(),
                ReminderKind::CaseworkerCrisis.as_str(),
                ReminderKind::CaseworkerEscalation.as_str(),
            ];
            let sent =
                notifications::recent_capped_sends(&mut conn, &row.user_id, since, &uncapped)?
                    .into_iter()
                    .map(|t| DateTime::from_naive_utc_and_offset(t, Utc))
                    .collect();
            Ok(Context {
                language: user
                    .as_ref()
                    .and_then(|u| u.language.parse().ok())
                    .unwrap_or(Language::Nl),
                user_active: user.is_some_and(|u| u.disabled_at.is_none()),
                enabled,
                policy,
                devices,
                step_open,
                plan_at_risk,
                sent,
                send_probability,
            })
        })
        .await?
    }

    async fn record(&self, id: &str, outcome: Outcome) -> anyhow::Result<bool> {
        let pool = self.pool.clone();
        let owner = self.owner.clone();
        let id = id.to_owned();
        let max = self.max_attempts;
        actix_web::web::block(move || -> anyhow::Result<bool> {
            let mut conn = pool.get()?;
            Ok(notifications::record_outcome(
                &mut conn, &id, &owner, &outcome, max,
            )?)
        })
        .await?
    }

    fn count(&self, kind: &str, outcome: &str) {
        if let Some(m) = &self.metrics {
            m.outcomes.with_label_values(&[kind, outcome]).inc();
        }
    }

    async fn handle_one(&self, row: &NotificationRow) -> anyhow::Result<()> {
        let Some(kind) = ReminderKind::parse(&row.kind) else {
            self.record(
                &row.id,
                Outcome::Dead {
                    error: "unknown_kind".into(),
                },
            )
            .await?;
            return Ok(());
        };
        let ctx = self.context(row).await?;
        let now = Utc::now();
        match decide(row, kind, &ctx, now) {
            Decision::Cancel(reason) => {
                self.record(
                    &row.id,
                    Outcome::Cancel {
                        reason: reason.into(),
                    },
                )
                .await?;
                self.count(kind.as_str(), "cancelled");
                return Ok(());
            }
            Decision::Defer(at) => {
                self.record(&row.id, Outcome::Defer { at: at.naive_utc() })
                    .await?;
                self.count(kind.as_str(), "deferred");
                return Ok(());
            }
            Decision::Send => {}
        }
        // Micro-randomised design: at the decision point a nudge to a resident is sent with the
        // team's probability; crisis messages and staff alerts are never withheld. The draw and
        // its probability are logged on the reminder for the analysis.
        let nudge = !row.crisis
            && !matches!(
                kind,
                ReminderKind::CaseworkerEscalation
                    | ReminderKind::CaseworkerCrisis
                    | ReminderKind::Account
                    | ReminderKind::DocumentQuestion
            );
        if let (true, Some(p)) = (nudge, ctx.send_probability) {
            let send = match row.mrt_send {
                Some(decided) => decided,
                None => {
                    let send = rand::rng().random_bool(p.clamp(0.0, 1.0));
                    let (pool, id) = (self.pool.clone(), row.id.clone());
                    actix_web::web::block(move || -> anyhow::Result<()> {
                        let mut conn = pool.get()?;
                        notifications::record_mrt(&mut conn, &id, p, send)?;
                        Ok(())
                    })
                    .await??;
                    send
                }
            };
            if !send {
                self.record(
                    &row.id,
                    Outcome::Cancel {
                        reason: "mrt_withheld".into(),
                    },
                )
                .await?;
                self.count(kind.as_str(), "withheld");
                return Ok(());
            }
        }
        if ctx.devices.is_empty() {
            self.record(
                &row.id,
                Outcome::Dead {
                    error: "no_device".into(),
                },
            )
            .await?;
            self.count(kind.as_str(), "dead");
            return Ok(());
        }
        let (title, body) = texts(kind, ctx.language);
        // Only opaque ids travel: the app fetches details after unlock.
        let mut data = BTreeMap::from([
            ("kind".to_owned(), kind.as_str().to_owned()),
            ("reminder_id".to_owned(), row.id.clone()),
        ]);
        if let Some(p) = &row.plan_id {
            data.insert("plan_id".into(), p.clone());
        }
        if let Some(s) = &row.step_id {
            data.insert("step_id".into(), s.clone());
        }
        let sends = ctx.devices.iter().map(|d| {
            let msg = Message::reminder(
                d.token.clone(),
                title,
                body,
                data.clone(),
                &row.id,
                TTL_SECS,
            );
            let token = d.token.clone();
            async move { (token, self.send(&msg).await) }
        });
        let results = futures_util::future::join_all(sends).await;
        let mut delivered = false;
        let mut retry: Option<Duration> = None;
        let mut last_error = String::new();
        for (token, result) in results {
            match result {
                Ok(()) => delivered = true,
                Err(e) => {
                    last_error = e.code().to_owned();
                    match e.disposition() {
                        Disposition::RemoveDevice => {
                            let pool = self.pool.clone();
                            actix_web::web::block(move || -> anyhow::Result<()> {
                                let mut conn = pool.get()?;
                                notifications::delete_device_by_token(&mut conn, &token)?;
                                Ok(())
                            })
                            .await??;
                            tracing::info!(reminder = %row.id, code = e.code(), "device removed after FCM said it is gone");
                        }
                        Disposition::Dead => {}
                        Disposition::RetryAfter(hint) => {
                            // Quota: wait at least a minute unless the server says otherwise.
                            let d = hint.unwrap_or(Duration::from_secs(60));
                            retry = Some(retry.map_or(d, |r| r.max(d)));
                        }
                        Disposition::Backoff(hint) => {
                            let d = hint.unwrap_or_else(|| backoff(row.attempts));
                            retry = Some(retry.map_or(d, |r| r.max(d)));
                        }
                    }
                }
            }
        }
        let outcome = if delivered {
            Outcome::Sent
        } else if let Some(d) = retry {
            Outcome::Retry {
                at: db::now()
                    + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::minutes(1)),
                error: last_error,
            }
        } else {
            Outcome::Dead {
                error: if last_error.is_empty() {
                    "no_device".into()
                } else {
                    last_error
                },
            }
        };
        let label = match &outcome {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } => "failed",
            _ => "dead",
        };
        if !self.record(&row.id, outcome).await? {
            tracing::warn!(reminder = %row.id, "lease lost before the outcome was recorded");
        }
        self.count(kind.as_str(), label);
        Ok(())
    }

    async fn send(&self, msg: &Message) -> Result<(), FcmError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| FcmError::Transport(e.to_string()))?;
        match &self.sender {
            Sender::Log => {
                // No credentials: say what would have gone out, without the token.
                tracing::info!(
                    kind = msg.data.get("kind").map(String::as_str).unwrap_or(""),
                    reminder = msg
                        .data
                        .get("reminder_id")
                        .map(String::as_str)
                        .unwrap_or(""),
                    "push (log only, FCM not configured)"
                );
                Ok(())
            }
            Sender::Fcm(client) => {
                let started = std::time::Instant::now();
                let result = client.send(msg).await.map(|_| ());
                if let Some(m) = &self.metrics {
                    m.latency
                        .with_label_values(&[if result.is_ok() { "ok" } else { "error" }])
                        .observe(started.elapsed().as_secs_f64());
                }
                result
            }
        }
    }

    /// Runs the scheduler tick and the dispatcher every `tick` until the process stops.
    pub async fn run_forever(self, tick: Duration) {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let pool = self.pool.clone();
            let rules = self.rules.clone();
            let ticked = actix_web::web::block(move || -> anyhow::Result<usize> {
                let mut conn = pool.get()?;
                Ok(scheduler::run_tick(&mut conn, &rules)?)
            })
            .await;
            match ticked {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "scheduler tick failed"),
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
            }
            if let Err(e) = self.run_until_idle().await {
                tracing::warn!(error = %e, "dispatch failed; retrying next tick");
            }
        }
    }
}
