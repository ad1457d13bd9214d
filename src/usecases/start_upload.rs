//! A resident starts a resumable (tus) upload for one of their steps: the database half, after
//! the upload's key is made and before the answer. Its pieces and their storage stay with the
//! caller.

use super::documents::plan_full;
use super::documents::{check_upload_target, replay};
use super::my_steps::lock_my_step;
use crate::auth::AuthUser;
use crate::db::uploads::{self as uploads_db, UploadRow};
use crate::db::{self, DbConn, documents as docs_db};
use crate::error::{ApiError, ApiResult};
use crate::wire::documents::UploadResponse;

/// The upload asked for, already checked for form, and its retry key.
#[derive(Debug, Clone)]
pub struct StartUpload {
    /// The step.
    pub step_id: String,
    /// The file's whole length in bytes (at least 1, within the file limit).
    pub length: i64,
    /// The retry key, if sent, and the fingerprint of the request it belongs to.
    pub key: Option<String>,
    pub fingerprint: String,
    /// How long stored answers are kept.
    pub ttl: chrono::Duration,
    /// How long the upload lives after its last piece.
    pub upload_ttl: chrono::Duration,
    /// The new upload's id.
    pub upload_id: String,
    /// Its wrapped content key and the master key that wrapped it.
    pub key_id: String,
    pub wrapped_key: String,
}

/// What starting did.
#[derive(Debug)]
pub struct Started {
    /// 201, or the status of the stored answer.
    pub status: i32,
    /// The JSON body of the answer.
    pub body: String,
    /// The stored answer of the key (nothing was written).
    pub replayed: bool,
}

/// Records a new upload in one write transaction with its checks: the resident's own step
/// (else 404) that is still open and asks for a document (else 409), a stored answer for the
/// key, room in the plan counting the other unfinished uploads (`max_plan_bytes`, else 413).
/// The answer is stored for the key.
pub fn start_upload(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: StartUpload,
    max_plan_bytes: u64,
) -> ApiResult<Started> {
    db::write_tx(conn, |conn| {
        let (plan, step) = lock_my_step(conn, actor, &input.step_id)?;
        if let Some(k) = &input.key
            && let Some((status, body)) =
                replay(conn, &actor.id, k, &input.fingerprint, input.ttl, true)?
        {
            return Ok(Started {
                status,
                body,
                replayed: true,
            });
        }
        check_upload_target(&plan, &step)?;
        let used =
            docs_db::plan_bytes(conn, &plan.id)? + uploads_db::reserved_bytes(conn, &plan.id)?;
        if (used + input.length) as u64 > max_plan_bytes {
            return Err(plan_full());
        }
        let t = db::now();
        let row = UploadRow {
            id: input.upload_id.clone(),
            resident_id: actor.id.clone(),
            plan_id: plan.id.clone(),
            step_id: step.id.clone(),
            upload_length: input.length,
            upload_offset: 0,
            key_id: input.key_id.clone(),
            wrapped_key: input.wrapped_key.clone(),
            document_id: None,
            created_at: t,
            expires_at: t + input.upload_ttl,
        };
        uploads_db::insert_upload(conn, &row)?;
        let body =
            serde_json::to_string(&UploadResponse::from(&row)).map_err(ApiError::internal)?;
        if let Some(k) = &input.key {
            crate::db::idempotency::save(conn, &actor.id, k, 201, &body, None)?;
        }
        Ok(Started {
            status: 201,
            body,
            replayed: false,
        })
    })
}
