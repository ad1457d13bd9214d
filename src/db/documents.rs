//! Document rows (metadata and wrapped keys; the bytes live in the document store) and the
//! queue of blobs to delete after a commit.

use super::schema::{blob_deletions, documents};
use super::{DbConn, new_id, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A stored document.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: String,
    pub plan_id: String,
    pub step_id: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub key_id: String,
    pub wrapped_key: String,
    pub blob_key: String,
    pub state: String,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_document(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_document(conn: &mut DbConn, id: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

/// A step's documents, oldest first.
pub fn list_for_step(conn: &mut DbConn, step_id: &str) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::step_id.eq(step_id))
        .select(DocumentRow::as_select())
        .order((documents::created_at.asc(), documents::id.asc()))
        .load(conn)
}

/// A plan's documents, oldest first.
pub fn list_for_plan(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::plan_id.eq(plan_id))
        .select(DocumentRow::as_select())
        .order((documents::created_at.asc(), documents::id.asc()))
        .load(conn)
}

/// Bytes a plan's documents take.
pub fn plan_bytes(conn: &mut DbConn, plan_id: &str) -> QueryResult<i64> {
    let sizes: Vec<i64> = documents::table
        .filter(documents::plan_id.eq(plan_id))
        .select(documents::size_bytes)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// (documents, accepted documents) of one plan (research counts).
pub fn plan_counts(conn: &mut DbConn, plan_id: &str) -> QueryResult<(u32, u32)> {
    let states: Vec<String> = documents::table
        .filter(documents::plan_id.eq(plan_id))
        .select(documents::state)
        .load(conn)?;
    let n = |k: usize| u32::try_from(k).unwrap_or(u32::MAX);
    Ok((
        n(states.len()),
        n(states.iter().filter(|s| *s == "accepted").count()),
    ))
}

/// (plan, review state) of every document (research counts).
pub fn list_plan_states(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    documents::table
        .select((documents::plan_id, documents::state))
        .load(conn)
}

/// The same content already on this step, not rejected (a retry or a double tap).
pub fn find_duplicate(
    conn: &mut DbConn,
    step_id: &str,
    sha256: &str,
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::step_id.eq(step_id))
        .filter(documents::sha256.eq(sha256))
        .filter(documents::state.ne("rejected"))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

/// Records a review.
pub fn update_review(
    conn: &mut DbConn,
    id: &str,
    state: &str,
    reason: Option<&str>,
    by: &str,
) -> QueryResult<DocumentRow> {
    diesel::update(documents::table.find(id))
        .set((
            documents::state.eq(state),
            documents::review_reason.eq(reason),
            documents::reviewed_by.eq(by),
            documents::reviewed_at.eq(now()),
        ))
        .returning(documents::all_columns)
        .get_result(conn)
}

/// Replaces a document's wrapped key (master-key rotation).
pub fn update_wrapped_key(
    conn: &mut DbConn,
    id: &str,
    key_id: &str,
    wrapped: &str,
) -> QueryResult<()> {
    diesel::update(documents::table.find(id))
        .set((
            documents::key_id.eq(key_id),
            documents::wrapped_key.eq(wrapped),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Documents whose data key is wrapped by another master key than `current`.
pub fn list_wrapped_by_other(
    conn: &mut DbConn,
    current: &str,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    documents::table
        .filter(documents::key_id.ne(current))
        .select(DocumentRow::as_select())
        .order(documents::id.asc())
        .limit(limit)
        .load(conn)
}

/// Deletes document rows and queues their blobs for deletion, in the caller's transaction.
pub fn delete_documents(conn: &mut DbConn, rows: &[DocumentRow]) -> QueryResult<()> {
    for row in rows {
        queue_blob_deletion(conn, &row.blob_key)?;
        diesel::delete(documents::table.find(&row.id)).execute(conn)?;
    }
    Ok(())
}

/// Deletes every document of these plans (erasure), queueing their blobs.
pub fn delete_documents_of_plans(conn: &mut DbConn, plan_ids: &[String]) -> QueryResult<usize> {
    let rows: Vec<DocumentRow> = documents::table
        .filter(documents::plan_id.eq_any(plan_ids))
        .select(DocumentRow::as_select())
        .load(conn)?;
    delete_documents(conn, &rows)?;
    Ok(rows.len())
}

/// Queues one blob for deletion after the commit.
pub fn queue_blob_deletion(conn: &mut DbConn, blob_key: &str) -> QueryResult<()> {
    let t = now();
    diesel::insert_into(blob_deletions::table)
        .values((
            blob_deletions::id.eq(new_id()),
            blob_deletions::blob_key.eq(blob_key),
            blob_deletions::attempts.eq(0),
            blob_deletions::next_attempt_at.eq(t),
            blob_deletions::created_at.eq(t),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A queued blob deletion.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = blob_deletions)]
pub struct BlobDeletionRow {
    pub id: String,
    pub blob_key: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Deletions due now. Several instances may pick the same row: deleting a blob twice is
/// harmless, so no lease is needed.
pub fn list_due_deletions(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<BlobDeletionRow>> {
    blob_deletions::table
        .filter(blob_deletions::next_attempt_at.le(now()))
        .select(BlobDeletionRow::as_select())
        .order(blob_deletions::next_attempt_at.asc())
        .limit(limit)
        .load(conn)
}

/// The store confirmed the deletion.
pub fn finish_deletion(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(blob_deletions::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// The store failed: try again later (backing off up to an hour).
pub fn retry_deletion(conn: &mut DbConn, row: &BlobDeletionRow, error: &str) -> QueryResult<()> {
    let attempts = row.attempts.saturating_add(1);
    let wait =
        chrono::Duration::seconds(30i64 << attempts.clamp(0, 7)).min(chrono::Duration::hours(1));
    diesel::update(blob_deletions::table.find(&row.id))
        .set((
            blob_deletions::attempts.eq(attempts),
            blob_deletions::next_attempt_at.eq(now() + wait),
            blob_deletions::last_error.eq(error.chars().take(300).collect::<String>()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// How many deletions are still queued.
pub fn count_queued_deletions(conn: &mut DbConn) -> QueryResult<i64> {
    blob_deletions::table.count().get_result(conn)
}
