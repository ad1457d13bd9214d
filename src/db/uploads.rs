//! Resumable uploads (tus) and their pieces; the bytes live in the document store.

use super::schema::{upload_parts, uploads};
use super::{DbConn, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An upload in progress (or finished, until it expires).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: String,
    pub resident_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub upload_length: i64,
    pub upload_offset: i64,
    pub key_id: String,
    pub wrapped_key: String,
    pub document_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// One received piece of an upload.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = upload_parts)]
pub struct UploadPartRow {
    pub upload_id: String,
    pub start_offset: i64,
    pub size_bytes: i64,
    pub blob_key: String,
}

pub fn insert_upload(conn: &mut DbConn, row: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(uploads::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_upload(conn: &mut DbConn, id: &str) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id)
        .select(UploadRow::as_select())
        .first(conn)
        .optional()
}

/// A plan's unfinished uploads, oldest first (the resident's data export lists them).
pub fn list_unfinished_for_plan(conn: &mut DbConn, plan_id: &str) -> QueryResult<Vec<UploadRow>> {
    uploads::table
        .filter(uploads::plan_id.eq(plan_id))
        .filter(uploads::document_id.is_null())
        .order((uploads::created_at.asc(), uploads::id.asc()))
        .select(UploadRow::as_select())
        .load(conn)
}

/// Bytes that unfinished, unexpired uploads of a plan will add (reserved against its limit).
pub fn reserved_bytes(conn: &mut DbConn, plan_id: &str) -> QueryResult<i64> {
    let sizes: Vec<i64> = uploads::table
        .filter(uploads::plan_id.eq(plan_id))
        .filter(uploads::document_id.is_null())
        .filter(uploads::expires_at.gt(now()))
        .select(uploads::upload_length)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// Records a received piece, if the upload is still at `from` (another request may have
/// moved it on meanwhile: then nothing changes and `false` comes back).
pub fn append_part(
    conn: &mut DbConn,
    part: &UploadPartRow,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let moved = diesel::update(
        uploads::table
            .find(&part.upload_id)
            .filter(uploads::upload_offset.eq(part.start_offset))
            .filter(uploads::document_id.is_null()),
    )
    .set((
        uploads::upload_offset.eq(part.start_offset + part.size_bytes),
        uploads::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(false);
    }
    diesel::insert_into(upload_parts::table)
        .values(part)
        .execute(conn)?;
    Ok(true)
}

/// The pieces of an upload, in order.
pub fn list_parts(conn: &mut DbConn, upload_id: &str) -> QueryResult<Vec<UploadPartRow>> {
    upload_parts::table
        .filter(upload_parts::upload_id.eq(upload_id))
        .select(UploadPartRow::as_select())
        .order(upload_parts::start_offset.asc())
        .load(conn)
}

/// Notes the document an upload became and drops its pieces (queued for deletion from the
/// store); the row stays until it expires, so a retry learns the document id.
pub fn finish_upload(conn: &mut DbConn, upload_id: &str, document_id: &str) -> QueryResult<()> {
    diesel::update(uploads::table.find(upload_id))
        .set(uploads::document_id.eq(document_id))
        .execute(conn)?;
    let keys: Vec<String> = upload_parts::table
        .filter(upload_parts::upload_id.eq(upload_id))
        .select(upload_parts::blob_key)
        .load(conn)?;
    for k in &keys {
        super::documents::queue_blob_deletion(conn, k)?;
    }
    diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq(upload_id)))
        .execute(conn)?;
    Ok(())
}

/// Deletes an upload and its piece rows, queueing the pieces' blobs for deletion after the
/// commit; returns the blob keys.
pub fn delete_upload(conn: &mut DbConn, upload_id: &str) -> QueryResult<Vec<String>> {
    let keys: Vec<String> = upload_parts::table
        .filter(upload_parts::upload_id.eq(upload_id))
        .select(upload_parts::blob_key)
        .load(conn)?;
    for k in &keys {
        super::documents::queue_blob_deletion(conn, k)?;
    }
    diesel::delete(upload_parts::table.filter(upload_parts::upload_id.eq(upload_id)))
        .execute(conn)?;
    diesel::delete(uploads::table.find(upload_id)).execute(conn)?;
    Ok(keys)
}

/// Ids of uploads that expired before `at`.
pub fn list_expired(conn: &mut DbConn, at: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    uploads::table
        .filter(uploads::expires_at.le(at))
        .select(uploads::id)
        .order(uploads::expires_at.asc())
        .limit(limit)
        .load(conn)
}

/// Every upload of these plans (erasure).
pub fn delete_uploads_of_plans(conn: &mut DbConn, plan_ids: &[String]) -> QueryResult<usize> {
    let ids: Vec<String> = uploads::table
        .filter(uploads::plan_id.eq_any(plan_ids))
        .select(uploads::id)
        .load(conn)?;
    for id in &ids {
        delete_upload(conn, id)?;
    }
    Ok(ids.len())
}

/// Ids of every upload (to tell orphaned blobs in the store from live ones).
pub fn all_ids(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    uploads::table.select(uploads::id).load(conn)
}
