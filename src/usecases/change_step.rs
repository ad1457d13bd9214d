//! A caseworker changes a step: hands it over to a volunteer or a colleague (a new owner),
//! moves its date, priority or place, rewrites its texts, or skips or cancels it.

use super::StepChanged;
use super::access::resolve_owner;
use super::staff_steps::lock_step_for_caseworker;
use crate::auth::AuthUser;
use crate::db::{self, DbConn, plans};
use crate::domain::kinds::{AuditAction, EventKind, StepStatus};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Msg;
use crate::scheduler::{self, ReminderRules};
use crate::wire::entity_tag::{Condition, EntityTag};
use crate::wire::plans::UpdateStepRequest;
use crate::wire::validate;

/// What the caseworker sends.
#[derive(Debug)]
pub struct ChangeStep {
    /// The step.
    pub step_id: String,
    /// The version the caller last saw (`If-Match`); another one is refused (412).
    pub if_match: Condition,
    /// The changes; absent fields stay as they are. `status` is already known to be a skip or
    /// a cancel.
    pub request: UpdateStepRequest,
    /// The reason of a skip or cancel, already checked.
    pub reason: Option<String>,
}

/// Changes a step of a plan of the caller's team in one write transaction (else 404): a stale
/// version is 412, a skip or cancel of a completed step 409 `step_completed`. A new owner or
/// date moves the due-date reminders along; a skip or cancel closes them; whatever became
/// ready is issued. The access is audited and the change is on the timeline.
pub fn change_step(
    conn: &mut DbConn,
    actor: &AuthUser,
    input: ChangeStep,
    rules: &ReminderRules,
) -> ApiResult<StepChanged> {
    let r = &input.request;
    db::write_tx(conn, |conn| {
        let (plan, step) =
            lock_step_for_caseworker(conn, actor, &input.step_id, AuditAction::Update)?;
        if !input
            .if_match
            .matches_strong(&EntityTag::of_version(step.version))
        {
            return Err(ApiError::PreconditionFailed);
        }
        let mut s = step.clone();
        if let Some(o) = &r.owner {
            let (t, u) = resolve_owner(conn, &plan.team_id, o, "owner")?;
            s.owner_type = t.as_str().into();
            s.owner_user_id = u;
        }
        if let Some(d) = r.due_on {
            s.due_on = d;
        }
        if let Some(p) = r.priority {
            s.priority = p.as_str().into();
        }
        if let Some(p) = r.position {
            s.position = p;
        }
        for (field, value, target_nl, target_en, max) in [
            ("title", &r.title, &mut s.title_nl, &mut s.title_en, 80),
            ("why", &r.why, &mut s.why_nl, &mut s.why_en, 300),
            (
                "description",
                &r.description,
                &mut s.description_nl,
                &mut s.description_en,
                1000,
            ),
        ] {
            if let Some(t) = value {
                *target_nl = validate::text_of(field, &format!("{field}.nl"), &t.nl, 1, max)?;
                *target_en = match &t.en {
                    Some(en) => validate::text_of(field, &format!("{field}.en"), en, 1, max)?,
                    None => target_nl.clone(),
                };
            }
        }
        let mut kind = EventKind::StepChanged;
        if let Some(st) = r.status {
            if StepStatus::from(&step).is_completed() {
                return Err(ApiError::Conflict {
                    code: "step_completed",
                    detail: Msg::StepCompleted,
                });
            }
            s.status = st.as_str().into();
            s.status_reason = input.reason.clone();
            kind = match st {
                StepStatus::Skipped => EventKind::Skipped,
                StepStatus::Cancelled => EventKind::Cancelled,
                // Refused above: only a skip or a cancel changes the status here.
                _ => EventKind::StepChanged,
            };
        }
        let s = plans::update_step(conn, &s)?;
        if r.status.is_some() {
            scheduler::on_step_closed(conn, &s.id)?;
        } else if s.due_on != step.due_on || s.owner_type != step.owner_type {
            // A new date, or a step handed over: due-date reminders follow the change.
            scheduler::on_due_date_changed(conn, rules, &plan, &s)?;
        }
        StepChanged::after(conn, &plan, &s.id, kind, actor, rules)
    })
}
