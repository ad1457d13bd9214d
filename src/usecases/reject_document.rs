//! A caseworker rejects a document with a reason the resident reads: a finished step opens
//! again, and the resident is told there is a question about their step.

use super::documents::lock_for_review;
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::notifications::{self, NewReminder};
use crate::db::{self, DbConn, issuing, plans};
use crate::domain::kinds::{AuditAction, EventKind};
use crate::domain::reminders::ReminderKind;
use crate::error::ApiResult;
use crate::scheduler::ReminderRules;
use crate::wire::documents::ReviewState;

/// What the caseworker sends.
#[derive(Debug, Clone)]
pub struct RejectDocument {
    /// The document.
    pub document_id: String,
    /// Why, already checked (the resident reads it).
    pub reason: String,
}

/// Rejects a document of the caller's team (else 404) in one write transaction: the reason
/// goes on the document and its step; a done or verified step goes back to planned (on the
/// timeline, and whatever is ready is issued). The resident gets a document-question reminder.
/// The access is audited.
pub fn reject_document(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: RejectDocument,
    rules: &ReminderRules,
) -> ApiResult<DocumentRow> {
    let reason = &input.reason;
    db::write_tx(conn, |conn| {
        let (plan, step, doc) =
            lock_for_review(conn, actor, &input.document_id, AuditAction::Reject)?;
        let doc = docs_db::update_review(
            conn,
            &doc.id,
            ReviewState::Rejected.as_str(),
            Some(reason),
            &actor.id,
        )?;
        let mut s = step.clone();
        s.status_reason = Some(reason.clone());
        let finished = matches!(step.status.as_str(), "done" | "verified");
        if finished {
            s.back_to_planned();
        }
        plans::update_step(conn, &s)?;
        if finished {
            plans::insert_event(
                conn,
                &plan.id,
                Some(&s.id),
                EventKind::Reopened,
                Some(&actor.id),
                Some(actor.role.as_str()),
                db::now(),
                None,
            )?;
            issuing::issue_ready_steps(conn, &plan, rules)?;
        }
        notifications::enqueue(
            conn,
            &NewReminder::about_plan(
                &plan.resident_id,
                &plan.id,
                ReminderKind::DocumentQuestion,
                format!("document_question:{}", doc.id),
                db::now(),
            ),
        )?;
        Ok(doc)
    })
}
