//! A caseworker accepts a document: the proof is fine, so its step is verified.

use super::completion::complete;
use super::documents::lock_for_review;
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{AuditAction, EventKind, StepStatus};
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
            let t = db::now();
            let mut s = step.clone();
            s.status = StepStatus::Verified.as_str().into();
            s.status_reason = None;
            s.verified_at = Some(t);
            s.verified_by = Some(actor.id.clone());
            plans::update_step(conn, &s)?;
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                EventKind::Verified,
                Some(&actor.id),
                Some(actor.role.as_str()),
                t,
                None,
            )?;
        }
        Ok(doc)
    })
}
