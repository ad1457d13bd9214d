//! SQLite WAL checkpoints off the request path.
//!
//! By default SQLite checkpoints inside the commit that pushes the write-ahead log past 1,000
//! pages: that request copies the log into the database file and waits for an `fsync`, all
//! while it holds the single write lock, so every writer queued behind it waits too (about 7 %
//! of the CPU of a completion and its slowest answers, issue 7). Here one background thread with
//! its own connection runs `PASSIVE` checkpoints, which neither block nor wait for readers or
//! the writer; the pool's connections only checkpoint themselves as a safety net, should the log
//! ever grow past [`SAFETY_NET_PAGES`] (the thread stopped or cannot keep up).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How soon the thread checkpoints again while writes come in. Many small checkpoints beat
/// few large ones: each ends in an `fsync` whose writeback the writer then waits behind. In the
/// issue-7 benchmark (SQLite, completions at 200/s, p99): 2 s 169-171 ms, 250 ms 70-214 ms,
/// 50 ms 20-89 ms, 20 ms 11-20 ms, 5 ms 8-9 ms; throughput at 64 connections did not drop.
const ACTIVE_INTERVAL: Duration = Duration::from_millis(5);

/// How often the thread looks once writes have stopped (an idle server).
const IDLE_INTERVAL: Duration = Duration::from_millis(250);

/// How long without writes before the thread slows to [`IDLE_INTERVAL`].
const QUIET_AFTER: Duration = Duration::from_secs(2);

/// Log size (pages) at which a committing connection checkpoints itself after all: 40 MiB at
/// 4 KiB pages, far above what a round of [`ACTIVE_INTERVAL`] leaves behind.
pub const SAFETY_NET_PAGES: u32 = 10_000;

/// Stops the checkpoint thread when the last pool handle is dropped.
#[derive(Debug)]
pub struct Checkpointer {
    _stop: Sender<()>,
}

#[derive(QueryableByName)]
struct CheckpointResult {
    #[diesel(sql_type = Integer)]
    busy: i32,
    #[diesel(sql_type = Integer)]
    log: i32,
    #[diesel(sql_type = Integer)]
    checkpointed: i32,
}

/// Starts the checkpoint thread for the SQLite file at `path`.
pub fn start(path: &str) -> anyhow::Result<Checkpointer> {
    let mut conn = SqliteConnection::establish(path)
        .map_err(|e| anyhow::anyhow!("checkpointer: cannot open the SQLite file: {e}"))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let mut wait = IDLE_INTERVAL;
            let mut last_log = 0;
            let mut last_work = Instant::now();
            // Ends when every `Checkpointer` (the sender) is gone.
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                wait = match run_once(&mut conn) {
                    Ok(r) => {
                        if has_work(last_log, &r) {
                            last_work = Instant::now();
                        }
                        last_log = r.log;
                        next_wait(last_work.elapsed())
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite checkpoint failed");
                        IDLE_INTERVAL
                    }
                };
            }
        })?;
    Ok(Checkpointer { _stop: stop })
}

/// Whether a round found something to do: the log changed since the last round, still holds
/// frames not yet copied, or another checkpoint was running.
fn has_work(last_log: i32, r: &CheckpointResult) -> bool {
    r.busy != 0 || (r.log > 0 && (r.log != last_log || r.checkpointed < r.log))
}

/// The pause before the next round, given how long ago a round last found something to do. Between
/// two completions at 200/s several 5 ms rounds find nothing; falling back to the idle pace at
/// once then let a quarter-second of writes pile up into one large checkpoint (measured), so the
/// thread stays quick until writes have stopped for [`QUIET_AFTER`].
fn next_wait(quiet_for: Duration) -> Duration {
    if quiet_for < QUIET_AFTER {
        ACTIVE_INTERVAL
    } else {
        IDLE_INTERVAL
    }
}

/// One `PASSIVE` checkpoint: copies what it can without waiting for anyone.
fn run_once(conn: &mut SqliteConnection) -> QueryResult<CheckpointResult> {
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_follow_the_writes_and_rest_when_there_are_none() {
        let r = |busy, log, checkpointed| CheckpointResult {
            busy,
            log,
            checkpointed,
        };
        assert!(!has_work(0, &r(0, 0, 0)), "empty log");
        assert!(has_work(0, &r(0, 75, 75)), "new frames");
        assert!(has_work(75, &r(0, 150, 90)), "frames left");
        assert!(!has_work(75, &r(0, 75, 75)), "nothing new");
        assert!(has_work(300, &r(0, 30, 30)), "log restarted");
        assert!(has_work(75, &r(1, 75, 75)), "another checkpoint");
        assert_eq!(next_wait(Duration::ZERO), ACTIVE_INTERVAL);
        assert_eq!(
            next_wait(QUIET_AFTER / 2),
            ACTIVE_INTERVAL,
            "a pause between writes"
        );
        assert_eq!(next_wait(QUIET_AFTER), IDLE_INTERVAL, "writes have stopped");
    }

    #[test]
    fn background_thread_copies_the_log_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let path = path.to_str().unwrap();
        let mut w = SqliteConnection::establish(path).unwrap();
        w.batch_execute(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = {SAFETY_NET_PAGES};
             CREATE TABLE t (x TEXT);"
        ))
        .unwrap();
        for _ in 0..200 {
            w.batch_execute("INSERT INTO t VALUES (hex(randomblob(2000)))")
                .unwrap();
        }
        let mut probe = SqliteConnection::establish(path).unwrap();
        let before = run_once(&mut probe).unwrap();
        assert_eq!(before.log, before.checkpointed, "nothing else was running");
        for _ in 0..200 {
            w.batch_execute("INSERT INTO t VALUES (hex(randomblob(2000)))")
                .unwrap();
        }
        let handle = start(path).unwrap();
        // The thread's first round copies the new frames into the database file.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let n: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT COUNT(*) FROM t")
                .get_result(&mut probe)
                .unwrap();
            assert_eq!(n, 400);
            let pages_in_file = std::fs::metadata(path).unwrap().len() / 4096;
            if pages_in_file > 300 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the background checkpoint never copied the log"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(handle);
    }
}
