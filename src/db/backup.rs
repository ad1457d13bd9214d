//! `stapvoorstap backup PATH`: a consistent copy of the embedded SQLite database, taken while
//! the service keeps running.
//!
//! SQLite's `VACUUM INTO` writes the database as one read transaction sees it: every
//! transaction committed before it started is in the copy, none that commits later is, and
//! writers carry on meanwhile (WAL lets them). The copy is written under a temporary name in the
//! target's folder, checked with `PRAGMA integrity_check`, flushed to disk and only then given
//! its name, so a copy that exists is a whole one; an existing file is never replaced.
//! PostgreSQL has its own tools (`pg_dump`, continuous archiving), which this command names.

use crate::config::DatabaseUrl;
use anyhow::{Context, bail};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use std::path::{Path, PathBuf};

/// What a finished backup reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The database that was copied.
    pub source: PathBuf,
    /// The new copy.
    pub target: PathBuf,
    /// Size of the copy in bytes.
    pub bytes: u64,
}

/// What to tell an operator whose `DATABASE_URL` is PostgreSQL.
pub const POSTGRES_ADVICE: &str = "DATABASE_URL points to PostgreSQL: `stapvoorstap backup` copies \
the embedded SQLite database only. Back up PostgreSQL with its own tools: `pg_dump --format=custom \
--file=stapvoorstap.dump DBNAME` for a consistent dump while the service runs (restore with \
`pg_restore`), or continuous WAL archiving with base backups (`pg_basebackup`) for point-in-time \
recovery (PITR).";

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Copies the SQLite database of `url` to `target`, which must not exist yet.
pub fn backup(url: &DatabaseUrl, target: &Path) -> anyhow::Result<BackupReport> {
    if url.is_postgres() {
        bail!("{POSTGRES_ADVICE}");
    }
    let source = PathBuf::from(url.sqlite_path());
    // Opening a missing file would create an empty database and "back up" nothing.
    if !source.is_file() {
        bail!(
            "no SQLite database at {} (DATABASE_URL): nothing to back up",
            source.display()
        );
    }
    if target.symlink_metadata().is_ok() {
        bail!(
            "{} exists; a backup never replaces a file: choose a new name",
            target.display()
        );
    }
    let name = target
        .file_name()
        .with_context(|| format!("{} names no file", target.display()))?;
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        bail!("folder {} does not exist", folder.display());
    }
    let partial = folder.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = copy_checked(&source, &partial).and_then(|()| publish(&partial, target));
    // On success the partial name is only a second link; on failure it is an unfinished copy.
    let _ = std::fs::remove_file(&partial);
    result?;
    sync_folder(&folder);
    let bytes = std::fs::metadata(target)
        .with_context(|| format!("cannot read {}", target.display()))?
        .len();
    Ok(BackupReport {
        source,
        target: target.to_path_buf(),
        bytes,
    })
}

/// `VACUUM INTO` the partial file, check it, and flush it to disk.
fn copy_checked(source: &Path, partial: &Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(partial);
    let source_str = source
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", source.display()))?;
    let partial_str = partial
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", partial.display()))?;
    let mut conn = SqliteConnection::establish(source_str)
        .with_context(|| format!("cannot open {}", source.display()))?;
    // A writer may hold the lock for a moment (WAL recovery, a checkpoint): wait, don't fail.
    diesel::sql_query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .context("cannot configure the connection")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(partial_str)
        .execute(&mut conn)
        .with_context(|| format!("cannot copy {}", source.display()))?;
    drop(conn);

    let mut copy = SqliteConnection::establish(partial_str)
        .with_context(|| format!("cannot open the copy {}", partial.display()))?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .context("cannot check the copy")?;
    drop(copy);
    if !matches!(checks.as_slice(), [c] if c.integrity_check == "ok") {
        let found: Vec<String> = checks.into_iter().map(|c| c.integrity_check).collect();
        bail!(
            "the copy failed PRAGMA integrity_check: {}",
            found.join("; ")
        );
    }
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", partial.display()))?;
    Ok(())
}

/// Gives the finished copy its name without ever replacing a file: a hard link fails when the
/// name exists (even if it appeared since the first check). On a file system without hard links
/// the name is checked once more and the copy renamed.
fn publish(partial: &Path, target: &Path) -> anyhow::Result<()> {
    match std::fs::hard_link(partial, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} exists; a backup never replaces a file: choose a new name",
            target.display()
        ),
        Err(_) if target.symlink_metadata().is_err() => std::fs::rename(partial, target)
            .with_context(|| format!("cannot name the copy {}", target.display())),
        Err(_) => bail!(
            "{} exists; a backup never replaces a file: choose a new name",
            target.display()
        ),
    }
}

/// Makes the new name durable (best effort: not every platform can open a folder).
fn sync_folder(folder: &Path) {
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
}
