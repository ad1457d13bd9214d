//! Benchmark population and access tokens (issue 7).
//!
//! ```sh
//! bench_seed seed   DATABASE_URL OUT_DIR [RESIDENTS]   # once per database, then writes tokens
//! bench_seed tokens DATABASE_URL OUT_DIR               # fresh tokens + current step ids
//! ```
//!
//! `seed` starts the real application in-process on a free port, creates an admin, a team, a
//! caseworker and one prototype resident whose plan is made through the API
//! (`POST /v1/residents/{id}/plans`, default template). It then clones that plan's steps for
//! `RESIDENTS` residents (default 10,000) straight into the database through the library, and
//! issues each plan's first step(s) with the service's own dosing code
//! (`db::issuing::issue_ready_steps`, which also writes the reminder rows), as a caseworker
//! would. One Argon2 PIN hash (PIN [`PIN`]) is shared by every resident so seeding is fast.
//!
//! `tokens` signs a 15-minute access token per resident with `JWT_SECRET` (the server's; it must
//! be set) and writes, in `OUT_DIR`:
//! `tokens.txt` (one token a line), `complete.txt` ("token step_id" for every resident with an
//! open step of their own) and `logins.txt` (one login name a line).

use anyhow::{Context, bail};
use diesel::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use stapvoorstap::auth::jwt::JwtKeys;
use stapvoorstap::config::Settings;
use stapvoorstap::db::plans::{self, StepRow};
use stapvoorstap::db::schema::{plans as plans_t, steps as steps_t, users as users_t};
use stapvoorstap::db::{self, DbConn, service_info, users};
use stapvoorstap::domain::kinds::Role;
use stapvoorstap::startup::Application;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Every benchmark resident's PIN.
pub const PIN: &str = "482913";
const ADMIN_EMAIL: &str = "admin@bench.stapvoorstap.example";
const CASEWORKER_EMAIL: &str = "caseworker@bench.stapvoorstap.example";
const STAFF_PASSWORD: &str = "Bench-Staff-Passw0rd-2026!";
const SEED_KEY: &str = "bench_seed";
/// Residents per write transaction while cloning.
const CHUNK: usize = 200;

/// The benchmark server's `JWT_SECRET` (`benches/run.sh` makes a random one per run).
fn secret() -> SecretString {
    SecretString::from(std::env::var("JWT_SECRET").expect("set JWT_SECRET (benches/run.sh does)"))
}

fn settings_for(url: &str, out: &Path) -> anyhow::Result<Settings> {
    let mut settings = Settings::for_database(url.parse().map_err(|e| anyhow::anyhow!("{e}"))?);
    settings.jwt_secret = Some(secret());
    settings.auth_rate_per_minute = 0;
    settings.reminders_enabled = false;
    settings.data_dir = Some(out.to_path_buf());
    Ok(settings)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        bail!("usage: bench_seed seed|tokens DATABASE_URL OUT_DIR [RESIDENTS]");
    }
    let out = PathBuf::from(&args[3]);
    std::fs::create_dir_all(&out)?;
    let settings = settings_for(&args[2], &out)?;
    match args[1].as_str() {
        "seed" => {
            let n: usize = match args.get(4) {
                Some(v) => v.parse().context("RESIDENTS must be a number")?,
                None => 10_000,
            };
            seed(&settings, n).await?;
            tokens(&settings, &out)
        }
        "tokens" => tokens(&settings, &out),
        other => bail!("unknown command {other}"),
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let v: Value = res.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status}: {v}");
        }
        Ok(v)
    }

    async fn login(&self, user: &str, password: &str) -> anyhow::Result<String> {
        let v = self
            .post(
                "/v1/auth/login",
                None,
                json!({"username": user, "password": password}),
            )
            .await?;
        Ok(v["access_token"]
            .as_str()
            .context("access_token")?
            .to_owned())
    }
}

fn str_of(v: &Value, key: &str) -> anyhow::Result<String> {
    Ok(v[key]
        .as_str()
        .with_context(|| format!("{key} missing in {v}"))?
        .to_owned())
}

async fn seed(settings: &Settings, n: usize) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}", app.port()),
    };
    let state = app.state.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let pool = state.pool.clone();
    {
        let mut conn = pool.get()?;
        if let Some(v) = service_info::find_value(&mut conn, SEED_KEY)? {
            println!("already seeded ({v}); only writing tokens");
            return Ok(());
        }
    }
    let started = Instant::now();
    stapvoorstap::admin::create_admin(
        settings,
        ADMIN_EMAIL,
        SecretString::from(STAFF_PASSWORD.to_owned()),
    )
    .await?;
    let admin = api.login(ADMIN_EMAIL, STAFF_PASSWORD).await?;
    let team = api
        .post(
            "/v1/teams",
            Some(&admin),
            json!({"name": "Buurtteam Bench"}),
        )
        .await?;
    let team_id = str_of(&team, "id")?;
    let cw = api
        .post(
            "/v1/users",
            Some(&admin),
            json!({"email": CASEWORKER_EMAIL, "display_name": "Bench Caseworker",
                   "role": "caseworker", "discipline": "generalist",
                   "team_ids": [team_id], "password": STAFF_PASSWORD}),
        )
        .await?;
    let cw_id = str_of(&cw, "id")?;
    let cw_token = api.login(CASEWORKER_EMAIL, STAFF_PASSWORD).await?;
    let proto = api
        .post(
            "/v1/residents",
            Some(&cw_token),
            json!({"display_name": "Prototype", "team_id": team_id}),
        )
        .await?;
    let proto_id = str_of(&proto["resident"], "id")?;
    let plan = api
        .post(
            &format!("/v1/residents/{proto_id}/plans"),
            Some(&cw_token),
            json!({"intake": {"renter": true, "has_allowances": true}}),
        )
        .await?;
    let proto_plan = str_of(&plan, "id")?;
    let pin_hash = state
        .hasher
        .hash(SecretString::from(PIN.to_owned()))
        .await
        .map_err(|e| anyhow::anyhow!("hashing the PIN: {e:?}"))?;

    let rules = state.rules.clone();
    let settings = settings.clone();
    actix_web::web::block(move || -> anyhow::Result<()> {
        let mut conn = pool.get()?;
        let proto_plan = plans::find_plan(&mut conn, &proto_plan)?.context("prototype plan")?;
        let proto_steps: Vec<StepRow> = plans::list_steps(&mut conn, &proto_plan.id)?
            .into_iter()
            .map(|mut s| {
                if s.status == "open" {
                    s.status = "planned".into();
                    s.issued_at = None;
                }
                s
            })
            .collect();
        println!(
            "prototype plan has {} steps; cloning it for {n} residents ({})",
            proto_steps.len(),
            if settings.database_url.is_postgres() {
                "postgres"
            } else {
                "sqlite"
            }
        );
        let today = chrono::Utc::now().date_naive();
        let mut done = 0;
        while done < n {
            let upto = (done + CHUNK).min(n);
            db::write_tx(&mut conn, |conn| -> anyhow::Result<()> {
                for i in done..upto {
                    clone_resident(
                        conn,
                        i,
                        &team_id,
                        &cw_id,
                        &pin_hash,
                        &proto_plan.template_id,
                        &proto_steps,
                        today,
                        &rules,
                    )?;
                }
                Ok(())
            })?;
            done = upto;
            if done.is_multiple_of(2000) || done == n {
                println!(
                    "  {done} residents ({:.1}s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        service_info::upsert_value(&mut conn, SEED_KEY, &n.to_string())?;
        if let DbConn::Pg(c) = &mut *conn {
            // What autovacuum would do soon after a bulk load: statistics, and the visibility
            // map that lets index-only scans skip the heap.
            diesel::sql_query("VACUUM ANALYZE").execute(c)?;
        }
        Ok(())
    })
    .await??;
    println!(
        "seeded {n} residents in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn clone_resident(
    conn: &mut DbConn,
    i: usize,
    team_id: &str,
    cw_id: &str,
    pin_hash: &str,
    template_id: &str,
    proto: &[StepRow],
    today: chrono::NaiveDate,
    rules: &stapvoorstap::scheduler::ReminderRules,
) -> anyhow::Result<()> {
    let t = db::now();
    let uid = db::new_id();
    let login = format!("bench{i:05}");
    let name = format!("Bewoner {i}");
    users::insert_user(
        conn,
        &users::NewUser {
            id: &uid,
            role: "resident",
            display_name: &name,
            email: None,
            login_name: Some(&login),
            discipline: None,
            team_id: Some(team_id),
            language: if i.is_multiple_of(5) { "en" } else { "nl" },
            password_hash: Some(pin_hash),
            failed_logins: 0,
            created_by: Some(cw_id),
            created_at: t,
            updated_at: t,
        },
    )?;
    let pid = db::new_id();
    let plan = plans::insert_plan(
        conn,
        &pid,
        &uid,
        team_id,
        template_id,
        1,
        "{}",
        cw_id,
        today,
    )?;
    let ids: HashMap<&str, String> = proto
        .iter()
        .map(|s| (s.id.as_str(), db::new_id()))
        .collect();
    let rows: Vec<StepRow> = proto
        .iter()
        .map(|s| {
            let mut r = s.clone();
            r.id = ids[s.id.as_str()].clone();
            r.plan_id = pid.clone();
            let deps: Vec<String> = s
                .dependency_ids()
                .iter()
                .filter_map(|d| ids.get(d.as_str()).cloned())
                .collect();
            r.depends_on = serde_json::to_string(&deps).unwrap_or_else(|_| "[]".into());
            r.created_at = t;
            r.updated_at = t;
            r
        })
        .collect();
    match conn {
        DbConn::Pg(c) => {
            diesel::insert_into(steps_t::table)
                .values(&rows)
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::insert_into(steps_t::table)
                .values(&rows)
                .execute(c)?;
        }
    }
    plans::insert_event(
        conn,
        &pid,
        None,
        stapvoorstap::domain::kinds::EventKind::PlanCreated,
        Some(cw_id),
        Some("caseworker"),
        t,
        None,
    )?;
    stapvoorstap::scheduler::touch_activity(conn, rules, &pid)?;
    stapvoorstap::db::issuing::issue_ready_steps(conn, &plan, rules)?;
    Ok(())
}

fn tokens(settings: &Settings, out: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let pool = db::build_pool(settings)?;
    let mut conn = pool.get()?;
    let residents: Vec<(String, Option<String>)> = users_t::table
        .filter(users_t::login_name.like("bench%"))
        .select((users_t::id, users_t::login_name))
        .order(users_t::login_name.asc())
        .load(&mut *conn)?;
    let open: Vec<(String, String)> = steps_t::table
        .inner_join(plans_t::table.on(plans_t::id.eq(steps_t::plan_id)))
        .filter(plans_t::status.eq("active"))
        .filter(steps_t::status.eq("open"))
        .filter(steps_t::owner_type.eq("resident"))
        .select((plans_t::resident_id, steps_t::id))
        .load(&mut *conn)?;
    let mut open_by_user: BTreeMap<String, String> = BTreeMap::new();
    for (user, step) in open {
        open_by_user.entry(user).or_insert(step);
    }
    // Every authenticated request checks its sign-in session (issue 17.4): give each resident a
    // live one, as a sign-in would, so the tokens below pass that check.
    let expires = db::now() + chrono::Duration::days(1);
    db::write_tx(&mut conn, |conn| -> anyhow::Result<()> {
        use stapvoorstap::db::schema::refresh_tokens as rt;
        diesel::delete(rt::table.filter(rt::family_id.like("bench-session-%"))).execute(conn)?;
        for (id, _) in &residents {
            db::tokens::insert_refresh_token(
                conn,
                id,
                &format!("bench-session-{id}"),
                &format!("bench-unused-{id}"),
                expires,
            )?;
        }
        Ok(())
    })?;
    let keys = JwtKeys::new(&secret(), Duration::from_secs(15 * 60));
    let mut tok = std::io::BufWriter::new(std::fs::File::create(out.join("tokens.txt"))?);
    let mut comp = std::io::BufWriter::new(std::fs::File::create(out.join("complete.txt"))?);
    let mut logins = std::io::BufWriter::new(std::fs::File::create(out.join("logins.txt"))?);
    let mut with_step = 0;
    for (id, login) in &residents {
        let token = keys.issue(id, Role::Resident, &format!("bench-session-{id}"))?;
        writeln!(tok, "{token}")?;
        if let Some(login) = login {
            writeln!(logins, "{login}")?;
        }
        if let Some(step) = open_by_user.get(id) {
            writeln!(comp, "{token} {step}")?;
            with_step += 1;
        }
    }
    tok.flush()?;
    comp.flush()?;
    logins.flush()?;
    println!(
        "tokens: {} residents, {with_step} with an open step of their own ({:.1}s)",
        residents.len(),
        started.elapsed().as_secs_f64()
    );
    if residents.is_empty() {
        bail!("no benchmark residents: run `bench_seed seed` first");
    }
    Ok(())
}
