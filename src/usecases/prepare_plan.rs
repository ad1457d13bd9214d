//! A plan worked out from a caseworker's request before anything is written: the template
//! version, intake, selection, owners, due dates and the steps done in the conversation.
//! Making a plan and its preview both go through [`prepare_plan`].

use super::access::resolve_owner;
use super::templates::parse_stored;
use crate::auth::AuthUser;
use crate::db::plans::{self, PlanRow, StepRow};
use crate::db::{self, DbConn, users};
use crate::domain::kinds::{Language, OwnerRole, OwnerType, StepStatus};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::wire::plans::CreatePlanRequest;
use crate::wire::steps::PlanResponse;
use std::collections::HashMap;

/// Makes the plan's steps from a template, applying intake, selection, owners and dates.
fn build_steps(
    conn: &mut DbConn,
    plan_id: &str,
    team_id: &str,
    caseworker_id: &str,
    template: &crate::domain::template::Template,
    req: &CreatePlanRequest,
) -> Result<Vec<StepRow>, ApiError> {
    for key in req.intake.keys() {
        if !template.conditions.iter().any(|c| &c.key == key) {
            return Err(ApiError::invalid(
                format!("intake.{key}"),
                Msg::NotAnIntakeQuestion,
            ));
        }
    }
    if req
        .items
        .as_ref()
        .is_some_and(|i| i.len() > crate::domain::template::MAX_ITEMS)
    {
        return Err(ApiError::invalid(
            "items",
            crate::i18n::Msg::ListTooLong {
                max: crate::domain::template::MAX_ITEMS,
            },
        ));
    }
    let known = |k: &String| template.item(k).is_some();
    if let Some(items) = &req.items
        && let Some(bad) = items.iter().find(|k| !known(k))
    {
        return Err(ApiError::invalid(
            "items",
            Msg::UnknownItemKey {
                key: bad.to_string(),
            },
        ));
    }
    if let Some(bad) = req.owners.keys().find(|k| !known(k)) {
        return Err(ApiError::invalid(format!("owners.{bad}"), Msg::UnknownItem));
    }
    if let Some(bad) = req.due_dates.keys().find(|k| !known(k)) {
        return Err(ApiError::invalid(
            format!("due_dates.{bad}"),
            Msg::UnknownItem,
        ));
    }
    if req.done_in_conversation.len() > crate::domain::template::MAX_ITEMS {
        return Err(ApiError::invalid(
            "done_in_conversation",
            Msg::ListTooLong {
                max: crate::domain::template::MAX_ITEMS,
            },
        ));
    }
    if let Some(bad) = req.done_in_conversation.iter().find(|k| !known(k)) {
        return Err(ApiError::invalid(
            "done_in_conversation",
            Msg::UnknownItemKey {
                key: bad.to_string(),
            },
        ));
    }
    let ids: HashMap<&str, String> = template
        .items
        .iter()
        .map(|i| (i.key.as_str(), db::new_id()))
        .collect();
    let now = db::now();
    let mut rows = Vec::new();
    for (position, item) in template.items.iter().enumerate() {
        let applies = item.conditions.is_empty()
            || item
                .conditions
                .iter()
                .any(|c| req.intake.get(c).copied().unwrap_or(false));
        let selected = req.items.as_ref().is_none_or(|sel| sel.contains(&item.key));
        let (owner_type, owner_user_id) = match req.owners.get(&item.key) {
            Some(o) => resolve_owner(conn, team_id, o, &format!("owners.{}", item.key))?,
            None => match item.owner {
                OwnerRole::Resident => (OwnerType::Resident, None),
                OwnerRole::Professional | OwnerRole::Together => {
                    (OwnerType::Staff, Some(caseworker_id.to_owned()))
                }
                // No volunteer is known yet: the resident starts it; a caseworker can hand it over.
                OwnerRole::Volunteer => (OwnerType::Resident, None),
            },
        };
        let in_conversation = req.done_in_conversation.contains(&item.key);
        if in_conversation && !(applies && selected) {
            return Err(ApiError::invalid(
                "done_in_conversation",
                Msg::DoneNotInPlan {
                    key: item.key.clone(),
                },
            ));
        }
        let (status, reason, completed) = if !applies {
            (StepStatus::Skipped, Some("n.v.t."), None)
        } else if !selected {
            (StepStatus::Skipped, Some("not_selected"), None)
        } else if item.intake_done || in_conversation {
            (StepStatus::Done, None, Some(now))
        } else {
            (StepStatus::Planned, None, None)
        };
        let depends_on: Vec<&String> = item
            .depends_on
            .iter()
            .filter_map(|d| ids.get(d.as_str()))
            .collect();
        rows.push(StepRow {
            id: ids[item.key.as_str()].clone(),
            plan_id: plan_id.to_owned(),
            item_key: Some(item.key.clone()),
            category: item.category.clone(),
            category_order: template.category_order(&item.category).unwrap_or(99),
            position: i32::try_from(position).unwrap_or(i32::MAX) + 1,
            title_nl: item.title.nl.clone(),
            title_en: item.title.en.clone(),
            why_nl: item.why.nl.clone(),
            why_en: item.why.en.clone(),
            description_nl: item.description.nl.clone(),
            description_en: item.description.en.clone(),
            minutes: item.minutes,
            owner_type: owner_type.as_str().into(),
            owner_user_id,
            priority: item.priority.as_str().into(),
            evidence: item.evidence.as_str().into(),
            status: status.as_str().into(),
            status_reason: reason.map(str::to_owned),
            depends_on: serde_json::to_string(&depends_on).map_err(ApiError::internal)?,
            intake_done: item.intake_done,
            due_on: req.due_dates.get(&item.key).copied(),
            help_requested_at: None,
            issued_at: completed,
            completed_at: completed,
            completed_by: completed.map(|_| caseworker_id.to_owned()),
            completion_note: (in_conversation && !item.intake_done)
                .then(|| DONE_IN_CONVERSATION_NOTE.to_owned()),
            verified_at: None,
            verified_by: None,
            version: 1,
            created_at: now,
            updated_at: now,
            intention_on: None,
            intention_part: None,
            intention_time: None,
            snoozed_until: None,
            snooze_reason: None,
            snooze_note: None,
            crisis_reported_at: None,
            gates: serde_json::to_string(&item.gate).map_err(ApiError::internal)?,
        });
    }
    Ok(rows)
}

/// The note on steps done in the conversation (`done_in_conversation`).
pub const DONE_IN_CONVERSATION_NOTE: &str = "in het gesprek";

/// A plan worked out from a request, before anything is written: the template and the steps
/// as they would be stored. Plan creation and its preview both go through [`prepare_plan`].
pub(crate) struct Prepared {
    pub(crate) template_row: plans::TemplateRow,
    pub(crate) template: crate::domain::template::Template,
    pub(crate) team_id: String,
    pub(crate) plan_id: String,
    pub(crate) rows: Vec<StepRow>,
}

pub(crate) fn prepare_plan(
    conn: &mut DbConn,
    auth: &AuthUser,
    resident: &users::UserRow,
    req: &CreatePlanRequest,
) -> Result<Prepared, ApiError> {
    let template_row = match req.template_id {
        Some(id) => plans::find_template(conn, &id.to_string())?
            .ok_or_else(|| ApiError::invalid("template_id", Msg::UnknownTemplate))?,
        None => {
            let d = crate::domain::template::default_template();
            plans::find_template_by_version(conn, &d.key, d.version)?.ok_or(ApiError::NotFound)?
        }
    };
    let template = parse_stored(&template_row)?;
    let team_id = resident.team_id.clone().unwrap_or_default();
    let plan_id = db::new_id();
    let rows = build_steps(conn, &plan_id, &team_id, &auth.id, &template, req)?;
    Ok(Prepared {
        template_row,
        template,
        team_id,
        plan_id,
        rows,
    })
}

/// Loads the full plan view.
pub fn load_plan_view(
    conn: &mut DbConn,
    plan: &PlanRow,
    lang: Language,
) -> Result<PlanResponse, ApiError> {
    // Read again: a change in this transaction took the plan's lock, which moves its ETag.
    let plan = plans::find_plan(conn, &plan.id)?.ok_or(ApiError::NotFound)?;
    let steps = plans::list_steps(conn, &plan.id)?;
    Ok(PlanResponse::new(&plan, &steps, lang))
}
