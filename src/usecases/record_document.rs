//! A stored file gets its row: the database half of a resident's upload, after the bytes
//! are stored (encrypted) and before the answer. Storage itself stays with the caller.

use super::documents::plan_full;
use super::documents::{check_upload_target, replay};
use super::my_steps::lock_my_step;
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::EventKind;
use crate::error::{ApiError, ApiResult};
use crate::scheduler::{self, ReminderRules};
use crate::wire::documents::{DocumentResponse, ReviewState};

/// The upload as it arrived and was stored, and its retry key.
#[derive(Debug, Clone)]
pub struct RecordDocument {
    /// The step.
    pub step_id: String,
    /// The retry key, if sent, and the fingerprint of the request it belongs to.
    pub key: Option<String>,
    pub fingerprint: String,
    /// How long stored answers are kept.
    pub ttl: chrono::Duration,
    /// The new document's id.
    pub doc_id: String,
    /// Its media type as stored (`image/jpeg`, `application/pdf`).
    pub media_type: String,
    /// Stored size in bytes.
    pub size: i64,
    /// SHA-256 of the stored content (hex).
    pub sha256: String,
    /// The wrapped content key and the master key that wrapped it.
    pub key_id: String,
    pub wrapped_key: String,
    /// Where the blob is.
    pub blob_key: String,
}

/// What recording did.
#[derive(Debug)]
pub struct Recorded {
    /// 201 for a new document, 200 for the same content stored before or a stored answer.
    pub status: i32,
    /// The JSON body of the answer.
    pub body: String,
    /// The stored answer of the key (nothing was written).
    pub replayed: bool,
    /// The new blob got a row; otherwise the caller discards it.
    pub fresh: bool,
}

/// Gives a stored file its row in one write transaction with its checks: the resident's own
/// step (else 404) that is still open and asks for a document (else 409), a stored answer
/// for the key, the same content already there (then the first document is the answer),
/// room in the plan (`max_plan_bytes`, else 413). A new document is on the timeline and
/// counts as activity; the answer is stored for the key.
pub fn record_document(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: RecordDocument,
    max_plan_bytes: u64,
    rules: &ReminderRules,
) -> ApiResult<Recorded> {
    db::write_tx(conn, |conn| {
        let (plan, step) = lock_my_step(conn, actor, &input.step_id)?;
        if let Some(k) = &input.key
            && let Some((status, body)) =
                replay(conn, &actor.id, k, &input.fingerprint, input.ttl, true)?
        {
            return Ok(Recorded {
                status,
                body,
                replayed: true,
                fresh: false,
            });
        }
        check_upload_target(&plan, &step)?;
        let (status, row, fresh) = match docs_db::find_duplicate(conn, &step.id, &input.sha256)? {
            Some(existing) => (200, existing, false),
            None => {
                let used = docs_db::plan_bytes(conn, &plan.id)?;
                if (used + input.size) as u64 > max_plan_bytes {
                    return Err(plan_full());
                }
                let t = db::now();
                let row = DocumentRow {
                    id: input.doc_id.clone(),
                    plan_id: plan.id.clone(),
                    step_id: step.id.clone(),
                    media_type: input.media_type.clone(),
                    size_bytes: input.size,
                    sha256: input.sha256.clone(),
                    key_id: input.key_id.clone(),
                    wrapped_key: input.wrapped_key.clone(),
                    blob_key: input.blob_key.clone(),
                    state: ReviewState::Pending.as_str().into(),
                    review_reason: None,
                    reviewed_by: None,
                    reviewed_at: None,
                    created_at: t,
                };
                docs_db::insert_document(conn, &row)?;
                plans::insert_event(
                    conn,
                    &plan.id,
                    Some(&step.id),
                    EventKind::DocumentAdded,
                    Some(&actor.id),
                    Some(actor.role.as_str()),
                    t,
                    None,
                )?;
                scheduler::touch_activity(conn, rules, &plan.id)?;
                (201, row, true)
            }
        };
        let body =
            serde_json::to_string(&DocumentResponse::from(&row)).map_err(ApiError::internal)?;
        if let Some(k) = &input.key {
            crate::db::idempotency::save(conn, &actor.id, k, status, &body, None)?;
        }
        Ok(Recorded {
            status,
            body,
            replayed: false,
            fresh,
        })
    })
}
