//! The `stapvoorstap` binary: parses the command line and hands settings to the library.

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use stapvoorstap::config::Settings;
use stapvoorstap::startup::Application;
use stapvoorstap::{api, db, telemetry};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "stapvoorstap",
    version,
    about = "Stap voor Stap: step-by-step debt-help service"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API (the default).
    Serve {
        /// Seed demo accounts and plans (once; refuses a database with real data) and print
        /// how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Re-wrap every document's data key under the current DOCUMENTS_MASTER_KEY (after a
    /// rotation; the old key must be in DOCUMENTS_OLD_KEYS). Blobs are not rewritten.
    RewrapDocuments,
    /// Copy the SQLite database to PATH (a new file) while the service keeps running. For
    /// PostgreSQL it names pg_dump and point-in-time recovery instead, and exits non-zero.
    Backup {
        /// Where the copy goes; an existing file is never replaced.
        path: std::path::PathBuf,
    },
    /// Run a synthetic cohort through the service on a virtual clock and write the research
    /// exports (plans.csv, decisions.csv) with the run's truth (truth.json) into --out.
    Simulate(stapvoorstap::simulate::SimConfig),
    /// Create an admin (coordinator) account. The password comes from ADMIN_PASSWORD or is
    /// asked on the terminal without echo.
    CreateAdmin {
        /// Sign-in email of the new admin.
        #[arg(long)]
        email: String,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let arenas = stapvoorstap::memory::limit_malloc_arenas();
    let cli = Cli::parse();
    let mut settings = cli.settings;
    if matches!(cli.command, Some(Command::Simulate(_))) && std::env::var_os("RUST_LOG").is_none() {
        // A simulation makes thousands of requests; their log lines would drown its report.
        settings.rust_log = "warn".into();
    }
    if let Err(msg) = settings.check() {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    if let Err(msg) = telemetry::init(&settings.rust_log, settings.log_format) {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    if let Some(n) = arenas {
        tracing::debug!(arenas = n, "malloc arenas limited");
    }
    let result = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::Migrate => migrate(settings),
        Command::Openapi => print_openapi(),
        Command::RewrapDocuments => rewrap_documents(&settings),
        Command::Backup { path } => backup(&settings, &path),
        Command::CreateAdmin { email } => create_admin(&settings, &email).await,
        Command::Simulate(cfg) => simulate(settings, cfg).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    if demo {
        let pool = app.state.pool.clone();
        let known = stapvoorstap::demo::check_database(&pool)?;
        let port = app.port();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let text = match known {
            Some(text) => text,
            None => stapvoorstap::demo::seed(&settings, &pool, port).await?,
        };
        println!("{text}\n{}", stapvoorstap::demo::docs_line(&settings, port));
        server.await??;
    } else {
        app.run_until_stopped().await?;
    }
    tracing::info!("stopped");
    Ok(())
}

fn migrate(settings: Settings) -> anyhow::Result<()> {
    let pool = db::build_pool(&settings)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    println!("applied {} migration(s)", applied.len());
    Ok(())
}

fn rewrap_documents(settings: &Settings) -> anyhow::Result<()> {
    let documents = stapvoorstap::documents::Documents::from_settings(settings)?;
    let pool = db::build_pool(settings)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let n = documents.rewrap_all(&mut conn)?;
    println!(
        "re-wrapped {n} document key(s) under master key {}",
        documents.keys.current_id()
    );
    Ok(())
}

async fn create_admin(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let password = match std::env::var("ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let first = rpassword::prompt_password("Password for the new admin: ")?;
            let second = rpassword::prompt_password("Repeat the password: ")?;
            if first != second {
                anyhow::bail!("the two passwords differ");
            }
            first
        }
    };
    let id =
        stapvoorstap::admin::create_admin(settings, email, SecretString::from(password)).await?;
    println!("created admin {email} ({id})");
    Ok(())
}

async fn simulate(
    settings: Settings,
    cfg: stapvoorstap::simulate::SimConfig,
) -> anyhow::Result<()> {
    let out = cfg.out.clone();
    let summary = stapvoorstap::simulate::run(settings, cfg).await?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    println!("exports written to {}", out.display());
    Ok(())
}

fn backup(settings: &Settings, path: &std::path::Path) -> anyhow::Result<()> {
    let report = db::backup::backup(&settings.database_url, path)?;
    println!(
        "backed up {} to {} ({} bytes, integrity check ok)",
        report.source.display(),
        report.target.display(),
        report.bytes
    );
    Ok(())
}

fn print_openapi() -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&api::openapi())?);
    Ok(())
}
