//! Database access: one connection type for SQLite and PostgreSQL, a pool, migrations, and
//! helpers for running queries off the async workers.

pub mod appointments;
pub mod audit;
pub mod backup;
pub mod checkpoint;
pub mod documents;
pub mod erasure;
pub mod idempotency;
pub mod issuing;
pub mod mrt;
pub mod notifications;
pub mod plans;
pub mod schema;
pub mod service_info;
pub mod tokens;
pub mod uploads;
pub mod users;
pub mod worklist;

use crate::config::{DatabaseUrl, Settings};
use crate::error::ApiError;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// One connection type for both backends; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs one diesel expression on the concrete connection inside a [`DbConn`]: the expression is
/// written once and compiled for each backend. Use it on hot paths. The derived
/// `MultiConnection` wraps every query in a `SerializedQuery` whose `walk_ast` renders the whole
/// SQL text on every AST pass, so a query whose prepared statement is cached is still rendered
/// twice per execution (safe-to-cache check and bind collection); on the current-step read that
/// was a sixth of the server's CPU (docs/benchmarks.md). Also needed where the MultiBackend
/// lacks a feature (`ON CONFLICT`).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Migrations for each backend; both folders hold the same version names.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

impl DbConn {
    /// The embedded migrations that fit this connection's backend.
    pub fn migrations(&self) -> EmbeddedMigrations {
        match self {
            DbConn::Pg(_) => PG_MIGRATIONS,
            DbConn::Sqlite(_) => SQLITE_MIGRATIONS,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbConn::Pg(_))
    }
}

/// Opens connections by URL scheme. Written by hand because diesel's stock manager for a
/// `MultiConnection` tries every backend and swallows the real error (e.g. a wrong password).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        if self.url.is_postgres() {
            let mut conn =
                PgConnection::establish(self.url.expose()).map_err(r2d2::Error::ConnectionError)?;
            // Our statements are short indexed lookups, prepared once per connection by
            // diesel's statement cache. PostgreSQL's default re-plans a prepared statement on
            // every execution when its generic plan looks costlier than the custom ones, and it
            // did so for the resident's hot queries: forcing the generic plan raised
            // `GET /v1/me/steps/current` from about 3,000 to 4,100 req/s (issue 7).
            conn.batch_execute("SET plan_cache_mode = force_generic_plan")
                .map_err(r2d2::Error::QueryError)?;
            Ok(DbConn::Pg(conn))
        } else {
            let mut conn = SqliteConnection::establish(self.url.sqlite_path())
                .map_err(r2d2::Error::ConnectionError)?;
            // busy_timeout makes a writer wait for the lock instead of failing at once. WAL
            // (readers beside the one writer) is a property of the file, set in `build_pool`,
            // which also starts the thread that checkpoints it (see `checkpoint`).
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
                 PRAGMA wal_autocheckpoint = {};",
                checkpoint::SAFETY_NET_PAGES
            ))
            .map_err(r2d2::Error::QueryError)?;
            Ok(DbConn::Sqlite(conn))
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// Checked when a connection goes back to the pool: one whose server went away (or that
    /// was left inside a failed transaction) is dropped, so a PostgreSQL restart or failover
    /// costs each pooled connection one failed request instead of failing until r2d2 retires
    /// it. Connections are not tested on checkout: that would be a round trip per request.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        let lost = CONNECTION_LOST.with(|lost| lost.replace(false));
        lost || match conn {
            DbConn::Pg(c) => c.is_broken(),
            DbConn::Sqlite(c) => c.is_broken(),
        }
    }
}

thread_local! {
    /// Set when a query on this thread found its connection closed; read (and cleared) by
    /// `has_broken` when the connection is returned, which happens on the same thread.
    static CONNECTION_LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that the connection in use on this thread was found closed (see `has_broken`).
pub(crate) fn note_connection_lost() {
    CONNECTION_LOST.with(|lost| lost.set(true));
}

/// The connection pool, with an admission gate in front of it.
///
/// [`run`] takes a gate permit *before* it hands work to a blocking thread, so at most as many
/// closures run as there are connections. Without it, 64 concurrent requests meant 64 blocking
/// threads parked on r2d2's mutex and condvar for eight connections: on two cores about a fifth
/// of the CPU went to futex wake-ups and context switches (measured with `perf`, issue 7).
/// Waiting for a permit costs an async task nothing.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager>,
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    wait: Duration,
    /// The application's clock, in scope around every closure [`run`] hands to a blocking thread.
    clock: crate::clock::Clock,
    /// SQLite: the background checkpoint thread, stopped with the last handle.
    _checkpointer: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

impl DbPool {
    /// The application's clock.
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// This pool with `clock` as the application's clock.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    fn new(
        pool: Pool<ConnectionManager>,
        wait: Duration,
        checkpointer: Option<checkpoint::Checkpointer>,
    ) -> Self {
        let permits = pool.max_size() as usize;
        Self {
            pool,
            gate: std::sync::Arc::new(tokio::sync::Semaphore::new(permits)),
            wait,
            clock: crate::clock::Clock::system(),
            _checkpointer: checkpointer.map(std::sync::Arc::new),
        }
    }
}

pub type PooledConn = PooledConnection<ConnectionManager>;

/// Builds the pool. For SQLite it first switches the file to WAL once, from one connection:
/// pooled connections racing to switch it would meet "database is locked".
pub fn build_pool(settings: &Settings) -> Result<DbPool, anyhow::Error> {
    let mut checkpointer = None;
    if !settings.database_url.is_postgres() {
        let path = settings.database_url.sqlite_path();
        let mut conn = SqliteConnection::establish(path).map_err(|e| {
            anyhow::anyhow!("DATABASE_URL: cannot open the SQLite file {path}: {e}")
        })?;
        conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        checkpointer = Some(checkpoint::start(path)?);
    }
    let manager = ConnectionManager::new(settings.database_url.clone());
    let size = if settings.database_url.is_postgres() {
        settings.db_pool_size
    } else {
        // SQLite has one writer at a time; a few readers beside it are plenty.
        settings.db_pool_size.min(8)
    };
    let pool = Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(settings.db_pool_timeout)
        .test_on_check_out(false)
        .build_unchecked(manager);
    Ok(DbPool::new(pool, settings.db_pool_timeout, checkpointer))
}

/// Runs every pending migration for the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, anyhow::Error> {
    let migrations = conn.migrations();
    let applied = conn
        .run_pending_migrations(migrations)
        .map_err(|e| anyhow::anyhow!("running migrations failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Checks a connection out of the pool; an exhausted or unreachable database answers 503.
pub fn checkout(pool: &DbPool) -> Result<PooledConn, ApiError> {
    pool.get().map_err(|e| {
        tracing::warn!(error = %e, "database connection unavailable");
        unavailable()
    })
}

fn unavailable() -> ApiError {
    ApiError::Unavailable {
        detail: crate::i18n::Msg::DatabaseUnavailable,
        retry_after_secs: 2,
    }
}

/// Runs `f` with a pooled connection on actix's blocking thread pool, never on an async worker.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let permit = match tokio::time::timeout(pool.wait, pool.gate.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            tracing::warn!("database busy: no connection within the pool timeout");
            return Err(unavailable());
        }
    };
    let clock = pool.clock.clone();
    let pool = pool.pool.clone();
    crate::clock::block(&clock, move || {
        let _permit = permit;
        let mut conn = pool.get().map_err(|e| {
            tracing::warn!(error = %e, "database connection unavailable");
            unavailable()
        })?;
        f(&mut conn)
    })
    .await?
}

/// Serialises this process's SQLite write transactions (see [`write_tx`]).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in a write transaction. On SQLite the transaction starts `IMMEDIATE`, so it holds
/// the write lock from its first statement and two writers can never both read-then-write the
/// same rows; on PostgreSQL callers lock the rows they change (`lock_*` functions).
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // SQLite has one writer. Writers of this process queue on an in-process lock (woken on
    // release) instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms
    // and lets a waiting writer lose the lock again and again (second-long tails under load).
    let _writer = match conn {
        DbConn::Sqlite(c) => {
            let guard = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(guard)
        }
        DbConn::Pg(c) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::begin_transaction(c)?;
            None
        }
    };
    type Tm = <DbConn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            <Tm as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // The original error matters more than a failed rollback.
            let _ = <Tm as TransactionManager<DbConn>>::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// The current instant as stored: UTC, truncated to microseconds (PostgreSQL's precision).
pub fn now() -> NaiveDateTime {
    stored(crate::clock::now())
}

/// An instant as stored: UTC, truncated to microseconds.
pub fn stored(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

/// A stored UTC timestamp as an API instant.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// A new opaque id (UUID v7: time-ordered, so inserts stay index-friendly).
pub fn new_id() -> String {
    crate::clock::new_id().to_string()
}

/// A pool timeout to use in readiness checks.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled SQLite must carry the options of `.cargo/config.toml` (without QPSG every
    /// `.first()` is re-prepared on each call; see docs/benchmarks.md). Building outside this
    /// repository's cargo configuration loses them silently; this test notices.
    #[test]
    fn bundled_sqlite_has_the_measured_compile_options() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        for option in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
            let used: i32 = diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
                &format!("sqlite_compileoption_used('{option}')"),
            ))
            .get_result(&mut conn)
            .unwrap();
            assert_eq!(used, 1, "SQLite built without {option}");
        }
    }
}
