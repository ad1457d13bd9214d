//! The rest of a resumable (tus) upload's life in the database: finding one of my uploads,
//! keeping a piece that arrived, tying the finished upload to its document, and dropping an
//! upload. The bytes themselves (receiving, storing, assembling, deleting blobs) stay with the
//! caller, outside any transaction.

use crate::auth::AuthUser;
use crate::db::uploads::{self as uploads_db, UploadPartRow, UploadRow};
use crate::db::{self, DbConn};
use crate::error::ApiError;

/// One of my uploads that has not expired; another resident's, an unknown or an expired one is
/// 404 alike.
pub fn find_my_upload(
    conn: &mut DbConn,
    actor: &AuthUser,
    upload_id: &str,
) -> Result<UploadRow, ApiError> {
    match uploads_db::find_upload(conn, upload_id)? {
        Some(u) if u.resident_id == actor.id && u.expires_at > db::now() => Ok(u),
        _ => Err(ApiError::NotFound),
    }
}

/// Keeps a stored piece at its offset and moves the upload's expiry to `expires`, in one write
/// transaction. Answers whether it was kept (`false`: another request for the same offset was
/// first, so the caller deletes this piece's blob) and the upload as it now is (`None`: it was
/// dropped meanwhile).
pub fn keep_part(
    conn: &mut DbConn,
    part: &UploadPartRow,
    expires: chrono::NaiveDateTime,
) -> Result<(bool, Option<UploadRow>), ApiError> {
    db::write_tx(conn, |conn| {
        let kept = uploads_db::append_part(conn, part, expires)?;
        Ok((kept, uploads_db::find_upload(conn, &part.upload_id)?))
    })
}

/// The pieces of an upload, in order.
pub fn parts_of(conn: &mut DbConn, upload_id: &str) -> Result<Vec<UploadPartRow>, ApiError> {
    Ok(uploads_db::list_parts(conn, upload_id)?)
}

/// The assembled file became a document: the upload points at it and its pieces are queued for
/// deletion, in one write transaction.
pub fn finish_upload(
    conn: &mut DbConn,
    upload_id: &str,
    document_id: &str,
) -> Result<(), ApiError> {
    db::write_tx(conn, |conn| {
        Ok(uploads_db::finish_upload(conn, upload_id, document_id)?)
    })
}

/// Deletes an upload and its pieces' rows (their blobs are queued for deletion), in one write
/// transaction: a refusal at the end, or the resident stopping it.
pub fn drop_upload(conn: &mut DbConn, upload_id: &str) -> Result<(), ApiError> {
    db::write_tx(conn, |conn| {
        uploads_db::delete_upload(conn, upload_id)?;
        Ok(())
    })
}
