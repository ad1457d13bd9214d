//! A caseworker accepts a document: the proof is fine, so its step is verified.

use super::completion::complete;
use super::documents::lock_for_review;
use super::staff_steps::mark_verified;
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::{self, DbConn};
use crate::domain::kinds::{AuditAction, StepStatus};
use crate::error::ApiResult;
use crate::scheduler::ReminderRules;
use crate::wire::documents::ReviewState;

/// Accepts a document of the caller's team (else 404) in one write transaction: an open step
/// is completed first (which issues what comes next), then a done step is verified. The
/// access is audited; the completion and the verification are on the timeline.
pub fn accept_document(
    conn: &mut DbConn,
    actor: &AuthUser,
    document_id: &str,
    rules: &ReminderRules,
) -> ApiResult<DocumentRow> {
    db::write_tx(conn, |conn| {
        let (plan, step, doc) = lock_for_review(conn, actor, document_id, AuditAction::Accept)?;
        let doc = docs_db::update_review(
            conn,
            &doc.id,
            ReviewState::Accepted.as_str(),
            None,
            &actor.id,
        )?;
        let step = if step.status == StepStatus::Open.as_str() {
            complete(conn, &plan, &step, actor, None, rules, None)?.0
        } else {
            step
        };
        if step.status == StepStatus::Done.as_str() {
            let mut s = step;
            s.status_reason = None;
            mark_verified(conn, &plan.id, s, actor)?;
        }
        Ok(doc)
    })
}
