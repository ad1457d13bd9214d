//! `serve --demo`: seeds a demo team with staff, a volunteer and two residents whose plans are
//! in different stages, through the service's own HTTP API, and prints how to sign in.
//!
//! Seeding goes through the API (not straight into tables) so the demo shows exactly what real
//! clients get, and so it cannot drift from the rules the API enforces.

use crate::config::Settings;
use crate::db::{DbPool, service_info, users};
use anyhow::{Context, bail};
use secrecy::SecretString;
use serde_json::{Value, json};

const DEMO_KEY: &str = "demo_credentials";
/// Every demo account's password (residents use the PIN). Public on purpose: demo data only.
pub const DEMO_PASSWORD: &str = "stap voor stap demo 2026";
pub const DEMO_PIN: &str = "48213";

/// Refuses a database that holds anything but demo data; returns the stored credentials text
/// when the demo was seeded before.
pub fn check_database(pool: &DbPool) -> anyhow::Result<Option<String>> {
    let mut conn = pool.get()?;
    if let Some(text) = service_info::find_value(&mut conn, DEMO_KEY)? {
        return Ok(Some(text));
    }
    if !users::list_staff(&mut conn, None)?.is_empty() {
        bail!(
            "--demo refuses to run on a database that holds real (non-demo) data; use an empty DATABASE_URL"
        );
    }
    Ok(None)
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("demo seeding: {path} answered {status}: {value}");
        }
        Ok(value)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    async fn login(&self, username: &str, password: &str) -> anyhow::Result<String> {
        let v = self
            .post(
                "/v1/auth/login",
                None,
                json!({"username": username, "password": password}),
            )
            .await?;
        Ok(v["access_token"].as_str().context("no token")?.to_owned())
    }
}

/// Seeds the demo through the running API at `port`; returns the text to print.
pub async fn seed(settings: &Settings, pool: &DbPool, port: u16) -> anyhow::Result<String> {
    let admin_email = "admin@demo.stapvoorstap.nl";
    crate::admin::create_admin(
        settings,
        admin_email,
        SecretString::from(DEMO_PASSWORD.to_owned()),
    )
    .await?;
    let c = Client {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}"),
    };
    let admin = c.login(admin_email, DEMO_PASSWORD).await?;
    let team = c
        .post("/v1/teams", Some(&admin), json!({"name": "Buurtteam Demo"}))
        .await?;
    let team_id = team["id"].as_str().context("team id")?.to_owned();
    let staff = [
        (
            "sanne@demo.stapvoorstap.nl",
            "Sanne de Vries",
            "caseworker",
            Some("generalist"),
        ),
        (
            "mohamed@demo.stapvoorstap.nl",
            "Mohamed Bakker",
            "caseworker",
            Some("specialist"),
        ),
        ("els@demo.stapvoorstap.nl", "Els Jansen", "volunteer", None),
    ];
    let mut ids = Vec::new();
    for (email, name, role, discipline) in staff {
        let mut body = json!({"email": email, "display_name": name, "role": role, "team_ids": [team_id], "password": DEMO_PASSWORD});
        if let Some(d) = discipline {
            body["discipline"] = d.into();
        }
        let v = c.post("/v1/users", Some(&admin), body).await?;
        ids.push(v["id"].as_str().context("user id")?.to_owned());
    }
    let caseworker = c.login("sanne@demo.stapvoorstap.nl", DEMO_PASSWORD).await?;
    let mut residents = Vec::new();
    for (name, intake, dose, steps_done) in [
        (
            "Fatima",
            json!({"renter": true, "has_allowances": true, "children": true}),
            1,
            0,
        ),
        ("Joris", json!({"renter": true, "garnishment": true}), 2, 6),
    ] {
        let created = c
            .post(
                "/v1/residents",
                Some(&caseworker),
                json!({"display_name": name, "team_id": team_id}),
            )
            .await?;
        let resident_id = created["resident"]["id"]
            .as_str()
            .context("resident id")?
            .to_owned();
        let login = created["activation"]["login_name"]
            .as_str()
            .context("login")?
            .to_owned();
        let code = created["activation"]["activation_code"]
            .as_str()
            .context("code")?
            .to_owned();
        let activated = c
            .post(
                "/v1/auth/activate",
                None,
                json!({"code": code, "pin": DEMO_PIN}),
            )
            .await?;
        let token = activated["access_token"]
            .as_str()
            .context("token")?
            .to_owned();
        c.post(
            &format!("/v1/residents/{resident_id}/plans"),
            Some(&caseworker),
            json!({"intake": intake, "dose": dose}),
        )
        .await?;
        for i in 0..steps_done {
            let current = c
                .call(
                    reqwest::Method::GET,
                    "/v1/me/steps/current",
                    Some(&token),
                    None,
                )
                .await?;
            let Some(step) = current["steps"].get(0).and_then(|s| s["id"].as_str()) else {
                break;
            };
            let mut req = c
                .http
                .post(format!("{}/v1/me/steps/{step}/complete", c.base))
                .bearer_auth(&token);
            req = req.header("Idempotency-Key", format!("demo-{name}-{i}"));
            req.send().await?.error_for_status()?;
        }
        residents.push((name, login));
    }
    let mut text = String::from("Demo data (do not use for real residents):\n");
    text.push_str(&format!("  admin       {admin_email} / {DEMO_PASSWORD}\n"));
    text.push_str(&format!(
        "  generalist  sanne@demo.stapvoorstap.nl / {DEMO_PASSWORD}\n"
    ));
    text.push_str(&format!(
        "  specialist  mohamed@demo.stapvoorstap.nl / {DEMO_PASSWORD}\n"
    ));
    text.push_str(&format!(
        "  volunteer   els@demo.stapvoorstap.nl / {DEMO_PASSWORD}\n"
    ));
    for (name, login) in &residents {
        text.push_str(&format!(
            "  resident    {login} / PIN {DEMO_PIN}  ({name})\n"
        ));
    }
    let mut conn = pool.get()?;
    service_info::upsert_value(&mut conn, DEMO_KEY, &text)?;
    Ok(text)
}

/// The docs address to print.
pub fn docs_line(settings: &Settings, port: u16) -> String {
    format!(
        "Try it: http://{}:{port}/docs (sign in with POST /v1/auth/login, then Authorize with the access token)",
        settings.listen_addr.ip()
    )
}
