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
use std::time::Duration;

/// How often the thread checkpoints when the last round found little to do.
const INTERVAL: Duration = Duration::from_millis(250);

/// Log size (pages) at which a committing connection checkpoints itself after all: 40 MiB at
/// 4 KiB pages, far above what a round of [`INTERVAL`] leaves behind.
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
            let mut wait = INTERVAL;
            // Ends when every `Checkpointer` (the sender) is gone.
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                wait = match run_once(&mut conn) {
                    // Most of the log was still in use by readers or a writer appended more
                    // meanwhile: come back soon rather than a full interval later.
                    Ok(r) if r.busy == 0 && r.log - r.checkpointed > 1_000 => {
                        Duration::from_millis(20)
                    }
                    Ok(_) => INTERVAL,
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite checkpoint failed");
                        INTERVAL
                    }
                };
            }
        })?;
    Ok(Checkpointer { _stop: stop })
}

/// One `PASSIVE` checkpoint: copies what it can without waiting for anyone.
fn run_once(conn: &mut SqliteConnection) -> QueryResult<CheckpointResult> {
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

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
