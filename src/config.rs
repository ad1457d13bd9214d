//! Settings: one typed value built from environment variables and flags, passed down explicitly.

use clap::{Args, ValueEnum};
use secrecy::SecretString;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Where document blobs are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentStoreKind {
    /// A folder (DOCUMENTS_DIR): one instance.
    Folder,
    /// S3-compatible object storage: several instances.
    S3,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (default port 587).
    Starttls,
    /// TLS from the first byte ("SMTPS", default port 465).
    Tls,
    /// No encryption (default port 25): only for a relay on the same host or a test server.
    None,
}

/// A database URL. Its `Debug`/`Display` hide any password it contains.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, for opening connections only. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether this URL points to PostgreSQL (otherwise it is a SQLite file path).
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The SQLite file path, with an optional `sqlite://` prefix removed.
    pub fn sqlite_path(&self) -> &str {
        self.0.strip_prefix("sqlite://").unwrap_or(&self.0)
    }

    /// The URL with the password (if any) replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        if !self.is_postgres() {
            return self.0.clone();
        }
        // postgres://user:password@host/db → postgres://user:***@host/db
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &self.0[scheme_end + 3..at];
                match userinfo.find(':') {
                    Some(colon) => format!(
                        "{}{}:***{}",
                        &self.0[..scheme_end + 3],
                        &userinfo[..colon],
                        &self.0[at..]
                    ),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        Ok(Self(s.to_owned()))
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (use a form such as 30s, 15m, 7d)"))
}

/// Half the cores, at least one: each hash takes a core for tens of milliseconds, and the
/// benchmark showed reads staying fast during a login flood only with a core left for them.
fn default_hash_concurrency() -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    u32::try_from((cores / 2).max(1)).unwrap_or(1)
}

fn parse_quiet(s: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    crate::domain::reminders::parse_quiet_hours(s)
}

fn parse_clock(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("{s:?} is not a time HH:MM (e.g. 07:30)"))
}

fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("unknown time zone {s:?} (use an IANA name such as Europe/Amsterdam)"))
}

fn parse_secret(s: &str) -> Result<SecretString, String> {
    check_secret(s)?;
    Ok(SecretString::from(s.to_owned()))
}

/// Secrets that are public because they appeared in this repository (compose file, examples,
/// tests, benchmarks): anyone who read them could sign tokens for a service that used them.
/// Tests set their secret in code, past this check.
const PUBLIC_SECRETS: &[&str] = &[
    "change-me-to-a-long-random-secret-of-32+chars",
    "test-secret-that-is-long-enough-for-hs256-0123456789",
    "bench-secret-that-is-long-enough-for-hs256-0123456789",
    "another-secret-that-is-long-enough-000000",
];

/// Words that mark a placeholder rather than a chosen secret.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "replaceme",
    "yoursecret",
    "mysecret",
    "secretkey",
    "example",
    "placeholder",
    "password",
    "notasecret",
];

/// Refuses a signing secret that is short, public or a placeholder, or that has too little
/// variety to be random (one character repeated, a short pattern repeated). The message says
/// what is wrong; clap prefixes it with the variable's name. Hand-written: the rules are about
/// this project's own history, and no crate knows that.
pub fn check_secret(s: &str) -> Result<(), String> {
    const HOW: &str = "generate one with `openssl rand -hex 32`";
    if s.chars().count() < 32 {
        return Err(format!("must be at least 32 characters; {HOW}"));
    }
    if PUBLIC_SECRETS.contains(&s) {
        return Err(format!(
            "is a value published in this project's repository and known to anyone; {HOW}"
        ));
    }
    let squashed: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| squashed.contains(*w)) {
        return Err(format!(
            "looks like a placeholder (contains {word:?}); {HOW}"
        ));
    }
    let chars: Vec<char> = s.chars().collect();
    let distinct = chars
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let repeats = (1..=chars.len() / 2)
        .any(|p| chars.len().is_multiple_of(p) && chars.chunks(p).all(|c| c == &chars[..p]));
    if distinct < 8 || repeats {
        return Err(format!("has too little variety to be random; {HOW}"));
    }
    Ok(())
}

/// All settings of the service. Every field can be set by flag or by environment variable;
/// an invalid value stops start-up with a message naming the variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: a PostgreSQL URL (`postgres://…`) or a SQLite file path (optionally `sqlite://…`).
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "stapvoorstap.db",
        global = true
    )]
    pub database_url: DatabaseUrl,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "DB_POOL_SIZE", value_name = "DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub db_pool_size: u32,

    /// How long a request waits for a free database connection before failing with 503.
    #[arg(long, env = "DB_POOL_TIMEOUT", value_name = "DB_POOL_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub db_pool_timeout: Duration,

    /// Address and port the HTTP server listens on (port 0 picks a free port).
    #[arg(
        long,
        env = "LISTEN_ADDR",
        value_name = "LISTEN_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen_addr: SocketAddr,

    /// Number of HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", value_name = "HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,

    /// Log filter in `tracing` syntax, e.g. `info` or `stapvoorstap=debug,actix_web=info`.
    #[arg(
        long,
        env = "RUST_LOG",
        value_name = "RUST_LOG",
        default_value = "info",
        global = true
    )]
    pub rust_log: String,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_name = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Secret for signing access tokens (at least 32 random characters; public, placeholder and
    /// patterned values are refused). When unset, one is generated once and kept in a file in
    /// the data directory.
    #[arg(long, env = "JWT_SECRET", value_name = "JWT_SECRET", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub jwt_secret: Option<SecretString>,

    /// Directory for files the service keeps itself (the generated JWT secret). Default: the
    /// directory of the SQLite database, or the working directory on PostgreSQL.
    #[arg(long, env = "DATA_DIR", value_name = "DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Lifetime of an access token (at most 15 minutes).
    #[arg(long, env = "ACCESS_TOKEN_TTL", value_name = "ACCESS_TOKEN_TTL", default_value = "15m", value_parser = parse_duration, global = true)]
    pub access_token_ttl: Duration,

    /// Absolute lifetime of a refresh-token family (a login session).
    #[arg(long, env = "REFRESH_TOKEN_TTL", value_name = "REFRESH_TOKEN_TTL", default_value = "30d", value_parser = parse_duration, global = true)]
    pub refresh_token_ttl: Duration,

    /// How long after a refresh token was used a retry with the same token (its answer lost on
    /// a bad connection) gets the same new pair instead of ending the session as token theft
    /// (0 turns the grace off; at most 5 minutes).
    #[arg(long, env = "REFRESH_REUSE_GRACE", value_name = "REFRESH_REUSE_GRACE", default_value = "30s", value_parser = parse_duration, global = true)]
    pub refresh_reuse_grace: Duration,

    /// How long after an activation the same code with the same PIN (or password) still signs
    /// in, for a phone whose first answer was lost (0 turns it off; at most 1 hour). A
    /// different PIN is refused; a replaced or expired code never works.
    #[arg(long, env = "ACTIVATION_RETRY_WINDOW", value_name = "ACTIVATION_RETRY_WINDOW", default_value = "15m", value_parser = parse_duration, global = true)]
    pub activation_retry_window: Duration,

    /// How long the answer to a write sent with an `Idempotency-Key` is kept for replay; older
    /// ones are pruned by the scheduler tick (1 minute to 30 days).
    #[arg(long, env = "IDEMPOTENCY_TTL", value_name = "IDEMPOTENCY_TTL", default_value = "24h", value_parser = parse_duration, global = true)]
    pub idempotency_ttl: Duration,

    /// How long a resident's activation code stays valid.
    #[arg(long, env = "ACTIVATION_CODE_TTL", value_name = "ACTIVATION_CODE_TTL", default_value = "14d", value_parser = parse_duration, global = true)]
    pub activation_code_ttl: Duration,

    /// How many password/PIN hashes may run at once (each uses ~19 MiB and one core);
    /// default: half the cores, at least one.
    #[arg(long, env = "HASH_CONCURRENCY", value_name = "HASH_CONCURRENCY", default_value_t = default_hash_concurrency(), value_parser = clap::value_parser!(u32).range(1..=64), global = true)]
    pub hash_concurrency: u32,

    /// How long a login waits for a hashing slot before it is refused with 503 + Retry-After.
    #[arg(long, env = "HASH_QUEUE_TIMEOUT", value_name = "HASH_QUEUE_TIMEOUT", default_value = "2s", value_parser = parse_duration, global = true)]
    pub hash_queue_timeout: Duration,

    /// Requests per minute one client address may make to `/v1/auth/*` (0 disables the limit).
    #[arg(
        long,
        env = "AUTH_RATE_PER_MINUTE",
        value_name = "AUTH_RATE_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub auth_rate_per_minute: u32,

    /// Google service-account JSON for FCM. Without it, pushes are written to the log.
    #[arg(
        long,
        env = "FCM_SERVICE_ACCOUNT_FILE",
        value_name = "FCM_SERVICE_ACCOUNT_FILE",
        global = true
    )]
    pub fcm_service_account_file: Option<PathBuf>,

    /// FCM endpoint (tests point it at a local server).
    #[arg(long, env = "FCM_BASE_URL", value_name = "FCM_BASE_URL", default_value = crate::push::fcm::DEFAULT_BASE_URL, global = true)]
    pub fcm_base_url: String,

    /// Contact URI (`mailto:` or `https:`) sent to browsers' push services with every Web
    /// Push message (RFC 8292 VAPID `sub`). Standard Web Push to the resident app is on only
    /// when this is set.
    #[arg(
        long,
        env = "WEB_PUSH_CONTACT",
        value_name = "WEB_PUSH_CONTACT",
        global = true
    )]
    pub web_push_contact: Option<String>,

    /// VAPID private key (base64url of a 32-byte P-256 key). Unset: one is generated and kept
    /// in `DATA_DIR/web-push-key`; several instances must share it (set it, or share DATA_DIR).
    #[arg(
        long,
        env = "WEB_PUSH_PRIVATE_KEY",
        value_name = "WEB_PUSH_PRIVATE_KEY",
        hide_env_values = true,
        global = true
    )]
    pub web_push_private_key: Option<SecretString>,

    /// Push services a browser subscription may point at (comma-separated origins; `*.` for
    /// subdomains). Nothing is ever sent to another address.
    #[arg(long, env = "WEB_PUSH_ALLOWED_ORIGINS", value_name = "WEB_PUSH_ALLOWED_ORIGINS", default_value = crate::push::webpush::DEFAULT_ALLOWED_ORIGINS, global = true)]
    pub web_push_allowed_origins: String,

    /// How often the reminder scheduler and dispatcher run.
    #[arg(long, env = "REMINDER_TICK", value_name = "REMINDER_TICK", default_value = "30s", value_parser = parse_duration, global = true)]
    pub reminder_tick: Duration,

    /// How long before a due date the "due soon" reminder comes.
    #[arg(long, env = "REMINDER_DUE_SOON_BEFORE", value_name = "REMINDER_DUE_SOON_BEFORE", default_value = "1d", value_parser = parse_duration, global = true)]
    pub reminder_due_soon_before: Duration,

    /// Local hour (0–23, the resident's time zone) of the reminder the day before an appointment.
    #[arg(long, env = "APPOINTMENT_REMINDER_DAY_BEFORE_HOUR", value_name = "APPOINTMENT_REMINDER_DAY_BEFORE_HOUR", default_value_t = 18, value_parser = clap::value_parser!(u32).range(0..=23), global = true)]
    pub appointment_reminder_day_before_hour: u32,

    /// How long before an appointment the short "soon" reminder comes (`0s`: none).
    #[arg(long, env = "APPOINTMENT_REMINDER_BEFORE", value_name = "APPOINTMENT_REMINDER_BEFORE", default_value = "2h", value_parser = parse_duration, global = true)]
    pub appointment_reminder_before: Duration,

    /// Inactivity after which the resident gets one gentle nudge.
    #[arg(long, env = "REMINDER_INACTIVITY_AFTER", value_name = "REMINDER_INACTIVITY_AFTER", default_value = "7d", value_parser = parse_duration, global = true)]
    pub reminder_inactivity_after: Duration,

    /// Inactivity after which the caseworker is told and the resident is on the worklist.
    #[arg(long, env = "REMINDER_ESCALATE_AFTER", value_name = "REMINDER_ESCALATE_AFTER", default_value = "14d", value_parser = parse_duration, global = true)]
    pub reminder_escalate_after: Duration,

    /// Inactivity after which the plan is flagged as dropout risk (no more nudges).
    #[arg(long, env = "REMINDER_AT_RISK_AFTER", value_name = "REMINDER_AT_RISK_AFTER", default_value = "21d", value_parser = parse_duration, global = true)]
    pub reminder_at_risk_after: Duration,

    /// Default quiet hours (local time) in which no reminder reaches a resident.
    #[arg(long, env = "QUIET_HOURS", value_name = "QUIET_HOURS", default_value = "21:00-08:00", value_parser = parse_quiet, global = true)]
    pub quiet_hours: (chrono::NaiveTime, chrono::NaiveTime),

    /// Default maximum reminders per resident per local day (crisis and account messages aside).
    #[arg(long, env = "REMINDER_DAILY_CAP", value_name = "REMINDER_DAILY_CAP", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=24), global = true)]
    pub reminder_daily_cap: u32,

    /// Default maximum reminders per resident per 7 days.
    #[arg(long, env = "REMINDER_WEEKLY_CAP", value_name = "REMINDER_WEEKLY_CAP", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    pub reminder_weekly_cap: u32,

    /// Default time zone of residents (due dates, quiet hours).
    #[arg(long, env = "TIMEZONE", value_name = "TIMEZONE", default_value = "Europe/Amsterdam", value_parser = parse_tz, global = true)]
    pub timezone: chrono_tz::Tz,

    /// Pushes in flight at once per instance.
    #[arg(long, env = "DISPATCH_CONCURRENCY", value_name = "DISPATCH_CONCURRENCY", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024), global = true)]
    pub dispatch_concurrency: u32,

    /// Reminders one instance claims at a time.
    #[arg(long, env = "DISPATCH_BATCH", value_name = "DISPATCH_BATCH", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10000), global = true)]
    pub dispatch_batch: u32,

    /// How long a claim holds; a crashed instance's claims are taken over after it.
    #[arg(long, env = "DISPATCH_LEASE", value_name = "DISPATCH_LEASE", default_value = "60s", value_parser = parse_duration, global = true)]
    pub dispatch_lease: Duration,

    /// Attempts before a reminder is given up (`dead`).
    #[arg(long, env = "DISPATCH_MAX_ATTEMPTS", value_name = "DISPATCH_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50), global = true)]
    pub dispatch_max_attempts: u32,

    /// Key for the stable research pseudonyms (default: derived from the JWT secret; checked like
    /// JWT_SECRET). Keep it when rotating JWT_SECRET, or pseudonyms change between exports.
    #[arg(long, env = "RESEARCH_PSEUDONYM_KEY", value_name = "RESEARCH_PSEUDONYM_KEY", value_parser = parse_secret, hide_env_values = true, global = true)]
    pub research_pseudonym_key: Option<SecretString>,

    /// Personal data of residents whose plans all ended longer ago than this is erased.
    #[arg(long, env = "RETENTION_AFTER_CLOSE", value_name = "RETENTION_AFTER_CLOSE", default_value = "730d", value_parser = parse_duration, global = true)]
    pub retention_after_close: Duration,

    /// How long a request's body may take to arrive, from the end of its headers; a slower or
    /// stalled body gets 408 and the connection is closed.
    #[arg(long, env = "REQUEST_BODY_TIMEOUT", value_name = "REQUEST_BODY_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub request_body_timeout: Duration,

    /// How long a client may take to send a request's headers (408 and close after it).
    #[arg(long, env = "REQUEST_HEAD_TIMEOUT", value_name = "REQUEST_HEAD_TIMEOUT", default_value = "5s", value_parser = parse_duration, global = true)]
    pub request_head_timeout: Duration,

    /// Send `Strict-Transport-Security` with this max-age (e.g. `365d`). Set it only when every
    /// client reaches the service over HTTPS (a TLS proxy in front); unset: not sent.
    #[arg(long, env = "HSTS_MAX_AGE", value_name = "HSTS_MAX_AGE", value_parser = parse_duration, global = true)]
    pub hsts_max_age: Option<Duration>,
    /// Where documents are stored: `folder` (under DOCUMENTS_DIR) or `s3`.
    #[arg(long, env = "DOCUMENTS_STORE", value_name = "DOCUMENTS_STORE", value_enum, default_value_t = DocumentStoreKind::Folder, global = true)]
    pub documents_store: DocumentStoreKind,

    /// Folder of the `folder` store (default: `documents` in the data directory).
    #[arg(
        long,
        env = "DOCUMENTS_DIR",
        value_name = "DOCUMENTS_DIR",
        global = true
    )]
    pub documents_dir: Option<PathBuf>,

    /// Bucket of the `s3` store.
    #[arg(
        long,
        env = "DOCUMENTS_S3_BUCKET",
        value_name = "DOCUMENTS_S3_BUCKET",
        global = true
    )]
    pub documents_s3_bucket: Option<String>,

    /// Endpoint of an S3-compatible server (e.g. `http://127.0.0.1:9000`); unset for AWS.
    #[arg(
        long,
        env = "DOCUMENTS_S3_ENDPOINT",
        value_name = "DOCUMENTS_S3_ENDPOINT",
        global = true
    )]
    pub documents_s3_endpoint: Option<String>,

    /// Region of the bucket.
    #[arg(
        long,
        env = "DOCUMENTS_S3_REGION",
        value_name = "DOCUMENTS_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub documents_s3_region: String,

    /// Access key id for the bucket (unset: the usual AWS_* environment variables).
    #[arg(
        long,
        env = "DOCUMENTS_S3_ACCESS_KEY_ID",
        value_name = "DOCUMENTS_S3_ACCESS_KEY_ID",
        global = true
    )]
    pub documents_s3_access_key_id: Option<String>,

    /// Secret access key for the bucket.
    #[arg(
        long,
        env = "DOCUMENTS_S3_SECRET_ACCESS_KEY",
        value_name = "DOCUMENTS_S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub documents_s3_secret_access_key: Option<SecretString>,

    /// Master key that wraps every document's data key: 32 bytes as 64 hex digits or base64.
    /// When unset, one is generated once and kept in the data directory.
    #[arg(
        long,
        env = "DOCUMENTS_MASTER_KEY",
        value_name = "DOCUMENTS_MASTER_KEY",
        hide_env_values = true,
        global = true
    )]
    pub documents_master_key: Option<SecretString>,

    /// Earlier master keys (comma-separated), still used to read documents wrapped by them.
    #[arg(
        long,
        env = "DOCUMENTS_OLD_KEYS",
        value_name = "DOCUMENTS_OLD_KEYS",
        hide_env_values = true,
        global = true
    )]
    pub documents_old_keys: Option<SecretString>,

    /// Largest accepted document, in bytes (as sent).
    #[arg(long, env = "DOCUMENTS_MAX_FILE_BYTES", value_name = "DOCUMENTS_MAX_FILE_BYTES", default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024), global = true)]
    pub documents_max_file_bytes: u64,

    /// Most bytes of documents one plan may hold (as stored).
    #[arg(long, env = "DOCUMENTS_MAX_PLAN_BYTES", value_name = "DOCUMENTS_MAX_PLAN_BYTES", default_value_t = 100 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..), global = true)]
    pub documents_max_plan_bytes: u64,

    /// Largest photo decoded, in pixels (bounds the memory of one decode).
    #[arg(long, env = "DOCUMENTS_MAX_PIXELS", value_name = "DOCUMENTS_MAX_PIXELS", default_value_t = 40_000_000, value_parser = clap::value_parser!(u64).range(1..=200_000_000), global = true)]
    pub documents_max_pixels: u64,

    /// How long an unfinished resumable (tus) upload is kept after its last piece arrived;
    /// then it is deleted with its pieces.
    #[arg(long, env = "DOCUMENTS_UPLOAD_TTL", value_name = "DOCUMENTS_UPLOAD_TTL", default_value = "24h", value_parser = parse_duration, global = true)]
    pub documents_upload_ttl: Duration,

    /// SMTP server for staff e-mail (the daily digest and crisis alerts). Unset: no e-mail
    /// is sent at all.
    #[arg(long, env = "SMTP_HOST", value_name = "SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,

    /// SMTP port (default: 587 with `starttls`, 465 with `tls`, 25 with `none`).
    #[arg(long, env = "SMTP_PORT", value_name = "SMTP_PORT", value_parser = clap::value_parser!(u16).range(1..), global = true)]
    pub smtp_port: Option<u16>,

    /// `starttls` (required STARTTLS), `tls` (implicit TLS) or `none` (local relay or test).
    #[arg(long, env = "SMTP_TLS", value_name = "SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls, global = true)]
    pub smtp_tls: SmtpTls,

    /// SMTP user name (with SMTP_PASSWORD); unset: no authentication.
    #[arg(
        long,
        env = "SMTP_USERNAME",
        value_name = "SMTP_USERNAME",
        global = true
    )]
    pub smtp_username: Option<String>,

    /// SMTP password.
    #[arg(
        long,
        env = "SMTP_PASSWORD",
        value_name = "SMTP_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub smtp_password: Option<SecretString>,

    /// Sender of staff e-mail, e.g. `Stap voor Stap <noreply@gemeente.example>`.
    #[arg(
        long,
        env = "MAIL_FROM",
        value_name = "MAIL_FROM",
        default_value = "Stap voor Stap <noreply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Local time (TIMEZONE) of the daily worklist e-mail to caseworkers, `HH:MM`.
    #[arg(long, env = "DIGEST_TIME", value_name = "DIGEST_TIME", default_value = "07:30", value_parser = parse_clock, global = true)]
    pub digest_time: chrono::NaiveTime,

    /// Send the daily worklist e-mail (needs SMTP_HOST).
    #[arg(long, env = "DIGEST_ENABLED", value_name = "DIGEST_ENABLED", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub digest_enabled: bool,

    /// E-mail the team's caseworkers at once when a crisis step opens (needs SMTP_HOST).
    #[arg(long, env = "CRISIS_MAIL_ENABLED", value_name = "CRISIS_MAIL_ENABLED", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub crisis_mail_enabled: bool,

    /// The address people reach this service at (e.g. `https://stapvoorstap.gemeente.example`),
    /// for links in e-mail (`PUBLIC_URL/console/`). Default: `http://LISTEN_ADDR`.
    #[arg(long, env = "PUBLIC_URL", value_name = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Run the reminder scheduler and dispatcher in this instance.
    #[arg(long, env = "REMINDERS_ENABLED", value_name = "REMINDERS_ENABLED", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub reminders_enabled: bool,
}

impl Settings {
    /// Settings for tests and tools: every default, the given database.
    pub fn for_database(database_url: DatabaseUrl) -> Self {
        Self {
            database_url,
            db_pool_size: 10,
            db_pool_timeout: Duration::from_secs(5),
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            http_workers: None,
            rust_log: "info".into(),
            log_format: LogFormat::Text,
            jwt_secret: None,
            data_dir: None,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            activation_code_ttl: Duration::from_secs(14 * 24 * 3600),
            refresh_reuse_grace: Duration::from_secs(30),
            activation_retry_window: Duration::from_secs(15 * 60),
            idempotency_ttl: Duration::from_secs(24 * 3600),
            hash_concurrency: 2,
            hash_queue_timeout: Duration::from_secs(2),
            auth_rate_per_minute: 30,
            fcm_service_account_file: None,
            fcm_base_url: crate::push::fcm::DEFAULT_BASE_URL.into(),
            web_push_contact: None,
            web_push_private_key: None,
            web_push_allowed_origins: crate::push::webpush::DEFAULT_ALLOWED_ORIGINS.into(),
            reminder_tick: Duration::from_secs(30),
            reminder_due_soon_before: Duration::from_secs(24 * 3600),
            appointment_reminder_day_before_hour: 18,
            appointment_reminder_before: Duration::from_secs(2 * 3600),
            reminder_inactivity_after: Duration::from_secs(7 * 24 * 3600),
            reminder_escalate_after: Duration::from_secs(14 * 24 * 3600),
            reminder_at_risk_after: Duration::from_secs(21 * 24 * 3600),
            quiet_hours: (
                crate::domain::reminders::DEFAULT_QUIET_START,
                crate::domain::reminders::DEFAULT_QUIET_END,
            ),
            reminder_daily_cap: 1,
            reminder_weekly_cap: 3,
            timezone: chrono_tz::Europe::Amsterdam,
            dispatch_concurrency: 64,
            dispatch_batch: 200,
            dispatch_lease: Duration::from_secs(60),
            dispatch_max_attempts: 8,
            reminders_enabled: true,
            retention_after_close: Duration::from_secs(730 * 24 * 3600),
            research_pseudonym_key: None,
            request_body_timeout: Duration::from_secs(10),
            request_head_timeout: Duration::from_secs(5),
            hsts_max_age: None,
            documents_store: DocumentStoreKind::Folder,
            documents_dir: None,
            documents_s3_bucket: None,
            documents_s3_endpoint: None,
            documents_s3_region: "us-east-1".into(),
            documents_s3_access_key_id: None,
            documents_s3_secret_access_key: None,
            documents_master_key: None,
            documents_old_keys: None,
            documents_max_file_bytes: 10 * 1024 * 1024,
            documents_max_plan_bytes: 100 * 1024 * 1024,
            documents_max_pixels: 40_000_000,
            documents_upload_ttl: Duration::from_secs(24 * 3600),
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            mail_from: "Stap voor Stap <noreply@localhost>".into(),
            digest_time: chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default(),
            digest_enabled: true,
            crisis_mail_enabled: true,
            public_url: None,
        }
    }

    /// Checks that cross several fields; returns a message naming the variable.
    pub fn check(&self) -> Result<(), String> {
        if self.access_token_ttl > Duration::from_secs(15 * 60) || self.access_token_ttl.is_zero() {
            return Err("ACCESS_TOKEN_TTL must be between 1s and 15m".into());
        }
        if self.refresh_reuse_grace > Duration::from_secs(300) {
            return Err("REFRESH_REUSE_GRACE must be at most 5m".into());
        }
        if self.activation_retry_window > Duration::from_secs(3600) {
            return Err("ACTIVATION_RETRY_WINDOW must be at most 1h".into());
        }
        if !(Duration::from_secs(60)..=Duration::from_secs(30 * 24 * 3600))
            .contains(&self.idempotency_ttl)
        {
            return Err("IDEMPOTENCY_TTL must be between 1m and 30d".into());
        }
        if self.refresh_token_ttl < self.access_token_ttl {
            return Err("REFRESH_TOKEN_TTL must be longer than ACCESS_TOKEN_TTL".into());
        }
        if !(self.reminder_inactivity_after < self.reminder_escalate_after
            && self.reminder_escalate_after < self.reminder_at_risk_after)
        {
            return Err("REMINDER_INACTIVITY_AFTER < REMINDER_ESCALATE_AFTER < REMINDER_AT_RISK_AFTER must hold".into());
        }
        if self.request_body_timeout.is_zero() || self.request_head_timeout.is_zero() {
            return Err("REQUEST_BODY_TIMEOUT and REQUEST_HEAD_TIMEOUT must be more than 0".into());
        }
        if self.documents_store == DocumentStoreKind::S3 && self.documents_s3_bucket.is_none() {
            return Err("DOCUMENTS_S3_BUCKET must be set when DOCUMENTS_STORE=s3".into());
        }
        if self.smtp_username.is_some() != self.smtp_password.is_some() {
            return Err("SMTP_USERNAME and SMTP_PASSWORD go together: set both or neither".into());
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err("PUBLIC_URL must start with https:// (or http://)".into());
        }
        if self.reminder_tick.is_zero() {
            return Err("REMINDER_TICK must be more than 0".into());
        }
        Ok(())
    }

    /// The address for links in e-mail, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen_addr),
        }
    }

    /// Directory for the service's own files.
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        if !self.database_url.is_postgres() {
            let path = std::path::Path::new(self.database_url.sqlite_path());
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                return parent.to_path_buf();
            }
        }
        PathBuf::from(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_hides_password() {
        let url: DatabaseUrl = "postgres://app:s3cret@db:5432/svs".parse().unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/svs");
        assert!(!format!("{url:?}").contains("s3cret"));
        let sqlite: DatabaseUrl = "sqlite://data/x.db".parse().unwrap();
        assert_eq!(sqlite.sqlite_path(), "data/x.db");
        assert!(!sqlite.is_postgres());
    }

    #[test]
    fn public_weak_and_placeholder_secrets_are_refused() {
        for public in PUBLIC_SECRETS {
            let err = check_secret(public).unwrap_err();
            assert!(
                err.contains("published") || err.contains("placeholder"),
                "{public}: {err}"
            );
        }
        assert!(check_secret("short").unwrap_err().contains("32 characters"));
        assert!(
            check_secret(&"k".repeat(40))
                .unwrap_err()
                .contains("variety")
        );
        assert!(
            check_secret(&"abcdefgh".repeat(5))
                .unwrap_err()
                .contains("variety")
        );
        assert!(check_secret("ababababababababababababababababab").is_err());
        assert!(
            check_secret("please-change-me-before-going-live-0042")
                .unwrap_err()
                .contains("placeholder")
        );
        assert!(check_secret("our-jwt-secret-key-for-production-2026").is_err());
        // Real random values pass: hex from `openssl rand -hex 16` and `-hex 32`, base64.
        check_secret("9f86d081884c7d659a2feaa0c55ad015").unwrap();
        check_secret("3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b").unwrap();
        check_secret("q8Vn2R+Lx0eKz4WmT7yHc1sJdP9uFbAg").unwrap();
    }

    #[test]
    fn the_flag_parser_names_the_variable() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let err = Cli::try_parse_from([
            "x",
            "--jwt-secret",
            "change-me-to-a-long-random-secret-of-32+chars",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("JWT_SECRET"), "{err}");
        let err = Cli::try_parse_from(["x", "--research-pseudonym-key", &"a".repeat(32)])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("RESEARCH_PSEUDONYM_KEY"), "{err}");
    }
}
