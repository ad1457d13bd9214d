//! Documents as the use cases reach them: the resident's own, one under review by a
//! caseworker of its team, the checks of an upload and its retry key.

use super::access::{find_visible_plan, record};
use crate::auth::AuthUser;
use crate::db::documents::{self as docs_db, DocumentRow};
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn};
use crate::domain::kinds::{AuditAction, AuditObject, StepStatus};
use crate::error::ApiError;
use crate::i18n::Msg;

/// One of my documents and its plan, or 404.
pub fn find_my_document(
    conn: &mut DbConn,
    auth: &AuthUser,
    id: &str,
) -> Result<(PlanRow, DocumentRow), ApiError> {
    let doc = docs_db::find_document(conn, id)?.ok_or(ApiError::NotFound)?;
    let plan = plans::find_plan(conn, &doc.plan_id)?.ok_or(ApiError::NotFound)?;
    if plan.resident_id != auth.id {
        return Err(ApiError::NotFound);
    }
    Ok((plan, doc))
}

/// Loads a document for review by a caseworker of its team (else 404), under the plan lock,
/// and records the access.
pub fn lock_for_review(
    conn: &mut DbConn,
    auth: &AuthUser,
    id: &str,
    action: AuditAction,
) -> Result<(PlanRow, StepRow, DocumentRow), ApiError> {
    let doc = docs_db::find_document(conn, id)?.ok_or(ApiError::NotFound)?;
    let plan = find_visible_plan(conn, auth, &doc.plan_id)?;
    plans::lock_plan(conn, &plan.id)?;
    let doc = docs_db::find_document(conn, id)?.ok_or(ApiError::NotFound)?;
    let step = plans::find_step(conn, &doc.step_id)?.ok_or(ApiError::NotFound)?;
    record(
        conn,
        auth,
        &plan.resident_id,
        action,
        AuditObject::Document,
        Some(&doc.id),
    )?;
    Ok((plan, step, doc))
}

/// The caller's own open step that asks for a document (else 404 / 409).
pub fn check_upload_target(plan: &PlanRow, step: &StepRow) -> Result<(), ApiError> {
    if step.status != StepStatus::Open.as_str() {
        return Err(ApiError::Conflict {
            code: "step_not_open",
            detail: Msg::DocumentsNeedOpenStep,
        });
    }
    if !matches!(step.evidence.as_str(), "photo" | "document") {
        return Err(ApiError::Conflict {
            code: "step_takes_no_documents",
            detail: Msg::StepTakesNoDocuments,
        });
    }
    let _ = plan;
    Ok(())
}

/// A stored answer for this (resident, key), if any; a key used for another request is a 409.
/// With `claim`, the key is claimed for this upload when it is new (inside the write
/// transaction; the answer is saved before it commits).
pub fn replay(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    fingerprint: &str,
    ttl: chrono::Duration,
    claim: bool,
) -> Result<Option<(i32, String)>, ApiError> {
    let expired_before = db::now() - ttl;
    let stored = if claim {
        crate::db::idempotency::claim(conn, user_id, key, fingerprint, expired_before)?
    } else {
        crate::db::idempotency::find_live(conn, user_id, key, expired_before)?
    };
    match stored {
        None => Ok(None),
        Some(a) if a.request == fingerprint => Ok(Some((a.status, a.body))),
        Some(_) => Err(ApiError::Conflict {
            code: "idempotency_key_reused",
            detail: Msg::IdempotencyKeyReused,
        }),
    }
}

/// A 413: the plan holds as many documents as it may.
pub fn plan_full() -> ApiError {
    ApiError::Refused {
        status: 413,
        code: "plan_documents_full",
        title: Msg::TitlePlanFull,
        detail: Msg::PlanDocumentsFull,
    }
}
