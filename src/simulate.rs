//! `stapvoorstap simulate`: a synthetic cohort through the real service on a virtual clock, to
//! rehearse a study before real residents are in it (issue 21).
//!
//! The simulator starts the real application on a fresh database with a seeded virtual clock
//! ([`crate::clock`]) and an in-process FCM double ([`PushRecorder`]). Caseworkers, volunteers
//! and residents act through the HTTP API, exactly as the apps do; every hour of virtual time the
//! real scheduler tick and dispatcher run. At the end it downloads the researcher's exports and
//! writes them, with the truth the analysis should recover, into the output folder:
//!
//! - `plans.csv`: `GET /v1/research/plans` (every page, one header line);
//! - `decisions.csv`: `GET /v1/research/decisions`;
//! - `truth.json`: the run's parameters and the true causal excursion effects;
//! - `summary.json`: counts of what happened in the run.
//!
//! The behavioural model (documented in `analysis/README.md`):
//! - A resident acts only between 08:00 and 22:00 local time. On each of those hours they
//!   complete their first open step with a chance that gives a daily chance of
//!   `BASE_DAILY / (1 + minutes / 30)` for a step of `minutes` (steps they asked help with wait
//!   for the volunteer). The **arm effect** multiplies that hourly chance in the `dosed` arm;
//!   the **proximal effect** multiplies it in the 4 hours after a delivered reminder.
//! - On a step of 30 minutes or more, an action is a help request instead of a completion with
//!   chance `HELP_CHANCE`; the caseworker hands such steps to the team's volunteer at the next
//!   weekly review and the volunteer does them (daily chance `VOLUNTEER_DAILY`).
//! - Dropout: at 03:00 local a resident who is still in leaves for good with chance
//!   `DROPOUT_DAILY × (1 + idle days / 14)`: the hazard rises with inactivity. The caseworker
//!   closes the plan as dropped out (`no_contact`) once the service's worklist shows it 21 days
//!   inactive and the resident is indeed gone.
//! - Caseworkers review each plan weekly on a working day at 10:00: they do their own open steps
//!   (chance `STAFF_CHANCE` each), hand help requests over, and mark the plan stabilised when the
//!   service says it is ready for the debt arrangement.
//!
//! The true excursion effect is the contrast the trial randomises: at every available decision
//! point, the chance of a completion in the next 4 (and 24) hours when the reminder is sent,
//! minus the chance when it is withheld while the service goes on — the next nudge in the same
//! pass's queue is then decided at once (the daily cap defers it otherwise), and the later
//! decision points in the window keep their own chances — the resident's state held fixed. The
//! truth is the mean over the available decision points whose window closed before the end
//! (`analysis/README.md` explains why "a reminder against none" is not that contrast).
//!
//! Everything random comes from the seed (the service's own draws through the clock's dice, the
//! residents' through generators derived from it), and requests are made one at a time, so the
//! same flags give the same files.

use crate::clock::Clock;
use crate::config::Settings;
use crate::push::dispatcher::{PushRecorder, Sender};
use crate::startup::Application;
use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Daily chance to do a resident step of 0 minutes (see the module docs).
const BASE_DAILY: f64 = 0.45;
/// Chance that an action on a long step is a help request.
const HELP_CHANCE: f64 = 0.2;
/// Daily chance that the volunteer does a step handed to them.
const VOLUNTEER_DAILY: f64 = 0.5;
/// Chance that a caseworker does one of their open steps at a weekly review.
const STAFF_CHANCE: f64 = 0.7;
/// Baseline daily dropout hazard.
const DROPOUT_DAILY: f64 = 0.0025;
/// Residents per team (each team has one caseworker and one volunteer).
const TEAM_SIZE: usize = 100;
/// Hours after a delivered reminder in which the proximal effect applies.
const BOOST_HOURS: i64 = 4;
/// First and last local hour (exclusive) in which residents act.
const ACTIVE_HOURS: (u32, u32) = (8, 22);

/// What to simulate.
#[derive(Debug, Clone, clap::Args)]
pub struct SimConfig {
    /// Number of residents (they enrol evenly over the first four weeks).
    #[arg(long, default_value_t = 400)]
    pub residents: usize,
    /// Days of virtual time.
    #[arg(long, default_value_t = 180)]
    pub days: i64,
    /// Evaluation arms: `dosed,full_list` (randomised per plan), `dosed` or `full_list`.
    #[arg(long, default_value = "dosed,full_list")]
    pub arms: String,
    /// The teams' reminder send probability (micro-randomisation), 0–1.
    #[arg(long, default_value_t = 0.5)]
    pub reminder_probability: f64,
    /// Seed of every random draw in the run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplier of a resident's hourly chance to act in the 4 hours after a delivered
    /// reminder (1 = reminders have no effect).
    #[arg(long, default_value_t = 1.5)]
    pub proximal_effect: f64,
    /// Multiplier of the hourly chance to act in the `dosed` arm (1 = no arm effect).
    #[arg(long, default_value_t = 1.0)]
    pub arm_effect: f64,
    /// First day of the study (a local date in Europe/Amsterdam).
    #[arg(long, default_value = "2027-01-04")]
    pub start: NaiveDate,
    /// Folder for the exports (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

impl SimConfig {
    fn check(&self) -> anyhow::Result<()> {
        if !(1..=20_000).contains(&self.residents) {
            bail!("--residents must be 1–20000");
        }
        if !(1..=730).contains(&self.days) {
            bail!("--days must be 1–730");
        }
        if !(0.0..=1.0).contains(&self.reminder_probability) {
            bail!("--reminder-probability must be 0–1");
        }
        if !(0.0..=20.0).contains(&self.proximal_effect) || !(0.0..=20.0).contains(&self.arm_effect)
        {
            bail!("--proximal-effect and --arm-effect must be 0–20");
        }
        self.arm_policy()?;
        Ok(())
    }

    fn arm_policy(&self) -> anyhow::Result<&'static str> {
        let mut arms: Vec<&str> = self.arms.split(',').map(str::trim).collect();
        arms.sort_unstable();
        arms.dedup();
        match arms.as_slice() {
            ["dosed", "full_list"] => Ok("randomised"),
            ["dosed"] => Ok("dosed"),
            ["full_list"] => Ok("full_list"),
            _ => bail!("--arms must be dosed,full_list or one of them"),
        }
    }
}

/// What a run did (also `summary.json`).
#[derive(Debug, Default, serde::Serialize)]
pub struct Summary {
    pub residents: usize,
    pub teams: usize,
    pub completions: u64,
    pub help_requests: u64,
    pub volunteer_completions: u64,
    pub staff_completions: u64,
    pub reminders_delivered: u64,
    pub decision_points: u64,
    pub available_decision_points: u64,
    pub stabilised: u64,
    pub dropped_out: u64,
    pub residents_gone: u64,
    pub refused_requests: u64,
    /// Expected among them: `POST /v1/auth/refresh 401` when a sign-in session reaches its
    /// absolute lifetime (`REFRESH_TOKEN_TTL`, 30 days); the simulated app then signs in again.
    /// The refused requests by method, path (ids as `{id}`), status and problem code: what
    /// the simulated people tried that the service (rightly) said no to.
    pub refused_by: std::collections::BTreeMap<String, u64>,
    pub requests: u64,
    pub seconds: f64,
}

/// A signed-in account.
struct Session {
    username: String,
    secret: String,
    access: String,
    access_until: DateTime<Utc>,
    refresh: Option<String>,
}

/// One open step as the resident's app shows it.
#[derive(Clone)]
struct OpenStep {
    id: String,
    minutes: i64,
    help_requested: bool,
}

struct Resident {
    team: usize,
    plan_id: String,
    dosed: bool,
    session: Session,
    open: Vec<OpenStep>,
    /// Still taking part (false once they have left for good).
    present: bool,
    /// The plan has ended (stabilised or dropped out).
    ended: bool,
    last_action: DateTime<Utc>,
    boost_until: Option<DateTime<Utc>>,
    rng: StdRng,
}

struct Team {
    id: String,
    caseworker: Session,
    volunteer_id: String,
    volunteer: Session,
}

/// The HTTP side: one client, requests one at a time.
struct Api {
    http: reqwest::Client,
    base: String,
    requests: u64,
    refused: std::collections::BTreeMap<String, u64>,
}

struct Reply {
    status: u16,
    body: Value,
    link_next: Option<String>,
    text: String,
}

impl Api {
    async fn call(
        &mut self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Reply> {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        };
        let label = format!("{method} {}", id_free(path));
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        self.requests += 1;
        let res = req.send().await.with_context(|| path.to_string())?;
        let status = res.status().as_u16();
        let link_next = res
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 400 {
            let code = body["code"].as_str().unwrap_or("-");
            *self
                .refused
                .entry(format!("{label} {status} {code}"))
                .or_default() += 1;
        }
        if status >= 500 {
            bail!("{path} answered {status}: {text}");
        }
        Ok(Reply {
            status,
            body,
            link_next,
            text,
        })
    }

    async fn ok(
        &mut self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Value> {
        let r = self.call(method, path, token, body, headers).await?;
        if r.status >= 400 {
            bail!("{path} answered {}: {}", r.status, r.text);
        }
        Ok(r.body)
    }

    /// A staff member or volunteer marks a step done; false when the service refused.
    async fn complete_step(&mut self, id: &str, token: &str) -> anyhow::Result<bool> {
        let path = format!("/v1/steps/{id}/complete");
        let r = self
            .call(
                reqwest::Method::POST,
                &path,
                Some(token),
                Some(&json!({})),
                &[],
            )
            .await?;
        Ok(r.status == 200)
    }

    /// Signs in with a login name and a password or PIN.
    async fn login(
        &mut self,
        username: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Session> {
        let body = json!({"username": username, "password": secret});
        let v = self
            .ok(
                reqwest::Method::POST,
                "/v1/auth/login",
                None,
                Some(&body),
                &[],
            )
            .await?;
        Ok(session_from(&v, username, secret, now))
    }

    /// A valid access token for `s`: refreshed, or signed in again, when it has run out.
    async fn token(&mut self, s: &mut Session, now: DateTime<Utc>) -> anyhow::Result<String> {
        if s.access_until > now + Duration::seconds(30) {
            return Ok(s.access.clone());
        }
        if let Some(refresh) = s.refresh.clone() {
            let body = json!({"refresh_token": refresh});
            let r = self
                .call(
                    reqwest::Method::POST,
                    "/v1/auth/refresh",
                    None,
                    Some(&body),
                    &[],
                )
                .await?;
            if r.status == 200 {
                *s = session_from(&r.body, &s.username, &s.secret, now);
                return Ok(s.access.clone());
            }
        }
        *s = self
            .login(&s.username.clone(), &s.secret.clone(), now)
            .await?;
        Ok(s.access.clone())
    }

    /// Every page of a research export as CSV, with one header line.
    async fn export_csv(&mut self, path: &str, token: &str) -> anyhow::Result<String> {
        let mut out = String::new();
        let mut next = Some(format!("{path}?limit=200"));
        while let Some(url) = next {
            let r = self
                .call(
                    reqwest::Method::GET,
                    &url,
                    Some(token),
                    None,
                    &[("accept", "text/csv")],
                )
                .await?;
            if r.status != 200 {
                bail!("{url} answered {}: {}", r.status, r.text);
            }
            let mut lines = r.text.lines();
            let header = lines.next().unwrap_or_default();
            if out.is_empty() {
                out.push_str(header);
                out.push('\n');
            }
            for l in lines {
                out.push_str(l);
                out.push('\n');
            }
            next = r.link_next;
        }
        Ok(out)
    }
}

fn next_link(v: &str) -> Option<String> {
    v.split(',')
        .find(|p| p.contains("rel=\"next\""))
        .and_then(|p| {
            let start = p.find('<')? + 1;
            let end = p.find('>')?;
            Some(p[start..end].to_owned())
        })
}

fn session_from(v: &Value, username: &str, secret: &str, now: DateTime<Utc>) -> Session {
    Session {
        username: v["user"]["login_name"]
            .as_str()
            .or(v["user"]["email"].as_str())
            .unwrap_or(username)
            .to_owned(),
        secret: secret.to_owned(),
        access: v["access_token"].as_str().unwrap_or_default().to_owned(),
        access_until: now + Duration::seconds(v["expires_in"].as_i64().unwrap_or(60)),
        refresh: v["refresh_token"].as_str().map(str::to_owned),
    }
}

fn open_steps(v: &Value) -> Vec<OpenStep> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| OpenStep {
                    id: s["id"].as_str().unwrap_or_default().to_owned(),
                    minutes: s["minutes"].as_i64().unwrap_or(15),
                    help_requested: s["help_requested"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The model's hourly chance that a resident completes a step in the hour starting at `t`.
fn hourly_completion(
    cfg: &SimConfig,
    r: &Resident,
    t: DateTime<Utc>,
    boost_until: Option<DateTime<Utc>>,
) -> f64 {
    let Some(step) = r.open.iter().find(|s| !s.help_requested) else {
        return 0.0;
    };
    if !r.present || r.ended {
        return 0.0;
    }
    let local = t.with_timezone(&tz()).hour();
    if local < ACTIVE_HOURS.0 || local >= ACTIVE_HOURS.1 {
        return 0.0;
    }
    let hours = f64::from(ACTIVE_HOURS.1 - ACTIVE_HOURS.0);
    let daily = BASE_DAILY / (1.0 + step.minutes as f64 / 30.0);
    let mut h = 1.0 - (1.0 - daily).powf(1.0 / hours);
    if r.dosed {
        h *= cfg.arm_effect;
    }
    if boost_until.is_some_and(|b| b > t) {
        h *= cfg.proximal_effect;
    }
    let completes = if step.minutes >= 30 {
        1.0 - HELP_CHANCE
    } else {
        1.0
    };
    (h.min(1.0)) * completes
}

/// Chance of at least one completion within `hours` after `t` (resident actions happen at
/// half past each hour), with the given boost.
/// The resident's hourly chances to complete, from the moment of a decision on: their state
/// held fixed, without and with a reminder's boost.
#[derive(Clone)]
struct Snapshot {
    plain: Vec<f64>,
    boosted: Vec<f64>,
    /// The boost already running from an earlier reminder.
    boost_until: Option<DateTime<Utc>>,
}

impl Snapshot {
    fn of(
        cfg: &SimConfig,
        r: &Resident,
        t: DateTime<Utc>,
        boost_until: Option<DateTime<Utc>>,
    ) -> Self {
        let at = |k: i64| t + Duration::hours(k) + Duration::minutes(30);
        let far = Some(t + Duration::days(365));
        Snapshot {
            plain: (0..24)
                .map(|k| hourly_completion(cfg, r, at(k), None))
                .collect(),
            boosted: (0..24)
                .map(|k| hourly_completion(cfg, r, at(k), far))
                .collect(),
            boost_until,
        }
    }

    /// The chance of a completion within `hours` of `t` when reminders reach the phone at
    /// `sends`.
    fn chance(&self, t: DateTime<Utc>, hours: i64, sends: &[DateTime<Utc>]) -> f64 {
        let mut none = 1.0;
        for k in 0..hours {
            let at = t + Duration::hours(k) + Duration::minutes(30);
            let boosted = self.boost_until.is_some_and(|b| b > at)
                || sends
                    .iter()
                    .any(|s| *s <= at && at < *s + Duration::hours(BOOST_HOURS));
            let h = if boosted { &self.boosted } else { &self.plain };
            none *= 1.0 - h[usize::try_from(k).unwrap_or(0)];
        }
        1.0 - none
    }
}

/// An available decision point waiting for its windows to close.
struct PendingTruth {
    resident: usize,
    at: DateTime<Utc>,
    probability: f64,
    /// Nudges behind it in this pass's queue: decided at once if this one is withheld.
    queue_after: u32,
    snapshot: Snapshot,
}

/// At most this many later decision points in a window are enumerated exactly (2^n cases);
/// later ones are left out (rare: caps allow a few reminders a day).
const MAX_LATER: usize = 12;

impl PendingTruth {
    /// The true excursion effect of sending this reminder on a completion within `hours`,
    /// as the trial randomises it: against withholding it while the service goes on (the
    /// next nudge in the queue decided at once, later decision points with their own
    /// chances), the resident's state held fixed.
    fn effect(&self, hours: i64, history: &[(DateTime<Utc>, f64)]) -> f64 {
        let window_end = self.at + Duration::hours(hours);
        // The history is in time order: only its part inside the window is read.
        let from = history.partition_point(|(t, _)| *t <= self.at);
        let later: Vec<(DateTime<Utc>, f64)> = history[from..]
            .iter()
            .take_while(|(t, _)| *t < window_end)
            .filter(|(_, p)| *p > 0.0)
            .take(MAX_LATER)
            .copied()
            .collect();
        let q = 1.0 - (1.0 - self.probability).powf(f64::from(self.queue_after));
        let mut effect = 0.0;
        let mut sends = Vec::with_capacity(later.len() + 1);
        for mask in 0u32..(1 << later.len()) {
            let mut weight = 1.0;
            sends.clear();
            for (j, (t, p)) in later.iter().enumerate() {
                if mask & (1 << j) != 0 {
                    weight *= p;
                    sends.push(*t);
                } else {
                    weight *= 1.0 - p;
                }
            }
            if weight == 0.0 {
                continue;
            }
            let without = self.snapshot.chance(self.at, hours, &sends);
            sends.push(self.at);
            let with = self.snapshot.chance(self.at, hours, &sends);
            // Withheld: with chance q the next nudge in the queue goes out now after all.
            effect += weight * (1.0 - q) * (with - without);
        }
        effect
    }
}

/// Resident nudges due at `now` and not yet decided, per plan.
fn due_nudges(
    conn: &mut crate::db::DbConn,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<HashMap<String, u32>> {
    use crate::db::schema::notifications as n;
    use crate::domain::reminders::ReminderKind as K;
    use diesel::prelude::*;
    let kinds = [
        K::NewStep,
        K::DueSoon,
        K::Overdue,
        K::Inactivity,
        K::Intention,
        K::Milestone,
    ]
    .map(K::as_str);
    let plans: Vec<Option<String>> = n::table
        .filter(n::state.eq("pending"))
        .filter(n::crisis.eq(false))
        .filter(n::next_attempt_at.le(now))
        .filter(n::kind.eq_any(kinds))
        .filter(n::mrt_send.is_null())
        .select(n::plan_id)
        .load(conn)?;
    let mut out = HashMap::new();
    for plan in plans.into_iter().flatten() {
        *out.entry(plan).or_insert(0) += 1;
    }
    Ok(out)
}

fn tz() -> Tz {
    chrono_tz::Europe::Amsterdam
}

/// A 5-digit PIN the service accepts (no runs or repeats).
fn pin(rng: &mut StdRng) -> String {
    loop {
        let d: Vec<u32> = (0..5).map(|_| rng.random_range(0..10)).collect();
        let steps: Vec<i64> = d.windows(2).map(|w| w[1] as i64 - w[0] as i64).collect();
        let trivial = steps.iter().all(|s| *s == steps[0]) || d.iter().all(|x| *x == d[0]);
        let distinct = {
            let mut s = d.clone();
            s.sort_unstable();
            s.dedup();
            s.len()
        };
        if !trivial && distinct >= 3 {
            return d
                .iter()
                .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
                .collect();
        }
    }
}

/// Runs the simulation; writes the exports into `cfg.out`.
pub async fn run(mut settings: Settings, cfg: SimConfig) -> anyhow::Result<Summary> {
    cfg.check()?;
    let started = std::time::Instant::now();
    std::fs::create_dir_all(&cfg.out)
        .with_context(|| format!("--out {} cannot be created", cfg.out.display()))?;
    let work = tempfile::tempdir()?;
    let start = tz()
        .from_local_datetime(&cfg.start.and_hms_opt(0, 0, 0).context("start")?)
        .single()
        .context("--start is not a clear local midnight")?
        .with_timezone(&Utc);
    let clock = Clock::seeded_at(start, cfg.seed);
    // This process is the simulation: its own thread sees the virtual time too.
    clock.install_on_this_thread();
    let mut seeds = StdRng::seed_from_u64(cfg.seed ^ 0x5eed_5eed);

    settings.database_url =
        crate::config::DatabaseUrl::new(work.path().join("simulation.db").display().to_string());
    settings.data_dir = Some(work.path().join("data"));
    settings.documents_dir = Some(work.path().join("documents"));
    settings.listen_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let secret: String = (0..48)
        .map(|_| char::from(b'a' + seeds.random_range(0..26u8)))
        .collect();
    settings.jwt_secret = Some(secrecy::SecretString::from(secret));
    settings.research_pseudonym_key = None;
    settings.documents_master_key = Some(secrecy::SecretString::from(hex::encode(
        seeds.random::<[u8; 32]>(),
    )));
    // The simulator drives the scheduler and dispatcher itself, hour by hour; one send at a
    // time keeps the order of the dispatcher's draws fixed.
    settings.reminders_enabled = false;
    settings.dispatch_concurrency = 1;
    settings.auth_rate_per_minute = 0;
    settings.smtp_host = None;
    settings.web_push_contact = None;
    settings.http_workers = Some(1);

    let recorder = Arc::new(PushRecorder::default());
    let app = Application::build_with(
        settings.clone(),
        clock.clone(),
        Some(Sender::Record(recorder.clone())),
    )
    .await?;
    let state = app.state.clone();
    let port = app.port();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let mut api = Api {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        base: format!("http://127.0.0.1:{port}"),
        requests: 0,
        refused: std::collections::BTreeMap::new(),
    };
    let mut summary = Summary {
        residents: cfg.residents,
        ..Default::default()
    };
    let result = simulate(
        &cfg,
        &mut api,
        &state,
        &recorder,
        &clock,
        &settings,
        &mut seeds,
        &mut summary,
    )
    .await;
    handle.stop(false).await;
    result?;
    summary.requests = api.requests;
    summary.refused_requests = api.refused.values().sum();
    summary.refused_by = std::mem::take(&mut api.refused);
    summary.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    std::fs::write(
        cfg.out.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn simulate(
    cfg: &SimConfig,
    api: &mut Api,
    state: &actix_web::web::Data<crate::startup::AppState>,
    recorder: &PushRecorder,
    clock: &Clock,
    settings: &Settings,
    seeds: &mut StdRng,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    use reqwest::Method;
    let mut now = clock.now();
    let password = |seeds: &mut StdRng| {
        format!(
            "simulatie wandelt langs de gracht {}",
            hex::encode(seeds.random::<[u8; 8]>())
        )
    };
    let admin_email = "admin@simulatie.invalid";
    let admin_password = password(seeds);
    crate::admin::create_admin(
        settings,
        admin_email,
        secrecy::SecretString::from(admin_password.clone()),
    )
    .await?;
    let mut admin = api.login(admin_email, &admin_password, now).await?;
    let teams_n = cfg.residents.div_ceil(TEAM_SIZE);
    summary.teams = teams_n;
    let policy = cfg.arm_policy()?;
    let mut teams = Vec::new();
    for t in 0..teams_n {
        let token = api.token(&mut admin, now).await?;
        let team = api
            .ok(
                Method::POST,
                "/v1/teams",
                Some(&token),
                Some(&json!({"name": format!("Simulatieteam {}", t + 1)})),
                &[],
            )
            .await?;
        let team_id = team["id"].as_str().context("team id")?.to_owned();
        api.ok(
            Method::PATCH,
            &format!("/v1/teams/{team_id}"),
            Some(&token),
            Some(&json!({"arm_policy": policy, "reminder_send_probability": cfg.reminder_probability})),
            &[],
        )
        .await?;
        let mut staff = Vec::new();
        for (role, name) in [("caseworker", "Casus"), ("volunteer", "Vrijwilliger")] {
            let email = format!("{role}{}@simulatie.invalid", t + 1);
            let secret = password(seeds);
            let mut body = json!({"email": email, "display_name": format!("{name} {}", t + 1), "role": role, "team_ids": [team_id], "password": secret});
            if role == "caseworker" {
                body["discipline"] = "generalist".into();
            }
            let user = api
                .ok(Method::POST, "/v1/users", Some(&token), Some(&body), &[])
                .await?;
            let id = user["id"].as_str().context("user id")?.to_owned();
            staff.push((id, api.login(&email, &secret, now).await?));
        }
        let (volunteer_id, volunteer) = staff.pop().context("volunteer")?;
        let (_, caseworker) = staff.pop().context("caseworker")?;
        teams.push(Team {
            id: team_id,
            caseworker,
            volunteer_id,
            volunteer,
        });
    }
    let researcher_secret = password(seeds);
    {
        let token = api.token(&mut admin, now).await?;
        api.ok(
            Method::POST,
            "/v1/users",
            Some(&token),
            Some(&json!({"email": "onderzoek@simulatie.invalid", "display_name": "Onderzoek", "role": "researcher", "team_ids": [], "password": researcher_secret})),
            &[],
        )
        .await?;
    }

    // Enrolment: evenly over the first four weeks (at most a third of the run), at 10:00.
    let enrol_days = (cfg.days / 3).clamp(1, 28);
    let enrol_at = |i: usize| -> i64 { (i as i64 * enrol_days) / cfg.residents as i64 };
    let conditions = [
        "renter",
        "rent_arrears",
        "energy_arrears",
        "has_allowances",
        "alimony",
        "childcare",
        "has_car",
        "administration",
        "employed",
        "co_residents",
        "children",
        "garnishment",
        "low_income",
        "refund_eligible",
    ];
    let mut residents: Vec<Resident> = Vec::new();
    let mut by_device: HashMap<String, usize> = HashMap::new();
    let mut by_plan: HashMap<String, usize> = HashMap::new();
    let mut truth_4h = Vec::new();
    let mut truth_24h = Vec::new();
    // Per resident: every decision point's time and chance to reach the phone.
    let mut history: Vec<Vec<(DateTime<Utc>, f64)>> = vec![Vec::new(); cfg.residents];
    let mut pending: Vec<PendingTruth> = Vec::new();
    let end = clock.now() + Duration::days(cfg.days);

    for hour in 0..cfg.days * 24 {
        now = clock.now();
        let local = now.with_timezone(&tz());
        let day = hour / 24;
        // 1. New residents of this day, in the morning conversation.
        if local.hour() == 10 {
            for i in residents.len()..cfg.residents {
                if enrol_at(i) != day {
                    break;
                }
                let mut rng = StdRng::seed_from_u64(seeds.random());
                let team = i / TEAM_SIZE;
                let cw = api.token(&mut teams[team].caseworker, now).await?;
                let made = api
                    .ok(
                        Method::POST,
                        "/v1/residents",
                        Some(&cw),
                        Some(&json!({"display_name": format!("Deelnemer {}", i + 1), "team_id": teams[team].id, "language": "nl"})),
                        &[],
                    )
                    .await?;
                let id = made["resident"]["id"]
                    .as_str()
                    .context("resident id")?
                    .to_owned();
                let code = made["activation"]["activation_code"]
                    .as_str()
                    .context("activation code")?
                    .to_owned();
                let intake: serde_json::Map<String, Value> = conditions
                    .iter()
                    .map(|c| ((*c).to_owned(), Value::Bool(rng.random_bool(0.35))))
                    .collect();
                let plan = api
                    .ok(
                        Method::POST,
                        &format!("/v1/residents/{id}/plans"),
                        Some(&cw),
                        Some(&json!({"intake": intake, "done_in_conversation": ["start.driegesprek"]})),
                        &[],
                    )
                    .await?;
                let plan_id = plan["id"].as_str().context("plan id")?.to_owned();
                let dosed = plan["arm"] == "dosed";
                let secret = pin(&mut rng);
                let v = api
                    .ok(
                        Method::POST,
                        "/v1/auth/activate",
                        None,
                        Some(&json!({"code": code, "pin": secret})),
                        &[],
                    )
                    .await?;
                let mut session = session_from(&v, "", &secret, now);
                let token = api.token(&mut session, now).await?;
                let device = format!("sim-device-{}", i + 1);
                api.ok(
                    Method::POST,
                    "/v1/me/devices",
                    Some(&token),
                    Some(&json!({"token": device, "platform": "android", "locale": "nl-NL", "app_version": "1.0.0"})),
                    &[],
                )
                .await?;
                let current = api
                    .ok(Method::GET, "/v1/me/steps/current", Some(&token), None, &[])
                    .await?;
                by_device.insert(device, i);
                by_plan.insert(plan_id.clone(), i);
                residents.push(Resident {
                    team,
                    plan_id,
                    dosed,
                    session,
                    open: open_steps(&current["steps"]),
                    present: true,
                    ended: false,
                    last_action: now,
                    boost_until: None,
                    rng,
                });
            }
        }

        // 2. The service's hour: the scheduler tick, then the dispatcher.
        let before: Vec<Option<DateTime<Utc>>> = residents.iter().map(|r| r.boost_until).collect();
        {
            let pool = state.pool.clone();
            let rules = state.rules.clone();
            crate::clock::block(clock, move || -> anyhow::Result<usize> {
                let mut conn = pool.get()?;
                Ok(crate::scheduler::run_tick(&mut conn, &rules)?)
            })
            .await??;
        }
        // The resident nudges due at this pass, per plan: the dispatcher decides them one
        // after another until one is sent (the cap defers the rest), so withholding one lets
        // the next in the queue be decided at once. The truth needs that queue.
        let queued = {
            let pool = state.pool.clone();
            let at = crate::db::stored(now);
            crate::clock::block(clock, move || -> anyhow::Result<HashMap<String, u32>> {
                let mut conn = pool.get()?;
                Ok(due_nudges(&mut conn, at)?)
            })
            .await??
        };
        state.dispatcher.run_until_idle().await?;
        for (at, msg) in recorder.take() {
            let Some(&i) = by_device.get(&msg.token) else {
                continue;
            };
            let kind = msg.data.get("kind").map(String::as_str).unwrap_or("");
            if kind.starts_with("appointment") || kind == "account" || kind == "document_question" {
                continue;
            }
            summary.reminders_delivered += 1;
            residents[i].boost_until = Some(at + Duration::hours(BOOST_HOURS));
        }
        // The decision points of this hour; their true effects once their windows have closed.
        let decisions = {
            let pool = state.pool.clone();
            let since = crate::db::stored(now);
            crate::clock::block(
                clock,
                move || -> anyhow::Result<Vec<crate::db::mrt::DecisionRow>> {
                    let mut conn = pool.get()?;
                    Ok(crate::db::mrt::list_since(&mut conn, since)?)
                },
            )
            .await??
        };
        // In resident order (a BTreeMap): the truth is a sum of floats, summed the same way each run.
        let mut decided: std::collections::BTreeMap<usize, (u32, u32, f64)> = Default::default();
        for d in &decisions {
            summary.decision_points += 1;
            let Some(&i) = by_plan.get(&d.plan_id) else {
                continue;
            };
            // What reaches the phone: an available point with its probability, a crisis
            // reminder always, the others (reminders off, no device) never.
            let reach = match (d.available, d.unavailable_reason.as_deref()) {
                (true, _) => d.probability.unwrap_or(0.0),
                (false, Some("crisis")) => 1.0,
                _ => 0.0,
            };
            history[i].push((now, reach));
            if d.available {
                summary.available_decision_points += 1;
                let e = decided.entry(i).or_default();
                e.0 += 1;
                e.1 += u32::from(d.send == Some(true));
                e.2 = d.probability.unwrap_or(0.0);
            }
        }
        for (&i, &(k, sent, p)) in &decided {
            // Withheld points come first in the queue, the sent one (if any) last.
            let due = queued
                .get(&residents[i].plan_id)
                .copied()
                .unwrap_or(0)
                .max(k);
            let r = &residents[i];
            let snapshot = Snapshot::of(cfg, r, now, before[i]);
            for position in 1..=k {
                let position = if position > k - sent { k } else { position };
                pending.push(PendingTruth {
                    resident: i,
                    at: now,
                    probability: p,
                    queue_after: due - position,
                    snapshot: snapshot.clone(),
                });
            }
        }
        // Windows that closed: 4 h and 24 h after the decision.
        pending.retain(|d| {
            let mut open = false;
            for (hours, truth) in [(4, &mut truth_4h), (24, &mut truth_24h)] {
                let closes = d.at + Duration::hours(hours);
                if closes > end {
                    continue;
                }
                if closes > now + Duration::hours(1) {
                    open = true;
                } else if closes > now {
                    truth.push(d.effect(hours, &history[d.resident]));
                }
            }
            open
        });

        // 3. Residents act at half past the hour.
        clock.set(now + Duration::minutes(30))?;
        let act_at = clock.now();
        for r in &mut residents {
            let h = hourly_completion(cfg, r, act_at, r.boost_until);
            let draw: f64 = r.rng.random();
            if h <= 0.0 {
                continue;
            }
            // `h` already leaves out the help requests; the action is one of the two.
            let Some(step) = r.open.iter().find(|s| !s.help_requested).cloned() else {
                continue;
            };
            let help = step.minutes >= 30 && draw >= h && draw < h / (1.0 - HELP_CHANCE);
            if draw >= h && !help {
                continue;
            }
            let token = api.token(&mut r.session, act_at).await?;
            r.last_action = act_at;
            if help {
                let reply = api
                    .call(
                        Method::POST,
                        &format!("/v1/me/steps/{}/help", step.id),
                        Some(&token),
                        None,
                        &[],
                    )
                    .await?;
                if reply.status < 300 {
                    summary.help_requests += 1;
                    if let Some(s) = r.open.iter_mut().find(|s| s.id == step.id) {
                        s.help_requested = true;
                    }
                }
                continue;
            }
            let reply = api
                .call(
                    Method::POST,
                    &format!("/v1/me/steps/{}/complete", step.id),
                    Some(&token),
                    Some(&json!({})),
                    &[],
                )
                .await?;
            if reply.status == 200 {
                summary.completions += 1;
                r.open = open_steps(&reply.body["current"]);
            } else {
                // Changed under the resident (handed over, verified): read the steps again.
                let current = api
                    .ok(Method::GET, "/v1/me/steps/current", Some(&token), None, &[])
                    .await?;
                r.open = open_steps(&current["steps"]);
            }
        }

        // 4. The night: some residents leave for good.
        if local.hour() == 3 {
            for r in residents.iter_mut().filter(|r| r.present && !r.ended) {
                let idle = (now - r.last_action).num_days() as f64;
                if r.rng
                    .random_bool((DROPOUT_DAILY * (1.0 + idle / 14.0)).min(1.0))
                {
                    r.present = false;
                    summary.residents_gone += 1;
                }
            }
        }
        let weekday = local.weekday().num_days_from_monday() as usize;
        // 5. Volunteers do what was handed to them (daily, 14:00).
        if local.hour() == 14 {
            for team in teams.iter_mut() {
                let token = api.token(&mut team.volunteer, act_at).await?;
                let assigned = api
                    .ok(
                        Method::GET,
                        "/v1/me/assigned-steps",
                        Some(&token),
                        None,
                        &[],
                    )
                    .await?;
                for a in assigned.as_array().cloned().unwrap_or_default() {
                    let step = &a["step"];
                    if step["status"] != "open" || !seeds.random_bool(VOLUNTEER_DAILY) {
                        continue;
                    }
                    let id = step["id"].as_str().unwrap_or_default();
                    if api.complete_step(id, &token).await? {
                        summary.volunteer_completions += 1;
                    }
                }
            }
        }
        // 6. Caseworkers on working days at 10:00: the worklist's long-inactive residents, and
        // the weekly review of a fifth of the plans.
        if local.hour() == 10 && weekday < 5 {
            for team in &mut teams {
                let token = api.token(&mut team.caseworker, act_at).await?;
                let mut next = Some("/v1/worklist?kind=inactive_21&limit=200".to_owned());
                let mut gone = Vec::new();
                while let Some(url) = next {
                    let list = api.ok(Method::GET, &url, Some(&token), None, &[]).await?;
                    for item in list["items"].as_array().cloned().unwrap_or_default() {
                        if let Some(&i) = item["plan_id"].as_str().and_then(|p| by_plan.get(p))
                            && !residents[i].present
                            && !residents[i].ended
                        {
                            gone.push(i);
                        }
                    }
                    next = list["next"]
                        .as_str()
                        .map(|c| format!("/v1/worklist?kind=inactive_21&limit=200&cursor={c}"));
                }
                gone.sort_unstable();
                gone.dedup();
                for i in gone {
                    if set_status(api, &token, &residents[i].plan_id, "dropped_out").await? {
                        residents[i].ended = true;
                        summary.dropped_out += 1;
                    }
                }
            }
            #[allow(clippy::needless_range_loop)] // `api` and `teams` are borrowed in the body
            for i in 0..residents.len() {
                if residents[i].ended || (i % 5) != weekday {
                    continue;
                }
                let team = residents[i].team;
                let token = api.token(&mut teams[team].caseworker, act_at).await?;
                let plan = api
                    .ok(
                        Method::GET,
                        &format!("/v1/plans/{}", residents[i].plan_id),
                        Some(&token),
                        None,
                        &[],
                    )
                    .await?;
                if plan["progress"]["ready_for_arrangement"] == true {
                    if set_status(api, &token, &residents[i].plan_id, "stabilised").await? {
                        residents[i].ended = true;
                        summary.stabilised += 1;
                    }
                    continue;
                }
                let mut changed = false;
                for step in plan["steps"].as_array().cloned().unwrap_or_default() {
                    if step["status"] != "open" {
                        continue;
                    }
                    let id = step["id"].as_str().unwrap_or_default();
                    if step["owner_type"] == "staff" && seeds.random_bool(STAFF_CHANCE) {
                        if api.complete_step(id, &token).await? {
                            summary.staff_completions += 1;
                            changed = true;
                        }
                    } else if step["owner_type"] == "resident"
                        && !step["help_requested_at"].is_null()
                    {
                        let etag = step["etag"].as_str().unwrap_or_default().to_owned();
                        let r = api
                            .call(
                                Method::PATCH,
                                &format!("/v1/steps/{id}"),
                                Some(&token),
                                Some(&json!({"owner": {"type": "volunteer", "user_id": teams[team].volunteer_id}})),
                                &[("if-match", &etag)],
                            )
                            .await?;
                        changed |= r.status == 200;
                    }
                }
                if changed && residents[i].present {
                    // What the resident's app shows after the caseworker's changes.
                    let r = &mut residents[i];
                    let token = api.token(&mut r.session, act_at).await?;
                    let current = api
                        .ok(Method::GET, "/v1/me/steps/current", Some(&token), None, &[])
                        .await?;
                    r.open = open_steps(&current["steps"]);
                }
            }
        }
        clock.set(now + Duration::hours(1))?;
    }

    // The researcher's exports, at the end of the last day.
    now = clock.now();
    {
        let pool = state.pool.clone();
        let rules = state.rules.clone();
        crate::clock::block(clock, move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            Ok(crate::scheduler::run_tick(&mut conn, &rules)?)
        })
        .await??;
    }
    let mut researcher = api
        .login("onderzoek@simulatie.invalid", &researcher_secret, now)
        .await?;
    let token = api.token(&mut researcher, now).await?;
    let plans = api.export_csv("/v1/research/plans", &token).await?;
    let decisions = api.export_csv("/v1/research/decisions", &token).await?;
    std::fs::write(cfg.out.join("plans.csv"), plans)?;
    std::fs::write(cfg.out.join("decisions.csv"), decisions)?;
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let truth = json!({
        "seed": cfg.seed,
        "residents": cfg.residents,
        "days": cfg.days,
        "arms": cfg.arms,
        "start": cfg.start,
        "reminder_probability": cfg.reminder_probability,
        "proximal_effect": cfg.proximal_effect,
        "arm_effect": cfg.arm_effect,
        "excursion_effect_4h": mean(&truth_4h),
        "excursion_effect_24h": mean(&truth_24h),
        "decision_points_in_truth_4h": truth_4h.len(),
        "model": {
            "base_daily": BASE_DAILY,
            "help_chance": HELP_CHANCE,
            "volunteer_daily": VOLUNTEER_DAILY,
            "staff_chance": STAFF_CHANCE,
            "dropout_daily": DROPOUT_DAILY,
            "boost_hours": BOOST_HOURS,
            "active_hours": [ACTIVE_HOURS.0, ACTIVE_HOURS.1],
            "team_size": TEAM_SIZE,
        },
    });
    std::fs::write(
        cfg.out.join("truth.json"),
        serde_json::to_string_pretty(&truth)?,
    )?;
    Ok(())
}

/// A request path without its query and with ids as `{id}`.
fn id_free(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|seg| {
            if seg.len() >= 16 && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Sets a plan's status (with its entity tag); false when the service refused.
async fn set_status(
    api: &mut Api,
    token: &str,
    plan_id: &str,
    status: &str,
) -> anyhow::Result<bool> {
    let plan = api
        .ok(
            reqwest::Method::GET,
            &format!("/v1/plans/{plan_id}"),
            Some(token),
            None,
            &[],
        )
        .await?;
    let etag = plan["etag"].as_str().unwrap_or_default().to_owned();
    let mut body = json!({"status": status});
    if status == "dropped_out" {
        body["outflow_reason"] = "no_contact".into();
    }
    let r = api
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/plans/{plan_id}"),
            Some(token),
            Some(&body),
            &[("if-match", &etag)],
        )
        .await?;
    Ok(r.status == 200)
}
