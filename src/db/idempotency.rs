//! Stored answers of writes sent with an `Idempotency-Key` (see `api::idempotency`).

use super::schema::idempotency_keys;
use super::{DbConn, now, on_backend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored answer: what was asked (a fingerprint) and what was answered.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredAnswer {
    pub request: String,
    pub status: i32,
    pub body: String,
    pub etag: Option<String>,
}

/// Claims (user, key) for a write about to run, inside the write's transaction: an answer
/// older than `expired_before` is forgotten first. Returns `None` when the key is now ours
/// (run the write, then [`save`]), or the stored answer of an earlier request with this key.
///
/// On PostgreSQL a concurrent request with the same key waits in the `INSERT … ON CONFLICT`
/// until the first one commits (then finds its answer) or rolls back (then claims the key);
/// SQLite's write transactions run one at a time anyway.
pub fn claim(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    request: &str,
    expired_before: NaiveDateTime,
) -> QueryResult<Option<StoredAnswer>> {
    on_backend!(conn, |c| diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::created_at.lt(expired_before)),
    )
    .execute(c))?;
    // Status 0 marks the claim; it is replaced by the answer before the transaction commits,
    // so no other request ever sees it.
    let claimed = on_backend!(conn, |c| diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request.eq(request),
            idempotency_keys::status.eq(0),
            idempotency_keys::body.eq(""),
            idempotency_keys::created_at.eq(now()),
        ))
        .on_conflict((idempotency_keys::user_id, idempotency_keys::key))
        .do_nothing()
        .execute(c))?;
    if claimed == 1 {
        return Ok(None);
    }
    on_backend!(conn, |c| idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::key.eq(key))
        .select(StoredAnswer::as_select())
        .first(c))
    .map(Some)
}

/// The stored answer for (user, key) if one younger than `expired_before` exists (a read that
/// claims nothing: for checks before a long upload is received).
pub fn find_live(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    expired_before: NaiveDateTime,
) -> QueryResult<Option<StoredAnswer>> {
    on_backend!(conn, |c| idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::key.eq(key))
        .filter(idempotency_keys::created_at.ge(expired_before))
        .filter(idempotency_keys::status.ne(0))
        .select(StoredAnswer::as_select())
        .first(c))
    .optional()
}

/// Stores the answer of a claimed key.
pub fn save(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    status: i32,
    body: &str,
    etag: Option<&str>,
) -> QueryResult<()> {
    on_backend!(conn, |c| diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::status.eq(status),
        idempotency_keys::body.eq(body),
        idempotency_keys::etag.eq(etag),
    ))
    .execute(c))
    .map(|_| ())
}

/// Deletes every stored answer created before `before` (the scheduler tick calls it with
/// now − `IDEMPOTENCY_TTL`); returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    on_backend!(conn, |c| diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)),
    )
    .execute(c))
}
