//! The resident deletes one of their documents before it is reviewed (a wrong photo, say).

use super::documents::find_my_document;
use crate::auth::AuthUser;
use crate::db::documents as docs_db;
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::EventKind;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::wire::documents::ReviewState;

/// Deletes the resident's own document (else 404) in one write transaction, while it waits
/// for review (else 409 `document_reviewed`): the row goes, its blob is queued for deletion,
/// and the timeline gets `document_deleted`. The caller sweeps the queued blob afterwards.
pub fn delete_document(conn: &mut DbConn, actor: &AuthUser, document_id: &str) -> ApiResult<()> {
    db::write_tx(conn, |conn| {
        let (plan, _) = find_my_document(conn, actor, document_id)?;
        plans::lock_plan(conn, &plan.id)?;
        let doc = docs_db::find_document(conn, document_id)?.ok_or(ApiError::NotFound)?;
        if doc.state != ReviewState::Pending.as_str() {
            return Err(ApiError::Conflict {
                code: "document_reviewed",
                detail: Msg::DocumentReviewed,
            });
        }
        docs_db::delete_documents(conn, std::slice::from_ref(&doc))?;
        plans::insert_event(
            conn,
            &plan.id,
            Some(&doc.step_id),
            EventKind::DocumentDeleted,
            Some(&actor.id),
            Some(actor.role.as_str()),
            db::now(),
            None,
        )?;
        Ok(())
    })
}
