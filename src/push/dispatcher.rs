//! The reminder dispatcher: claims due outbox rows with a lease, checks each against the
//! resident's preferences (quiet hours, caps, still wanted?), sends it to every device of the
//! recipient with bounded concurrency, and records the outcome per device following FCM's
//! retry policy: a device that failed is retried on its own, never the ones that accepted.
//!
//! Leases: every claimed batch carries a fencing token (instance id + claim number, stored as
//! `lease_owner`). While the batch is in flight its leases are renewed every `lease / 3`; a
//! reminder is confirmed as still held right before it is sent, each device send checks the
//! lease is still fresh, and the outcome is written only where the token still matches. So a
//! live instance never loses a claim to another one while its database is reachable, and an
//! instance that did lose it (killed, or cut off for longer than the lease) cannot send under it
//! any more nor overwrite the new owner's record.

use crate::db::notifications::{self, DeliveryRow, DeviceRow, NotificationRow, Outcome};
use crate::db::plans;
use crate::db::{self, DbPool, users};
use crate::domain::kinds::{Language, StepStatus};
use crate::domain::reminders::{self, ReminderKind};
use crate::push::fcm::{Disposition, FcmClient, FcmError, Message};
use crate::push::webpush::{WebPushClient, WebPushPayload};
use crate::scheduler::{self, ReminderRules};
use chrono::{DateTime, Utc};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use rand::Rng;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Where pushes go: FCM, or the log when no credentials are configured, or (the simulator's
/// FCM double) a recorder in the process.
#[derive(Clone)]
pub enum Sender {
    Fcm(Arc<FcmClient>),
    Log,
    Record(Arc<PushRecorder>),
}

/// The simulator's in-process FCM double: accepts every message and records it with the time
/// of the application's clock.
#[derive(Default)]
pub struct PushRecorder {
    sent: Mutex<Vec<(chrono::DateTime<chrono::Utc>, Message)>>,
}

impl PushRecorder {
    /// Takes what was delivered since the last call.
    pub fn take(&self) -> Vec<(chrono::DateTime<chrono::Utc>, Message)> {
        std::mem::take(
            &mut *self
                .sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
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
        // Never the place, the time or the subject: only that there is an appointment.
        (AppointmentDayBefore, true) => "Je hebt morgen een afspraak.",
        (AppointmentDayBefore, false) => "You have an appointment tomorrow.",
        (AppointmentSoon, true) => "Je hebt straks een afspraak.",
        (AppointmentSoon, false) => "You have an appointment soon.",
        // E-mail kinds never go out as a push; their texts are in `mail`.
        (StaffDigest | StaffCrisisMail, true) => "Kijk op je werklijst.",
        (StaffDigest | StaffCrisisMail, false) => "See your worklist.",
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
    /// Per-device outcomes of earlier rounds of this reminder, by device id.
    deliveries: HashMap<String, DeliveryRow>,
    step_open: Option<bool>,
    plan_at_risk: bool,
    sent: Vec<DateTime<Utc>>,
    /// Micro-randomisation: the team's probability that a reminder decision point sends.
    send_probability: Option<f64>,
    /// The recipient is the resident of the reminder's plan (not a caseworker).
    to_resident: bool,
}

/// What the dispatcher needs to know about a staff e-mail.
struct MailContext {
    user: Option<users::UserRow>,
    step_open: Option<bool>,
    counts: crate::api::worklist::WorklistCounts,
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
    // An appointment still helps a plan at risk: its reminders are not held back.
    if !to_staff && !row.crisis && ctx.plan_at_risk && !is_appointment(kind) {
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

/// Micro-randomised design: whether this reminder is a decision point, and the team's
/// probability. Nudges to the plan's resident in a team with a send probability are; staff
/// alerts, account messages, document questions and appointment reminders never are (they are
/// not nudges to act on a step).
fn decision_point(kind: ReminderKind, ctx: &Context) -> Option<f64> {
    let nudge = !matches!(
        kind,
        ReminderKind::CaseworkerEscalation
            | ReminderKind::CaseworkerCrisis
            | ReminderKind::Account
            | ReminderKind::DocumentQuestion
    ) && !kind.is_mail()
        && !is_appointment(kind);
    if nudge && ctx.to_resident {
        ctx.send_probability
    } else {
        None
    }
}

/// Appointment reminders: outside the step caps and the micro-randomised design.
fn is_appointment(kind: ReminderKind) -> bool {
    matches!(
        kind,
        ReminderKind::AppointmentDayBefore | ReminderKind::AppointmentSoon
    )
}

/// Exponential backoff with jitter: 30 s doubling per attempt, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    let base = 30u64.saturating_mul(1 << exp).min(3600);
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::from_secs_f64(base as f64 * jitter)
}

/// One claimed batch: its rows and the fencing token that holds them.
#[derive(Debug)]
pub struct Claim {
    /// Unique per claim (instance id and claim number), stored as the rows' `lease_owner`.
    pub token: String,
    /// The claimed reminders.
    pub rows: Vec<NotificationRow>,
}

/// The leases of one claim as this instance knows them: until when each row is surely still
/// held (by the monotonic clock: from the start of the last renewal that kept it, plus the
/// lease). A row missing here was lost and is not sent.
struct Held {
    token: String,
    lease: Duration,
    until: Mutex<HashMap<String, Instant>>,
}

impl Held {
    fn new(claim: &Claim, since: Instant, lease: Duration) -> Self {
        let until = claim
            .rows
            .iter()
            .map(|r| (r.id.clone(), since + lease))
            .collect();
        Self {
            token: claim.token.clone(),
            lease,
            until: Mutex::new(until),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// After a renewal or confirmation that started at `since` kept `ids`.
    fn kept(&self, ids: &[String], since: Instant) {
        let mut map = self.map();
        for id in ids {
            if let Some(t) = map.get_mut(id) {
                *t = (*t).max(since + self.lease);
            }
        }
    }

    /// Stops tracking `id`: recorded, or lost to another claim.
    fn forget(&self, id: &str) {
        self.map().remove(id);
    }

    /// Whether the lease of `id` is surely still ours now.
    fn holds(&self, id: &str) -> bool {
        self.map().get(id).is_some_and(|t| Instant::now() < *t)
    }

    /// Rows not yet recorded or lost: the ones to keep renewing.
    fn in_flight(&self) -> Vec<String> {
        self.map().keys().cloned().collect()
    }
}

/// `devices.platform` of a standard Web Push subscription (`token` is its endpoint).
pub const WEB_PUSH_PLATFORM: &str = "web_push";

/// Claims and sends reminders.
#[derive(Clone)]
pub struct Dispatcher {
    pool: DbPool,
    sender: Sender,
    rules: ReminderRules,
    owner: String,
    claims: Arc<AtomicU64>,
    lease: Duration,
    batch: i64,
    max_attempts: i32,
    permits: Arc<Semaphore>,
    /// The concurrency limit itself (recipients handled at once).
    permits_total: usize,
    metrics: Option<PushMetrics>,
    /// Standard Web Push for `web_push` devices; `None` when the operator did not turn it on.
    web_push: Option<Arc<WebPushClient>>,
    /// SMTP for staff e-mail kinds; `None` without `SMTP_HOST`.
    mailer: Option<Arc<crate::mail::Mailer>>,
    /// The console's address, linked from staff e-mail.
    console_url: String,
}

/// What one device send ended in.
enum DeviceResult {
    Accepted,
    Failed(FcmError),
    /// Not sent: the lease was no longer surely ours when its turn came.
    NotSent,
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
            claims: Arc::new(AtomicU64::new(0)),
            // Renewal runs every third of the lease: keep that a sensible interval.
            lease: lease.max(Duration::from_millis(30)),
            batch: i64::from(batch),
            max_attempts: i32::try_from(max_attempts).unwrap_or(8),
            permits: Arc::new(Semaphore::new(concurrency as usize)),
            permits_total: concurrency as usize,
            metrics,
            web_push: None,
            mailer: None,
            console_url: String::new(),
        }
    }

    /// Sends staff e-mail kinds with this mailer, linking to `console_url`; without one, such
    /// reminders are cancelled with `mail_off`.
    pub fn with_mailer(
        mut self,
        mailer: Option<Arc<crate::mail::Mailer>>,
        console_url: String,
    ) -> Self {
        self.mailer = mailer;
        self.console_url = console_url;
        self
    }

    /// Sends to `web_push` devices with this client (standard Web Push); without one, such
    /// devices are given up for each reminder with `web_push_off`.
    pub fn with_web_push(mut self, client: Option<Arc<WebPushClient>>) -> Self {
        self.web_push = client;
        self
    }

    /// This instance's lease-owner id (each claim's token starts with it).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The application's "now" as stored, for the async side of the dispatcher (its blocking
    /// closures have the clock in scope).
    fn db_now(&self) -> chrono::NaiveDateTime {
        db::stored(self.pool.clock().now())
    }

    /// Claims one batch of due reminders (without sending them).
    pub async fn claim(&self) -> anyhow::Result<Claim> {
        let pool = self.pool.clone();
        let n = self.claims.fetch_add(1, Ordering::Relaxed) + 1;
        let token = format!("{}#{n}", self.owner);
        let owner = token.clone();
        let lease = chrono::Duration::from_std(self.lease)?;
        let batch = self.batch;
        let rows = crate::clock::block(
            self.pool.clock(),
            move || -> anyhow::Result<Vec<NotificationRow>> {
                let mut conn = pool.get()?;
                let at = db::now();
                Ok(db::write_tx(&mut conn, |c| {
                    notifications::claim_due(c, &owner, at, at + lease, batch)
                })?)
            },
        )
        .await??;
        Ok(Claim { token, rows })
    }

    /// Claims a batch and handles it; returns how many reminders were claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        // Taken before the claim: the lease is surely ours until this instant plus the lease.
        let since = Instant::now();
        let claim = self.claim().await?;
        let n = claim.rows.len();
        if n > 0 {
            self.handle_since(claim, since).await;
        }
        Ok(n)
    }

    /// Handles claimed rows: one task per recipient (so caps see earlier sends in the same
    /// batch), sends across recipients in parallel up to the concurrency limit, while the
    /// batch's leases are renewed every third of the lease. Renewal runs in the same task as
    /// the work, so an instance that stops (or a task that is dropped) stops renewing too.
    pub async fn handle(&self, claim: Claim) {
        // Conservative: the claim may have been taken up to a lease ago.
        let now = Instant::now();
        let since = now.checked_sub(self.lease).unwrap_or(now);
        self.handle_since(claim, since).await;
    }

    async fn handle_since(&self, claim: Claim, since: Instant) {
        let held = Arc::new(Held::new(&claim, since, self.lease));
        let mut by_user: BTreeMap<String, Vec<NotificationRow>> = BTreeMap::new();
        for r in claim.rows {
            by_user.entry(r.user_id.clone()).or_default().push(r);
        }
        let tasks = by_user.into_values().map(|group| {
            let this = self.clone();
            let held = Arc::clone(&held);
            async move {
                for row in group {
                    if let Err(e) = this.handle_one(&row, &held).await {
                        tracing::warn!(reminder = %row.id, error = %e, "reminder could not be handled; the lease will expire and it is retried");
                    }
                    held.forget(&row.id);
                }
            }
        });
        // Recipients in parallel, at most as many as sends may be in flight: with a concurrency
        // of 1 (the simulator) every draw and write happens in the same order on every run.
        let parallel = self.permits_total.max(1);
        let work = futures_util::StreamExt::for_each_concurrent(
            futures_util::stream::iter(tasks),
            parallel,
            |task| task,
        );
        tokio::select! {
            () = work => {}
            () = self.keep_leased(&held) => {}
        }
    }

    /// Renews the leases of the rows still in flight every `lease / 3`, forever (the caller
    /// stops it when the work is done). A row the renewal no longer finds is lost.
    async fn keep_leased(&self, held: &Held) {
        let every = self.lease / 3;
        loop {
            tokio::time::sleep(every).await;
            let ids = held.in_flight();
            if ids.is_empty() {
                continue;
            }
            let started = Instant::now();
            let (pool, token) = (self.pool.clone(), held.token.clone());
            let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::MAX);
            let asked = ids.clone();
            let renewed =
                crate::clock::block(self.pool.clock(), move || -> anyhow::Result<Vec<String>> {
                    let mut conn = pool.get()?;
                    Ok(notifications::renew_leases(
                        &mut conn,
                        &asked,
                        &token,
                        db::now() + lease,
                    )?)
                })
                .await;
            match renewed {
                Ok(Ok(kept)) => {
                    held.kept(&kept, started);
                    for id in ids.iter().filter(|id| !kept.contains(id)) {
                        // Recorded in the meantime, or (rarely) taken over after a long stall.
                        held.forget(id);
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "lease renewal failed; retrying"),
                Err(e) => tracing::warn!(error = %e, "lease renewal failed; retrying"),
            }
        }
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
        crate::clock::block(self.pool.clock(), move || -> anyhow::Result<Context> {
            let mut conn = pool.get()?;
            let user = users::find_user(&mut conn, &row.user_id)?;
            let (enabled, policy) = scheduler::policy_for(&mut conn, &rules, &row.user_id)?;
            let devices = notifications::list_devices(&mut conn, &row.user_id)?;
            let deliveries = notifications::list_deliveries(&mut conn, &row.id)?
                .into_iter()
                .map(|d| (d.device_id.clone(), d))
                .collect();
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
            let to_resident = plan.as_ref().is_some_and(|p| p.resident_id == row.user_id);
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
                ReminderKind::AppointmentDayBefore.as_str(),
                ReminderKind::AppointmentSoon.as_str(),
            ];
            let sent = notifications::recent_capped_sends(
                &mut conn,
                &row.user_id,
                since,
                &uncapped,
                &row.id,
            )?
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
                deliveries,
                step_open,
                plan_at_risk,
                sent,
                send_probability,
                to_resident,
            })
        })
        .await?
    }

    /// Logs a micro-randomised decision point (once per reminder; docs/metrics.md).
    async fn record_decision(
        &self,
        row: &NotificationRow,
        kind: ReminderKind,
        probability: f64,
        unavailable: Option<&'static str>,
        send: Option<bool>,
    ) -> anyhow::Result<()> {
        let Some(plan_id) = row.plan_id.clone() else {
            return Ok(());
        };
        let decision = crate::db::mrt::DecisionRow {
            notification_id: row.id.clone(),
            plan_id,
            kind: kind.as_str().to_owned(),
            decided_at: self.db_now(),
            available: unavailable.is_none(),
            unavailable_reason: unavailable.map(str::to_owned),
            probability: unavailable.is_none().then_some(probability),
            send,
        };
        let pool = self.pool.clone();
        crate::clock::block(self.pool.clock(), move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            crate::db::mrt::record(&mut conn, &decision)?;
            Ok(())
        })
        .await??;
        Ok(())
    }

    /// Records a reminder's outcome and its per-device outcomes in one transaction, fenced by
    /// the claim's token. When the claim was lost, only the deliveries FCM accepted are kept
    /// (facts that spare the new owner a resend); the rest is the new owner's to decide.
    async fn record(
        &self,
        id: &str,
        held: &Held,
        outcome: Outcome,
        deliveries: Vec<DeliveryRow>,
    ) -> anyhow::Result<bool> {
        let pool = self.pool.clone();
        let token = held.token.clone();
        let id = id.to_owned();
        let recorded = crate::clock::block(self.pool.clock(), move || -> anyhow::Result<bool> {
            let mut conn = pool.get()?;
            Ok(db::write_tx(&mut conn, |c| {
                let recorded = notifications::record_outcome(c, &id, &token, &outcome)?;
                let keep: Vec<DeliveryRow> = if recorded {
                    deliveries
                } else {
                    deliveries
                        .into_iter()
                        .filter(|d| d.state == "sent")
                        .collect()
                };
                notifications::save_deliveries(c, &keep)?;
                Ok::<_, diesel::result::Error>(recorded)
            })?)
        })
        .await??;
        Ok(recorded)
    }

    fn count(&self, kind: &str, outcome: &str) {
        if let Some(m) = &self.metrics {
            m.outcomes.with_label_values(&[kind, outcome]).inc();
        }
    }

    /// Right before a reminder goes out: still ours and still open? Extends the lease too.
    async fn confirm(&self, id: &str, held: &Held) -> anyhow::Result<bool> {
        let started = Instant::now();
        let (pool, token, key) = (self.pool.clone(), held.token.clone(), id.to_owned());
        let lease = chrono::Duration::from_std(self.lease)?;
        let ok = crate::clock::block(self.pool.clock(), move || -> anyhow::Result<bool> {
            let mut conn = pool.get()?;
            Ok(notifications::confirm_claim(
                &mut conn,
                &key,
                &token,
                db::now() + lease,
            )?)
        })
        .await??;
        if ok {
            held.kept(&[id.to_owned()], started);
        } else {
            held.forget(id);
        }
        Ok(ok)
    }

    async fn handle_one(&self, row: &NotificationRow, held: &Held) -> anyhow::Result<()> {
        let empty = Vec::new();
        let Some(kind) = ReminderKind::parse(&row.kind) else {
            self.record(
                &row.id,
                held,
                Outcome::Dead {
                    error: "unknown_kind".into(),
                },
                empty,
            )
            .await?;
            return Ok(());
        };
        if kind.is_mail() {
            return self.handle_mail(row, kind, held).await;
        }
        let ctx = self.context(row).await?;
        // When a device first accepted it (an owner that lost its claim may have recorded a
        // device's acceptance without the reminder's).
        let reached = row.sent_at.or_else(|| {
            ctx.deliveries
                .values()
                .filter(|d| d.state == "sent")
                .filter_map(|d| d.sent_at)
                .min()
        });
        let now = self.pool.clock().now();
        let point = decision_point(kind, &ctx);
        match decide(row, kind, &ctx, now) {
            Decision::Cancel(reason) => {
                // A decision point the resident was not available for (reminders off, the plan
                // at risk): logged for the analysis; a reminder with nothing left to remind of
                // (the step closed, the account gone) is no decision point.
                if let (Some(p), "reminders_off" | "plan_at_risk") = (point, reason) {
                    self.record_decision(row, kind, p, Some(reason), None)
                        .await?;
                }
                // A reminder one phone already has is not taken back: it is done.
                let (outcome, label) = match reached {
                    Some(sent_at) => (Outcome::Sent { sent_at }, "sent"),
                    None => (
                        Outcome::Cancel {
                            reason: reason.into(),
                        },
                        "cancelled",
                    ),
                };
                self.record(&row.id, held, outcome, empty).await?;
                self.count(kind.as_str(), label);
                return Ok(());
            }
            Decision::Defer(at) => {
                self.record(&row.id, held, Outcome::Defer { at: at.naive_utc() }, empty)
                    .await?;
                self.count(kind.as_str(), "deferred");
                return Ok(());
            }
            Decision::Send => {}
        }
        // Micro-randomised design: at the decision point a nudge to a resident is sent with the
        // team's probability; crisis messages and staff alerts are never withheld. The draw and
        // its probability are logged on the reminder for the analysis.
        // A resident without a device cannot be nudged: not available, and nothing is drawn.
        let unavailable = if row.crisis {
            Some("crisis")
        } else if ctx.devices.is_empty() {
            Some("no_device")
        } else {
            None
        };
        if let (Some(p), Some(why)) = (point, unavailable) {
            self.record_decision(row, kind, p, Some(why), None).await?;
        }
        if let (Some(p), None) = (point, unavailable) {
            let send = match row.mrt_send {
                Some(decided) => decided,
                None => {
                    let send = self.pool.clock().chance(p);
                    let (pool, id) = (self.pool.clone(), row.id.clone());
                    crate::clock::block(self.pool.clock(), move || -> anyhow::Result<()> {
                        let mut conn = pool.get()?;
                        notifications::record_mrt(&mut conn, &id, p, send)?;
                        Ok(())
                    })
                    .await??;
                    self.record_decision(row, kind, p, None, Some(send)).await?;
                    send
                }
            };
            if !send {
                self.record(
                    &row.id,
                    held,
                    Outcome::Cancel {
                        reason: "mrt_withheld".into(),
                    },
                    empty,
                )
                .await?;
                self.count(kind.as_str(), "withheld");
                return Ok(());
            }
        }
        // Devices still to try: never tried, or failed and due again. Those that accepted or
        // were given up are done; those that failed and are not due yet wait for their turn.
        let db_now = self.db_now();
        let due: Vec<&DeviceRow> = ctx
            .devices
            .iter()
            .filter(|d| match ctx.deliveries.get(&d.id) {
                None => true,
                Some(x) => x.state == "failed" && x.next_attempt_at <= db_now,
            })
            .collect();
        let mut waiting: Vec<DeliveryRow> = ctx
            .devices
            .iter()
            .filter_map(|d| ctx.deliveries.get(&d.id))
            .filter(|x| x.state == "failed" && x.next_attempt_at > db_now)
            .cloned()
            .collect();
        if due.is_empty() {
            let (outcome, label) = if let Some(at) = waiting.iter().map(|x| x.next_attempt_at).min()
            {
                // Only devices whose retry is not due yet: wait for the first of them.
                (Outcome::Defer { at }, "deferred")
            } else if let Some(sent_at) = reached {
                // Every device accepted, or was removed or given up since.
                (Outcome::Sent { sent_at }, "sent")
            } else {
                let error = row
                    .last_error
                    .clone()
                    .filter(|_| !ctx.devices.is_empty())
                    .unwrap_or_else(|| "no_device".into());
                (Outcome::Dead { error }, "dead")
            };
            self.record(&row.id, held, outcome, empty).await?;
            self.count(kind.as_str(), label);
            return Ok(());
        }
        if !self.confirm(&row.id, held).await? {
            tracing::info!(reminder = %row.id, "reminder not sent: its claim was lost or it was closed meanwhile");
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
        let sends = due.iter().map(|d| {
            let msg = Message::reminder(
                d.token.clone(),
                title,
                body,
                data.clone(),
                &row.id,
                TTL_SECS,
            );
            async move { (*d, self.send_held(d, &msg, &row.id, held).await) }
        });
        let results = futures_util::future::join_all(sends).await;
        let t = self.db_now();
        let mut deliveries = Vec::new();
        let mut accepted = false;
        let mut not_sent = false;
        let mut last_error = String::new();
        for (device, result) in results {
            let before = ctx.deliveries.get(&device.id);
            let attempts = before.map_or(0, |x| x.attempts) + 1;
            let mut delivery = DeliveryRow {
                notification_id: row.id.clone(),
                device_id: device.id.clone(),
                state: "sent".into(),
                attempts,
                next_attempt_at: t,
                last_error: None,
                sent_at: Some(t),
                updated_at: t,
            };
            let error = match result {
                DeviceResult::Accepted => {
                    accepted = true;
                    deliveries.push(delivery);
                    continue;
                }
                DeviceResult::NotSent => {
                    not_sent = true;
                    continue;
                }
                DeviceResult::Failed(e) => e,
            };
            last_error = error.code().to_owned();
            delivery.sent_at = None;
            delivery.last_error = Some(last_error.clone());
            let wait = match error.disposition() {
                Disposition::RemoveDevice => {
                    let (pool, token) = (self.pool.clone(), device.token.clone());
                    crate::clock::block(self.pool.clock(), move || -> anyhow::Result<()> {
                        let mut conn = pool.get()?;
                        notifications::delete_device_by_token(&mut conn, &token)?;
                        Ok(())
                    })
                    .await??;
                    tracing::info!(reminder = %row.id, code = error.code(), "device removed after FCM said it is gone");
                    continue;
                }
                Disposition::Dead => None,
                // Quota: wait at least a minute unless the server says otherwise.
                Disposition::RetryAfter(hint) => Some(hint.unwrap_or(Duration::from_secs(60))),
                Disposition::Backoff(hint) => Some(hint.unwrap_or_else(|| backoff(attempts - 1))),
            };
            match wait {
                Some(d) if attempts < self.max_attempts => {
                    delivery.state = "failed".into();
                    delivery.next_attempt_at =
                        t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::minutes(1));
                    waiting.push(delivery.clone());
                }
                _ => delivery.state = "dead".into(),
            }
            deliveries.push(delivery);
        }
        if not_sent {
            // The lease ran out mid-round: keep what FCM accepted, leave the rest to the owner.
            let _ = self
                .record(&row.id, held, Outcome::Defer { at: t }, deliveries)
                .await?;
            tracing::warn!(reminder = %row.id, "lease lost during sending; the new owner finishes it");
            return Ok(());
        }
        let sent_at = reached.or(accepted.then_some(t));
        let outcome = if let Some(next) = waiting.iter().map(|x| x.next_attempt_at).min() {
            Outcome::Retry {
                at: next,
                error: if last_error.is_empty() {
                    waiting
                        .iter()
                        .find_map(|x| x.last_error.clone())
                        .unwrap_or_default()
                } else {
                    last_error
                },
                sent_at,
            }
        } else if let Some(sent_at) = sent_at {
            Outcome::Sent { sent_at }
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
            Outcome::Sent { .. } => "sent",
            Outcome::Retry { .. } => "failed",
            _ => "dead",
        };
        if !self.record(&row.id, held, outcome, deliveries).await? {
            tracing::warn!(reminder = %row.id, "lease lost before the outcome was recorded");
        }
        self.count(kind.as_str(), label);
        Ok(())
    }

    /// A staff e-mail (digest or crisis alert): composed at send time from the recipient's
    /// current worklist, sent once over SMTP, retried with backoff on temporary failures.
    async fn handle_mail(
        &self,
        row: &NotificationRow,
        kind: ReminderKind,
        held: &Held,
    ) -> anyhow::Result<()> {
        let Some(mailer) = self.mailer.clone() else {
            let outcome = Outcome::Cancel {
                reason: "mail_off".into(),
            };
            self.record(&row.id, held, outcome, Vec::new()).await?;
            self.count(kind.as_str(), "cancelled");
            return Ok(());
        };
        let (pool, rules, r) = (self.pool.clone(), self.rules.clone(), row.clone());
        let ctx = crate::clock::block(self.pool.clock(), move || -> anyhow::Result<MailContext> {
            let mut conn = pool.get()?;
            let user = users::find_user(&mut conn, &r.user_id)?;
            let step_open = match &r.step_id {
                Some(id) => Some(
                    plans::find_step(&mut conn, id)?
                        .is_some_and(|s| s.status == StepStatus::Open.as_str()),
                ),
                None => None,
            };
            let counts = if kind == ReminderKind::StaffDigest {
                let teams = users::find_team_ids_of(&mut conn, &r.user_id)?;
                let items = crate::api::worklist::build_worklist(
                    &mut conn,
                    &rules,
                    &teams,
                    crate::clock::now(),
                    Language::Nl,
                )
                .map_err(|e| anyhow::anyhow!("worklist: {e}"))?;
                crate::api::worklist::count(&items)
            } else {
                Default::default()
            };
            Ok(MailContext {
                user,
                step_open,
                counts,
            })
        })
        .await??;
        let cancel = match &ctx.user {
            None => Some("recipient_gone"),
            Some(u) if u.disabled_at.is_some() || u.erased_at.is_some() => Some("recipient_gone"),
            Some(u) if u.email.is_none() => Some("no_email"),
            Some(_) if ctx.step_open == Some(false) => Some("step_no_longer_open"),
            Some(_) if kind == ReminderKind::StaffDigest && ctx.counts.total() == 0 => {
                Some("worklist_empty")
            }
            Some(_) => None,
        };
        if let Some(reason) = cancel {
            let outcome = Outcome::Cancel {
                reason: reason.into(),
            };
            self.record(&row.id, held, outcome, Vec::new()).await?;
            self.count(kind.as_str(), "cancelled");
            return Ok(());
        }
        let Some(user) = ctx.user else {
            return Ok(());
        };
        if !self.confirm(&row.id, held).await? {
            tracing::info!(reminder = %row.id, "e-mail not sent: its claim was lost or it was closed meanwhile");
            return Ok(());
        }
        let lang = user.language.parse().unwrap_or(Language::Nl);
        let name = crate::mail::first_name(&user.display_name);
        let letter = match kind {
            ReminderKind::StaffDigest => {
                crate::mail::digest(lang, name, &ctx.counts.by_kind(), &self.console_url)
            }
            _ => crate::mail::crisis(lang, name, &self.console_url),
        };
        let to = user.email.unwrap_or_default();
        let sent = mailer.send(&to, &letter).await;
        let (outcome, label) = match sent {
            Ok(()) => (
                Outcome::Sent {
                    sent_at: self.db_now(),
                },
                "sent",
            ),
            Err(e)
                if e != crate::mail::MailError::Transient
                    || row.attempts + 1 >= self.max_attempts =>
            {
                (
                    Outcome::Dead {
                        error: e.code().into(),
                    },
                    "dead",
                )
            }
            Err(e) => (
                Outcome::Retry {
                    at: self.db_now()
                        + chrono::Duration::from_std(backoff(row.attempts))
                            .unwrap_or(chrono::Duration::minutes(1)),
                    error: e.code().into(),
                    sent_at: None,
                },
                "failed",
            ),
        };
        tracing::info!(reminder = %row.id, kind = kind.as_str(), outcome = label, "staff e-mail");
        if !self.record(&row.id, held, outcome, Vec::new()).await? {
            tracing::warn!(reminder = %row.id, "lease lost before the e-mail's outcome was recorded");
        }
        self.count(kind.as_str(), label);
        Ok(())
    }

    /// One device send, started only while the reminder's lease is surely still held (checked
    /// after waiting for a concurrency slot, which may take a while in a big batch).
    async fn send_held(
        &self,
        device: &DeviceRow,
        msg: &Message,
        id: &str,
        held: &Held,
    ) -> DeviceResult {
        let _permit = match self.permits.acquire().await {
            Ok(p) => p,
            Err(e) => return DeviceResult::Failed(FcmError::Transport(e.to_string())),
        };
        if !held.holds(id) {
            return DeviceResult::NotSent;
        }
        let sent = if device.platform == WEB_PUSH_PLATFORM {
            self.send_web_push(device, msg).await
        } else {
            self.send(msg).await
        };
        match sent {
            Ok(()) => DeviceResult::Accepted,
            Err(e) => DeviceResult::Failed(e),
        }
    }

    /// One Web Push send: the same generic texts and collapse id as the FCM message.
    async fn send_web_push(&self, device: &DeviceRow, msg: &Message) -> Result<(), FcmError> {
        let Some(client) = &self.web_push else {
            return Err(FcmError::Config("web_push_off".into()));
        };
        let (Some(p256dh), Some(auth), Some(n)) =
            (&device.web_p256dh, &device.web_auth, &msg.notification)
        else {
            return Err(FcmError::InvalidArgument(
                "subscription keys missing".into(),
            ));
        };
        let tag = msg
            .android
            .as_ref()
            .and_then(|a| a.collapse_key.clone())
            .unwrap_or_default();
        let payload = WebPushPayload {
            title: &n.title,
            body: &n.body,
            tag: &tag,
            data: &msg.data,
        };
        let started = std::time::Instant::now();
        let result = client
            .send(
                &device.token,
                p256dh,
                auth,
                &payload,
                &tag.replace('-', ""),
                TTL_SECS,
            )
            .await;
        if let Some(m) = &self.metrics {
            m.latency
                .with_label_values(&[if result.is_ok() { "ok" } else { "error" }])
                .observe(started.elapsed().as_secs_f64());
        }
        result
    }

    async fn send(&self, msg: &Message) -> Result<(), FcmError> {
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
            Sender::Record(recorder) => {
                recorder
                    .sent
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((self.pool.clock().now(), msg.clone()));
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
            let ticked =
                crate::clock::block(self.pool.clock(), move || -> anyhow::Result<usize> {
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
